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

mod runtime_support;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use telnyx_api::chat::{self, ChatCompletionChunk};
use telnyx_api::request::decode_json;
use telnyx_api::{ApiCall, Client, ClientBuilder, Error, Request, RetryPolicy};

use runtime_support::{End, Reply, Server, Sleeps};

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
    valid_json_wrong_shape: "Decode naming type and path, body kept",
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

/// A retry policy without jitter so that delays are exact.
fn exact_policy() -> RetryPolicy {
    RetryPolicy { jitter: 0.0, ..RetryPolicy::default() }
}

fn builder(url: &str) -> ClientBuilder {
    Client::builder().api_key(KEY).base_url(url)
}

/// A client whose retry waits are recorded instead of slept.
fn client_with_sleeps(b: ClientBuilder) -> (Client, Sleeps) {
    let sleeps = Sleeps::default();
    let client = sleeps.install(b.retry_policy(exact_policy())).build().unwrap();
    (client, sleeps)
}

fn get(path: &'static str) -> Request {
    Request::new(Method::GET, "testOp", path, path.to_owned())
}

fn call(client: &Client, req: Request) -> ApiCall<Value> {
    ApiCall::new(client, req, decode_json::<Value>)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
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

// ---------------------------------------------------------------- the rows

mod cases {
    use super::*;

    pub async fn connection_refused() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v2", listener.local_addr().unwrap());
        drop(listener);
        let (client, sleeps) = client_with_sleeps(builder(&url));
        let err = call(&client, get("/r")).await.unwrap_err();
        let source = transport(&err);
        assert!(source.is_connect(), "{source:?}");
        assert_eq!(err.status(), None);
        assert_eq!(sleeps.taken(), [ms(500), ms(1000)]);
        format!("Transport ({}), {} attempts", kind(source), sleeps.taken().len() + 1)
    }

    pub async fn reset_before_headers() -> String {
        let server = Server::always(Reply::Reset).await;
        let (client, sleeps) = client_with_sleeps(builder(&server.url()));
        let err = call(&client, get("/r")).await.unwrap_err();
        let source = transport(&err);
        // Nothing of a response arrived: the request is sent again, like a refused connection.
        assert_eq!((server.count(), sleeps.taken().len()), (3, 2), "{source:?}");
        format!("Transport ({}), {} attempts", kind(source), server.count())
    }

    pub async fn reset_mid_body_json() -> String {
        let server = Server::always(Reply::Partial {
            status: 200,
            headers: json_headers(),
            declared_len: Some(1000),
            partial: br#"{"data": [{"id": 1}, "#.to_vec(),
            then: End::Reset,
        })
        .await;
        let (client, sleeps) = client_with_sleeps(builder(&server.url()));
        let err = call(&client, get("/r")).await.unwrap_err();
        let source = transport(&err);
        // reqwest calls a body cut off by the connection a decode error (`is_decode`).
        assert!(source.is_decode(), "{source:?}");
        // The server answered: a half-read response is not sent again.
        assert_eq!((server.count(), sleeps.taken().len()), (1, 0));
        format!("Transport ({}), {} attempt", kind(source), server.count())
    }

    pub async fn reset_mid_body_sse() -> String {
        let mut partial = chunk_event("Hel");
        partial.extend_from_slice(b"data: {\"id\": \"chatcmpl-1\", \"obj");
        let server = Server::always(Reply::Partial {
            status: 200,
            headers: sse_headers(),
            declared_len: None,
            partial,
            then: End::Reset,
        })
        .await;
        let client = builder(&server.url()).max_retries(0).build().unwrap();
        let mut stream = chat::create_completion_stream(&client, &chat_request()).await.unwrap();
        let first: ChatCompletionChunk = stream.next().await.expect("an item").expect("the first chunk");
        assert_eq!(first.text(), Some("Hel"));
        let err = stream.next().await.expect("an item after the reset").unwrap_err();
        let source = match &err {
            Error::Transport { source, .. } => source,
            other => panic!("expected Error::Transport, got {other:?}"),
        };
        assert!(stream.next().await.is_none(), "the stream ends after the error");
        format!("chunk, Transport ({}), end", kind(source))
    }

    pub async fn headers_never_arrive() -> String {
        let server = Server::always(Reply::Hang).await;
        let client = builder(&server.url()).timeout(Some(ms(200))).max_retries(0).build().unwrap();
        let started = Instant::now();
        let err = call(&client, get("/r")).await.unwrap_err();
        let took = started.elapsed();
        assert!(matches!(err, Error::Timeout { operation: "testOp", timeout } if timeout == ms(200)), "{err:?}");
        assert!(took >= ms(190) && took < Duration::from_secs(3), "{took:?}");
        format!("Timeout after {} ms", took.as_millis())
    }

    /// A listener whose accept queue is full (and that never accepts) drops further SYNs, so a
    /// connection attempt neither succeeds nor fails: only the connect timeout ends it.
    pub async fn connect_never_completes() -> String {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let addr = listener.local_addr().unwrap();
        // Fill the queue: connect until an attempt does not complete.
        let mut held = Vec::new();
        let full = loop {
            match tokio::time::timeout(ms(200), tokio::net::TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => held.push(stream),
                Ok(Err(e)) => panic!("cannot fill the accept queue: {e}"),
                Err(_) => break true,
            }
            if held.len() > 64 {
                break false;
            }
        };
        assert!(full, "the accept queue never filled ({} connections)", held.len());
        let url = format!("http://{addr}/v2");
        let client = builder(&url).connect_timeout(ms(300)).max_retries(0).build().unwrap();
        let started = Instant::now();
        let err = call(&client, get("/r")).await.unwrap_err();
        let took = started.elapsed();
        let source = transport(&err);
        assert!(source.is_connect() && source.is_timeout(), "{source:?}");
        assert!(took >= ms(290) && took < Duration::from_secs(3), "{took:?}");
        drop((held, listener));
        format!("Transport ({}) after {} ms", kind(source), took.as_millis())
    }

    pub async fn body_drips_one_byte_per_second() -> String {
        let server = Server::always(Reply::Drip {
            status: 200,
            headers: json_headers(),
            body: br#"{"data": "slow"}"#.to_vec(),
            every: Duration::from_secs(1),
        })
        .await;
        let client = builder(&server.url()).timeout(Some(ms(1500))).max_retries(0).build().unwrap();
        let started = Instant::now();
        let err = call(&client, get("/r")).await.unwrap_err();
        let took = started.elapsed();
        // The per-attempt timeout covers the body, not only the headers.
        assert!(matches!(err, Error::Timeout { timeout, .. } if timeout == ms(1500)), "{err:?}");
        assert!(took < Duration::from_secs(4), "{took:?}");
        format!("Timeout after {} ms", took.as_millis())
    }

    pub async fn content_length_larger_than_body() -> String {
        let server = Server::always(Reply::Partial {
            status: 200,
            headers: json_headers(),
            declared_len: Some(100),
            partial: br#"{"ok": true}"#.to_vec(),
            then: End::Close,
        })
        .await;
        let (client, sleeps) = client_with_sleeps(builder(&server.url()));
        let err = call(&client, get("/r")).await.unwrap_err();
        let source = transport(&err);
        // reqwest calls a body cut off by the connection a decode error (`is_decode`).
        assert!(source.is_decode(), "{source:?}");
        assert_eq!((server.count(), sleeps.taken().len()), (1, 0));
        format!("Transport ({}), {} attempt", kind(source), server.count())
    }

    pub async fn truncated_json() -> String {
        let body = br#"{"data": {"balance": "1.0"#.to_vec();
        let server = Server::always(Reply::bytes(200, "application/json", body.clone())).await;
        let client = builder(&server.url()).build().unwrap();
        let err = call(&client, get("/r")).await.unwrap_err();
        let (_, status, path, message, kept) = decode_parts(&err);
        assert_eq!(status, StatusCode::OK);
        assert!(message.contains("EOF"), "{message}");
        assert_eq!(path, "data.balance", "{err}");
        assert_eq!(kept, body.as_slice());
        format!("Decode at `{path}`: {message}")
    }

    pub async fn valid_json_wrong_shape() -> String {
        let body = json!({"data": {"balance": 1.5, "currency": "USD"}}).to_string().into_bytes();
        let server = Server::always(Reply::bytes(200, "application/json", body.clone())).await;
        let client = builder(&server.url()).build().unwrap();
        let err = ApiCall::new(&client, get("/balance"), decode_json::<Balance>).await.unwrap_err();
        let (type_name, _, path, message, kept) = decode_parts(&err);
        assert!(type_name.ends_with("Balance"), "{type_name}");
        assert_eq!(path, "data.balance");
        assert!(message.contains("expected a string"), "{message}");
        assert_eq!(kept, body.as_slice());
        let text = err.to_string();
        assert!(text.contains("Balance") && text.contains("data.balance"), "{text}");
        format!("Decode as {} at `{path}`", type_name.rsplit("::").next().unwrap_or(type_name))
    }

    pub async fn wrong_content_type() -> String {
        // The declared type decides the decoding; a mislabelled JSON body is still read.
        let server = Server::always(Reply::bytes(200, "text/plain", br#"{"ok": true}"#.to_vec())).await;
        let client = builder(&server.url()).build().unwrap();
        let v = call(&client, get("/r")).await.unwrap();
        assert_eq!(v, json!({"ok": true}));
        format!("decoded {v}")
    }

    pub async fn invalid_utf8_in_json_string() -> String {
        let body = b"{\"data\": {\"balance\": \"1\xff\xfe0\", \"currency\": \"USD\"}}".to_vec();
        let server = Server::always(Reply::bytes(200, "application/json", body.clone())).await;
        let client = builder(&server.url()).build().unwrap();
        let err = ApiCall::new(&client, get("/r"), decode_json::<Balance>).await.unwrap_err();
        let (_, _, path, message, kept) = decode_parts(&err);
        assert_eq!(path, "data.balance", "{err}");
        assert!(message.contains("unicode"), "{message}");
        assert_eq!(kept, body.as_slice());
        format!("Decode at `{path}`: {message}")
    }

    pub async fn empty_200_for_typed_response() -> String {
        let server = Server::always(Reply::bytes(200, "application/json", Vec::new())).await;
        let client = builder(&server.url()).build().unwrap();
        let err = ApiCall::new(&client, get("/r"), decode_json::<Balance>).await.unwrap_err();
        let (_, status, _, message, kept) = decode_parts(&err);
        assert_eq!((status, kept), (StatusCode::OK, &b""[..]));
        assert!(message.contains("empty"), "{message}");
        format!("Decode: {message}")
    }

    pub async fn html_200_from_a_proxy() -> String {
        let page = b"<html><head><title>Gateway</title></head><body><h1>Please log in</h1></body></html>".to_vec();
        let server = Server::always(Reply::bytes(200, "text/html", page.clone())).await;
        let client = builder(&server.url()).build().unwrap();
        let err = ApiCall::new(&client, get("/r"), decode_json::<Balance>).await.unwrap_err();
        let (type_name, status, _, message, kept) = decode_parts(&err);
        assert!(type_name.ends_with("Balance"), "{type_name}");
        assert_eq!(status, StatusCode::OK);
        assert!(kept.starts_with(b"<html>"), "{kept:?}");
        assert_eq!(kept, page.as_slice());
        format!("Decode: {message}; body {:?}…", String::from_utf8_lossy(&kept[..12]))
    }

    /// `status` from the server on 127.0.0.1 to one on `localhost` and to one on another port:
    /// the redirect is followed, and the other origin never sees the key. A redirect to the same
    /// origin keeps it (so the check can see a header that is there).
    async fn redirect(status: u16) -> String {
        let landing = Server::always(Reply::json(200, json!({"landed": true}))).await;
        let port = landing.port();
        let targets = [format!("http://localhost:{port}/v2/landed"), format!("http://127.0.0.1:{port}/v2/landed")];
        for target in &targets {
            let origin = Server::always(Reply::status(status).header("location", target)).await;
            let client = builder(&origin.url()).max_retries(0).build().unwrap();
            let before = landing.count();
            let v = call(&client, get("/r")).await.unwrap();
            assert_eq!(v, json!({"landed": true}), "{target}");
            let origin_saw = origin.requests();
            assert_eq!(origin_saw.len(), 1);
            assert_eq!(origin_saw[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
            let landed = landing.requests();
            assert_eq!(landed.len(), before + 1, "{target}");
            let last = &landed[before];
            assert_eq!(last.target, "/v2/landed");
            assert_eq!(last.header("authorization"), None, "the key went to {target}");
            assert!(!last.all_headers_text().contains(KEY), "{target}");
        }
        // Same origin: followed with the header.
        let same = Server::start(move |i, _| {
            if i == 0 {
                Reply::status(status).header("location", "/v2/again")
            } else {
                Reply::json(200, json!({"again": true}))
            }
        })
        .await;
        let client = builder(&same.url()).max_retries(0).build().unwrap();
        assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"again": true}));
        let seen = same.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
        format!("followed; other host/port: no Authorization; same origin: kept ({} hops)", targets.len() + 1)
    }

    pub async fn redirect_301_to_other_host() -> String {
        redirect(301).await
    }

    pub async fn redirect_302_to_other_host() -> String {
        redirect(302).await
    }

    pub async fn redirect_307_to_other_host() -> String {
        redirect(307).await
    }

    async fn retry_after(value: &str) -> (Vec<Duration>, usize) {
        let server = Server::sequence(vec![
            Reply::status(429).header("retry-after", value),
            Reply::json(200, json!({"ok": true})),
        ])
        .await;
        let (client, sleeps) = client_with_sleeps(builder(&server.url()));
        assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"ok": true}));
        (sleeps.taken(), server.count())
    }

    pub async fn retry_after_0() -> String {
        // Zero is not a usable wait: the policy's own backoff applies.
        let (slept, attempts) = retry_after("0").await;
        assert_eq!((slept.as_slice(), attempts), (&[ms(500)][..], 2));
        format!("slept {slept:?}, value after {attempts} attempts")
    }

    pub async fn retry_after_2() -> String {
        let (slept, attempts) = retry_after("2").await;
        assert_eq!((slept.as_slice(), attempts), (&[Duration::from_secs(2)][..], 2));
        format!("slept {slept:?}, value after {attempts} attempts")
    }

    pub async fn retry_after_3600() -> String {
        let server = Server::always(
            Reply::json(429, json!({"errors": [{"code": "10011", "title": "Too many requests"}]}))
                .header("retry-after", "3600")
                .header("x-request-id", "rl-1"),
        )
        .await;
        let (client, sleeps) = client_with_sleeps(builder(&server.url()));
        let started = Instant::now();
        let err = call(&client, get("/r")).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        let api = err.api_error().expect("an API error");
        assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!((err.request_id(), err.codes()), (Some("rl-1"), vec!["10011"]));
        assert_eq!(api.headers["retry-after"], "3600");
        assert!(err.is_rate_limited());
        assert_eq!((server.count(), sleeps.taken().len()), (1, 0));
        format!("Api 429 [10011] id rl-1, {} attempt, no sleep", server.count())
    }

    pub async fn storm_503() -> String {
        let server = Server::always(
            Reply::json(503, json!({"errors": [{"code": "90000", "title": "Service unavailable"}]}))
                .header("x-request-id", "storm"),
        )
        .await;
        let max_retries = 3;
        let (client, sleeps) = client_with_sleeps(builder(&server.url()));
        let err = call(&client, get("/r")).max_retries(max_retries).await.unwrap_err();
        let api = err.api_error().expect("an API error");
        assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!((err.request_id(), err.codes()), (Some("storm"), vec!["90000"]));
        assert_eq!(server.count(), max_retries as usize + 1);
        assert_eq!(sleeps.taken(), [ms(500), ms(1000), ms(2000)]);
        format!("Api 503 [90000] after {} attempts", server.count())
    }

    /// The server answers on a kept-alive connection, then closes it while it sits idle in the
    /// client's pool; the next request must still succeed (on a new connection, or retried).
    pub async fn keep_alive_closed_between_requests() -> String {
        const ROUNDS: usize = 10;
        let mut retried = 0;
        for round in 0..ROUNDS {
            let close = std::sync::Arc::new(tokio::sync::Notify::new());
            let closed = std::sync::Arc::new(tokio::sync::Notify::new());
            let server = Server::sequence(vec![
                Reply::KeepAlive {
                    status: 200,
                    headers: json_headers(),
                    body: br#"{"n": 1}"#.to_vec(),
                    close: close.clone(),
                    closed: closed.clone(),
                },
                Reply::json(200, json!({"n": 2})),
            ])
            .await;
            let (client, sleeps) = client_with_sleeps(builder(&server.url()));
            assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"n": 1}));
            close.notify_one();
            closed.notified().await;
            let second = call(&client, get("/r")).await;
            assert_eq!(second.unwrap(), json!({"n": 2}), "round {round}");
            // A retry here is an attempt that went out on the dead connection before the pool
            // saw it close: the server never saw it, and the retry got a new connection.
            assert!(sleeps.taken().len() <= 1, "round {round}: {:?}", sleeps.taken());
            assert_eq!((server.count(), server.connections()), (2, 2), "round {round}");
            retried += sleeps.taken().len();
        }
        format!("{ROUNDS}/{ROUNDS} next requests succeeded ({retried} after a retry)")
    }

    pub async fn huge_error_body() -> String {
        const DECLARED: u64 = 1 << 30;
        let server = Server::always(
            Reply::Endless {
                status: 500,
                headers: vec![("content-type".into(), "text/plain".into())],
                declared_len: Some(DECLARED),
                chunk: vec![b'x'; 64 * 1024],
                every: None,
            }
            .header("x-request-id", "big"),
        )
        .await;
        let (client, sleeps) = client_with_sleeps(builder(&server.url()));
        let err = call(&client, get("/r")).await.unwrap_err();
        let api = err.api_error().expect("an API error");
        assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(api.body.len(), telnyx_api::client::DEFAULT_MAX_ERROR_BODY);
        assert!(api.body.iter().all(|&b| b == b'x'));
        assert!(api.body_truncated);
        assert_eq!(err.request_id(), Some("big"));
        assert_eq!((server.count(), sleeps.taken().len()), (3, 2));
        let written = server.wait_written(3, Duration::from_secs(10)).await.expect("three finished responses");
        let most = written.iter().copied().max().unwrap_or(0);
        assert!(most < 16 << 20, "the server wrote {written:?} bytes: the client read on");
        format!("Api 500, {} KiB kept, truncated; most written per attempt {} KiB", api.body.len() >> 10, most >> 10)
    }

    pub async fn sse_only_comments_forever() -> String {
        let server = Server::always(Reply::Endless {
            status: 200,
            headers: sse_headers(),
            declared_len: None,
            chunk: b": keep-alive\n\n".to_vec(),
            every: Some(ms(20)),
        })
        .await;
        let idle = ms(300);
        let client = builder(&server.url()).stream_idle_timeout(idle).max_retries(0).build().unwrap();
        let started = Instant::now();
        let mut stream = chat::create_completion_stream(&client, &chat_request()).await.unwrap();
        let item = stream.next().await.expect("an item");
        let took = started.elapsed();
        assert!(matches!(&item, Err(Error::Timeout { timeout, .. }) if *timeout == idle), "{item:?}");
        assert!(took >= idle && took < Duration::from_secs(3), "{took:?}");
        assert!(stream.next().await.is_none(), "the stream ends after the timeout");
        drop(stream);
        let written = server.wait_written(1, Duration::from_secs(5)).await.expect("the server saw the close");
        format!("Timeout after {} ms ({} comment bytes received)", took.as_millis(), written[0])
    }
}
