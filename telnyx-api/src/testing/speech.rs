//! A local stand-in for Telnyx's speech WebSockets (text to speech at
//! `/v2/text-to-speech/speech`, speech to text at `/v2/speech-to-text/transcription`), following
//! the flows the spec describes, to test code that uses [`crate::ws`] without the network.
//!
//! ```
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let server = telnyx_api::testing::speech::SpeechServer::start().await?;
//! let client = telnyx_api::testing::client_for(server.base_url());
//! // client.text_to_speech().retrieve_speech().connect().await? talks to it.
//! # drop(client);
//! # Ok(()) }
//! ```
//!
//! **Text to speech.** The first frame must be the handshake `{"text": " "}`. Each later
//! `{"text": "…"}` gets one `audio_chunk` frame per word (base64 of [`tts_audio`]'s chunks, a
//! few milliseconds apart), then a `final` frame. `{"force": true, "text": "…"}` drops the
//! chunks not yet sent and speaks the new text. The voice (query parameter `voice`) chooses
//! a scenario:
//!
//! | voice | what the server does |
//! |---|---|
//! | `refuse` | refuses the upgrade: 401 with a Telnyx error envelope |
//! | `bad` | refuses the upgrade: 400 with a text body |
//! | `flaky` | 503 on the first upgrade request to this server, then upgrades |
//! | `error` | after the handshake frame, `{"type": "error", "error": "Invalid voice_id specified"}`, then closes |
//! | `echo` | after the handshake frame, an error frame that quotes the `Authorization` header |
//! | `tagless` | the frames the live API sends: no `type` member |
//! | `garbage` | a text frame that is not JSON before each text's chunks |
//! | `huge` | one 2 MiB frame after the handshake |
//! | `silent` | reads nothing and sends nothing after the upgrade |
//! | `ping` | pings the client after the handshake frame |
//! | `close-1011` | closes with 1011 after the handshake frame |
//! | `drop` | drops the connection, without a Close, after the handshake frame |
//!
//! **Speech to text.** `transcription_engine` and `input_format` are required (400 without).
//! Each binary frame gets an interim `transcript` frame (its bytes as text);
//! `{"type": "CloseStream"}` gets a final one with all of them, then a Close. A text
//! frame of another kind gets an error frame. `language=envelope` answers the first audio with
//! a Telnyx `{"errors": […]}` envelope.
//!
//! [`SpeechServer::connections`] tells what each connection sent: the upgrade request, the
//! frames, the pongs and the Close code.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use futures::{SinkExt as _, StreamExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::ws::Frame;

/// What one connection to a [`SpeechServer`] sent.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SeenConnection {
    /// The path and query of the upgrade request (`/v2/text-to-speech/speech?voice=…`).
    pub target: String,
    /// Its headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The text and binary frames the client sent, in order.
    pub frames: Vec<Frame>,
    /// Pings the client sent.
    pub pings: usize,
    /// Pongs the client sent.
    pub pongs: usize,
    /// The code of the client's Close, if it sent one.
    pub close_code: Option<u16>,
}

impl SeenConnection {
    /// A header of the upgrade request.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The text frames, parsed as JSON (`Null` for one that is not).
    pub fn json_frames(&self) -> Vec<serde_json::Value> {
        self.frames
            .iter()
            .filter_map(|f| match f {
                Frame::Text(t) => Some(serde_json::from_str(t).unwrap_or(serde_json::Value::Null)),
                Frame::Binary(_) => None,
            })
            .collect()
    }
}

/// The audio the server sends for `text`: one chunk per word (bytes that are not UTF-8, as
/// audio is not), decoded from the `audio` members of its chunk frames.
pub fn tts_audio(text: &str) -> Vec<Vec<u8>> {
    text.split_whitespace().map(|word| [&[0xFF, 0xF3][..], word.as_bytes()].concat()).collect()
}

type Seen = Arc<Mutex<Vec<SeenConnection>>>;

