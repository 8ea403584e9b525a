//! The `testing` helpers: the webhook signer against the crate's own verifier, and the mock
//! client against a local server.
//!
//! Run with `cargo test -p telnyx-api --features testing --test testing_feature`.
#![cfg(all(feature = "testing", feature = "billing"))]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde_json::json;
use telnyx_api::testing::{self, WebhookSigner};
use telnyx_api::webhooks::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use telnyx_api::{Error, WebhookError, WebhookVerifier};

#[test]
fn the_public_key_is_what_the_verifier_and_telnyx_public_key_take() {
    // RFC 8032, section 7.1, test 1: the secret key and its public key.
    let seed: [u8; 32] = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").try_into().unwrap();
    let signer = WebhookSigner::from_seed(seed);
    let public = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    use base64::Engine as _;
    assert_eq!(signer.public_key(), base64::engine::general_purpose::STANDARD.encode(&public));
    // The form TELNYX_PUBLIC_KEY holds: WebhookVerifier::new (and so from_env) accepts it.
    let verifier = WebhookVerifier::new(&signer.public_key()).unwrap();
    assert_eq!(verifier, signer.verifier());
    // Debug shows the public key, nothing secret.
    let debug = format!("{signer:?}");
    assert!(debug.contains(&signer.public_key()) && !debug.contains("9d61b1"), "{debug}");
}

