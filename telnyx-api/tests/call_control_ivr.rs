//! The call_control_ivr example, driven as Telnyx drives it: signed webhooks over HTTP to its
//! router, the Call Control commands it sends caught by a local server standing in for the API.
//!
//! Run with `cargo test -p telnyx-api --features testing --test call_control_ivr`.
#![cfg(all(feature = "testing", feature = "call-control"))]

#[path = "../examples/call_control_ivr.rs"]
mod ivr;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};
use telnyx_api::testing::{self, WebhookSigner};

const CALL: &str = "v3:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BquUlI1Q";
const TRANSFER_TO: &str = "+13125550100";

/// One request the IVR sent to the API.
#[derive(Debug, Clone)]
struct Command {
    method: Method,
    path: String,
    authorization: String,
    body: Value,
}

type Log = Arc<Mutex<Vec<Command>>>;

/// A stand-in for the Call Control API: records every request, answers as the spec says a
/// command is answered.
async fn record(State(log): State<Log>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> String {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // The call control id's `:` arrives percent-encoded (`v3%3A…`), as the SDK sends path
    // arguments; compare ids decoded.
    let path = percent_encoding::percent_decode_str(uri.path()).decode_utf8().unwrap().into_owned();
    log.lock().unwrap().push(Command { method, path, authorization, body });
    json!({"data": {"result": "ok"}}).to_string()
}

/// The API stand-in and the IVR, each on a free loopback port.
struct Harness {
    log: Log,
    signer: WebhookSigner,
    webhooks: String,
    http: reqwest::Client,
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

impl Harness {
    async fn start() -> Harness {
        let log = Log::default();
        let api = serve(axum::Router::new().fallback(record).with_state(log.clone())).await;
        let signer = WebhookSigner::new();
        let ivr = ivr::Ivr {
            client: testing::client_for(api),
            verifier: signer.verifier(),
            transfer_to: TRANSFER_TO.to_owned(),
        };
        let webhooks = format!("{}/webhooks", serve(ivr::router(ivr)).await);
        Harness { log, signer, webhooks, http: reqwest::Client::new() }
    }

    /// Deliver one signed event; returns the webhook's status and the commands it caused.
    async fn deliver(&self, event_type: &str, payload: Value) -> (u16, Vec<Command>) {
        let body = testing::event(event_type, payload);
        let delivery = self.signer.sign_json(&body);
        let status = delivery.post(&self.http, &self.webhooks).send().await.unwrap().status().as_u16();
        (status, std::mem::take(&mut *self.log.lock().unwrap()))
    }

    /// The one command an event caused, checked to be a POST of `action` on the call, with the
    /// event's id as its command id.
    async fn command(&self, event_type: &str, payload: Value, action: &str) -> Value {
        let (status, commands) = self.deliver(event_type, payload).await;
        assert_eq!(status, 200, "{event_type}");
        assert_eq!(commands.len(), 1, "{event_type}: {commands:#?}");
        let c = &commands[0];
        assert_eq!(c.method, Method::POST);
        assert_eq!(c.path, format!("/calls/{CALL}/actions/{action}"));
        assert_eq!(c.authorization, format!("Bearer {}", testing::MOCK_API_KEY));
        assert!(c.body["command_id"].as_str().is_some_and(|id| !id.is_empty()), "{:#}", c.body);
        c.body.clone()
    }
}

fn state_of(body: &Value, field: &str) -> Value {
    let b64 = body[field].as_str().unwrap_or_else(|| panic!("no {field} in {body:#}"));
    serde_json::from_slice(&BASE64.decode(b64).unwrap()).unwrap()
}

fn initiated() -> Value {
    json!({"call_control_id": CALL, "direction": "incoming", "from": "+13125550001", "to": "+13125550000", "state": "parked"})
}

fn answered(client_state: &str) -> Value {
    json!({"call_control_id": CALL, "client_state": client_state, "from": "+13125550001", "to": "+13125550000"})
}

fn gather_ended(client_state: &str, digits: &str, status: &str) -> Value {
    json!({"call_control_id": CALL, "client_state": client_state, "digits": digits, "status": status})
}

#[tokio::test]
async fn pressing_1_transfers_the_caller() {
    let h = Harness::start().await;

    let answer = h.command("call.initiated", initiated(), "answer").await;
    assert_eq!(state_of(&answer, "client_state"), json!({"leg": "caller", "tries": 0}));

    let state = answer["client_state"].as_str().unwrap();
    let gather = h.command("call.answered", answered(state), "gather_using_speak").await;
    assert!(gather["payload"].as_str().unwrap().contains("Press 1"), "{gather:#}");
    assert_eq!(gather["valid_digits"], "12");
    assert_eq!(gather["maximum_digits"], 1);
    assert!(gather["voice"].as_str().is_some_and(|v| !v.is_empty()));
    assert_eq!(state_of(&gather, "client_state"), json!({"leg": "caller", "tries": 1}));

    let state = gather["client_state"].as_str().unwrap();
    let transfer = h.command("call.gather.ended", gather_ended(state, "1", "valid"), "transfer").await;
    assert_eq!(transfer["to"], TRANSFER_TO);
    assert_eq!(state_of(&transfer, "target_leg_client_state"), json!({"leg": "transfer_target"}));

    // The dialled leg answers: it carries the transfer's state, so it is not given the menu.
    let target = transfer["target_leg_client_state"].as_str().unwrap();
    let (status, commands) = h.deliver("call.answered", answered(target)).await;
    assert_eq!((status, commands.len()), (200, 0), "{commands:#?}");
}

#[tokio::test]
async fn pressing_2_hangs_up() {
    let h = Harness::start().await;
    let answer = h.command("call.initiated", initiated(), "answer").await;
    let gather =
        h.command("call.answered", answered(answer["client_state"].as_str().unwrap()), "gather_using_speak").await;
    let state = gather["client_state"].as_str().unwrap();
    h.command("call.gather.ended", gather_ended(state, "2", "valid"), "hangup").await;
}

#[tokio::test]
async fn no_choice_replays_the_menu_then_hangs_up() {
    let h = Harness::start().await;
    let answer = h.command("call.initiated", initiated(), "answer").await;
    let mut gather =
        h.command("call.answered", answered(answer["client_state"].as_str().unwrap()), "gather_using_speak").await;
    // Two more menus ("Sorry, ..."), each with the try counted in client_state.
    for (tries, (digits, status)) in [(2, ("", "timeout")), (3, ("9", "invalid"))] {
        let state = gather["client_state"].as_str().unwrap().to_owned();
        gather = h.command("call.gather.ended", gather_ended(&state, digits, status), "gather_using_speak").await;
        assert!(gather["payload"].as_str().unwrap().starts_with("Sorry"), "{gather:#}");
        assert_eq!(state_of(&gather, "client_state"), json!({"leg": "caller", "tries": tries}));
    }
    let state = gather["client_state"].as_str().unwrap();
    h.command("call.gather.ended", gather_ended(state, "", "timeout"), "hangup").await;
}

#[tokio::test]
async fn a_caller_who_hangs_up_during_the_menu_gets_no_command() {
    let h = Harness::start().await;
    let state = BASE64.encode(br#"{"leg":"caller","tries":1}"#);
    let (status, commands) = h.deliver("call.gather.ended", gather_ended(&state, "", "call_hangup")).await;
    assert_eq!((status, commands.len()), (200, 0), "{commands:#?}");
}

#[tokio::test]
async fn outgoing_calls_and_foreign_state_are_left_alone() {
    let h = Harness::start().await;
    let mut outgoing = initiated();
    outgoing["direction"] = json!("outgoing");
    let (status, commands) = h.deliver("call.initiated", outgoing).await;
    assert_eq!((status, commands.len()), (200, 0), "{commands:#?}");
    // A client_state some other application set (not base64 JSON of ours).
    let (status, commands) = h.deliver("call.answered", answered("b3RoZXI=")).await;
    assert_eq!((status, commands.len()), (200, 0), "{commands:#?}");
}

#[tokio::test]
async fn bad_signatures_are_rejected_with_400_and_send_nothing() {
    let h = Harness::start().await;
    let body = serde_json::to_vec(&testing::event("call.initiated", initiated())).unwrap();

    // Signed by another key.
    let other = WebhookSigner::new().sign(body.clone());
    let status = other.post(&h.http, &h.webhooks).send().await.unwrap().status();
    assert_eq!(status, 400);

    // Body changed after signing.
    let mut tampered = h.signer.sign(body.clone());
    tampered.body = String::from_utf8(body.clone()).unwrap().replace("incoming", "incoming ").into_bytes();
    assert_eq!(tampered.post(&h.http, &h.webhooks).send().await.unwrap().status(), 400);

    // Too old (a replay).
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let stale = h.signer.sign_at(body.clone(), old);
    assert_eq!(stale.post(&h.http, &h.webhooks).send().await.unwrap().status(), 400);

    // No signature at all.
    let unsigned = h.http.post(&h.webhooks).body(body).send().await.unwrap().status();
    assert_eq!(unsigned, 400);

    assert!(h.log.lock().unwrap().is_empty());
}
