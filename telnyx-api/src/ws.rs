//! WebSockets: the operations the spec answers with `101 Switching Protocols` (text to speech
//! and speech to text over WebSockets), typed.
//!
//! Such an operation returns a [`WsCall`]: its query parameters are setters, as on any call, and
//! [`connect`](WsCall::connect) upgrades the connection. The [`Connection`] sends the client
//! frame type of the operation and is a [`Stream`] of its server frame type:
//!
//! ```no_run
//! use futures::StreamExt as _;
//! use telnyx_api::types::{ClientTextFrame, TtsServerEvent};
//!
//! # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
//! let mut tts = client.text_to_speech().retrieve_speech().voice("Telnyx.NaturalHD.astra").connect().await?;
//! tts.send(ClientTextFrame::new(" ")).await?; // the handshake frame
//! tts.send(ClientTextFrame::new("Hello from Rust.")).await?;
//! while let Some(frame) = tts.next().await {
//!     match frame? {
//!         TtsServerEvent::AudioChunkFrame(chunk) => println!("{} base64 bytes", chunk.audio.map_or(0, |a| a.len())),
//!         TtsServerEvent::FinalFrame(_) => break,
//!         other => println!("{other:?}"),
//!     }
//! }
//! tts.close().await?;
//! # Ok(()) }
//! ```
//!
//! The upgrade is an ordinary call: it goes through the client's base URL, authentication (API
//! key or OAuth token, refreshed on a 401), middleware, retries (a `GET`: connection failures,
//! 429 and 5xx are retried) and per-attempt timeout, over reqwest's own connection (its TLS,
//! proxies and connect timeout; HTTP/1.1 only, see
//! [`ClientBuilder::websocket_http_client`](crate::ClientBuilder::websocket_http_client)).
//! `tokio-tungstenite` frames the upgraded connection: a well-kept crate, no framing of our own.
//!
//! What can go wrong, and how it reaches the caller:
//!
//! | what | error | the connection |
//! |---|---|---|
//! | the server refuses the upgrade (401, 400, …) | [`Error::Api`], with status, envelope, request id and body | never opened |
//! | it answers a success without upgrading | [`Error::WebSocket`] with [`WsFailure::NotUpgraded`] | never opened |
//! | a bad `Sec-WebSocket-Accept` | [`WsFailure::Handshake`] | never opened |
//! | a frame that does not decode into the server type | [`Error::Decode`] (status 101), with the path and the frame | goes on |
//! | the server's error frame, or a Telnyx `{"errors": …}` envelope | [`Error::ServerFrame`] | ends |
//! | a message larger than [`max_websocket_message`](crate::ClientBuilder::max_websocket_message) | [`WsFailure::MessageTooLarge`] | ends |
//! | nothing heard, not even a pong, for [`stream_idle_timeout`](crate::ClientBuilder::stream_idle_timeout) | [`Error::Timeout`] | ends |
//! | a Close with a code other than 1000/1001 | [`WsFailure::Closed`], with code and reason | ends |
//! | the connection drops without a Close | [`WsFailure::ConnectionLost`] | ends |
//! | a frame sent on a closed connection | [`WsFailure::AlreadyClosed`] (the stream's last item tells why it closed) | closed |
//!
//! A normal Close (1000, 1001) ends the stream with `None`. The client pings a connection that
//! has been silent for [`websocket_ping_interval`](crate::ClientBuilder::websocket_ping_interval)
//! and answers the server's pings. The API key (or OAuth secret) is taken out of anything the
//! server sends back into an error.
//!
//! A task owns the socket: frames the server sends are read while the caller sends, so sending
//! a long audio stream before reading its transcripts works. It buffers at most
//! `max_websocket_message` bytes of unread frames and then stops reading (the server then sees
//! TCP backpressure). Dropping the [`Connection`] (or both halves of
//! [`split`](Connection::split)) closes it with code 1000.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt as _, Stream, StreamExt as _};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

