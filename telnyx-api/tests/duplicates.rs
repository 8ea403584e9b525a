//! The duplicates bench (issue 27): how many times a side effect happens for one logical call,
//! when the server carries the request out and then fails, or fails without carrying it out.
//!
//! A local server counts the side effects of each call as the real service would: a Call Control
//! command is carried out once per `command_id` (Telnyx ignores a repeat), an `Idempotency-Key`
//! operation once per key (a repeat replays the stored success with `Idempotent-Replayed: true`),
//! and `POST /messages` once per request (it has no key). Each row is one fault × one kind of
//! call, on the first attempt only:
//!
//! - ambiguous faults, after the server carried the request out: a timeout, a reset once the
//!   request was read, 500, 502, 504;
//! - safe faults, before it did: connection refused, 429, 503, and a kept-alive connection the
//!   server closed while it sat in the client's pool (with `max_retries(0)`, worst of 10 rounds).
//!
//! What must hold: exactly 1 side effect for a keyed call, whatever the fault; at most 1 for
//! `POST /messages`; every safe fault still ends in success. One more row shows the opt-in
//! (`retry_non_idempotent`) retrying `POST /messages` after a 502 anyway: 2 side effects.
//!
//! `cargo test -p telnyx-api --test duplicates -- --nocapture` prints the table and ends with
//! `duplicates: N/M rows hold`.

#[path = "runtime_support/mod.rs"]
mod runtime_support;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use telnyx_api::{Client, Error, RetryPolicy};

use runtime_support::{ms, Recorded, Reply, Server};

const KEY: &str = "KEYduplicates0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `client.calls().actions().answer(id)`: `command_id` in the body.
    Command,
    /// `client.email_validations().create(email, ..)`: the `Idempotency-Key` header.
    Idempotent,
    /// `client.messages().send(to)`: no key.
    Message,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Command => "calls.actions.answer (command_id)",
            Kind::Idempotent => "email_validations.create (Idempotency-Key)",
            Kind::Message => "messages.send (no key)",
        }
    }

    fn keyed(self) -> bool {
        self != Kind::Message
    }

    /// The key the server deduplicates by, if the kind has one.
    fn key_of(self, request: &Recorded) -> Option<String> {
        match self {
            Kind::Command => serde_json::from_slice::<Value>(&request.body)
                .ok()
                .and_then(|b| b.get("command_id").and_then(Value::as_str).map(str::to_owned)),
            Kind::Idempotent => request.header("idempotency-key").map(str::to_owned),
            Kind::Message => None,
        }
    }

    fn success(self) -> Value {
        match self {
            Kind::Command => json!({"data": {"result": "ok"}}),
            Kind::Idempotent => json!({"data": {"email": "a@example.com", "result": "valid"}}),
            Kind::Message => json!({"data": {"id": "msg-1", "record_type": "message"}}),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Timeout,
    Reset,
    Status500,
    Status502,
    Status504,
    Refused,
    Status429,
    Status503,
    StaleConnection,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::Timeout => "timeout after processing",
            Fault::Reset => "reset after the body was read",
            Fault::Status500 => "500 after processing",
            Fault::Status502 => "502 after processing",
            Fault::Status504 => "504 after processing",
            Fault::Refused => "connection refused",
            Fault::Status429 => "429",
            Fault::Status503 => "503",
            Fault::StaleConnection => "stale kept-alive connection",
        }
    }

    /// The server carried the request out before failing.
    fn ambiguous(self) -> bool {
        matches!(self, Fault::Timeout | Fault::Reset | Fault::Status500 | Fault::Status502 | Fault::Status504)
    }
}

const FAULTS: [Fault; 9] = [
    Fault::Timeout,
    Fault::Reset,
    Fault::Status500,
    Fault::Status502,
    Fault::Status504,
    Fault::Refused,
    Fault::Status429,
    Fault::Status503,
    Fault::StaleConnection,
];

/// The server's state for one logical call.
#[derive(Default)]
struct Service {
    /// Requests of the call (`POST`s; a warm-up `GET` is not counted).
    attempts: usize,
    side_effects: usize,
    keys: BTreeSet<String>,
}

fn respond(kind: Kind, fault: Fault, service: &Mutex<Service>, request: &Recorded) -> Reply {
    if request.method == "GET" {
        return Reply::json(200, json!({"data": {}}));
    }
    let mut s = service.lock().unwrap();
    s.attempts += 1;
    let first = s.attempts == 1;
    if first {
        match fault {
            Fault::Status429 => return Reply::json(429, json!({"errors": [{"code": "10011", "title": "Too many"}]})),
            Fault::Status503 => {
                return Reply::json(503, json!({"errors": [{"code": "90000", "title": "Unavailable"}]}))
            }
            _ => {}
        }
    }
    // Carried out, unless the key was seen: then ignored (a command) or replayed.
    let key = kind.key_of(request);
    let repeat = key.as_ref().is_some_and(|k| s.keys.contains(k));
    if !repeat {
        s.side_effects += 1;
        s.keys.extend(key);
    }
    let mut ok = Reply::json(200, kind.success());
    if repeat && kind == Kind::Idempotent {
        ok = ok.header("Idempotent-Replayed", "true");
    }
    if !first {
        return ok;
    }
    match fault {
        Fault::Timeout => Reply::Hang,
        Fault::Reset => Reply::Reset,
        Fault::Status500 => Reply::json(500, json!({"errors": [{"code": "10001", "title": "Internal"}]})),
        Fault::Status502 => Reply::status(502),
        Fault::Status504 => Reply::status(504),
        _ => ok,
    }
}

