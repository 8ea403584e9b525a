//! The fault matrix: what the client does when the network or the server misbehaves, one row
//! per fault, each against a real server on 127.0.0.1. Every row must end in a typed error (the
//! variant and what it keeps are asserted) or the right value, within a bounded time: never a
//! panic, never a hang.
//!
//! Each row is its own test (`row::<name>`, so a failure names its row and one row can be run
//! alone), and `matrix` runs them all one after the other and prints the table
//! (`cargo test -p telnyx-api --no-default-features --test fault_matrix -- --nocapture matrix`).
//! A row runs in its own task under a time limit: a panic or a hang becomes a failed row of the
//! table instead of stopping the others.

#[path = "../runtime_support/mod.rs"]
mod runtime_support;

mod decoding;
mod protocol;
mod transport;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};
use telnyx_api::chat::{self, ChatCompletionChunk};
use telnyx_api::request::decode_json;
use telnyx_api::{ApiCall, Client, ClientBuilder, Error};

use runtime_support::{call, exact_policy, get, ms, End, Reply, Server, Sleeps};

const KEY: &str = "KEYfault0123456789";

/// No row may take longer than this; a row still running then is reported as a hang.
const ROW_LIMIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------- the table

type RowFuture = Pin<Box<dyn Future<Output = String> + Send>>;

/// One row: its name, what it expects, and the case, which panics on a mismatch and otherwise
/// says what it got.
struct Row {
    name: &'static str,
    expected: &'static str,
    run: fn() -> RowFuture,
}

struct Outcome {
    name: &'static str,
    expected: &'static str,
    got: String,
    passed: bool,
    elapsed: Duration,
}

/// `rows! { name: "expected", ... }` lists the rows (each `cases::name`) in `ROWS` and makes one
/// test per row in `mod row`.
macro_rules! rows {
    ($($name:ident: $expected:literal,)*) => {
        const ROWS: &[Row] = &[$(Row {
            name: stringify!($name),
            expected: $expected,
            run: || Box::pin(cases::$name()),
        },)*];

        mod row {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::check(stringify!($name)).await;
                }
            )*
        }
    };
}

rows! {
    connection_refused: "Transport (connect), 3 attempts",
    reset_before_headers: "Transport, retried: 3 attempts",
    reset_mid_body_json: "Transport (decode: body cut), not retried",
    reset_mid_body_sse: "chunk, then a Transport item, then end",
    headers_never_arrive: "Timeout (per-attempt total)",
    connect_never_completes: "Transport (connect timeout)",
    body_drips_one_byte_per_second: "Timeout (per-attempt total)",
    content_length_larger_than_body: "Transport (decode: body cut), not retried",
    truncated_json: "Decode (EOF), path, body kept",
    valid_json_wrong_shape: "decoded, deviation at the path; strict: Decode",
    wrong_content_type: "JSON labelled text/plain: decoded",
    invalid_utf8_in_json_string: "Decode at the string's path",
    empty_200_for_typed_response: "Decode saying the body is empty",
    html_200_from_a_proxy: "Decode, body prefix <html> kept",
    redirect_301_to_other_host: "followed; Authorization not sent to the other host",
    redirect_302_to_other_host: "followed; Authorization not sent to the other host",
    redirect_307_to_other_host: "followed; Authorization not sent to the other host",
    retry_after_0: "backoff 500 ms, then the value",
    retry_after_2: "slept 2 s, then the value",
    retry_after_3600: "Api 429 at once: no sleep, 1 attempt",
    storm_503: "Api 503 after max_retries+1 attempts",
    keep_alive_closed_between_requests: "next request succeeds",
    huge_error_body: "Api 500, 64 KiB prefix, truncated; bounded read",
    sse_only_comments_forever: "Timeout (stream idle)",
}

async fn run_row(row: &Row) -> Outcome {
    let started = Instant::now();
    let mut task = tokio::spawn((row.run)());
    let (got, passed) = match tokio::time::timeout(ROW_LIMIT, &mut task).await {
        Ok(Ok(got)) => (got, true),
        Ok(Err(join)) => {
            let message = match join.try_into_panic() {
                Ok(payload) => payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "a panic".to_owned()),
                Err(join) => join.to_string(),
            };
            (format!("FAILED: {message}"), false)
        }
        Err(_) => {
            task.abort();
            (format!("HUNG: no outcome within {ROW_LIMIT:?}"), false)
        }
    };
    // One line per row in the table.
    let got = got.split_whitespace().collect::<Vec<_>>().join(" ");
    Outcome { name: row.name, expected: row.expected, got, passed, elapsed: started.elapsed() }
}

