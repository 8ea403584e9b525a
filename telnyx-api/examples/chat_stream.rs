//! Stream a chat completion to stdout as it is generated.
//!
//! ```text
//! TELNYX_API_KEY=... cargo run -q -p telnyx-api --example chat_stream -- Tell me a joke
//! ```
//!
//! Sends the arguments, joined with spaces, as one user message with `"stream": true` and prints
//! each content delta the moment it arrives (nothing added), then one newline. `TELNYX_BASE_URL`
//! overrides the API base URL and `TELNYX_CHAT_MODEL` the model (default
//! `meta-llama/Meta-Llama-3.1-8B-Instruct`). On an error prints it to stderr and exits 1.

use std::io::Write as _;
use std::process::ExitCode;

use futures::StreamExt as _;

const DEFAULT_MODEL: &str = "meta-llama/Meta-Llama-3.1-8B-Instruct";

async fn run(prompt: String, wrote: &mut bool) -> Result<(), String> {
    let client = telnyx_api::Client::from_env().map_err(|e| e.to_string())?;
    let model = std::env::var("TELNYX_CHAT_MODEL")
        .ok()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_MODEL.to_owned());
    let request = serde_json::json!({
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
    });
    let mut text = telnyx_api::chat::create_completion_text_stream(&client, &request).await.map_err(describe)?;
    let mut stdout = std::io::stdout().lock();
    while let Some(delta) = text.next().await {
        let delta = delta.map_err(describe)?;
        *wrote = true;
        stdout
            .write_all(delta.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
    }
    writeln!(stdout).and_then(|()| stdout.flush()).map_err(|e| format!("cannot write to stdout: {e}"))
}

/// The error's own message (status, Telnyx codes and details, request id) plus its causes.
fn describe(e: telnyx_api::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = s.to_string();
        // `Error`'s message often already quotes its immediate cause.
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn main() -> ExitCode {
    let prompt = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    if prompt.trim().is_empty() {
        eprintln!("usage: chat_stream <prompt words...>  (TELNYX_API_KEY required)");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut wrote = false;
    match runtime.block_on(run(prompt, &mut wrote)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            if wrote {
                // Finish the partial line on stdout so the message stands on its own.
                println!();
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
