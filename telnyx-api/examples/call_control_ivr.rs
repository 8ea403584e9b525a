//! A phone menu (IVR) on Call Control, driven by its webhooks.
//!
//! ```text
//! TELNYX_API_KEY=... TELNYX_PUBLIC_KEY=... TELNYX_IVR_TRANSFER_TO=+13125550100 \
//!     cargo run -q -p telnyx-api --example call_control_ivr -- [ADDR]
//! ```
//!
//! Serves `POST /webhooks` on `ADDR` (default `127.0.0.1:3000`) like the `webhook_server`
//! example: set it as the webhook URL of a Call Control application and call one of its
//! numbers. Every delivery is verified (a bad signature is answered `400`), then:
//!
//! | event | command |
//! | --- | --- |
//! | `call.initiated`, incoming | `answer` |
//! | `call.answered` of the caller | `gather_using_speak`: "Press 1 to talk to someone, 2 to hang up", one digit of `12` |
//! | `call.gather.ended`, `1` | `transfer` to `TELNYX_IVR_TRANSFER_TO` |
//! | `call.gather.ended`, `2` | `hangup` |
//! | `call.gather.ended`, anything else or nothing | the menu again, "Sorry, …"; after the third try `hangup` |
//!
//! What the IVR knows about a call travels in `client_state`: Telnyx echoes the (base64) value
//! of each command back in the webhooks the command causes, so the server keeps no per-call
//! state. Here it is the JSON `{"leg":"caller","tries":N}`, and the leg the transfer dials gets
//! `{"leg":"transfer_target"}`, so that its own `call.answered` is not given the menu. Each
//! command's `command_id` is the id of the event it answers: Telnyx ignores a repeated
//! command id, so a webhook delivered twice does not act twice.
//!
//! Each handled event is logged as `<event type> <call control id> -> <command>`.
//! `TELNYX_BASE_URL` overrides the API base URL (a mock server).

use std::process::ExitCode;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use telnyx_api::types::{CallGatherEndedPayloadStatus, CallInitiatedPayloadDirection};
use telnyx_api::{Client, WebhookEvent, WebhookVerifier};

const MENU: &str = "Thank you for calling. Press 1 to talk to someone, or 2 to hang up.";
const RETRY: &str = "Sorry, I did not get that.";
const VOICE: &str = "Telnyx.KokoroTTS.af";
/// How often the menu is played before the IVR gives up and hangs up.
const MAX_TRIES: u32 = 3;

/// The IVR: an API client, the webhook verifier and where option 1 transfers to.
#[derive(Clone)]
pub struct Ivr {
    pub client: Client,
    pub verifier: WebhookVerifier,
    /// E.164 number or SIP URI.
    pub transfer_to: String,
}

/// What the IVR knows about a call leg, carried in `client_state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "leg", rename_all = "snake_case")]
enum Leg {
    /// The caller, who has heard the menu `tries` times.
    Caller { tries: u32 },
    /// The leg a transfer dialled: not ours to drive.
    TransferTarget,
}

