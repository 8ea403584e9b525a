//! Server-sent events: WHATWG event-stream framing and a typed, generic event stream.
//!
//! Two layers:
//!
//! - [`EventParser`] turns bytes into [`Event`]s by the WHATWG `text/event-stream` rules (LF,
//!   CRLF and CR line endings, `:` comments, `event`/`data`/`id`/`retry` fields, several `data`
//!   lines joined with `\n`, a leading BOM). It is synchronous: push bytes as they arrive, pull
//!   events. A UTF-8 character split across two reads needs no special care because a line is only
//!   decoded once its terminator has arrived.
//! - [`SseStream<T>`] reads a response body, frames it with [`EventParser`] and deserializes each
//!   event's `data` into `T`. It knows the conventions of the OpenAI- and Anthropic-style streaming
//!   APIs: `data: [DONE]` ends the stream, a `{"error": …}` payload (or an `event: error`) is an
//!   error item, a body that ends before `[DONE]` or a terminal item (see
//!   [`SseStream::terminal_when`]) is an error, and a silent connection times out after the
//!   client's [`stream_idle_timeout`](crate::ClientBuilder::stream_idle_timeout). Protocols that
//!   end with a last event rather than `[DONE]` (Anthropic's `message_stop`) say so with
//!   [`SseStream::last_when`]; those whose error events have a fixed shape can have them typed
//!   ([`SseStream::typed_error_events`], [`StreamErrorEvent`]).
//!
//! Why our own parser rather than the `eventsource-stream` crate: that crate re-allocates and
//! copies the rest of its buffer after every line (`String::split_off`), which is quadratic in
//! the number of events per network read, and allocates the event name of every event. This
//! parser copies each byte once and is several times faster on a recorded chat stream; see
//! `cargo bench -p telnyx-api --bench sse`, which measures both side by side. The property and
//! wire tests in `tests/sse*.rs` check that both frame any input identically.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{decode_empty, ApiCall, Request};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Event {
    /// The event type: the last `event:` field of the event, or `"message"` when there was none.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last event id seen on the stream so far (the `id:` field persists across events).
    pub id: String,
    /// The reconnection time the server asked for in this event's `retry:` field, if any.
    pub retry: Option<Duration>,
}

/// Incremental `text/event-stream` parser: [`push`](Self::push) bytes in any pieces,
/// [`next_event`](Self::next_event) until `None`, repeat.
///
/// ```
/// use telnyx_api::sse::EventParser;
/// let mut p = EventParser::new();
/// p.push(b"data: hel");
/// assert!(p.next_event().is_none());
/// p.push(b"lo\r\n\r\n");
/// assert_eq!(p.next_event().unwrap().data, "hello");
/// ```
#[derive(Debug, Default, Clone)]
pub struct EventParser {
    /// Received bytes; `buf[pos..]` is not yet consumed (at most one incomplete line once
    /// `next_event` returned `None`).
    buf: Vec<u8>,
    pos: usize,
    /// The BOM check at the start of the stream is done.
    started: bool,
    /// The previous line ended with CR: an LF at the start of the next bytes belongs to it.
    skip_lf: bool,
    data: String,
    has_data: bool,
    event: String,
    last_id: String,
    retry: Option<Duration>,
    /// Field lines (`data:`, `event:`, `id:`, `retry:`, unknown fields) seen so far: what
    /// counts as progress for the idle timeout, which `:` comments and blank lines do not.
    field_lines: u64,
}

