//! Around the generated surface (issue 26): per-call extra headers, query parameters and body
//! members; untyped calls (`client.post(path, &body)`) for an operation the spec lacks; and
//! middleware that sees every attempt. Each against a local server.

mod runtime_support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{json, Value};
use telnyx_api::middleware::{Attempt, Middleware, Outcome};
use telnyx_api::{Client, Error, RetryPolicy};

use runtime_support::{ms, Reply, Server};

const KEY: &str = "KEYhatches0123456789";

fn policy() -> RetryPolicy {
    RetryPolicy { max_retries: 2, initial_delay: ms(5), max_delay: ms(10), jitter: 0.0, ..RetryPolicy::default() }
}

fn client(server: &Server) -> Client {
    Client::builder().api_key(KEY).base_url(server.url()).retry_policy(policy()).build().unwrap()
}

#[tokio::test]
async fn extras_go_on_every_attempt_and_win_over_the_request_but_not_over_the_key() {
    let server = Server::sequence(vec![Reply::status(503), Reply::json(200, json!({"data": {"id": "m1"}}))]).await;
    let client = client(&server);
    client
        .messages()
        .send("+13125550001")
        .text("typed")
        .extra_header("x-beta", "rcs")
        .extra_header("accept", "application/vnd.telnyx+json")
        .extra_query("dry_run", "true")
        .extra_body("text", "replaced")
        .extra_body("send_at_local_time", &true)
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "a 503 is retried");
    for r in &requests {
        assert_eq!(r.header("x-beta"), Some("rcs"));
        assert_eq!(r.header("accept"), Some("application/vnd.telnyx+json"), "an extra header wins");
        assert_eq!(r.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
        assert_eq!(r.target, "/v2/messages?dry_run=true");
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["to"], "+13125550001");
        assert_eq!(body["text"], "replaced", "an extra member wins over the typed input");
        assert_eq!(body["send_at_local_time"], true);
    }

    // The credentials are the client's: an Authorization header per call is refused, unsent.
    let err = client.balance().retrieve().extra_header("Authorization", "Bearer other").await.unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest { message, .. } if message.contains("authorization")), "{err:?}");
    assert_eq!(server.count(), 2);

    // A body member on a call without a body makes a JSON body.
    let server = Server::always(Reply::json(200, json!({"data": {}}))).await;
    let r = client_for(&server).balance().retrieve().extra_body("probe", &1).request();
    assert!(matches!(r.body(), telnyx_api::Body::Json(b) if b.as_ref() == br#"{"probe":1}"#), "{:?}", r.body());
}

/// An operation the pinned spec lacks, called untyped: auth, base URL, JSON body, typed or
/// `Value` answers, the same retries and errors (the key redacted) as generated calls.
#[tokio::test]
async fn untyped_calls_reach_an_operation_the_spec_lacks() {
    #[derive(Debug, Deserialize)]
    struct Paid {
        data: PaidData,
    }
    #[derive(Debug, Deserialize)]
    struct PaidData {
        result: String,
    }
    let server = Server::start(|i, r| match (i, r.method.as_str()) {
        (0, _) => Reply::status(429),
        (_, "POST") => Reply::json(200, json!({"data": {"result": "ok"}})),
        (_, "GET") => Reply::json(200, json!({"data": [{"id": 1}]})),
        (_, "DELETE") => Reply::status(204),
        _ => Reply::json(200, json!({"data": {}})),
    })
    .await;
    let client = client(&server);
    let paid: Paid =
        client.post("/calls/v3:abc/actions/pay", &json!({"amount": "10.00", "currency": "USD"})).await.unwrap();
    assert_eq!(paid.data.result, "ok");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "429 is retried for a POST too");
    let pay = &requests[1];
    assert_eq!((pay.method.as_str(), pay.target.as_str()), ("POST", "/v2/calls/v3:abc/actions/pay"));
    assert_eq!(pay.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(pay.header("content-type"), Some("application/json"));
    assert_eq!(serde_json::from_slice::<Value>(&pay.body).unwrap(), json!({"amount": "10.00", "currency": "USD"}));

    let list: Value = client.get("rcs/agents").extra_query("page[size]", "5").await.unwrap();
    assert_eq!(list["data"][0]["id"], 1);
    assert_eq!(server.requests()[2].target, "/v2/rcs/agents?page%5Bsize%5D=5");
    let (): () = client.delete("/storage/sqldbs/db1").await.unwrap();
    let resp = client.put::<Value, _>("/x", &json!({"a": 1})).with_response().await.unwrap();
    assert_eq!(resp.status.as_u16(), 200);

    // Errors as for generated calls: typed, with the key taken out of an echo.
    let server = Server::start(|_, r| {
        let auth = r.header("authorization").unwrap_or_default().to_owned();
        Reply::json(422, json!({"errors": [{"code": "10015", "title": "Bad", "detail": format!("got {auth}")}]}))
    })
    .await;
    let err = client_for(&server).post::<Value, _>("/calls/v3:abc/actions/pay", &json!({})).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(err.codes(), ["10015"]);
    assert!(!format!("{err} {err:?}").contains(KEY), "{err:?}");
    // A body that does not fit the type asked for: `Error::Decode` with the path.
    let server = Server::always(Reply::json(200, json!({"data": {"result": 7}}))).await;
    let err = client_for(&server).post::<Paid, _>("/p", &json!({})).await.unwrap_err();
    assert!(matches!(&err, Error::Decode { path, .. } if path == "data.result"), "{err:?}");
}

fn client_for(server: &Server) -> Client {
    client(server)
}

/// Logs every attempt.
#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl Middleware for Log {
    fn before(&self, attempt: &Attempt<'_>, request: &mut reqwest::Request) {
        self.0.lock().unwrap().push(format!(
            "-> {} #{} {} {}",
            attempt.operation,
            attempt.number,
            request.method(),
            request.url().path()
        ));
    }
    fn after(&self, attempt: &Attempt<'_>, outcome: &Outcome<'_>) {
        let what = match outcome {
            Outcome::Response { status, .. } => status.as_u16().to_string(),
            Outcome::Error(e) => format!("error {e}"),
            _ => "other".to_owned(),
        };
        self.0.lock().unwrap().push(format!("<- {} #{} {what}", attempt.operation, attempt.number));
    }
}