use crate::client::Client;
use crate::error::{Error, Result, TelnyxError};
use crate::request::{decode_empty, execute_reply, with_decoding, ApiCall, Decoder, RawResponse, ReplyBody, Want};
use crate::retry::RetryPolicy;
use crate::Request;

/// Default [`ClientBuilder::max_websocket_message`](crate::ClientBuilder::max_websocket_message): 16 MiB.
pub const DEFAULT_MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// Default [`ClientBuilder::websocket_ping_interval`](crate::ClientBuilder::websocket_ping_interval): 20 s
/// (Telnyx closes a text-to-speech socket after 20 s of inactivity by default).
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(20);
/// How long [`Connection::close`] waits for the server's Close.
const CLOSE_WAIT: Duration = Duration::from_secs(5);
/// Frames queued between a sender and the task that owns the socket.
const COMMAND_QUEUE: usize = 32;

/// One WebSocket message, untyped: what [`Sender::send_frame`] sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A text message (JSON, for Telnyx's frames).
    Text(String),
    /// A binary message (audio).
    Binary(Bytes),
}

/// Why a WebSocket failed ([`Error::WebSocket`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WsFailure {
    /// The server answered the upgrade request with a success status other than 101.
    #[error("the server answered HTTP {status} without switching to WebSocket")]
    NotUpgraded {
        /// The status it answered.
        status: StatusCode,
        /// The headers it answered with (`x-request-id`, say); boxed, to keep [`Error`] small.
        headers: Box<HeaderMap>,
    },
    /// The server switched protocols without a valid WebSocket handshake.
    #[error("bad handshake: {0}")]
    Handshake(String),
    /// A message was larger than the limit.
    #[error("a message is larger than the {limit}-byte limit")]
    MessageTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server broke the WebSocket protocol.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The connection failed.
    #[error("I/O error: {0}")]
    Io(String),
    /// The server closed the connection with a code other than 1000 (normal) or 1001 (going away).
    #[error("closed by the server with code {code}: {reason}")]
    Closed {
        /// The close code (RFC 6455 §7.4).
        code: u16,
        /// The reason the server gave.
        reason: String,
    },
    /// The connection ended without a Close.
    #[error("the connection was lost without a close")]
    ConnectionLost,
    /// A frame was sent on a connection that is closed.
    #[error("the connection is closed")]
    AlreadyClosed,
}

/// The error frame a server sent on a WebSocket ([`Error::ServerFrame`]): `{"type": "error",
/// "error": "…"}` or a Telnyx `{"errors": [...]}` envelope.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServerErrorFrame {
    /// Operation id of the WebSocket.
    pub operation: &'static str,
    /// The message: the frame's `error` (or `message`), else the envelope's titles and details.
    pub message: String,
    /// The entries of a Telnyx error envelope, when the frame is one.
    pub errors: Vec<TelnyxError>,
    /// The frame as sent (the API key taken out).
    pub frame: serde_json::Value,
}

impl fmt::Display for ServerErrorFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: the server sent an error frame: {}", self.operation, self.message)
    }
}

impl ServerErrorFrame {
    /// Whether `body` may be a Telnyx error envelope (it has an `"errors"` member name).
    fn may_be_envelope(body: &[u8]) -> bool {
        body.windows(8).any(|w| w == b"\"errors\"")
    }

    /// The error frame in `body`, when it is one: a server frame whose type the operation
    /// calls its error (`check` already decided), or any JSON object with an `errors` member.
    fn parse(operation: &'static str, body: &[u8], known_error: bool) -> Option<Self> {
        let frame: serde_json::Value = serde_json::from_slice(body).ok()?;
        let envelope = frame.get("errors").is_some_and(|e| e.is_array() || e.is_object());
        if !known_error && !envelope {
            return None;
        }
        let errors = if envelope { crate::error::parse_envelope(body) } else { Vec::new() };
        let text = |v: Option<&serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Object(o)) => o.get("message").and_then(|m| m.as_str()).map(str::to_owned),
            _ => None,
        };
        let message = text(frame.get("error"))
            .or_else(|| text(frame.get("message")))
            .or_else(|| {
                let parts: Vec<String> = errors
                    .iter()
                    .map(|e| match (&e.title, &e.detail) {
                        (Some(t), Some(d)) => format!("{t}: {d}"),
                        (Some(x), None) | (None, Some(x)) => x.clone(),
                        (None, None) => e.code.clone().unwrap_or_default(),
                    })
                    .collect();
                (!parts.is_empty()).then(|| parts.join("; "))
            })
            .unwrap_or_else(|| frame.to_string());
        Some(ServerErrorFrame { operation, message, errors, frame })
    }
}

