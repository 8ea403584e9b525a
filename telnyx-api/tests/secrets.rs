//! The API key never shows: not in `Debug` or `Display` of any error (nor of its sources), and
//! not in any tracing span or event at any level, from any crate (reqwest's `log` records
//! included) — while requests succeed, fail with 4xx and 5xx, are retried, time out, redirect
//! to another host, and while the server echoes the `Authorization` header back in the body
//! and in a response header.
//!
//! Run with the `tracing` feature:
//! `cargo test -p telnyx-api --no-default-features --features tracing --test secrets`.
#![cfg(feature = "tracing")]

mod runtime_support;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use futures::StreamExt as _;
use serde::Deserialize;
use serde_json::{json, Value};
use telnyx_api::pagination::{PageData, PageStyle, Paginator};
use telnyx_api::request::{decode_json, RawResponse};
use telnyx_api::{chat, ApiCall, Client, Error, RetryPolicy};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use runtime_support::{get, Recorded, Reply, Server, Sleeps};

const KEY: &str = "KEYsecrets-9f3c2a7d1e";

// ---------------------------------------------------------------- recording everything

/// Everything recorded: span creations with their fields, later field records, events of every
/// level and target, and `log` records.
fn log() -> &'static Mutex<String> {
    static LOG: OnceLock<Mutex<String>> = OnceLock::new();
    LOG.get_or_init(|| Mutex::new(String::new()))
}

fn append(line: String) {
    let mut log = log().lock().unwrap();
    log.push_str(&line);
    log.push('\n');
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

/// A subscriber that is enabled for everything and writes every span and event as a line.
#[derive(Default)]
struct Capture {
    next_id: AtomicU64,
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let meta = span.metadata();
        let mut line = format!("span {} {} {} id={id}", meta.level(), meta.target(), meta.name());
        span.record(&mut Fields(&mut line));
        append(line);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut line = format!("record id={}", span.into_u64());
        values.record(&mut Fields(&mut line));
        append(line);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut line = format!("event {} {}", meta.level(), meta.target());
        event.record(&mut Fields(&mut line));
        append(line);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// reqwest logs through `log`, not `tracing`.
struct LogCapture;

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        append(format!("log {} {} {}", record.level(), record.target(), record.args()));
    }

    fn flush(&self) {}
}

/// Install the recorders once for the whole test binary (the tests may run on several
/// threads, and the runtimes' worker threads must be recorded too).
fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        tracing::subscriber::set_global_default(Capture::default()).expect("no other subscriber");
        log::set_logger(&LogCapture).expect("no other logger");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

// ---------------------------------------------------------------- scenarios

/// A server that echoes the request's `Authorization` header back in the body (in the Telnyx
/// error envelope, so it would reach `Display`) and in a response header.
fn echo(status: u16, request: &Recorded) -> Reply {
    let auth = request.header("authorization").unwrap_or("none").to_owned();
    Reply::json(
        status,
        json!({"errors": [{"code": "10009", "title": "Echo", "detail": format!("you sent {auth}")}], "echo": auth}),
    )
    .header("x-echo-authorization", &auth)
    .header("x-request-id", "echo-1")
}

/// [`client`], decoding strictly: a body that does not fit its type is an error.
fn strict_client(url: &str) -> (Client, Sleeps) {
    client_with(url, true)
}

fn client(url: &str) -> (Client, Sleeps) {
    client_with(url, false)
}

fn client_with(url: &str, strict: bool) -> (Client, Sleeps) {
    let sleeps = Sleeps::default();
    let client = sleeps
        .install(
            Client::builder()
                .api_key(KEY)
                .base_url(url)
                .timeout(Some(Duration::from_millis(300)))
                .retry_policy(RetryPolicy { jitter: 0.0, ..RetryPolicy::default() })
                .strict_decoding(strict),
        )
        .build()
        .unwrap();
    (client, sleeps)
}

/// `Display`, `Debug` and every source of an error, as text.
fn all_text(err: &Error) -> String {
    let mut out = format!("{err}\n{err:?}\n");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let _ = writeln!(out, "{s}\n{s:?}");
        source = s.source();
    }
    out
}

/// A typed response whose `echo` the server fills with a string, so decoding fails on it.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // only decoded
struct Echo {
    echo: u32,
}

telnyx_api::shaped!(Echo { "echo": u32 });