impl EventParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        EventParser::default()
    }

    /// Append bytes received from the network.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            // Only the unconsumed tail (an incomplete line) is moved, so every byte is copied
            // a bounded number of times.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// How many field lines (anything but `:` comments and blank lines) were parsed so far.
    pub(crate) fn field_lines(&self) -> u64 {
        self.field_lines
    }

    /// The id of the last `id:` field seen (the `Last-Event-ID` to resume with).
    pub fn last_event_id(&self) -> &str {
        &self.last_id
    }

    /// Bytes received but not yet framed into a complete line.
    pub fn pending_bytes(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// What the event being received holds so far: its `data` and `event` fields and the
    /// incomplete line (what a cap on the size of one event must bound).
    pub fn pending_event_bytes(&self) -> usize {
        self.data.len() + self.event.len() + self.pending_bytes()
    }

    /// The next complete event from the bytes pushed so far.
    pub fn next_event(&mut self) -> Option<Event> {
        if !self.started {
            let rest = &self.buf[self.pos..];
            if rest.len() < BOM.len() && BOM.starts_with(rest) {
                // Could still become a BOM (or be an empty stream).
                return None;
            }
            if rest.starts_with(BOM) {
                self.pos += BOM.len();
            }
            self.started = true;
        }
        loop {
            if self.skip_lf && self.pos < self.buf.len() {
                if self.buf[self.pos] == b'\n' {
                    self.pos += 1;
                }
                self.skip_lf = false;
            }
            let rest = &self.buf[self.pos..];
            let eol = rest.iter().position(|&b| b == b'\n' || b == b'\r')?;
            let start = self.pos;
            let end = start + eol;
            self.pos = end + 1;
            if self.buf[end] == b'\r' {
                // CRLF: swallow the LF now if it is here, else when it arrives.
                self.skip_lf = true;
            }
            if let Some(event) = self.line(start, end) {
                return Some(event);
            }
        }
    }

    /// At the end of the stream: the event that would be dispatched if the remaining bytes were
    /// followed by a blank line. Not part of the WHATWG rules (they discard it); callers use it
    /// to be lenient about a final `data: [DONE]` without its blank line.
    pub fn finish(&mut self) -> Option<Event> {
        if let Some(e) = self.next_event() {
            return Some(e);
        }
        let (start, end) = (self.pos, self.buf.len());
        self.pos = end;
        if end > start {
            if let Some(e) = self.line(start, end) {
                return Some(e);
            }
        }
        self.dispatch()
    }

    /// Process the line `buf[start..end]` (without its terminator).
    fn line(&mut self, start: usize, end: usize) -> Option<Event> {
        let line = &self.buf[start..end];
        if line.is_empty() {
            return self.dispatch();
        }
        if line[0] == b':' {
            return None;
        }
        self.field_lines += 1;
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(c) => {
                let v = &line[c + 1..];
                (&line[..c], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &line[line.len()..]),
        };
        match name {
            b"data" => {
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
                self.has_data = true;
            }
            b"event" => {
                self.event.clear();
                self.event.push_str(&String::from_utf8_lossy(value));
            }
            b"id" if !value.contains(&0) => {
                self.last_id = String::from_utf8_lossy(value).into_owned();
            }
            // Values beyond u64 milliseconds are ignored, like any invalid value.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                if let Some(ms) = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()) {
                    self.retry = Some(Duration::from_millis(ms));
                }
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<Event> {
        let retry = self.retry.take();
        if !self.has_data {
            self.event.clear();
            return None;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the `\n` after the last data line
        let event = if self.event.is_empty() { "message".to_owned() } else { std::mem::take(&mut self.event) };
        Some(Event { event, data, id: self.last_id.clone(), retry })
    }
}

/// Decides whether an item completes a stream, so that the body ending right after it (without
/// `data: [DONE]`) is not reported as truncated.
pub type TerminalFn<T> = fn(&T) -> bool;

/// A typed stream of server-sent events: each event's `data` decoded as JSON into `T`.
///
/// Items:
/// - `Ok(T)` for each event, yielded as soon as its bytes arrive;
/// - `Err(Error::Decode)` when an event's data does not decode into `T` (names the type and
///   the path); the stream goes on;
/// - `Err(Error::Stream)` for an error event from the server (`data: {"error": …}` or
///   `event: error`), keeping its message, type and code, and for a body that ends before
///   `data: [DONE]` and before a terminal item (truncation); with
///   [`typed_error_events`](Self::typed_error_events) an error event is
///   `Err(Error::StreamEvent)` instead, its fields parsed into a [`StreamErrorEvent`];
/// - `Err(Error::Timeout)` when no event arrives for the idle timeout (the timer restarts with
///   every field line of an event, so a slow stream stays open — it is not a total timeout —
///   but `:` keep-alive comments alone do not keep it open: a server that sends nothing else
///   forever ends the stream);
/// - `Err(Error::Transport)` when the connection fails.
///
/// After any error other than `Error::Decode`, after `data: [DONE]` and after a last item (see
/// [`last_when`](Self::last_when)), the stream ends. Dropping it closes the connection.
#[must_use = "streams do nothing unless polled"]
pub struct SseStream<T> {
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    inner: Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>,
    parser: EventParser,
    idle: Duration,
    /// Created on the first poll, so that a stream can be built outside a Tokio runtime.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The parser's field-line count when the idle timer was last restarted.
    seen_lines: u64,
    terminal: Option<TerminalFn<T>>,
    /// Decides the item after which the stream ends (instead of at `[DONE]`).
    last: Option<TerminalFn<T>>,
    /// What the stream ends with, for the truncation error.
    end_marker: &'static str,
    /// Error events become `Error::StreamEvent` rather than `Error::Stream`.
    typed_errors: bool,
    /// A terminal item was seen: ending now is not a truncation.
    complete: bool,
    events: u64,
    done: bool,
    /// The largest event accepted, in bytes.
    max_event: usize,
    _item: PhantomData<fn() -> T>,
}

/// Default largest server-sent event ([`SseStream::max_event_size`]): 4 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 4 * 1024 * 1024;

impl<T> fmt::Debug for SseStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseStream")
            .field("operation", &self.operation)
            .field("item", &std::any::type_name::<T>())
            .field("status", &self.status)
            .field("idle_timeout", &self.idle)
            .field("events", &self.events)
            .field("complete", &self.complete)
            .field("done", &self.done)
            .finish()
    }
}