/// How an operation's frames are written and read; built by the generated code.
#[doc(hidden)]
pub struct Frames<C, S> {
    /// The client frame type as a message.
    pub encode: fn(&C) -> std::result::Result<Frame, String>,
    /// A server message as the server frame type (a [`Decoder`], given status 101).
    pub decode: Decoder<S>,
    /// Whether a decoded server frame is the operation's error frame.
    pub is_error: fn(&S) -> bool,
}

/// A client frame type sent as a JSON text message.
#[doc(hidden)]
pub fn encode_json<C: Serialize>(frame: &C) -> std::result::Result<Frame, String> {
    serde_json::to_string(frame).map(Frame::Text).map_err(|e| e.to_string())
}

/// Audio (or any bytes) sent as a binary message.
#[doc(hidden)]
pub fn encode_binary(frame: &Bytes) -> std::result::Result<Frame, String> {
    Ok(Frame::Binary(frame.clone()))
}

/// Text sent as a text message.
#[doc(hidden)]
#[allow(clippy::ptr_arg, reason = "an encoder of `String` frames: `fn(&C)` with `C = String`")]
pub fn encode_text(frame: &String) -> std::result::Result<Frame, String> {
    Ok(Frame::Text(frame.clone()))
}

/// For an operation that declares no client frame: untyped frames.
#[doc(hidden)]
pub fn encode_frame(frame: &Frame) -> std::result::Result<Frame, String> {
    Ok(frame.clone())
}

/// No server frame is an error frame.
#[doc(hidden)]
pub fn no_error_frame<S>(_: &S) -> bool {
    false
}

/// Add the upgrade request's headers (RFC 6455 §4.1); the key, which the server's
/// `Sec-WebSocket-Accept` must answer.
pub(crate) fn upgrade_headers(headers: &mut HeaderMap) -> String {
    use reqwest::header::{CONNECTION, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
    let key = tungstenite::handshake::client::generate_key();
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
    if let Ok(value) = HeaderValue::from_str(&key) {
        headers.insert(SEC_WEBSOCKET_KEY, value);
    }
    key
}

/// A WebSocket operation ready to connect: set its optional parameters, then
/// [`connect`](Self::connect). `C` is what it sends, `S` what the server sends.
#[must_use = "a WebSocket call does nothing until `.connect().await`"]
pub struct WsCall<C, S, I = ()> {
    call: ApiCall<(), I>,
    frames: Frames<C, S>,
}

impl<C, S, I: fmt::Debug> fmt::Debug for WsCall<C, S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsCall").field("call", &self.call).finish_non_exhaustive()
    }
}

impl<C, S> WsCall<C, S> {
    #[doc(hidden)]
    pub fn new(client: &Client, request: Request, frames: Frames<C, S>) -> Self {
        WsCall { call: ApiCall::new(client, request, decode_empty), frames }
    }

    /// The same call with its optional parameters held in `input` and applied by `apply`.
    #[doc(hidden)]
    pub fn with_input<J>(self, input: J, apply: fn(&J, &mut Request)) -> WsCall<C, S, J> {
        WsCall { call: self.call.with_input(input, apply), frames: self.frames }
    }
}

impl<C, S, I> WsCall<C, S, I> {
    /// The upgrade request as it will be sent (without the upgrade headers).
    pub fn request(&self) -> Request {
        self.call.request()
    }