#[test]
fn signed_deliveries_verify_and_decode() {
    let signer = WebhookSigner::new();
    let body = testing::event("call.hangup", json!({"call_control_id": "v3:abc", "hangup_cause": "normal_clearing"}));
    let delivery = signer.sign_json(&body);
    let headers = delivery.headers();
    assert_eq!(headers[SIGNATURE_HEADER], delivery.signature.as_str());
    assert_eq!(headers[TIMESTAMP_HEADER], delivery.timestamp.as_str());
    assert_eq!(headers["content-type"], "application/json");

    let verifier = signer.verifier();
    verifier.verify(&delivery.body, &delivery.signature, &delivery.timestamp).unwrap();
    let event = verifier.verify_headers_and_parse_event(&delivery.body, &headers).unwrap();
    assert_eq!(event.event_type(), Some("call.hangup"));

    // The envelope Telnyx sends.
    let data = &body["data"];
    assert_eq!(data["record_type"], "event");
    assert_eq!(data["id"].as_str().unwrap().len(), 36);
    assert!(data["occurred_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["meta"]["attempt"], 1);
    assert_ne!(testing::event("x", json!({}))["data"]["id"], data["id"], "ids are fresh");
}

#[test]
fn what_the_verifier_rejects() {
    let signer = WebhookSigner::new();
    let verifier = signer.verifier();
    let body = br#"{"data":{"event_type":"message.received"}}"#.to_vec();

    let d = signer.sign(body.clone());
    assert_eq!(verifier.verify(b"{}", &d.signature, &d.timestamp), Err(WebhookError::SignatureMismatch));
    let other = WebhookSigner::new().sign(body.clone());
    assert_eq!(verifier.verify(&body, &other.signature, &other.timestamp), Err(WebhookError::SignatureMismatch));

    let old = signer.sign_at(body.clone(), SystemTime::now() - Duration::from_secs(600));
    assert!(matches!(verifier.verify(&body, &old.signature, &old.timestamp), Err(WebhookError::StaleTimestamp { .. })));
    let ahead = signer.sign_at(body.clone(), SystemTime::now() + Duration::from_secs(600));
    assert!(matches!(
        verifier.verify(&body, &ahead.signature, &ahead.timestamp),
        Err(WebhookError::FutureTimestamp { .. })
    ));

    let odd = signer.sign_with_timestamp(body.clone(), "+12");
    assert!(matches!(verifier.verify(&body, &odd.signature, &odd.timestamp), Err(WebhookError::MalformedTimestamp(_))));
    // A timestamp that cannot be a header value is left out of headers().
    let bad = signer.sign_with_timestamp(body.clone(), "1\n2");
    assert_eq!(verifier.verify_headers(&body, &bad.headers()), Err(WebhookError::MissingHeader(TIMESTAMP_HEADER)));
}

#[test]
fn the_same_seed_signs_the_same() {
    let (a, b) = (WebhookSigner::from_seed([7; 32]), WebhookSigner::from_seed([7; 32]));
    assert_eq!(a.public_key(), b.public_key());
    assert_eq!(a.sign_with_timestamp("body", "1700000000"), b.sign_with_timestamp("body", "1700000000"));
    assert_ne!(a.public_key(), WebhookSigner::from_seed([8; 32]).public_key());
    assert_ne!(WebhookSigner::new().public_key(), WebhookSigner::new().public_key());
}

/// What a mock server saw: path, authorization header.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

async fn mock(State((seen, status)): State<(Seen, StatusCode)>, uri: Uri, headers: HeaderMap) -> (StatusCode, String) {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    seen.lock().unwrap().push((uri.path().to_owned(), auth));
    let body = json!({"data": {"balance": "300.00", "currency": "USD", "record_type": "balance"}});
    (status, body.to_string())
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

async fn mock_server(status: StatusCode) -> (String, Seen) {
    let seen = Seen::default();
    let url = serve(axum::Router::new().fallback(mock).with_state((seen.clone(), status))).await;
    (url, seen)
}

#[tokio::test]
async fn client_for_sends_to_the_mock_with_the_dummy_key() {
    let (url, seen) = mock_server(StatusCode::OK).await;
    let client = testing::client_for(&url);
    assert_eq!(client.base_url(), url);
    assert_eq!(client.server_base(&telnyx_api::servers::STORAGE), url, "every server goes to the mock");
    let balance = client.balance().retrieve().await.unwrap();
    assert_eq!(balance.data.and_then(|d| d.balance).as_deref(), Some("300.00"));
    assert_eq!(*seen.lock().unwrap(), [("/balance".to_owned(), format!("Bearer {}", testing::MOCK_API_KEY))]);
}

#[tokio::test]
async fn client_for_does_not_retry() {
    let (url, seen) = mock_server(StatusCode::SERVICE_UNAVAILABLE).await;
    let started = std::time::Instant::now();
    let err = testing::client_for(url).balance().retrieve().await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.status == 503), "{err:?}");
    assert_eq!(seen.lock().unwrap().len(), 1, "one attempt only");

    // Retries turned back on for one call do not wait either.
    let (url, seen) = mock_server(StatusCode::SERVICE_UNAVAILABLE).await;
    let err = testing::client_for(url).balance().retrieve().max_retries(3).await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.status == 503), "{err:?}");
    assert_eq!(seen.lock().unwrap().len(), 4);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
#[should_panic(expected = "testing::client_for")]
fn client_for_panics_on_a_url_that_is_not_http() {
    let _ = testing::client_for("127.0.0.1:4010");
}

/// The shape of a handler test: the handler gets the signer's verifier, the test posts
/// signed deliveries to it over HTTP.
#[tokio::test]
async fn a_handler_tested_end_to_end() {
    async fn handler(State(verifier): State<WebhookVerifier>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
        match verifier.verify_headers_and_parse_event(&body, &headers) {
            Ok(event) => (StatusCode::OK, event.event_type().unwrap_or_default().to_owned()),
            Err(e) => (StatusCode::BAD_REQUEST, e.to_string()),
        }
    }
    let signer = WebhookSigner::new();
    let app = axum::Router::new().route("/webhooks", axum::routing::post(handler)).with_state(signer.verifier());
    let url = format!("{}/webhooks", serve(app).await);
    let http = reqwest::Client::new();

    let delivery = signer.sign_json(&testing::event("call.initiated", json!({"call_control_id": "v3:abc"})));
    let resp = delivery.post(&http, &url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "call.initiated");

    let forged = WebhookSigner::new().sign(delivery.body.clone());
    let resp = forged.post(&http, &url).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("signature does not match"));
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}