impl Leg {
    fn encode(&self) -> String {
        // A derived `Serialize` of a plain enum cannot fail.
        BASE64.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// The state in a webhook's `client_state`; `None` when there is none or it is not ours.
    fn decode(client_state: Option<&str>) -> Option<Leg> {
        let bytes = BASE64.decode(client_state?).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// The webhook endpoint, `POST /webhooks`.
pub fn router(ivr: Ivr) -> Router {
    Router::new().route("/webhooks", post(webhook)).with_state(ivr)
}

async fn webhook(State(ivr): State<Ivr>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let event = match ivr.verifier.verify_headers_and_parse_event(&body, &headers) {
        Ok(event) => event,
        Err(e) => {
            println!("rejected: {e}");
            return StatusCode::BAD_REQUEST;
        }
    };
    let event_type = event.event_type().unwrap_or("event without an event_type").to_owned();
    match ivr.handle(event).await {
        Ok(Some((call, command))) => println!("{event_type} {call} -> {command}"),
        Ok(None) => println!("{event_type}: nothing to do"),
        // Sending the delivery again would not help (the call is gone, the command invalid)
        // and the client already retried network failures: log and acknowledge.
        Err(e) => println!("{event_type}: command failed: {e}"),
    }
    StatusCode::OK
}

impl Ivr {
    /// Send the command for one event; returns the call control id and the command sent.
    async fn handle(&self, event: WebhookEvent) -> telnyx_api::Result<Option<(String, String)>> {
        let calls = self.client.calls().actions();
        match event {
            WebhookEvent::CallInitiated(e) => {
                let Some(data) = e.data else { return Ok(None) };
                let Some(p) = data.payload else { return Ok(None) };
                let Some(call) = p.call_control_id else { return Ok(None) };
                if p.direction != Some(CallInitiatedPayloadDirection::Incoming) {
                    return Ok(None);
                }
                calls
                    .answer(&call)
                    .client_state(Leg::Caller { tries: 0 }.encode())
                    .edit_input(|body| body.command_id = data.id)
                    .await?;
                Ok(Some((call, "answer".to_owned())))
            }
            WebhookEvent::CallAnswered(e) => {
                let Some(data) = e.data else { return Ok(None) };
                let Some(p) = data.payload else { return Ok(None) };
                let Some(call) = p.call_control_id else { return Ok(None) };
                let Some(Leg::Caller { tries }) = Leg::decode(p.client_state.as_deref()) else { return Ok(None) };
                self.menu(&call, tries, data.id).await?;
                Ok(Some((call, "gather_using_speak (menu)".to_owned())))
            }
            WebhookEvent::CallGatherEnded(e) => {
                let Some(data) = e.data else { return Ok(None) };
                let Some(p) = data.payload else { return Ok(None) };
                let Some(call) = p.call_control_id else { return Ok(None) };
                let Some(Leg::Caller { tries }) = Leg::decode(p.client_state.as_deref()) else { return Ok(None) };
                // The caller hung up, or another command cancelled the gather: nothing to answer.
                if matches!(
                    p.status,
                    Some(CallGatherEndedPayloadStatus::CallHangup | CallGatherEndedPayloadStatus::Cancelled)
                ) {
                    return Ok(None);
                }
                match p.digits.as_deref() {
                    Some("1") => {
                        calls
                            .transfer(&call, self.transfer_to.as_str())
                            .target_leg_client_state(Leg::TransferTarget.encode())
                            .edit_input(|body| body.command_id = data.id)
                            .await?;
                        Ok(Some((call, format!("transfer to {}", self.transfer_to))))
                    }
                    Some("2") => {
                        calls.hangup(&call).edit_input(|body| body.command_id = data.id).await?;
                        Ok(Some((call, "hangup".to_owned())))
                    }
                    _ if tries >= MAX_TRIES => {
                        calls.hangup(&call).edit_input(|body| body.command_id = data.id).await?;
                        Ok(Some((call, format!("hangup (no choice after {tries} tries)"))))
                    }
                    _ => {
                        self.menu(&call, tries, data.id).await?;
                        Ok(Some((call, "gather_using_speak (menu again)".to_owned())))
                    }
                }
            }
            _ => Ok(None),
        }
    }

    /// Play the menu for the `tries + 1`-th time and gather one digit.
    async fn menu(&self, call: &str, tries: u32, command_id: Option<String>) -> telnyx_api::Result<()> {
        let payload = if tries == 0 { MENU.to_owned() } else { format!("{RETRY} {MENU}") };
        self.client
            .calls()
            .actions()
            .gather_using_speak(call, payload, VOICE)
            .language("en-US")
            .valid_digits("12")
            .minimum_digits(1)
            .maximum_digits(1)
            .timeout_millis(10_000)
            .client_state(Leg::Caller { tries: tries + 1 }.encode())
            .edit_input(|body| body.command_id = command_id)
            .await?;
        Ok(())
    }
}

// tests/call_control_ivr.rs includes this file as a module and serves `router` itself.
#[cfg_attr(test, allow(dead_code, reason = "tests/call_control_ivr.rs drives `router` and does not run main"))]
#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let setup = async {
        let client = Client::from_env().map_err(|e| e.to_string())?;
        let verifier = WebhookVerifier::from_env().map_err(|e| e.to_string())?;
        let transfer_to = std::env::var("TELNYX_IVR_TRANSFER_TO")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or("TELNYX_IVR_TRANSFER_TO (the number option 1 transfers to) is not set")?;
        let listener =
            tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!("listening on http://{local}/webhooks");
        axum::serve(listener, router(Ivr { client, verifier, transfer_to })).await.map_err(|e| e.to_string())
    };
    match setup.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("call_control_ivr: {e}");
            ExitCode::FAILURE
        }
    }
}