impl<T: DeserializeOwned> SseStream<T> {
    /// Send `request` (with the client's retries and per-attempt timeout, which apply until the
    /// response headers arrive) and stream the events of its body. A non-success status becomes
    /// [`Error::Api`] with the body, as for every other call.
    #[doc(hidden)]
    pub async fn open(client: &Client, mut request: Request) -> Result<Self> {
        let operation = request.operation_id();
        // Unless the operation's own `Accept` parameter says otherwise.
        request.accept("text/event-stream");
        let body = ApiCall::new(client, request, decode_empty).into_byte_stream().await?;
        let (status, headers) = (body.status(), body.headers().clone());
        Ok(SseStream::from_byte_stream(operation, status, headers, body, client.inner.stream_idle_timeout)
            .max_event_size(client.inner.max_sse_event))
    }

    /// Stream the events of a response whose status the caller already checked.
    pub fn from_response(operation: &'static str, response: reqwest::Response, idle_timeout: Duration) -> Self {
        use futures::TryStreamExt as _;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes_stream().map_err(move |source| Error::Transport { operation, source });
        SseStream::from_byte_stream(operation, status, headers, body, idle_timeout)
    }

    /// Stream the events of any byte stream (`status` and `headers` are only reported back).
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::TryStreamExt as _;
    /// use telnyx_api::sse::SseStream;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> telnyx_api::Result<()> {
    /// #[derive(serde::Deserialize)]
    /// struct Chunk {
    ///     text: String,
    /// }
    /// // The body as it might arrive from the network, cut anywhere.
    /// let chunks = ["data: {\"text\": \"Hel\"}\n", "\ndata: {\"text\": \"lo\"}\n\n", "data: [DONE]\n\n"];
    /// let body = futures::stream::iter(chunks.map(|c| Ok(bytes::Bytes::from(c))));
    /// let events: SseStream<Chunk> = SseStream::from_byte_stream(
    ///     "example",
    ///     reqwest::StatusCode::OK,
    ///     reqwest::header::HeaderMap::new(),
    ///     body,
    ///     Duration::from_secs(60),
    /// );
    /// let text: Vec<String> = events.map_ok(|c| c.text).try_collect().await?;
    /// assert_eq!(text.concat(), "Hello");
    /// # Ok(()) }
    /// ```
    pub fn from_byte_stream<S>(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: S,
        idle_timeout: Duration,
    ) -> Self
    where
        S: Stream<Item = Result<Bytes>> + Send + 'static,
    {
        SseStream {
            operation,
            status,
            headers,
            inner: Box::pin(body),
            parser: EventParser::new(),
            idle: idle_timeout,
            sleep: None,
            seen_lines: 0,
            terminal: None,
            last: None,
            end_marker: "`data: [DONE]`",
            typed_errors: false,
            complete: false,
            events: 0,
            done: false,
            max_event: DEFAULT_MAX_EVENT_SIZE,
            _item: PhantomData,
        }
    }
}