    /// Add a header to the upgrade request (see [`ApiCall::extra_header`]).
    pub fn extra_header(self, name: &str, value: &str) -> Self {
        WsCall { call: self.call.extra_header(name, value), frames: self.frames }
    }

    /// Add a query parameter to the upgrade request (see [`ApiCall::extra_query`]).
    pub fn extra_query(self, name: &str, value: &str) -> Self {
        WsCall { call: self.call.extra_query(name, value), frames: self.frames }
    }

    /// The optional parameters.
    pub fn input_mut(&mut self) -> &mut I {
        self.call.input_mut()
    }

    /// Change the optional parameters in place.
    pub fn edit_input(self, edit: impl FnOnce(&mut I)) -> Self {
        WsCall { call: self.call.edit_input(edit), frames: self.frames }
    }

    /// Replace the optional parameters.
    pub fn replace_input(self, input: I) -> Self {
        WsCall { call: self.call.replace_input(input), frames: self.frames }
    }

    /// Retries of the upgrade request (0: none).
    pub fn max_retries(self, n: u32) -> Self {
        WsCall { call: self.call.max_retries(n), frames: self.frames }
    }

    /// The retry policy of the upgrade request.
    pub fn retry_policy(self, policy: RetryPolicy) -> Self {
        WsCall { call: self.call.retry_policy(policy), frames: self.frames }
    }

    /// Timeout of each attempt of the upgrade, until the server switches protocols (`None`:
    /// no limit). The open connection has the idle timeout instead.
    pub fn timeout(self, timeout: Option<Duration>) -> Self {
        WsCall { call: self.call.timeout(timeout), frames: self.frames }
    }
}

impl<C, S: Send + 'static, I> WsCall<C, S, I> {
    /// Upgrade: send the request, check the handshake, and hand over the open connection.
    pub async fn connect(self) -> Result<Connection<C, S>> {
        let (client, request, retry, timeout) = self.call.into_built().into_parts();
        let op = request.operation_id();
        let failed = |failure| Error::WebSocket { operation: op, failure };
        let reply = execute_reply(&client, &request, retry.as_ref(), timeout, Want::Upgrade).await?;
        let (status, headers) = (reply.status, reply.headers);
        let response = match reply.body {
            ReplyBody::Stream(response) if status == StatusCode::SWITCHING_PROTOCOLS => response,
            _ => return Err(failed(WsFailure::NotUpgraded { status, headers: Box::new(headers) })),
        };
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().trim();
        if !header("upgrade").eq_ignore_ascii_case("websocket") {
            return Err(failed(WsFailure::Handshake(format!("`Upgrade: {}`, not websocket", header("upgrade")))));
        }
        let key = reply.websocket_key.unwrap_or_default();
        if header("sec-websocket-accept") != tungstenite::handshake::derive_accept_key(key.as_bytes()) {
            return Err(failed(WsFailure::Handshake("`Sec-WebSocket-Accept` does not answer the key sent".into())));
        }
        let io = response.upgrade().await.map_err(|source| Error::Transport { operation: op, source })?;
        let limit = client.inner.max_websocket_message;
        let config = WebSocketConfig::default().max_message_size(Some(limit)).max_frame_size(Some(limit));
        let socket = WebSocketStream::from_raw_socket(io, Role::Client, Some(config)).await;
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (incoming_tx, incoming) = mpsc::channel(1);
        let driver = Driver {
            operation: op,
            idle: client.inner.stream_idle_timeout,
            // A zero interval would ping without end: read as never.
            ping: client.inner.websocket_ping_interval.filter(|p| !p.is_zero()),
            limit,
        };
        tokio::spawn(driver.run(socket, command_rx, incoming_tx));
        let frames = self.frames;
        Ok(Connection {
            sender: Sender { operation: op, commands, encode: frames.encode },
            receiver: Receiver {
                client,
                operation: op,
                incoming,
                decode: frames.decode,
                is_error: frames.is_error,
                done: false,
            },
            status,
            headers,
        })
    }
}

