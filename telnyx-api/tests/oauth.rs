//! OAuth 2.0 client credentials (issue 26) against a local token endpoint and API: the token is
//! fetched once and cached, fetched again once it is about to expire (once for 100 concurrent
//! calls), refreshed once on a 401, and never shows in an error, nor does the secret.

mod runtime_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use telnyx_api::{Client, Error, RetryPolicy};

use runtime_support::{Recorded, Reply, Server};

const ID: &str = "client-id-0123";
const SECRET: &str = "SECRETclient0123456789";

/// The token endpoint and the API: tokens `tok-1`, `tok-2`, … with `expires_in`; the API accepts
/// the tokens `valid` says, answering its own `Authorization` header back in errors.
struct Service {
    tokens: Mutex<u32>,
    expires_in: Option<u64>,
    valid: fn(u32) -> bool,
}

impl Service {
    fn respond(&self, r: &Recorded) -> Reply {
        if r.target == "/v2/oauth/token" {
            assert_eq!(r.header("authorization"), None);
            assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
            let form = std::str::from_utf8(&r.body).unwrap();
            assert_eq!(form, format!("grant_type=client_credentials&client_id={ID}&client_secret={SECRET}"));
            let mut n = self.tokens.lock().unwrap();
            *n += 1;
            let mut body = json!({"access_token": format!("tok-{n}"), "token_type": "Bearer"});
            if let Some(e) = self.expires_in {
                body["expires_in"] = json!(e);
            }
            return Reply::json(200, body);
        }
        let auth = r.header("authorization").unwrap_or_default();
        let n: Option<u32> = auth.strip_prefix("Bearer tok-").and_then(|n| n.parse().ok());
        if n.is_some_and(self.valid) {
            Reply::json(200, json!({"data": {"balance": "10.00"}}))
        } else {
            Reply::json(401, json!({"errors": [{"code": "10009", "title": "Authentication failed", "detail": auth}]}))
        }
    }
}

async fn start(expires_in: Option<u64>, valid: fn(u32) -> bool) -> (Server, Arc<Service>) {
    let service = Arc::new(Service { tokens: Mutex::new(0), expires_in, valid });
    let s = service.clone();
    (Server::start(move |_, r| s.respond(r)).await, service)
}

fn client(server: &Server) -> Client {
    Client::builder()
        .oauth_client_credentials(ID, SECRET)
        .base_url(server.url())
        .retry_policy(RetryPolicy { max_retries: 0, ..RetryPolicy::default() })
        .build()
        .unwrap()
}

fn api_calls(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.target != "/v2/oauth/token")
        .map(|r| r.header("authorization").unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_token_is_fetched_once_and_sent_as_the_bearer() {
    let (server, service) = start(Some(3600), |_| true).await;
    let client = client(&server);
    for _ in 0..3 {
        let _: Value = client.get("/balance").await.unwrap();
    }
    client.balance().retrieve().await.unwrap();
    assert_eq!(*service.tokens.lock().unwrap(), 1);
    assert_eq!(api_calls(&server), ["Bearer tok-1"; 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_calls_on_an_expired_token_make_one_token_request() {
    // `expires_in: 1`: refreshed 0.9 s after it was fetched.
    let (server, service) = start(Some(1), |_| true).await;
    let client = client(&server);
    let _: Value = client.get("/balance").await.unwrap();
    assert_eq!(*service.tokens.lock().unwrap(), 1);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get::<Value>("/balance").await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(*service.tokens.lock().unwrap(), 2, "one token request for the 100 calls");
    let calls = api_calls(&server);
    assert_eq!(calls.len(), 101);
    assert!(calls[1..].iter().all(|a| a == "Bearer tok-2"), "{calls:?}");
}

#[tokio::test]
async fn a_401_refreshes_the_token_once() {
    // The first token is revoked early; the second works.
    let (server, service) = start(Some(3600), |n| n >= 2).await;
    let client = client(&server);
    client.balance().retrieve().await.unwrap();
    assert_eq!(*service.tokens.lock().unwrap(), 2);
    assert_eq!(api_calls(&server), ["Bearer tok-1", "Bearer tok-2"]);

    // A server that refuses every token: one refresh, then the 401, with no token in it.
    let (server, service) = start(None, |_| false).await;
    let err = client_for(&server).balance().retrieve().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(*service.tokens.lock().unwrap(), 2);
    assert_eq!(api_calls(&server), ["Bearer tok-1", "Bearer tok-2"]);
    let text = format!("{err} {err:?}");
    assert!(!text.contains("tok-1") && !text.contains("tok-2"), "{text}");
    assert!(text.contains("<redacted>"), "the echoed token was there to redact: {text}");
}

fn client_for(server: &Server) -> Client {
    client(server)
}

#[tokio::test]
async fn a_refused_exchange_is_a_typed_error_without_the_secret() {
    // The server echoes the form it got, secret and all.
    let server = Server::start(|_, r| {
        let form = String::from_utf8_lossy(&r.body).into_owned();
        Reply::json(401, json!({"errors": [{"code": "invalid_client", "title": "bad client", "detail": form}]}))
    })
    .await;
    let err = client(&server).balance().retrieve().await.unwrap_err();
    match &err {
        Error::Api(api) => {
            assert_eq!(api.status.as_u16(), 401);
            assert_eq!(api.operation, telnyx_api::oauth::TOKEN_OPERATION);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.codes(), ["invalid_client"]);
    let text = format!("{err} {err:?}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains(ID), "the server echoed the form, only the secret is taken out: {text}");
    assert_eq!(server.count(), 1, "no API call without a token");
}
