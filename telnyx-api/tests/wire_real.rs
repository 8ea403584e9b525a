//! Bodies the live Telnyx API sent, captured in public code (test fixtures, logs, issue
//! threads; `tests/wire/real/SOURCES.toml` names each source and what it shows), decoded the
//! way users meet them: responses through the generated method against a local server,
//! webhooks through [`Delivery::decode`], error bodies as [`Error::Api`].
//!
//! Each must decode; the strict mode must fail exactly on the ones that deviate (so a
//! deviation is never silent); the table prints what each one deviates in.

#[path = "runtime_support/mod.rs"]
mod runtime_support;

use std::path::{Path, PathBuf};

use runtime_support::{Reply, Server};
use serde::Deserialize;
use telnyx_api::webhooks::Delivery;
use telnyx_api::{Client, Deviation, Error, WebhookEvent};

#[derive(Debug, Deserialize)]
struct Sources {
    body: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    file: String,
    method: Option<String>,
    path: Option<String>,
    status: Option<u16>,
    event_type: Option<String>,
    source: String,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wire/real")
}

fn sources() -> Vec<Entry> {
    let text = std::fs::read_to_string(dir().join("SOURCES.toml")).expect("SOURCES.toml");
    toml::from_str::<Sources>(&text).expect("SOURCES.toml parses").body
}

fn client(url: &str, strict: bool) -> Client {
    Client::builder().base_url(url).api_key("KEY").max_retries(0).strict_decoding(strict).build().unwrap()
}

/// Call the operation at `method path` through its generated method; the deviations.
async fn call(client: &Client, method: &str, path: &str) -> Result<Vec<Deviation>, Error> {
    async fn go<T: Send + 'static, I>(call: telnyx_api::ApiCall<T, I>) -> Result<Vec<Deviation>, Error> {
        call.with_response().await.map(|r| r.deviations)
    }
    match (method, path) {
        ("GET", "/phone_numbers") => go(client.phone_numbers().list()).await,
        ("GET", "/phone_numbers/{id}") => go(client.phone_numbers().retrieve("1")).await,
        ("GET", "/available_phone_numbers") => go(client.available_phone_numbers().list()).await,
        ("POST", "/number_orders") => go(client.number_orders().create()).await,
        ("POST", "/messages") => go(client.messages().send("+13125550001")).await,
        ("GET", "/number_lookup/{phone_number}") => go(client.number_lookup().retrieve("+13125550001")).await,
        ("POST", "/calls/{call_control_id}/actions/hangup") => go(client.calls().actions().hangup("v3:call")).await,
        other => panic!("no call for {other:?}: add it to wire_real.rs"),
    }
}

#[tokio::test]
async fn every_captured_body_decodes_and_strict_mode_names_the_deviating_ones() {
    let entries = sources();
    assert!(!entries.is_empty());
    let mut rows = Vec::new();
    let (mut passed, mut deviating) = (0, 0);
    for e in &entries {
        let body = std::fs::read(dir().join(&e.file)).unwrap_or_else(|err| panic!("{}: {err}", e.file));
        let host = e.source.split('/').nth(2).unwrap_or("?").to_owned();
        let repo = e.source.split('/').skip(3).take(2).collect::<Vec<_>>().join("/");
        let (result, deviations) = if let Some(event_type) = &e.event_type {
            let delivery = Delivery::decode(&body, false).unwrap_or_else(|err| panic!("{}: {err}", e.file));
            let known = WebhookEvent::EVENTS.iter().any(|i| i.event_type == event_type);
            assert_eq!(
                matches!(delivery.event, WebhookEvent::Unknown(_)),
                !known,
                "{}: a declared event type is its typed variant",
                e.file
            );
            let strict = Delivery::decode(&body, true);
            assert_eq!(strict.is_err(), !delivery.deviations.is_empty(), "{}: strict fails iff it deviates", e.file);
            (if known { "typed event" } else { "Unknown event" }.to_owned(), delivery.deviations)
        } else {
            let (method, path) = (e.method.as_deref().unwrap(), e.path.as_deref().unwrap());
            let status = e.status.unwrap_or(200);
            let reply = Reply::Http {
                status,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.clone(),
            };
            let server = Server::always(reply).await;
            if status >= 400 {
                let err = call(&client(&server.url(), false), method, path).await.unwrap_err();
                let api = err.api_error().unwrap_or_else(|| panic!("{}: {err}", e.file));
                assert!(!api.errors.is_empty(), "{}: the error envelope is read", e.file);
                (format!("Error::Api {status} [{}]", err.codes().join(",")), Vec::new())
            } else {
                let deviations = call(&client(&server.url(), false), method, path)
                    .await
                    .unwrap_or_else(|err| panic!("{}: {err}", e.file));
                let strict = call(&client(&server.url(), true), method, path).await;
                assert_eq!(
                    matches!(strict, Err(Error::Decode { .. })),
                    !deviations.is_empty(),
                    "{}: strict fails iff it deviates: {strict:?}",
                    e.file
                );
                (format!("{method} {path}"), deviations)
            }
        };
        passed += 1;
        deviating += usize::from(!deviations.is_empty());
        let first = deviations.first().map(ToString::to_string).unwrap_or_default();
        rows.push(format!(
            "{:<48} {:<28} {:<40} {:>3}  {first}",
            e.file,
            format!("{host}/{repo}"),
            result,
            deviations.len()
        ));
    }
    println!("{:<48} {:<28} {:<40} {:>3}  first deviation", "body", "source", "decoded as", "dev");
    for r in rows {
        println!("{r}");
    }
    println!("wire_real: {passed}/{} bodies decode, {deviating} of them with deviations", entries.len());
}