/// The server; stops when dropped.
#[derive(Debug)]
pub struct SpeechServer {
    base_url: String,
    seen: Seen,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SpeechServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SpeechServer {
    /// Listen on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_at("127.0.0.1:0").await
    }

    /// Listen on `addr` (`127.0.0.1:0` for a free port).
    pub async fn start_at(addr: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let base_url = format!("http://{}/v2", listener.local_addr()?);
        let seen = Seen::default();
        let flaky_done = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let seen = seen.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, seen.clone(), flaky_done.clone()));
                }
            }
        });
        Ok(SpeechServer { base_url, seen, task })
    }

    /// The base URL to give the client: `http://127.0.0.1:PORT/v2`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// What each connection sent so far, in the order they were accepted.
    pub fn connections(&self) -> Vec<SeenConnection> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// The value of query parameter `name` in `query`.
fn query_param(query: &str, name: &str) -> Option<String> {
    // `application/x-www-form-urlencoded`, as `Url` reads it (`+` a space, `%2B` a plus).
    let mut url = reqwest::Url::parse("http://127.0.0.1/").ok()?;
    url.set_query(Some(query));
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn refusal(status: StatusCode, content_type: &str, body: &str) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(body.to_owned()));
    *response.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        response.headers_mut().insert("content-type", v);
    }
    if let Ok(v) = "mock-request-id".parse() {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// Which service a connection is for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Service {
    Tts,
    Stt,
}

/// One connection: check the upgrade request, then run its service's flow.
async fn serve(stream: TcpStream, seen: Seen, flaky_done: Arc<AtomicBool>) {
    let index = {
        let Ok(mut s) = seen.lock() else { return };
        s.push(SeenConnection::default());
        s.len() - 1
    };
    let mut service = None;
    let mut params: Option<String> = None;
    #[allow(clippy::result_large_err, reason = "tungstenite's `Callback` returns its `ErrorResponse` so")]
    let callback = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        let target = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
        let query = request.uri().query().unwrap_or_default().to_owned();
        if let Ok(mut s) = seen.lock() {
            s[index].target = target;
            s[index].headers = request
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
        }
        let bearer = request.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !bearer.starts_with("Bearer ") || bearer.len() <= "Bearer ".len() {
            return Err(refusal(
                StatusCode::UNAUTHORIZED,
                "application/json",
                &envelope("10009", "Authentication failed", "Missing or invalid API key."),
            ));
        }
        let voice = query_param(&query, "voice").unwrap_or_default();
        match request.uri().path() {
            "/v2/text-to-speech/speech" => service = Some(Service::Tts),
            "/v2/speech-to-text/transcription" => {
                for required in ["transcription_engine", "input_format"] {
                    if query_param(&query, required).is_none() {
                        return Err(refusal(
                            StatusCode::BAD_REQUEST,
                            "application/json",
                            &envelope("10015", "Bad Request", &format!("`{required}` is required")),
                        ));
                    }
                }
                service = Some(Service::Stt);
            }
            path => {
                return Err(refusal(
                    StatusCode::NOT_FOUND,
                    "application/json",
                    &envelope("10005", "Resource not found", path),
                ))
            }
        }
        match voice.as_str() {
            "refuse" => Err(refusal(
                StatusCode::UNAUTHORIZED,
                "application/json",
                &envelope("10009", "Authentication failed", "The API key was refused."),
            )),
            "bad" => Err(refusal(StatusCode::BAD_REQUEST, "text/plain", "bad voice")),
            "flaky" if !flaky_done.swap(true, Ordering::SeqCst) => Err(refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "application/json",
                &envelope("90041", "Service unavailable", "Try again."),
            )),
            _ => {
                params = Some(query);
                Ok(response)
            }
        }
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await else { return };
    let query = params.unwrap_or_default();
    let record = Recorder { seen, index };
    match service {
        Some(Service::Tts) => tts(&mut socket, &query, &record).await,
        Some(Service::Stt) => stt(&mut socket, &query, &record).await,
        None => {}
    }
}