/// An open WebSocket: [`send`](Self::send) the operation's client frames, and read its server
/// frames as a [`Stream`]. [`split`](Self::split) it to send and read from different tasks.
#[must_use = "a WebSocket does nothing unless its frames are read"]
pub struct Connection<C, S> {
    sender: Sender<C>,
    receiver: Receiver<S>,
    status: StatusCode,
    headers: HeaderMap,
}

impl<C, S> fmt::Debug for Connection<C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("operation", &self.sender.operation)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl<C, S> Connection<C, S> {
    /// Send a client frame.
    pub async fn send(&self, frame: impl Into<C>) -> Result<()> {
        self.sender.send(frame).await
    }

    /// Send any message, untyped: a control frame the spec does not declare, say.
    pub async fn send_frame(&self, frame: Frame) -> Result<()> {
        self.sender.send_frame(frame).await
    }

    /// Send any value as a JSON text message.
    pub async fn send_json<V: Serialize + ?Sized>(&self, value: &V) -> Result<()> {
        self.sender.send_json(value).await
    }

    /// Close with code 1000 and wait (up to 5 s) for the server's Close; the stream then ends.
    pub async fn close(&self) -> Result<()> {
        self.sender.close().await
    }

    /// The headers of the `101` response.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `x-request-id` of the `101` response, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-request-id").and_then(|v| v.to_str().ok())
    }

    /// The two halves, to send from one task and read from another.
    pub fn split(self) -> (Sender<C>, Receiver<S>) {
        (self.sender, self.receiver)
    }
}

impl<C, S> Stream for Connection<C, S> {
    type Item = Result<S>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.get_mut().receiver).poll_next(cx)
    }
}

/// What a [`Sender`] asks of the task that owns the socket.
enum Command {
    Send(Message, oneshot::Sender<std::result::Result<(), WsFailure>>),
    Close(oneshot::Sender<()>),
}

/// The sending half of a [`Connection`]. Cheap to clone.
pub struct Sender<C> {
    operation: &'static str,
    commands: mpsc::Sender<Command>,
    encode: fn(&C) -> std::result::Result<Frame, String>,
}

impl<C> Clone for Sender<C> {
    fn clone(&self) -> Self {
        Sender { operation: self.operation, commands: self.commands.clone(), encode: self.encode }
    }
}

impl<C> fmt::Debug for Sender<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("operation", &self.operation).finish_non_exhaustive()
    }
}

impl<C> Sender<C> {
    /// Send a client frame; returns once it is written to the connection.
    pub async fn send(&self, frame: impl Into<C>) -> Result<()> {
        let frame = (self.encode)(&frame.into())
            .map_err(|message| Error::InvalidRequest { operation: self.operation, message })?;
        self.send_frame(frame).await
    }

    /// Send any message, untyped.
    pub async fn send_frame(&self, frame: Frame) -> Result<()> {
        let message = match frame {
            Frame::Text(text) => Message::text(text),
            Frame::Binary(bytes) => Message::Binary(bytes),
        };
        let (done, result) = oneshot::channel();
        let closed = || Error::WebSocket { operation: self.operation, failure: WsFailure::AlreadyClosed };
        self.commands.send(Command::Send(message, done)).await.map_err(|_| closed())?;
        result.await.map_err(|_| closed())?.map_err(|failure| Error::WebSocket { operation: self.operation, failure })
    }

    /// Send any value as a JSON text message.
    pub async fn send_json<V: Serialize + ?Sized>(&self, value: &V) -> Result<()> {
        let text = serde_json::to_string(value)
            .map_err(|e| Error::InvalidRequest { operation: self.operation, message: e.to_string() })?;
        self.send_frame(Frame::Text(text)).await
    }

    /// Close with code 1000 and wait (up to 5 s) for the server's Close. Closing a closed
    /// connection does nothing.
    pub async fn close(&self) -> Result<()> {
        let (done, closed) = oneshot::channel();
        if self.commands.send(Command::Close(done)).await.is_ok() {
            // The task ends (and drops `done`) once the close is over.
            let _ = closed.await;
        }
        Ok(())
    }
}