impl<T> SseStream<T> {
    /// The largest event accepted (default [`DEFAULT_MAX_EVENT_SIZE`], or the client's
    /// [`max_sse_event`](crate::ClientBuilder::max_sse_event)): an event that grows past it is
    /// an [`Error::Stream`] and ends the stream, so a server cannot make the client buffer an
    /// endless event. Memory stays flat over any number of events within it.
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.max_event = bytes;
        self
    }

    /// Count an item for which `is_terminal` returns `true` as the end of the stream's content:
    /// if the body ends after it without `data: [DONE]`, the stream ends cleanly instead of with
    /// a truncation error. (Chat completions: a chunk with a `finish_reason`.)
    pub fn terminal_when(mut self, is_terminal: TerminalFn<T>) -> Self {
        self.terminal = Some(is_terminal);
        self
    }

    /// End the stream after the first item for which `is_last` returns `true`: that item is
    /// yielded, then the stream ends and the connection is closed without waiting for the body
    /// to end, as after `data: [DONE]`. A body that ends before such an item (and before
    /// `[DONE]`) is a truncation error naming `what` (Anthropic Messages: the `message_stop`
    /// event).
    pub fn last_when(mut self, is_last: TerminalFn<T>, what: &'static str) -> Self {
        self.last = Some(is_last);
        self.end_marker = what;
        self
    }

    /// Report an error event as [`Error::StreamEvent`] with its type, message and code parsed
    /// ([`StreamErrorEvent`]) rather than as [`Error::Stream`] with a message. The chat streams
    /// keep `Error::Stream`, as they always have.
    pub fn typed_error_events(mut self) -> Self {
        self.typed_errors = true;
        self
    }

    /// Operation id of the call.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `x-request-id` header, the id Telnyx support asks for.
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-request-id").and_then(|v| v.to_str().ok())
    }

    /// The last `id:` the server sent.
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    fn fail(&mut self, e: Error) -> Poll<Option<Result<T>>> {
        self.done = true;
        Poll::Ready(Some(Err(e)))
    }

    fn truncated(&self) -> Error {
        let content_type =
            self.headers.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("none");
        if self.events == 0 && !content_type.starts_with("text/event-stream") {
            Error::Stream(format!(
                "{}: the response is not an event stream (content-type {content_type}) and ended without events",
                self.operation
            ))
        } else {
            Error::Stream(format!(
                "{}: the event stream ended after {} events without {} (truncated)",
                self.operation, self.events, self.end_marker
            ))
        }
    }
}