/// Run one row by name; fail with its outcome.
async fn check(name: &str) {
    let row = ROWS.iter().find(|r| r.name == name).expect("a row of that name");
    let outcome = run_row(row).await;
    assert!(outcome.passed, "{}: expected {}, got {}", outcome.name, outcome.expected, outcome.got);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix() {
    let mut outcomes = Vec::new();
    for row in ROWS {
        outcomes.push(run_row(row).await);
    }
    let width = |f: fn(&Outcome) -> usize| outcomes.iter().map(f).max().unwrap_or(0);
    let (wn, we) = (width(|o| o.name.len()).max(4), width(|o| o.expected.len()).max(8));
    let wg = width(|o| o.got.chars().count()).max(3);
    println!("\n{:wn$} | {:we$} | {:wg$} | {:>7}", "case", "expected", "got", "time ms");
    println!("{}-+-{}-+-{}-+-{}", "-".repeat(wn), "-".repeat(we), "-".repeat(wg), "-".repeat(7));
    for o in &outcomes {
        let mark = if o.passed { "" } else { "  <-- FAILED" };
        println!("{:wn$} | {:we$} | {:wg$} | {:>7}{mark}", o.name, o.expected, o.got, o.elapsed.as_millis());
    }
    let failed: Vec<String> = outcomes.iter().filter(|o| !o.passed).map(|o| format!("{}: {}", o.name, o.got)).collect();
    assert!(failed.is_empty(), "{} of {} rows failed:\n{}", failed.len(), outcomes.len(), failed.join("\n"));
}

// ---------------------------------------------------------------- helpers

fn builder(url: &str) -> ClientBuilder {
    Client::builder().api_key(KEY).base_url(url)
}

/// A client whose retry waits are recorded instead of slept.
fn client_with_sleeps(b: ClientBuilder) -> (Client, Sleeps) {
    let sleeps = Sleeps::default();
    let client = sleeps.install(b.retry_policy(exact_policy())).build().unwrap();
    (client, sleeps)
}

fn json_headers() -> Vec<(String, String)> {
    vec![("content-type".into(), "application/json".into())]
}

fn sse_headers() -> Vec<(String, String)> {
    vec![("content-type".into(), "text/event-stream".into())]
}

/// A typed response, for the decoding rows.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // only decoded
struct Balance {
    data: BalanceData,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct BalanceData {
    balance: String,
    currency: String,
}

telnyx_api::shaped!(Balance { "data": BalanceData });
telnyx_api::shaped!(BalanceData { "balance": String, "currency": String });

fn chunk_event(content: &str) -> Vec<u8> {
    let chunk = json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "m",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]
    });
    format!("data: {chunk}\n\n").into_bytes()
}

fn chat_request() -> Value {
    json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
}

/// A reqwest error's kind, for the "got" column.
fn kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() && e.is_connect() {
        "connect timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_body() {
        "body"
    } else if e.is_decode() {
        "decode"
    } else if e.is_request() {
        "request"
    } else {
        "other"
    }
}

/// The `Transport` source of an error, or a panic naming what it was instead.
fn transport(err: &Error) -> &reqwest::Error {
    match err {
        Error::Transport { operation, source } => {
            assert_eq!(*operation, "testOp");
            source
        }
        other => panic!("expected Error::Transport, got {other:?}"),
    }
}

/// The parts of an `Error::Decode`, or a panic naming what it was instead.
fn decode_parts(err: &Error) -> (&'static str, StatusCode, &str, &str, &[u8]) {
    match err {
        Error::Decode { type_name, status, path, message, body, .. } => {
            (*type_name, *status, path.as_str(), message.as_str(), body.as_ref())
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

/// Every row, by name (what `rows!` calls).
mod cases {
    pub use super::decoding::*;
    pub use super::protocol::*;
    pub use super::transport::*;
}