/// The receiving half of a [`Connection`]: a [`Stream`] of the server frame type.
pub struct Receiver<S> {
    client: Client,
    operation: &'static str,
    incoming: mpsc::Receiver<Result<Frame>>,
    decode: Decoder<S>,
    is_error: fn(&S) -> bool,
    /// An error frame or a failure ended the stream.
    done: bool,
}

impl<S> fmt::Debug for Receiver<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("operation", &self.operation).field("done", &self.done).finish()
    }
}

impl<S> Receiver<S> {
    /// A message as the server frame type, in the client's decoding mode.
    fn decode_frame(&mut self, frame: Frame) -> Result<S> {
        let mut body = match frame {
            Frame::Text(text) => Bytes::from(text),
            Frame::Binary(bytes) => bytes,
        };
        let op = self.operation;
        let status = StatusCode::SWITCHING_PROTOCOLS;
        let (decoded, deviations) = with_decoding(self.client.inner.strict_decoding, || {
            (self.decode)(op, RawResponse { status, headers: HeaderMap::new(), body: body.clone() })
        });
        let known_error = decoded.as_ref().is_ok_and(|s| (self.is_error)(s));
        // Only a frame that may be an error frame is redacted and parsed again: not each chunk.
        if known_error || ServerErrorFrame::may_be_envelope(&body) {
            for secret in self.client.secrets() {
                body = crate::error::redact_bytes(body, &secret, false);
            }
            if let Some(frame) = ServerErrorFrame::parse(op, &body, known_error) {
                self.done = true;
                return Err(Error::ServerFrame(Box::new(frame)));
            }
        }
        self.client.deviations(op, status, deviations);
        decoded.map_err(|e| self.client.redact(e))
    }
}

impl<S> Stream for Receiver<S> {
    type Item = Result<S>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match this.incoming.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(this.client.redact(e))))
            }
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(this.decode_frame(frame))),
        }
    }
}

/// The task that owns the socket: writes what the senders send, reads what the server sends
/// into a bounded buffer, pings a silent connection, and ends it.
struct Driver {
    operation: &'static str,
    idle: Duration,
    ping: Option<Duration>,
    limit: usize,
}

type Socket = WebSocketStream<reqwest::Upgraded>;

impl Driver {
    fn failed(&self, failure: WsFailure) -> Error {
        Error::WebSocket { operation: self.operation, failure }
    }

    fn failure(&self, e: tungstenite::Error) -> WsFailure {
        use tungstenite::error::ProtocolError;
        match e {
            tungstenite::Error::Capacity(_) => WsFailure::MessageTooLarge { limit: self.limit },
            tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => WsFailure::ConnectionLost,
            tungstenite::Error::Protocol(p) => WsFailure::Protocol(p.to_string()),
            tungstenite::Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => WsFailure::ConnectionLost,
            tungstenite::Error::Io(e) => WsFailure::Io(e.to_string()),
            tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => WsFailure::AlreadyClosed,
            other => WsFailure::Protocol(other.to_string()),
        }
    }

