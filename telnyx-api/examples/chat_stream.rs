//! Stream a chat completion to stdout as it is generated.
//!
//! ```text
//! TELNYX_API_KEY=... cargo run -q -p telnyx-api --example chat_stream -- Tell me a joke
//! TELNYX_API_KEY=... cargo run -q -p telnyx-api --example chat_stream -- --anthropic Tell me a joke
//! ```
//!
//! Sends the arguments, joined with spaces, as one user message with `"stream": true` and prints
//! each content delta the moment it arrives (nothing added), then one newline. By default through
//! `POST /ai/chat/completions` (OpenAI chunks); with `--anthropic` as the first argument through
//! `POST /ai/anthropic/v1/messages` (Anthropic events, `max_tokens` 1024), printing the text
//! deltas only (tool-input and thinking deltas are not printed). `TELNYX_BASE_URL` overrides the
//! API base URL and `TELNYX_CHAT_MODEL` the model (default
//! `meta-llama/Meta-Llama-3.1-8B-Instruct`). On an error (an HTTP error, an error event, a
//! stream cut off before its end) prints it to stderr and exits 1.

use std::io::Write as _;
use std::process::ExitCode;

use futures::StreamExt as _;

const DEFAULT_MODEL: &str = "meta-llama/Meta-Llama-3.1-8B-Instruct";
/// The Anthropic Messages API requires `max_tokens`.
const ANTHROPIC_MAX_TOKENS: u32 = 1024;

/// Which API to stream from.
#[derive(Clone, Copy)]
enum Api {
    /// `POST /ai/chat/completions`.
    Chat,
    /// `POST /ai/anthropic/v1/messages`.
    Anthropic,
}

async fn run(api: Api, prompt: String, wrote: &mut bool) -> Result<(), String> {
    let client = telnyx_api::Client::from_env().map_err(|e| e.to_string())?;
    let model = std::env::var("TELNYX_CHAT_MODEL")
        .ok()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_MODEL.to_owned());
    let messages = serde_json::json!([{"role": "user", "content": prompt}]);
    // Both text streams yield `Result<String>`; box them to read them with one loop.
    let mut text: futures::stream::BoxStream<'static, telnyx_api::Result<String>> = match api {
        Api::Chat => {
            let request = serde_json::json!({"model": model, "messages": messages});
            telnyx_api::chat::create_completion_text_stream(&client, &request).await.map_err(describe)?.boxed()
        }
        Api::Anthropic => {
            let request = serde_json::json!({"model": model, "max_tokens": ANTHROPIC_MAX_TOKENS, "messages": messages});
            telnyx_api::anthropic::create_message_text_stream(&client, &request).await.map_err(describe)?.boxed()
        }
    };
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
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let api = if args.first().is_some_and(|a| a == "--anthropic") {
        args.remove(0);
        Api::Anthropic
    } else {
        Api::Chat
    };
    let prompt = args.join(" ");
    if prompt.trim().is_empty() {
        eprintln!("usage: chat_stream [--anthropic] <prompt words...>  (TELNYX_API_KEY required)");
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
    match runtime.block_on(run(api, prompt, &mut wrote)) {
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
