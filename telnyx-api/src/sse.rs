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
//!
//! The parts: `parser` (bytes → [`Event`]s), `stream` ([`SseStream`] over a body) and
//! `error_event` (what an error event says: [`StreamErrorEvent`] and the untyped message).

mod error_event;
mod parser;
mod stream;

pub use error_event::StreamErrorEvent;
pub use parser::{Event, EventParser};
pub use stream::{SseStream, TerminalFn, DEFAULT_MAX_EVENT_SIZE};