impl<T: DeserializeOwned> SseStream<T> {
    /// Turn one framed event into an item, or `None` to skip it / after `[DONE]`.
    fn item(&mut self, event: Event) -> Option<Result<T>> {
        self.events += 1;
        let data = event.data.as_str();
        if data.trim() == "[DONE]" {
            self.done = true;
            return None;
        }
        // An `event: error`, or an error payload (cheap pre-check: only data that mentions
        // `"error` can carry one).
        if event.event == "error" || (data.contains("\"error") && is_error_payload(data)) {
            self.done = true;
            let e = if self.typed_errors {
                Error::StreamEvent(Box::new(StreamErrorEvent::parse(self.operation, &event.event, data)))
            } else {
                Error::Stream(error_message(self.operation, data))
            };
            return Some(Err(e));
        }
        // Plain serde_json; on failure the path comes from the error's position (`json_path`).
        match serde_json::from_str::<T>(data) {
            Ok(item) => {
                if self.terminal.is_some_and(|f| f(&item)) {
                    self.complete = true;
                }
                if self.last.is_some_and(|f| f(&item)) {
                    self.done = true;
                    // Drop the body now so the connection closes without waiting.
                    self.inner = Box::pin(futures::stream::empty());
                }
                Some(Ok(item))
            }
            Err(e) => Some(Err(Error::Decode {
                operation: self.operation,
                type_name: std::any::type_name::<T>(),
                status: self.status,
                path: crate::json_path::path_at(data.as_bytes(), e.line(), e.column()),
                message: e.to_string(),
                body: Bytes::from(event.data),
            })),
        }
    }
}

impl<T: DeserializeOwned> Stream for SseStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            while let Some(event) = this.parser.next_event() {
                if let Some(item) = this.item(event) {
                    return Poll::Ready(Some(item));
                }
                if this.done {
                    // `[DONE]`: drop the body now so the connection closes without waiting.
                    this.inner = Box::pin(futures::stream::empty());
                    return Poll::Ready(None);
                }
            }
            if this.parser.pending_event_bytes() > this.max_event {
                let e = Error::Stream(format!(
                    "{}: an event of more than {} bytes (the limit of the client's max_sse_event)",
                    this.operation, this.max_event
                ));
                return this.fail(e);
            }
            // Restart the idle timer on progress of an event, not on any byte: comments alone
            // (`: keep-alive` forever) must not keep a stream open without end.
            if this.parser.field_lines() != this.seen_lines {
                this.seen_lines = this.parser.field_lines();
                if let Some(sleep) = &mut this.sleep {
                    sleep.as_mut().reset(tokio::time::Instant::now() + this.idle);
                }
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(bytes))) => this.parser.push(&bytes),
                Poll::Ready(Some(Err(e))) => return this.fail(e),
                Poll::Ready(None) => {
                    // Be lenient about a last event without its blank line, but only for the
                    // `[DONE]` marker: anything else cut off at the end is incomplete.
                    let last_is_done = this.parser.finish().is_some_and(|e| e.data.trim() == "[DONE]");
                    if last_is_done || this.complete {
                        this.done = true;
                        return Poll::Ready(None);
                    }
                    let e = this.truncated();
                    return this.fail(e);
                }
                Poll::Pending => {
                    let idle = this.idle;
                    let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                    return match sleep.as_mut().poll(cx) {
                        Poll::Ready(()) => {
                            let e = Error::Timeout { operation: this.operation, timeout: this.idle };
                            this.fail(e)
                        }
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }
}