/// Adds a header to every attempt, numbered.
struct Tag;

impl Middleware for Tag {
    fn before(&self, attempt: &Attempt<'_>, request: &mut reqwest::Request) {
        let value = format!("trace-{}", attempt.number).parse().unwrap();
        request.headers_mut().insert("x-trace", value);
    }
}

/// Counts retries.
#[derive(Default)]
struct Retries(AtomicU32);

impl Middleware for Retries {
    fn after(&self, attempt: &Attempt<'_>, _: &Outcome<'_>) {
        if attempt.number > 0 {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[tokio::test]
async fn stacked_middleware_sees_every_attempt() {
    let server = Server::sequence(vec![
        Reply::status(500),
        Reply::status(502),
        Reply::json(200, json!({"data": {"balance": "1"}})),
    ])
    .await;
    let (log, retries) = (Arc::new(Log::default()), Arc::new(Retries::default()));
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .retry_policy(policy())
        .middleware(log.clone())
        .middleware(Tag)
        .middleware(retries.clone())
        .build()
        .unwrap();
    client.balance().retrieve().await.unwrap();
    let traces: Vec<Option<String>> =
        server.requests().iter().map(|r| r.header("x-trace").map(str::to_owned)).collect();
    assert_eq!(traces, [Some("trace-0".into()), Some("trace-1".into()), Some("trace-2".into())]);
    assert_eq!(retries.0.load(Ordering::Relaxed), 2);
    assert_eq!(
        *log.0.lock().unwrap(),
        [
            "-> GetUserBalance #0 GET /v2/balance",
            "<- GetUserBalance #0 500",
            "-> GetUserBalance #1 GET /v2/balance",
            "<- GetUserBalance #1 502",
            "-> GetUserBalance #2 GET /v2/balance",
            "<- GetUserBalance #2 200",
        ]
    );

    // An attempt that gets no answer is seen as an error; untyped calls go through it too.
    let server = Server::always(Reply::Hang).await;
    let log = Arc::new(Log::default());
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .timeout(Some(ms(100)))
        .max_retries(0)
        .middleware(log.clone())
        .build()
        .unwrap();
    client.get::<Value>("/anything").await.unwrap_err();
    let log = log.0.lock().unwrap().clone();
    assert_eq!(log[0], "-> untyped GET #0 GET /v2/anything");
    assert!(log[1].starts_with("<- untyped GET #0 error"), "{log:?}");
}
