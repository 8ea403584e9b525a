//! Speak text over the text-to-speech WebSocket and write the audio to a file.
//!
//! ```text
//! TELNYX_API_KEY=... cargo run -q -p telnyx-api --example text_to_speech -- \
//!     --voice Telnyx.NaturalHD.astra [--audio-format pcm|wav|mp3] --out hello.mp3 Hello from Rust
//! ```
//!
//! Opens `GET /text-to-speech/speech` as a WebSocket (the base URL's, upgraded: `wss://` for
//! `https://`), sends the handshake frame `{"text": " "}`, then the text, then the empty text
//! that ends the sequence (Telnyx synthesizes at sentence ends and flushes the rest then). It
//! writes the decoded audio of every chunk to the file, in order, and exits 0 after the final
//! frame. Output:
//!
//! ```text
//! wrote 18432 bytes to hello.mp3
//! ```
//!
//! Reads `TELNYX_API_KEY` (or `TELNYX_CLIENT_ID` and `TELNYX_CLIENT_SECRET`) and
//! `TELNYX_BASE_URL`, a mock server's base URL (see `telnyx_api::testing::speech`). An error
//! frame, a refused upgrade or any other error goes to stderr, and the example exits 1.

use std::process::ExitCode;

use base64::Engine as _;
use futures::StreamExt as _;
use telnyx_api::types::{AudioFormat, ClientTextFrame, TtsServerEvent};
use telnyx_api::{Client, Error};
use tokio::io::AsyncWriteExt as _;

const USAGE: &str = "usage: text_to_speech --voice VOICE [--audio-format pcm|wav|mp3] --out FILE TEXT...";

#[derive(Debug)]
struct Args {
    voice: String,
    audio_format: Option<String>,
    out: String,
    text: String,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let (mut voice, mut audio_format, mut out) = (None, None, None);
    let mut words = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--voice" => &mut voice,
            "--audio-format" => &mut audio_format,
            "--out" => &mut out,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            "--" => {
                words.extend(args.by_ref());
                continue;
            }
            other if other.starts_with("--") => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
            _ => {
                words.push(arg);
                continue;
            }
        };
        *slot = Some(args.next().ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?);
    }
    if let Some(f) = &audio_format {
        if !matches!(f.as_str(), "pcm" | "wav" | "mp3") {
            return Err(format!("--audio-format must be pcm, wav or mp3, got {f:?}"));
        }
    }
    let text = words.join(" ");
    if text.trim().is_empty() {
        return Err(format!("missing TEXT\n{USAGE}"));
    }
    Ok(Args {
        voice: voice.ok_or_else(|| format!("missing --voice\n{USAGE}"))?,
        audio_format,
        out: out.ok_or_else(|| format!("missing --out\n{USAGE}"))?,
        text,
    })
}

/// What went wrong, for stderr: the server's words when it refused or sent an error frame.
fn describe(e: &Error) -> String {
    match e {
        Error::Api(api) => format!("the server refused the WebSocket: HTTP {}: {api}", api.status.as_u16()),
        Error::ServerFrame(frame) => format!("the server sent an error frame: {}", frame.message),
        other => other.to_string(),
    }
}

async fn run(args: Args) -> Result<(), String> {
    let api = |e: Error| describe(&e);
    let client = Client::from_env().map_err(api)?;
    let mut call = client.text_to_speech().retrieve_speech().voice(args.voice);
    if let Some(format) = args.audio_format.as_deref() {
        call = call.audio_format(AudioFormat::from(format));
    }
    let mut tts = call.connect().await.map_err(api)?;
    let io = |e: std::io::Error| format!("{}: {e}", args.out);
    let mut file = tokio::fs::File::create(&args.out).await.map_err(io)?;
    let sent = async {
        tts.send(ClientTextFrame::new(" ")).await?;
        tts.send(ClientTextFrame::new(args.text)).await?;
        // End of sequence: synthesize what is left (not in the spec; Telnyx's WebSocket guide).
        tts.send_json(&serde_json::json!({"text": ""})).await
    }
    .await;
    if let Err(e) = sent {
        // The server closed the connection: its frames tell why (an error frame, say).
        while let Some(frame) = tts.next().await {
            frame.map_err(api)?;
        }
        return Err(describe(&e));
    }
    let mut written = 0usize;
    while let Some(frame) = tts.next().await {
        match frame.map_err(api)? {
            TtsServerEvent::AudioChunkFrame(chunk) => {
                // `null` in the mode that sends the audio concatenated at the end.
                let Some(audio) = chunk.audio else { continue };
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(audio.as_bytes())
                    .map_err(|e| format!("an audio chunk is not base64: {e}"))?;
                file.write_all(&bytes).await.map_err(io)?;
                written += bytes.len();
            }
            TtsServerEvent::FinalFrame(_) => {
                file.flush().await.map_err(io)?;
                tts.close().await.map_err(api)?;
                println!("wrote {written} bytes to {}", args.out);
                return Ok(());
            }
            // The error frame is `Err(Error::ServerFrame)`; anything else is not audio.
            TtsServerEvent::ErrorFrame(_) | TtsServerEvent::Unknown(_) => {}
        }
    }
    Err("the connection ended before the final frame".to_owned())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("text_to_speech: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("text_to_speech: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn arguments() {
        let a = args(&["--voice", "v", "--out", "f.mp3", "Hello", "there"]).unwrap();
        assert_eq!(
            (a.voice.as_str(), a.out.as_str(), a.text.as_str(), a.audio_format),
            ("v", "f.mp3", "Hello there", None)
        );
        let a = args(&["--audio-format", "wav", "--voice", "v", "--out", "f", "--", "--not-a-flag"]).unwrap();
        assert_eq!((a.audio_format.as_deref(), a.text.as_str()), (Some("wav"), "--not-a-flag"));
        assert!(args(&["--voice", "v", "--out", "f"]).unwrap_err().contains("missing TEXT"));
        assert!(args(&["--out", "f", "hi"]).unwrap_err().contains("missing --voice"));
        assert!(args(&["--voice", "v", "--out", "f", "--audio-format", "ogg", "hi"])
            .unwrap_err()
            .contains("pcm, wav or mp3"));
    }
}