/// An error event from the server, parsed: what [`Error::StreamEvent`] carries for a stream
/// opened with [`SseStream::typed_error_events`].
///
/// Understands the Anthropic shape (`{"type": "error", "error": {"type", "message"}}`), the
/// OpenAI one (`{"error": {"message", "type", "code", "param"}}`), a bare `{"error": "text"}` and
/// the Telnyx envelope (`{"errors": [{"code", "title", "detail"}]}`); whatever the shape, the
/// data is kept as sent. `Display` gives the same readable message as the untyped
/// [`Error::Stream`] would.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamErrorEvent {
    /// Operation id of the call.
    pub operation: &'static str,
    /// The event type: `error`, or `message` for an error payload in an event without a name.
    pub event: String,
    /// The error's type as the server names it (Anthropic: `overloaded_error`,
    /// `rate_limit_error`, `api_error`, `invalid_request_error`, …).
    pub error_type: Option<String>,
    /// The server's message (Telnyx envelope: `title: detail` of the first entry).
    pub message: Option<String>,
    /// An error code (OpenAI `error.code`, the Telnyx envelope's first `errors[].code`).
    pub code: Option<String>,
    /// The event's data as sent.
    pub data: String,
}

impl StreamErrorEvent {
    pub(crate) fn parse(operation: &'static str, event: &str, data: &str) -> Self {
        let mut out = StreamErrorEvent {
            operation,
            event: event.to_owned(),
            error_type: None,
            message: None,
            code: None,
            data: data.to_owned(),
        };
        let text = |v: Option<&Value>| match v {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let Ok(value) = serde_json::from_str::<Value>(data) else {
            let data = data.trim();
            out.message = (!data.is_empty()).then(|| data.to_owned());
            return out;
        };
        match value.get("error") {
            Some(Value::String(s)) => out.message = Some(s.clone()),
            Some(e @ Value::Object(_)) => {
                out.error_type = text(e.get("type"));
                out.message = text(e.get("message").or_else(|| e.get("detail")));
                out.code = text(e.get("code"));
            }
            _ => {}
        }
        if let Some(first) = value.get("errors").and_then(Value::as_array).and_then(|e| e.first()) {
            out.code = out.code.or_else(|| text(first.get("code")));
            if out.message.is_none() {
                out.message = match (text(first.get("title")), text(first.get("detail"))) {
                    (Some(t), Some(d)) => Some(format!("{t}: {d}")),
                    (t, d) => t.or(d),
                };
            }
        }
        out
    }
}

impl fmt::Display for StreamErrorEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&error_message(self.operation, &self.data))
    }
}

/// Whether `data` is a JSON object with a non-null `error` or a non-empty `errors` member.
fn is_error_payload(data: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default)]
        error: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        errors: Option<Vec<serde::de::IgnoredAny>>,
    }
    match serde_json::from_str::<Probe>(data) {
        Ok(p) => p.error.is_some() || p.errors.is_some_and(|e| !e.is_empty()),
        Err(_) => false,
    }
}