/// What one logical call ended in.
struct Outcome {
    attempts: usize,
    side_effects: usize,
    result: Result<String, Error>,
}

/// Short delays, no jitter: the bench takes well under a second per row.
fn policy() -> RetryPolicy {
    RetryPolicy { max_retries: 2, initial_delay: ms(20), max_delay: ms(50), jitter: 0.0, ..RetryPolicy::default() }
}

async fn send(client: &Client, kind: Kind, opt_in: bool) -> Result<String, Error> {
    let timeout = Some(ms(300));
    let replayed = |r: bool| if r { " (replayed)" } else { "" };
    match kind {
        Kind::Command => {
            let mut call = client.calls().actions().answer("v3:call-1").timeout(timeout);
            if opt_in {
                call = call.retry_non_idempotent();
            }
            call.with_response().await.map(|r| format!("ok {}{}", r.status.as_u16(), replayed(r.replayed())))
        }
        Kind::Idempotent => {
            let mut call = client.email_validations().create("a@example.com", &Default::default()).timeout(timeout);
            if opt_in {
                call = call.retry_non_idempotent();
            }
            call.with_response().await.map(|r| format!("ok {}{}", r.status.as_u16(), replayed(r.replayed())))
        }
        Kind::Message => {
            let mut call = client.messages().send("+13125550001").text("Hello").timeout(timeout);
            if opt_in {
                call = call.retry_non_idempotent();
            }
            call.with_response().await.map(|r| format!("ok {}{}", r.status.as_u16(), replayed(r.replayed())))
        }
    }
}

/// Rounds of the stale-connection row: the pool's race with the server's close differs from
/// one to the next.
const STALE_ROUNDS: usize = 10;

async fn run(kind: Kind, fault: Fault, opt_in: bool) -> Outcome {
    if fault != Fault::StaleConnection {
        return run_once(kind, fault, opt_in).await;
    }
    // The worst round.
    let mut worst = run_once(kind, fault, opt_in).await;
    for _ in 1..STALE_ROUNDS {
        let o = run_once(kind, fault, opt_in).await;
        if o.result.is_err() || o.side_effects > worst.side_effects || o.attempts > worst.attempts {
            worst = o;
        }
    }
    worst
}

async fn run_once(kind: Kind, fault: Fault, opt_in: bool) -> Outcome {
    let service = Arc::new(Mutex::new(Service::default()));
    let responder = {
        let service = service.clone();
        move |_: usize, r: &Recorded| respond(kind, fault, &service, r)
    };
    let builder = Client::builder().api_key(KEY).retry_policy(policy());
    let (result, _server) = match fault {
        Fault::Refused => {
            // A port nothing listens on; the server starts there during the first backoff.
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let started: Arc<tokio::sync::Mutex<Option<Server>>> = Arc::default();
            let builder = {
                let (started, responder) = (started.clone(), Arc::new(responder));
                builder.retry_sleep(move |_| {
                    let (started, responder) = (started.clone(), responder.clone());
                    async move {
                        let mut server = started.lock().await;
                        if server.is_none() {
                            *server = Some(Server::start_at(port, move |i, r| responder(i, r)).await);
                        }
                    }
                })
            };
            let client = builder.base_url(format!("http://127.0.0.1:{port}/v2")).build().unwrap();
            let result = send(&client, kind, opt_in).await;
            let server = started.lock().await.take();
            (result, server)
        }
        Fault::StaleConnection => {
            // Not even one retry: a request hyper's pool finds it cannot send on the dead
            // connection (nothing written yet) is sent again on a new one below the retry loop.
            let builder = builder.retry_policy(RetryPolicy { max_retries: 0, ..policy() });
            let close = Arc::new(tokio::sync::Notify::new());
            let closed = Arc::new(tokio::sync::Notify::new());
            let warm_up = Reply::KeepAlive {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: br#"{"data": {}}"#.to_vec(),
                close: close.clone(),
                closed: closed.clone(),
            };
            let server = Server::start(move |i, r| if i == 0 { warm_up.clone() } else { responder(i, r) }).await;
            let client = builder.base_url(server.url()).build().unwrap();
            // The warm-up leaves its connection idle in the pool; the server closes it.
            client.balance().retrieve().await.expect("warm-up");
            close.notify_one();
            closed.notified().await;
            (send(&client, kind, opt_in).await, Some(server))
        }
        _ => {
            let server = Server::start(responder).await;
            let client = builder.base_url(server.url()).build().unwrap();
            (send(&client, kind, opt_in).await, Some(server))
        }
    };
    let s = service.lock().unwrap();
    Outcome { attempts: s.attempts, side_effects: s.side_effects, result }
}