/// Each scenario returns the error it ended with (if any) and asserts that the server really
/// received (and echoed) the key, so the absence checks below check something.
async fn scenarios() -> Vec<(&'static str, Error)> {
    let mut errors = Vec::new();
    let bearer = format!("Bearer {KEY}");

    // Success, with the key echoed in the body and a header.
    let server = Server::start(|_, r| echo(200, r)).await;
    let (c, _) = client(&server.url());
    let resp = ApiCall::new(&c, get("/ok"), decode_json::<Value>).with_response().await.unwrap();
    assert_eq!(resp.data["echo"], bearer.as_str(), "the server echoes the key");
    assert_eq!(resp.headers["x-echo-authorization"], bearer.as_str());

    // 4xx: not retried.
    let server = Server::start(|_, r| echo(401, r)).await;
    let (c, _) = client(&server.url());
    errors.push(("401", ApiCall::new(&c, get("/denied"), decode_json::<Value>).await.unwrap_err()));
    assert_eq!(server.requests()[0].header("authorization"), Some(bearer.as_str()));

    // 5xx on every attempt: retried, then the last error.
    let server = Server::start(|_, r| echo(503, r)).await;
    let (c, sleeps) = client(&server.url());
    errors.push(("503 storm", ApiCall::new(&c, get("/storm"), decode_json::<Value>).await.unwrap_err()));
    assert_eq!((server.count(), sleeps.taken().len()), (3, 2));

    // 5xx then success.
    let server = Server::start(|i, r| echo(if i == 0 { 500 } else { 200 }, r)).await;
    let (c, _) = client(&server.url());
    ApiCall::new(&c, get("/flaky"), decode_json::<Value>).await.unwrap();

    // A success body that does not decode, with the key in the field that fails: strictly an
    // error; leniently a deviation (on the response, and in a warn event) whose value is it.
    let server = Server::start(|_, r| echo(200, r)).await;
    let (c, _) = client(&server.url());
    let resp = ApiCall::new(&c, get("/shape"), decode_json::<Echo>).with_response().await.unwrap();
    assert_eq!(resp.deviations.len(), 1, "{:?}", resp.deviations);
    assert!(!format!("{:?} {}", resp.deviations, resp.deviations[0]).contains(KEY), "{:?}", resp.deviations);
    assert!(format!("{:?}", resp.deviations).contains("<redacted>"), "{:?}", resp.deviations);
    let (c, _) = strict_client(&server.url());
    errors.push(("decode", ApiCall::new(&c, get("/shape"), decode_json::<Echo>).await.unwrap_err()));

    // Timeouts on every attempt.
    let server = Server::always(Reply::Hang).await;
    let (c, _) = client(&server.url());
    errors.push(("timeout", ApiCall::new(&c, get("/slow"), decode_json::<Value>).await.unwrap_err()));

    // Connection refused.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refused = format!("http://{}/v2", listener.local_addr().unwrap());
    drop(listener);
    let (c, _) = client(&refused);
    errors.push(("refused", ApiCall::new(&c, get("/r"), decode_json::<Value>).await.unwrap_err()));

    // A redirect to another host, which answers with an error.
    let other = Server::start(|_, r| echo(400, r)).await;
    let location = format!("http://localhost:{}/v2/elsewhere", other.port());
    let server = Server::always(Reply::status(307).header("location", &location)).await;
    let (c, _) = client(&server.url());
    errors.push(("redirect", ApiCall::new(&c, get("/moved"), decode_json::<Value>).await.unwrap_err()));
    assert_eq!(other.requests()[0].header("authorization"), None);

    // A page of a paginator that does not decode, the key in the field that fails.
    let server = Server::start(|_, r| echo(200, r)).await;
    let (c, _) = strict_client(&server.url());
    let first = ApiCall::new(&c, get("/pages"), decode_json::<Value>);
    let fetch: fn(&'static str, RawResponse) -> telnyx_api::Result<PageData<u32>> = |op, raw| {
        let page: Echo = decode_json(op, raw)?;
        Ok(PageData { items: vec![page.echo], ..PageData::default() })
    };
    let mut pages =
        std::pin::pin!(Paginator::new(first, PageStyle::Number { number: "page[number]", size: None }, fetch).pages());
    errors.push(("paginator page", pages.next().await.expect("a page").unwrap_err()));

    // The streaming chat path: an error status before the stream, and a stream that stalls.
    let server = Server::start(|_, r| echo(429, r)).await;
    let (c, _) = client(&server.url());
    let request = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    errors.push(("chat stream 429", chat::create_completion_stream(&c, &request).await.unwrap_err()));
    let server = Server::always(Reply::Stall { status: 200, declared_len: 100, partial: b": hi\n\n".to_vec() }).await;
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .stream_idle_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut stream = chat::create_completion_stream(&c, &request).await.unwrap();
    errors.push(("chat stream idle", stream.next().await.expect("an item").unwrap_err()));

    // An error event inside a stream that echoes the key: untyped (chat) and typed (Anthropic).
    let server = Server::start(|_, r| {
        let auth = r.header("authorization").unwrap_or_default().to_owned();
        let event = json!({"error": {"message": format!("you sent {auth}"), "type": auth, "code": auth}});
        Reply::bytes(200, "text/event-stream", format!("data: {event}\n\n").into_bytes())
    })
    .await;
    let (c, _) = client(&server.url());
    let mut stream = chat::create_completion_stream(&c, &request).await.unwrap();
    errors.push(("chat stream error event", stream.next().await.expect("an item").unwrap_err()));
    assert_eq!(server.requests()[0].header("authorization"), Some(bearer.as_str()));
    let server = Server::start(|_, r| {
        let auth = r.header("authorization").unwrap_or_default().to_owned();
        let event = json!({"type": "error", "error": {"type": auth, "message": format!("you sent {auth}")}});
        Reply::bytes(200, "text/event-stream", format!("event: error\ndata: {event}\n\n").into_bytes())
    })
    .await;
    let (c, _) = client(&server.url());
    let mut stream = telnyx_api::anthropic::create_message_stream(&c, &request).await.unwrap();
    let err = stream.next().await.expect("an item").unwrap_err();
    assert!(matches!(err, Error::StreamEvent(_)), "{err:?}");
    errors.push(("anthropic stream error event", err));

    // A POST without a dedup key that got a 502 after it was sent: `MaybeCarriedOut` around
    // the echoed error.
    let server = Server::start(|_, r| echo(502, r)).await;
    let (c, _) = client(&server.url());
    let post = telnyx_api::Request::new(reqwest::Method::POST, "testPost", "/p", "/p".to_owned());
    let err = ApiCall::new(&c, post, decode_json::<Value>).await.unwrap_err();
    assert!(err.may_have_been_carried_out(), "{err:?}");
    errors.push(("maybe carried out", err));

    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_in_no_error_and_no_trace() {
    install();
    // Controls: a field of a TRACE event and a `log` record do reach the recording.
    tracing::trace!(target: "control", marker = "tracing-control-marker");
    log::trace!(target: "control", "log-control-marker");
    let errors = tokio::time::timeout(Duration::from_secs(60), scenarios()).await.expect("scenarios within 60 s");

    let mut leaks = Vec::new();
    for (name, err) in &errors {
        let text = all_text(err);
        if text.contains(KEY) {
            leaks.push(format!("error {name}: {text}"));
        }
    }
    let log = log().lock().unwrap().clone();
    // The recording saw the requests at all levels, from our crate and the HTTP stack.
    assert!(log.contains("event TRACE control marker=tracing-control-marker"), "{log}");
    assert!(log.contains("log TRACE control log-control-marker"), "{log}");
    assert!(log.contains("telnyx_api.request"), "{log}");
    assert!(log.contains("event DEBUG telnyx_api"), "{log}");
    assert!(log.lines().any(|l| l.starts_with("log ") && l.contains("reqwest")), "no reqwest log records:\n{log}");
    assert!(log.lines().any(|l| l.starts_with("event TRACE") || l.starts_with("log TRACE")), "no TRACE:\n{log}");
    for line in log.lines().filter(|l| l.contains(KEY)) {
        leaks.push(format!("trace: {line}"));
    }
    let mut targets: Vec<&str> =
        log.lines().filter(|l| !l.starts_with("record")).filter_map(|l| l.split(' ').nth(2)).collect();
    targets.sort_unstable();
    targets.dedup();
    println!("recorded {} trace lines from {targets:?}; {} errors checked", log.lines().count(), errors.len());
    assert!(leaks.is_empty(), "the API key leaked:\n{}", leaks.join("\n"));
}
