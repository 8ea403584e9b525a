//! Verify one Telnyx webhook delivery from the command line.
//!
//! ```text
//! TELNYX_PUBLIC_KEY=... cargo run -q -p telnyx-api --example webhook_verify -- \
//!     --signature <base64> --timestamp <unix seconds> [--tolerance <seconds>] < body.json
//! ```
//!
//! Reads the raw body from stdin and the base64 public key from `TELNYX_PUBLIC_KEY`. On success
//! prints the event type (`data.event_type`, or `event_type` for fax events; `unknown` when the
//! body has none) and exits 0; otherwise prints the reason to stderr and exits 1.

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use telnyx_api::webhooks::WebhookVerifier;

struct Args {
    signature: String,
    timestamp: String,
    tolerance: Option<Duration>,
}

const USAGE: &str =
    "usage: webhook_verify --signature <base64> --timestamp <unix seconds> [--tolerance <seconds>] < body";

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut signature = None;
    let mut timestamp = None;
    let mut tolerance = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let slot = match name.as_str() {
            "--signature" => &mut signature,
            "--timestamp" => &mut timestamp,
            "--tolerance" => &mut tolerance,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        };
        let value = match inline.or_else(|| args.next()) {
            Some(v) => v,
            None => return Err(format!("{name} needs a value\n{USAGE}")),
        };
        *slot = Some(value);
    }
    let tolerance = match tolerance {
        Some(t) => {
            Some(Duration::from_secs(t.parse().map_err(|_| format!("--tolerance must be whole seconds, got {t:?}"))?))
        }
        None => None,
    };
    Ok(Args {
        signature: signature.ok_or_else(|| format!("missing --signature\n{USAGE}"))?,
        timestamp: timestamp.ok_or_else(|| format!("missing --timestamp\n{USAGE}"))?,
        tolerance,
    })
}

fn run() -> Result<String, String> {
    let args = parse_args(std::env::args().skip(1))?;
    let mut verifier = WebhookVerifier::from_env().map_err(|e| e.to_string())?;
    if let Some(t) = args.tolerance {
        verifier = verifier.tolerance(t);
    }
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body).map_err(|e| format!("cannot read the body from stdin: {e}"))?;
    let event = verifier.verify_and_parse_event(&body, &args.signature, &args.timestamp).map_err(|e| e.to_string())?;
    Ok(event.event_type().unwrap_or("unknown").to_owned())
}

fn main() -> ExitCode {
    match run() {
        Ok(event_type) => {
            println!("{event_type}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("webhook_verify: {reason}");
            ExitCode::FAILURE
        }
    }
}
