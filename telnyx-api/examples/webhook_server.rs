//! A webhook endpoint: verifies each delivery, answers incoming SMS, logs call events.
//!
//! ```text
//! TELNYX_API_KEY=... TELNYX_PUBLIC_KEY=... \
//!     cargo run -q -p telnyx-api --example webhook_server -- [ADDR]
//! ```
//!
//! Serves `POST /webhooks` on `ADDR` (default `127.0.0.1:3000`; port 0 picks a free one) and
//! prints `listening on http://127.0.0.1:3000/webhooks`. Point a messaging profile's or Call
//! Control application's webhook URL there (through a tunnel for a local machine). Each
//! delivery:
//!
//! - is verified against `TELNYX_PUBLIC_KEY` (the Ed25519 signature over the raw body and the
//!   `telnyx-timestamp` header, which must be within 5 minutes): a bad or missing signature is
//!   answered `400` and logged as `rejected: <reason>`;
//! - is decoded as a typed [`WebhookEvent`];
//! - `message.received`: replies to the sender from the number that received it with
//!   `POST /messages` (`You said: <text>`), logged as
//!   `message.received from +13125550001: "hi" -> replied with message <id>`;
//! - call events (`call.initiated`, `call.answered`, `call.hangup`, …) are logged with their
//!   call control id; anything else by its event type;
//!
//! and is answered `200`. `TELNYX_BASE_URL` overrides the API base URL for the replies (a mock
//! server).
//!
//! The handler is the shape to copy: take the body as raw bytes (never a parsed JSON
//! extractor, which would re-encode it and break the signature), verify with the headers, then
//! match on the event.

use std::process::ExitCode;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use telnyx_api::types::InboundMessagePayload;
use telnyx_api::{Client, WebhookEvent, WebhookVerifier};

/// What every request handler gets: the API client (for replies) and the verifier.
#[derive(Clone)]
struct App {
    client: Client,
    verifier: WebhookVerifier,
}

fn router(app: App) -> Router {
    Router::new().route("/webhooks", post(webhook)).with_state(app)
}

async fn webhook(State(app): State<App>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let event = match app.verifier.verify_headers_and_parse_event(&body, &headers) {
        Ok(event) => event,
        Err(e) => {
            println!("rejected: {e}");
            return (StatusCode::BAD_REQUEST, "invalid webhook\n");
        }
    };
    match event {
        WebhookEvent::MessageReceived(received) => {
            if let Some(message) = received.data.and_then(|d| d.payload) {
                reply(&app.client, message).await;
            }
        }
        WebhookEvent::CallInitiated(call) => {
            let p = call.data.and_then(|d| d.payload).unwrap_or_default();
            println!(
                "call.initiated {} from {} to {} ({})",
                p.call_control_id.as_deref().unwrap_or("?"),
                p.from.as_deref().unwrap_or("?"),
                p.to.as_deref().unwrap_or("?"),
                p.direction.as_ref().map_or("?", |d| d.as_str()),
            );
        }
        WebhookEvent::CallAnswered(call) => {
            let p = call.data.and_then(|d| d.payload).unwrap_or_default();
            println!("call.answered {}", p.call_control_id.as_deref().unwrap_or("?"));
        }
        WebhookEvent::CallHangup(call) => {
            let p = call.data.and_then(|d| d.payload).unwrap_or_default();
            println!(
                "call.hangup {} ({})",
                p.call_control_id.as_deref().unwrap_or("?"),
                p.hangup_cause.as_ref().map_or("?", |c| c.as_str()),
            );
        }
        other => println!("{}", other.event_type().unwrap_or("event without an event_type")),
    }
    (StatusCode::OK, "")
}

/// Answer an incoming message from the number it was sent to. A failed reply is logged, and the
/// delivery still answered 200: Telnyx would otherwise deliver the message again.
async fn reply(client: &Client, message: InboundMessagePayload) {
    let sender = message.from.and_then(|f| f.phone_number);
    let our_number = message.to.into_iter().flatten().find_map(|t| t.phone_number);
    let text = message.text.unwrap_or_default();
    let (Some(sender), Some(our_number)) = (sender, our_number) else {
        println!("message.received without a sender or recipient number: not replying");
        return;
    };
    match client.messages().send(sender.as_str()).from(our_number).text(format!("You said: {text}")).await {
        Ok(sent) => {
            let id = sent.data.and_then(|m| m.id).unwrap_or_else(|| "?".to_owned());
            println!("message.received from {sender}: {text:?} -> replied with message {id}");
        }
        Err(e) => println!("message.received from {sender}: {text:?} -> reply failed: {e}"),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let setup = async {
        let client = Client::from_env().map_err(|e| e.to_string())?;
        let verifier = WebhookVerifier::from_env().map_err(|e| e.to_string())?;
        let listener =
            tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!("listening on http://{local}/webhooks");
        axum::serve(listener, router(App { client, verifier })).await.map_err(|e| e.to_string())
    };
    match setup.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhook_server: {e}");
            ExitCode::FAILURE
        }
    }
}
