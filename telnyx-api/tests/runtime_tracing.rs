//! The `tracing` feature: one span per request with method, path template, operation id,
//! attempt and status, and never the API key.
#![cfg(feature = "tracing")]

mod runtime_support;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{json, Value};
use telnyx_api::request::decode_json;
use telnyx_api::{ApiCall, Client, Request, RetryPolicy};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use runtime_support::{Reply, Server, Sleeps};

const KEY: &str = "KEYtracing-secret-0123";

/// Writes every span creation, field record and event as a line of text.
#[derive(Clone, Default)]
struct Capture {
    log: Arc<Mutex<String>>,
    next_id: Arc<AtomicU64>,
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut line = format!("new_span {} id={id}", span.metadata().name());
        span.record(&mut Fields(&mut line));
        self.log.lock().unwrap().push_str(&(line + "\n"));
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut line = format!("record id={}", span.into_u64());
        values.record(&mut Fields(&mut line));
        self.log.lock().unwrap().push_str(&(line + "\n"));
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = format!("event {}", event.metadata().level());
        event.record(&mut Fields(&mut line));
        self.log.lock().unwrap().push_str(&(line + "\n"));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[test]
fn request_span_has_method_path_operation_attempt_and_status() {
    let capture = Capture::default();
    let log = capture.log.clone();
    tracing::subscriber::with_default(capture, || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let server = Server::sequence(vec![Reply::status(503), Reply::json(200, json!({"ok": true}))]).await;
            let sleeps = Sleeps::default();
            let client = sleeps
                .install(
                    Client::builder()
                        .api_key(KEY)
                        .base_url(server.url())
                        .retry_policy(RetryPolicy { jitter: 0.0, ..RetryPolicy::default() }),
                )
                .build()
                .unwrap();
            let req = Request::new(Method::POST, "sendMessage", "/messages/{id}", "/messages/abc".into());
            let v = ApiCall::new(&client, req, decode_json::<Value>).await.unwrap();
            assert_eq!(v, json!({"ok": true}));
        });
    });
    let log = log.lock().unwrap().clone();
    let span_line = log
        .lines()
        .find(|l| l.starts_with("new_span telnyx_api.request"))
        .unwrap_or_else(|| panic!("no request span in\n{log}"));
    assert!(span_line.contains("method=POST"), "{span_line}");
    assert!(span_line.contains("path=\"/messages/{id}\""), "{span_line}");
    assert!(span_line.contains("operation=\"sendMessage\""), "{span_line}");
    assert!(log.contains(" attempt=0"), "{log}");
    assert!(log.contains(" attempt=1"), "{log}");
    assert!(log.contains(" status=503"), "{log}");
    assert!(log.contains(" status=200"), "{log}");
    assert!(log.contains("retrying"), "{log}");
    assert!(!log.contains(KEY), "the API key leaked into the trace:\n{log}");
    assert!(!log.contains("Bearer"), "{log}");
}

#[test]
fn a_deviating_response_and_a_deviating_webhook_are_each_one_warn_event() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Balance {
        balance: String,
        currency: String,
    }
    telnyx_api::shaped!(Balance { "balance": String, "currency": String });
    let capture = Capture::default();
    let log = capture.log.clone();
    tracing::subscriber::with_default(capture, || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let server = Server::always(Reply::json(200, json!({"balance": 1.5}))).await;
            let client = Client::builder().api_key(KEY).base_url(server.url()).build().unwrap();
            let req = Request::new(Method::GET, "getBalance", "/balance", "/balance".into());
            let resp = ApiCall::new(&client, req, decode_json::<Balance>).with_response().await.unwrap();
            assert_eq!(resp.deviations.len(), 2, "{:?}", resp.deviations);
        });
        let body = br#"{"data":{"event_type":"message.received","id":5}}"#;
        let delivery = telnyx_api::webhooks::Delivery::decode(body, false).unwrap();
        assert_eq!(delivery.deviations.len(), 1, "{:?}", delivery.deviations);
    });
    let log = log.lock().unwrap().clone();
    let warns: Vec<&str> = log.lines().filter(|l| l.starts_with("event WARN")).collect();
    assert_eq!(warns.len(), 2, "{log}");
    assert!(warns[0].contains("operation=\"getBalance\"") && warns[0].contains("count=2"), "{}", warns[0]);
    assert!(warns[0].contains("balance: expected a string, found number 1.5"), "{}", warns[0]);
    assert!(warns[1].contains("event_type=\"message.received\"") && warns[1].contains("data.id"), "{}", warns[1]);
}