/// A readable message for an error event, keeping the server's message, type and code.
///
/// Understands OpenAI (`{"error": {"message", "type", "code", "param"}}`), Anthropic
/// (`{"type": "error", "error": {"type", "message"}}`), a bare `{"error": "text"}` and the
/// Telnyx envelope (`{"errors": [{"code", "title", "detail"}]}`).
pub(crate) fn error_message(operation: &str, data: &str) -> String {
    let mut out = format!("{operation}: the server sent an error event");
    let value: Value = match serde_json::from_str(data) {
        Ok(v) => v,
        Err(_) => {
            let text = data.trim();
            if !text.is_empty() {
                out.push_str(": ");
                out.extend(text.chars().take(500));
            }
            return out;
        }
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut parts = Vec::new();
    match value.get("error") {
        Some(Value::String(s)) => parts.push(s.clone()),
        Some(e @ Value::Object(_)) => {
            if let Some(code) = e.get("code").and_then(text) {
                parts.push(format!("[{code}]"));
            }
            if let Some(m) = e.get("message").or_else(|| e.get("detail")).and_then(text) {
                parts.push(m);
            }
            if let Some(t) = e.get("type").and_then(text) {
                parts.push(format!("(type {t})"));
            }
            if let Some(p) = e.get("param").and_then(text) {
                parts.push(format!("(param {p})"));
            }
        }
        _ => {}
    }
    if let Some(Value::Array(errors)) = value.get("errors") {
        for e in errors {
            if let Some(code) = e.get("code").and_then(text) {
                parts.push(format!("[{code}]"));
            }
            match (e.get("title").and_then(text), e.get("detail").and_then(text)) {
                (Some(t), Some(d)) => parts.push(format!("{t}: {d}")),
                (Some(x), None) | (None, Some(x)) => parts.push(x),
                (None, None) => {}
            }
        }
    }
    if parts.is_empty() {
        out.push_str(": ");
        out.extend(data.trim().chars().take(500));
    } else {
        out.push_str(": ");
        out.push_str(&parts.join(" "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<Event> {
        let mut p = EventParser::new();
        p.push(input);
        std::iter::from_fn(|| p.next_event()).collect()
    }

    #[test]
    fn fields_and_defaults() {
        let ev = all(b"event: add\nid: 7\nretry: 1500\ndata: a\ndata:b\n\ndata\n\n");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].event, "add");
        assert_eq!(ev[0].data, "a\nb");
        assert_eq!(ev[0].id, "7");
        assert_eq!(ev[0].retry, Some(Duration::from_millis(1500)));
        assert_eq!(ev[1].event, "message");
        assert_eq!(ev[1].data, "");
        assert_eq!(ev[1].id, "7", "the last event id persists");
        assert_eq!(ev[1].retry, None);
    }

    #[test]
    fn event_without_data_is_not_dispatched() {
        let ev = all(b"event: ping\n\ndata: x\n\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].event, "message", "the event type is reset by the empty dispatch");
    }

    #[test]
    fn cr_at_end_of_a_read_then_lf() {
        let mut p = EventParser::new();
        p.push(b"data: a\r");
        assert!(p.next_event().is_none());
        p.push(b"\n\r");
        assert_eq!(p.next_event().map(|e| e.data), Some("a".into()));
        p.push(b"\ndata: b\r\r");
        assert_eq!(p.next_event().map(|e| e.data), Some("b".into()));
    }

    #[test]
    fn finish_flushes_a_last_unterminated_event() {
        let mut p = EventParser::new();
        p.push(b"data: [DONE]");
        assert!(p.next_event().is_none());
        assert_eq!(p.finish().map(|e| e.data), Some("[DONE]".into()));
    }

    #[test]
    fn error_messages_keep_code_and_type() {
        let m = error_message(
            "op",
            r#"{"error":{"message":"bad model","type":"invalid_request_error","code":"model_not_found"}}"#,
        );
        assert!(m.contains("[model_not_found] bad model (type invalid_request_error)"), "{m}");
        let m = error_message("op", r#"{"errors":[{"code":"10015","title":"Bad","detail":"nope"}]}"#);
        assert!(m.contains("[10015] Bad: nope"), "{m}");
        assert!(is_error_payload(r#"{"error":"x"}"#));
        assert!(!is_error_payload(r#"{"error":null,"choices":[]}"#));
        assert!(!is_error_payload(r#"{"choices":[{"delta":{"content":"\"error\""}}]}"#));
    }

    #[test]
    fn error_events_parse_into_their_fields() {
        let e = StreamErrorEvent::parse(
            "op",
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        );
        assert_eq!(
            (e.error_type.as_deref(), e.message.as_deref(), e.code.as_deref()),
            (Some("overloaded_error"), Some("Overloaded"), None)
        );
        assert!(e.to_string().contains("Overloaded (type overloaded_error)"), "{e}");
        let e =
            StreamErrorEvent::parse("op", "message", r#"{"errors":[{"code":"10015","title":"Bad","detail":"nope"}]}"#);
        assert_eq!((e.code.as_deref(), e.message.as_deref()), (Some("10015"), Some("Bad: nope")));
        let e = StreamErrorEvent::parse("op", "error", "upstream went away");
        assert_eq!((e.error_type, e.message.as_deref()), (None, Some("upstream went away")));
    }
}
