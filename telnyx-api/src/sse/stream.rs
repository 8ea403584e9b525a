//! [`SseStream<T>`]: a response body framed by [`EventParser`] and each event's `data` decoded
//! into `T`, with the `[DONE]`, terminal-item, error-event, size-limit and idle-timeout rules of
//! the OpenAI- and Anthropic-style streaming APIs.

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

use super::error_event::{error_message, is_error_payload};
use super::{Event, EventParser, StreamErrorEvent};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{decode_empty, ApiCall, Request};

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
    /// The API key, taken out of the errors the stream's events make (a server that echoes
    /// the `Authorization` header in an error event must not put the key into an error).
    secrets: Vec<String>,
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
        let mut stream =
            SseStream::from_byte_stream(operation, status, headers, body, client.inner.stream_idle_timeout)
                .max_event_size(client.inner.max_sse_event);
        stream.secrets = client.secrets();
        Ok(stream)
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
            secrets: Vec::new(),
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
    /// Turn one framed event into an item, or `None` to skip it / after `[DONE]`; an error
    /// without the API key in it.
    fn item(&mut self, event: Event) -> Option<Result<T>> {
        let item = self.item_unredacted(event)?;
        Some(item.map_err(|e| self.secrets.iter().fold(e, |e, secret| e.redact(secret))))
    }

    fn item_unredacted(&mut self, event: Event) -> Option<Result<T>> {
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