fn envelope(code: &str, title: &str, detail: &str) -> String {
    serde_json::json!({"errors": [{"code": code, "title": title, "detail": detail}]}).to_string()
}

/// Where a connection records what it sees.
struct Recorder {
    seen: Seen,
    index: usize,
}

impl Recorder {
    fn update<R>(&self, f: impl FnOnce(&mut SeenConnection) -> R) -> Option<R> {
        self.seen.lock().ok().map(|mut s| f(&mut s[self.index]))
    }
}

/// Read the next data frame, recording it (and pings, pongs and a Close); `None` once the
/// client closed or the connection ended.
async fn next_frame(socket: &mut WebSocketStream<TcpStream>, record: &Recorder) -> Option<Frame> {
    loop {
        let frame = match socket.next().await? {
            Ok(Message::Text(t)) => Frame::Text(t.as_str().to_owned()),
            Ok(Message::Binary(b)) => Frame::Binary(b),
            Ok(Message::Ping(_)) => {
                record.update(|c| c.pings += 1);
                let _ = socket.flush().await;
                continue;
            }
            Ok(Message::Pong(_)) => {
                record.update(|c| c.pongs += 1);
                continue;
            }
            Ok(Message::Close(frame)) => {
                let code = frame.map_or(1005, |f| u16::from(f.code));
                record.update(|c| c.close_code = Some(code));
                let _ = socket.flush().await;
                return None;
            }
            Ok(Message::Frame(_)) => continue,
            Err(_) => return None,
        };
        record.update(|c| c.frames.push(frame.clone()));
        return Some(frame);
    }
}

async fn send_json(socket: &mut WebSocketStream<TcpStream>, value: serde_json::Value) -> bool {
    socket.send(Message::text(value.to_string())).await.is_ok()
}

async fn close_with(socket: &mut WebSocketStream<TcpStream>, code: CloseCode, reason: &str) {
    let _ = socket.close(Some(CloseFrame { code, reason: reason.to_owned().into() })).await;
    // Wait for the client's Close (or the end of the connection).
    let _ = tokio::time::timeout(Duration::from_secs(5), async { while socket.next().await.is_some() {} }).await;
}