    async fn run(
        self,
        mut socket: Socket,
        mut commands: mpsc::Receiver<Command>,
        incoming: mpsc::Sender<Result<Frame>>,
    ) {
        // Frames read and not yet taken by the receiver, and their size.
        let mut pending: VecDeque<Result<Frame>> = VecDeque::new();
        let mut pending_bytes = 0usize;
        let mut last_heard = Instant::now();
        let mut last_ping = last_heard;
        let mut senders_gone = false;
        let mut receiver_gone = false;
        // Set once a Close is sent: when to give up waiting for the server's, and who waits.
        let mut closing: Option<(Instant, Vec<oneshot::Sender<()>>)> = None;
        let end: Option<Error> = loop {
            let reading = pending_bytes < self.limit;
            if !reading {
                // Not reading is the caller's choice, not the server's silence.
                last_heard = Instant::now();
            }
            if senders_gone && receiver_gone && closing.is_none() {
                let _ = socket.close(Some(CloseFrame { code: CloseCode::Normal, reason: "".into() })).await;
                closing = Some((Instant::now() + CLOSE_WAIT, Vec::new()));
            }
            let ping_at = self.ping.map(|p| last_heard.max(last_ping) + p);
            let close_at = closing.as_ref().map(|(at, _)| *at);
            tokio::select! {
                permit = incoming.reserve(), if !pending.is_empty() && !receiver_gone => match permit {
                    Ok(permit) => {
                        if let Some(item) = pending.pop_front() {
                            pending_bytes -= frame_len(&item);
                            permit.send(item);
                        }
                    }
                    Err(_) => {
                        receiver_gone = true;
                        pending.clear();
                        pending_bytes = 0;
                    }
                },
                () = incoming.closed(), if pending.is_empty() && !receiver_gone => receiver_gone = true,
                message = socket.next(), if reading => {
                    last_heard = Instant::now();
                    let frame = match message {
                        Some(Ok(Message::Text(text))) => Frame::Text(text.as_str().to_owned()),
                        Some(Ok(Message::Binary(bytes))) => Frame::Binary(bytes),
                        // tungstenite queued the pong; flushing sends it.
                        Some(Ok(Message::Ping(_))) => {
                            let _ = socket.flush().await;
                            continue;
                        }
                        Some(Ok(Message::Pong(_) | Message::Frame(_))) => continue,
                        Some(Ok(Message::Close(frame))) => {
                            // The reply Close is queued; flushing sends it.
                            let _ = socket.flush().await;
                            break match frame {
                                Some(f) if closing.is_none() && !matches!(f.code, CloseCode::Normal | CloseCode::Away) => {
                                    Some(self.failed(WsFailure::Closed { code: f.code.into(), reason: f.reason.as_str().to_owned() }))
                                }
                                _ => None,
                            };
                        }
                        Some(Err(e)) => {
                            let failure = self.failure(e);
                            break (closing.is_none() || failure != WsFailure::AlreadyClosed).then(|| self.failed(failure));
                        }
                        None if closing.is_some() => break None,
                        None => break Some(self.failed(WsFailure::ConnectionLost)),
                    };
                    if !receiver_gone {
                        let item = Ok(frame);
                        pending_bytes += frame_len(&item);
                        pending.push_back(item);
                    }
                },
                command = commands.recv(), if !senders_gone => match command {
                    Some(Command::Send(message, done)) => {
                        let result = match &closing {
                            Some(_) => Err(WsFailure::AlreadyClosed),
                            None => socket.send(message).await.map_err(|e| self.failure(e)),
                        };
                        let _ = done.send(result);
                    }
                    Some(Command::Close(done)) => {
                        if closing.is_none() {
                            let _ = socket.close(Some(CloseFrame { code: CloseCode::Normal, reason: "".into() })).await;
                            closing = Some((Instant::now() + CLOSE_WAIT, Vec::new()));
                        }
                        if let Some((_, waiting)) = &mut closing {
                            waiting.push(done);
                        }
                    }
                    None => senders_gone = true,
                },
                () = sleep_until(ping_at), if ping_at.is_some() && closing.is_none() => {
                    last_ping = Instant::now();
                    let _ = socket.send(Message::Ping(Bytes::new())).await;
                },
                () = tokio::time::sleep_until(last_heard + self.idle) => {
                    break Some(Error::Timeout { operation: self.operation, timeout: self.idle });
                },
                () = sleep_until(close_at), if close_at.is_some() => break None,
            }
        };
        drop(socket);
        drop(closing);
        drop(commands);
        if let Some(e) = end {
            pending.push_back(Err(e));
        }
        for item in pending {
            if incoming.send(item).await.is_err() {
                break;
            }
        }
    }
}

/// The bytes a buffered frame holds.
fn frame_len(item: &Result<Frame>) -> usize {
    match item {
        Ok(Frame::Text(t)) => t.len(),
        Ok(Frame::Binary(b)) => b.len(),
        Err(_) => 0,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