fn describe(result: &Result<String, Error>) -> String {
    match result {
        Ok(s) => s.clone(),
        Err(Error::MaybeCarriedOut { source, .. }) => format!("MaybeCarriedOut({})", short(source)),
        Err(e) => short(e),
    }
}

fn short(e: &Error) -> String {
    match e {
        Error::Api(a) => format!("Api {}", a.status.as_u16()),
        Error::Timeout { .. } => "Timeout".to_owned(),
        Error::Transport { source, .. } => {
            let mut chain = String::new();
            let mut e: Option<&dyn std::error::Error> = Some(source);
            while let Some(x) = e {
                chain.push_str(&format!(" / {x:?}"));
                e = x.source();
            }
            format!("Transport{chain}")
        }
        other => format!("{other}"),
    }
}

/// Whether a row holds, and what it requires.
fn holds(kind: Kind, fault: Fault, opt_in: bool, o: &Outcome) -> (bool, &'static str) {
    if opt_in {
        // The opt-in retries after an ambiguous fault: the message is sent again.
        return (o.side_effects == 2 && o.result.is_ok(), "2, success (opted in)");
    }
    if kind.keyed() {
        return (o.side_effects == 1 && o.result.is_ok(), "exactly 1, success");
    }
    if fault.ambiguous() {
        let flagged = o.result.as_ref().err().is_some_and(Error::may_have_been_carried_out);
        (o.side_effects <= 1 && flagged, "at most 1, MaybeCarriedOut")
    } else {
        (o.side_effects <= 1 && o.result.is_ok(), "at most 1, success")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates() {
    let mut rows: Vec<(Kind, Fault, bool)> = Vec::new();
    for fault in FAULTS {
        for kind in [Kind::Command, Kind::Idempotent, Kind::Message] {
            rows.push((kind, fault, false));
        }
    }
    rows.push((Kind::Message, Fault::Status502, true));

    let mut table = String::new();
    writeln!(table, "| fault | call | requests seen | side effects | result | required | holds |").unwrap();
    writeln!(table, "|---|---|---:|---:|---|---|---|").unwrap();
    let mut held = 0;
    let mut failed = Vec::new();
    for &(kind, fault, opt_in) in &rows {
        let o = run(kind, fault, opt_in).await;
        let (ok, required) = holds(kind, fault, opt_in, &o);
        let call = if opt_in { format!("{} + retry_non_idempotent", kind.name()) } else { kind.name().to_owned() };
        let result = describe(&o.result);
        writeln!(
            table,
            "| {} | {call} | {} | {} | {result} | {required} | {} |",
            fault.name(),
            o.attempts,
            o.side_effects,
            if ok { "yes" } else { "NO" }
        )
        .unwrap();
        if ok {
            held += 1;
        } else {
            failed.push(format!("{} × {}: {} side effects, {result}", fault.name(), call, o.side_effects));
        }
    }
    println!("{table}");
    println!("duplicates: {held}/{} rows hold", rows.len());
    assert!(failed.is_empty(), "rows that do not hold:\n{}", failed.join("\n"));
}

/// The dedup key the client generated is one per call, the same on every retry, and a key the
/// caller gives is sent as it is.
#[tokio::test]
async fn a_generated_key_is_kept_across_retries_and_a_given_one_is_never_replaced() {
    let server =
        Server::sequence(vec![Reply::status(502), Reply::status(502), Reply::json(200, json!({"data": {}}))]).await;
    let client = Client::builder().api_key(KEY).base_url(server.url()).retry_policy(policy()).build().unwrap();
    client.calls().actions().answer("v3:call-1").await.unwrap();
    client.calls().actions().answer("v3:call-1").command_id("mine").await.unwrap();
    let keys: Vec<String> = server.requests().iter().filter_map(|r| Kind::Command.key_of(r)).collect();
    // The first call: 502, 502, then 200, all with one generated key; the second: the caller's.
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert!(uuid_v4(&keys[0]), "{keys:?}");
    assert!(keys[..3].iter().all(|k| *k == keys[0]), "one key per call: {keys:?}");
    assert_eq!(keys[3], "mine");

    let server = Server::always(Reply::json(200, json!({"data": {}}))).await;
    let client = Client::builder().api_key(KEY).base_url(server.url()).build().unwrap();
    client.email_validations().create("a@example.com", &Default::default()).await.unwrap();
    client.email_validations().create("b@example.com", &Default::default()).await.unwrap();
    let keys: Vec<String> =
        server.requests().iter().filter_map(|r| r.header("idempotency-key").map(str::to_owned)).collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| uuid_v4(k)) && keys[0] != keys[1], "a new key per call: {keys:?}");
}

fn uuid_v4(s: &str) -> bool {
    s.len() == 36 && s.as_bytes()[14] == b'4' && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}