/// The text-to-speech flow.
async fn tts(socket: &mut WebSocketStream<TcpStream>, query: &str, record: &Recorder) {
    let voice = query_param(query, "voice").unwrap_or_default();
    if voice == "silent" {
        tokio::time::sleep(Duration::from_secs(30)).await;
        return;
    }
    let tagged = voice != "tagless";
    // The handshake frame comes first.
    let Some(first) = next_frame(socket, record).await else { return };
    let is_handshake = matches!(&first, Frame::Text(t)
        if serde_json::from_str::<serde_json::Value>(t).is_ok_and(|v| v.get("text").and_then(|t| t.as_str()) == Some(" ")));
    let error_frame = |message: &str| {
        if tagged {
            serde_json::json!({"type": "error", "error": message})
        } else {
            serde_json::json!({"error": message})
        }
    };
    if !is_handshake {
        send_json(socket, error_frame("The first frame must be the handshake {\"text\": \" \"}")).await;
        close_with(socket, CloseCode::Policy, "no handshake").await;
        return;
    }
    match voice.as_str() {
        "error" => {
            send_json(socket, error_frame("Invalid voice_id specified")).await;
            close_with(socket, CloseCode::Normal, "").await;
            return;
        }
        "echo" => {
            let auth = record.update(|c| c.header("authorization").unwrap_or_default().to_owned()).unwrap_or_default();
            send_json(socket, error_frame(&format!("Bad credentials: {auth}"))).await;
            close_with(socket, CloseCode::Normal, "").await;
            return;
        }
        "huge" => {
            let audio = base64::engine::general_purpose::STANDARD.encode(vec![0u8; 2 << 20]);
            send_json(socket, serde_json::json!({"type": "audio_chunk", "audio": audio, "isFinal": false})).await;
        }
        "ping" => {
            let _ = socket.send(Message::Ping(Bytes::from_static(b"mock"))).await;
        }
        "close-1011" => {
            close_with(socket, CloseCode::Error, "synthesis failed").await;
            return;
        }
        "drop" => return,
        _ => {}
    }
    // Chunks waiting to be sent, one every few milliseconds, then the final frame.
    let mut queue: std::collections::VecDeque<serde_json::Value> = Default::default();
    let mut tick = tokio::time::interval(Duration::from_millis(3));
    loop {
        tokio::select! {
            frame = next_frame(socket, record) => {
                let Some(frame) = frame else { return };
                let Frame::Text(text) = frame else {
                    send_json(socket, error_frame("Binary frames are not accepted")).await;
                    continue;
                };
                let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
                    send_json(socket, error_frame("Frames must be JSON")).await;
                    continue;
                };
                if value.get("force").and_then(|f| f.as_bool()) == Some(true) {
                    queue.clear();
                }
                let text = value.get("text").and_then(|t| t.as_str()).unwrap_or_default();
                if text.trim().is_empty() {
                    continue;
                }
                if voice == "garbage" {
                    queue.push_back(serde_json::Value::String("not json".into()));
                }
                for (i, chunk) in tts_audio(text).iter().enumerate() {
                    let audio = base64::engine::general_purpose::STANDARD.encode(chunk);
                    let mut frame = serde_json::json!({"audio": audio, "isFinal": false, "text": text});
                    if i == 0 {
                        frame["timeToFirstAudioFrameMs"] = 3.into();
                    }
                    if tagged {
                        frame["type"] = "audio_chunk".into();
                    }
                    queue.push_back(frame);
                }
                let mut last = serde_json::json!({"audio": null, "isFinal": true, "text": ""});
                if tagged {
                    last["type"] = "final".into();
                }
                queue.push_back(last);
            }
            _ = tick.tick(), if !queue.is_empty() => {
                let sent = match queue.pop_front() {
                    Some(serde_json::Value::String(raw)) => socket.send(Message::text(raw)).await.is_ok(),
                    Some(frame) => send_json(socket, frame).await,
                    None => true,
                };
                if !sent {
                    return;
                }
            }
        }
    }
}

/// The speech-to-text flow.
async fn stt(socket: &mut WebSocketStream<TcpStream>, query: &str, record: &Recorder) {
    let envelope_first = query_param(query, "language").as_deref() == Some("envelope");
    let mut heard = Vec::new();
    let finish = |heard: &[String]| serde_json::json!({"type": "transcript", "transcript": heard.join(" "), "is_final": true, "confidence": 0.9});
    loop {
        let Some(frame) = next_frame(socket, record).await else {
            // The client closed: the Close was answered already.
            return;
        };
        match frame {
            Frame::Binary(audio) => {
                if envelope_first {
                    let body: serde_json::Value = serde_json::from_str(&envelope(
                        "90002",
                        "Transcription failed",
                        "The audio could not be decoded.",
                    ))
                    .unwrap_or_default();
                    send_json(socket, body).await;
                    close_with(socket, CloseCode::Normal, "").await;
                    return;
                }
                let text = String::from_utf8_lossy(&audio).into_owned();
                send_json(
                    socket,
                    serde_json::json!({"type": "transcript", "transcript": text, "is_final": false, "confidence": 0.5}),
                )
                .await;
                heard.push(text);
            }
            Frame::Text(text) => {
                let kind = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned));
                match kind.as_deref() {
                    Some("CloseStream") => {
                        send_json(socket, finish(&heard)).await;
                        close_with(socket, CloseCode::Normal, "").await;
                        return;
                    }
                    Some("KeepAlive" | "Finalize") => {}
                    _ => {
                        send_json(
                            socket,
                            serde_json::json!({"type": "error", "error": "Expected binary audio frames"}),
                        )
                        .await;
                    }
                }
            }
        }
    }
}
