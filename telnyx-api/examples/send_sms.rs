//! Send an SMS, then follow its delivery status.
//!
//! ```text
//! TELNYX_API_KEY=... cargo run -q -p telnyx-api --example send_sms -- \
//!     --from +13125550000 --to +13125550001 [--text "Hello from Rust"] [--wait 30]
//! ```
//!
//! Sends the message with `POST /messages`, prints its id and the recipient's status, then
//! fetches it (`GET /messages/{id}`) once a second, printing each new status, until the status
//! is final (`delivered`, `delivery_failed`, `sending_failed`, `expired`,
//! `delivery_unconfirmed`) or `--wait` seconds (default 30) have passed; `--wait 0` fetches it
//! once. Output:
//!
//! ```text
//! id 40385f64-5717-4562-b3fc-2c963f66afa6
//! status queued
//! status delivered (final, after 3 s)
//! ```
//!
//! `TELNYX_BASE_URL` overrides the API base URL (a mock server). On an error prints it to
//! stderr and exits 1.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use telnyx_api::types::{GetMessageResponseData, OutboundMessagePayloadToItemStatus as Status};
use telnyx_api::Client;

const USAGE: &str = "usage: send_sms --from <E.164 or sender id> --to <E.164> [--text <text>] [--wait <seconds>]";
const POLL_INTERVAL: Duration = Duration::from_secs(1);

struct Args {
    from: String,
    to: String,
    text: String,
    wait: Duration,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let (mut from, mut to, mut text, mut wait) = (None, None, None, None);
    let mut args = args.into_iter();
    while let Some(name) = args.next() {
        let slot = match name.as_str() {
            "--from" => &mut from,
            "--to" => &mut to,
            "--text" => &mut text,
            "--wait" => &mut wait,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        };
        *slot = Some(args.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"))?);
    }
    let wait = match wait {
        Some(w) => w.parse().map_err(|_| format!("--wait must be whole seconds, got {w:?}"))?,
        None => 30,
    };
    Ok(Args {
        from: from.ok_or_else(|| format!("missing --from\n{USAGE}"))?,
        to: to.ok_or_else(|| format!("missing --to\n{USAGE}"))?,
        text: text.unwrap_or_else(|| "Hello from telnyx-api".to_owned()),
        wait: Duration::from_secs(wait),
    })
}

/// A status after which nothing changes any more.
fn is_final(status: &Status) -> bool {
    matches!(
        status,
        Status::Delivered
            | Status::DeliveryFailed
            | Status::SendingFailed
            | Status::Expired
            | Status::DeliveryUnconfirmed
    )
}

/// The status of the (first) recipient of a fetched message.
fn status_of(message: Option<GetMessageResponseData>) -> Option<Status> {
    match message? {
        GetMessageResponseData::OutboundMessagePayload(m) => m.to?.into_iter().next()?.status,
        // `GET /messages/{id}` of a message this account received: not what was sent here.
        GetMessageResponseData::InboundMessagePayload(_) => None,
    }
}

fn name(status: Option<&Status>) -> &str {
    status.map_or("unknown", Status::as_str)
}

async fn run(args: Args) -> Result<(), String> {
    let client = Client::from_env().map_err(|e| e.to_string())?;
    let sent = client.messages().send(args.to).from(args.from).text(args.text).await.map_err(|e| e.to_string())?;
    let message = sent.data.ok_or("the response has no message (no `data`)")?;
    let id = message.id.ok_or("the message has no id")?;
    let mut status = message.to.and_then(|to| to.into_iter().next()).and_then(|r| r.status);
    println!("id {id}");
    println!("status {}", name(status.as_ref()));

    let started = Instant::now();
    loop {
        if status.as_ref().is_some_and(is_final) {
            return Ok(());
        }
        let fetched = client.messages().retrieve(&id).await.map_err(|e| e.to_string())?;
        let now = status_of(fetched.data);
        let waited = started.elapsed().as_secs();
        if now.as_ref().is_some_and(is_final) {
            println!("status {} (final, after {waited} s)", name(now.as_ref()));
            return Ok(());
        }
        if now != status {
            println!("status {} (after {waited} s)", name(now.as_ref()));
            status = now;
        }
        if started.elapsed() + POLL_INTERVAL > args.wait {
            println!("status {} (not final after {waited} s)", name(status.as_ref()));
            return Ok(());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("send_sms: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("send_sms: {e}");
            ExitCode::FAILURE
        }
    }
}
