//! The OpenAI Responses API's event stream: `POST /ai/openai/responses` with `stream: true`,
//! typed. Each server-sent event is a [`ResponseEvent`]: the response's lifecycle
//! (`response.created`, `response.in_progress`, `response.completed`, `response.failed`,
//! `response.incomplete`), its output items and content parts as they are added and done, and
//! the text as it is generated (`response.output_text.delta`, `response.output_text.done`).
//! Event types this crate does not know are kept as JSON ([`ResponseEvent::Unknown`]); an
//! `error` event ends the stream with [`Error::StreamEvent`](crate::Error::StreamEvent), its
//! code and message parsed.
//!
//! ```no_run
//! use futures::TryStreamExt as _;
//! use serde_json::json;
//! use telnyx_api::responses::{self, ResponseEvent};
//!
//! # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
//! let request = json!({"model": "openai/gpt-4o", "input": "Say hello"});
//! let mut events = responses::create_response_stream(&client, &request).await?;
//! while let Some(event) = events.try_next().await? {
//!     match event {
//!         ResponseEvent::OutputTextDelta { delta, .. } => print!("{delta}"),
//!         ResponseEvent::Completed { response } => println!("\n{:?}", response.usage),
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Built on [`crate::sse`], as the chat and Anthropic streams are: the stream ends after the
//! terminal event (`response.completed`, `response.failed` or `response.incomplete`); a body
//! that ends before one is a truncation error; an event whose data does not decode is an
//! [`Error::Decode`](crate::Error::Decode) item and the stream goes on.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::chat::Endpoint;
use crate::client::Client;
use crate::error::Result;
use crate::sse::SseStream;

/// The operation id of `POST /ai/openai/responses` in the pinned spec.
pub const OPERATION_ID: &str = "chat_public_openai_responses_completions_post";
/// Its path.
pub const PATH: &str = "/ai/openai/responses";

const RESPONSES: Endpoint =
    Endpoint { operation: OPERATION_ID, path: PATH, stream_fn: "responses::create_response_stream" };

/// A response object as the lifecycle events carry it: the members every response has, typed,
/// and the rest kept in [`other`](Self::other).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ResponseObject {
    /// The response id (`resp_…`).
    #[serde(default)]
    pub id: String,
    /// `in_progress`, `completed`, `failed`, `incomplete`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The model that answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The output items (messages, function calls, …), as JSON.
    #[serde(default)]
    pub output: Vec<Value>,
    /// Token usage, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Value>,
    /// Why the response failed (`response.failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// Every other member, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One event of a streamed response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ResponseEvent {
    /// `response.created`.
    Created {
        /// The response, as created.
        response: ResponseObject,
    },
    /// `response.in_progress`.
    InProgress {
        /// The response so far.
        response: ResponseObject,
    },
    /// `response.completed`: the last event of a response that completed.
    Completed {
        /// The whole response, usage included.
        response: ResponseObject,
    },
    /// `response.failed`: the last event of a response that failed (its `error` says why).
    Failed {
        /// The response, with its error.
        response: ResponseObject,
    },
    /// `response.incomplete`: the last event of a response cut short (token limit, filter).
    Incomplete {
        /// The response as far as it went.
        response: ResponseObject,
    },
    /// `response.output_item.added`: an output item starts.
    OutputItemAdded {
        /// Its place in the output.
        output_index: u64,
        /// The item, as JSON.
        item: Value,
    },
    /// `response.output_item.done`: an output item is complete.
    OutputItemDone {
        /// Its place in the output.
        output_index: u64,
        /// The item, as JSON.
        item: Value,
    },
    /// `response.content_part.added`.
    ContentPartAdded {
        /// The output item it belongs to.
        item_id: String,
        /// The item's place in the output.
        output_index: u64,
        /// The part's place in the item's content.
        content_index: u64,
        /// The part, as JSON.
        part: Value,
    },
    /// `response.content_part.done`.
    ContentPartDone {
        /// The output item it belongs to.
        item_id: String,
        /// The item's place in the output.
        output_index: u64,
        /// The part's place in the item's content.
        content_index: u64,
        /// The part, as JSON.
        part: Value,
    },
    /// `response.output_text.delta`: more text.
    OutputTextDelta {
        /// The output item it belongs to.
        item_id: String,
        /// The item's place in the output.
        output_index: u64,
        /// The part's place in the item's content.
        content_index: u64,
        /// The text added.
        delta: String,
    },
    /// `response.output_text.done`: a text part is complete.
    OutputTextDone {
        /// The output item it belongs to.
        item_id: String,
        /// The item's place in the output.
        output_index: u64,
        /// The part's place in the item's content.
        content_index: u64,
        /// The whole text.
        text: String,
    },
    /// Any other event type, kept as it was sent.
    Unknown(Value),
}

impl ResponseEvent {
    /// The event's `type` (`response.output_text.delta`).
    pub fn event_type(&self) -> &str {
        match self {
            ResponseEvent::Created { .. } => "response.created",
            ResponseEvent::InProgress { .. } => "response.in_progress",
            ResponseEvent::Completed { .. } => "response.completed",
            ResponseEvent::Failed { .. } => "response.failed",
            ResponseEvent::Incomplete { .. } => "response.incomplete",
            ResponseEvent::OutputItemAdded { .. } => "response.output_item.added",
            ResponseEvent::OutputItemDone { .. } => "response.output_item.done",
            ResponseEvent::ContentPartAdded { .. } => "response.content_part.added",
            ResponseEvent::ContentPartDone { .. } => "response.content_part.done",
            ResponseEvent::OutputTextDelta { .. } => "response.output_text.delta",
            ResponseEvent::OutputTextDone { .. } => "response.output_text.done",
            ResponseEvent::Unknown(v) => v.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// Whether the response ends with this event (completed, failed or incomplete).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            ResponseEvent::Completed { .. } | ResponseEvent::Failed { .. } | ResponseEvent::Incomplete { .. }
        )
    }
}

impl<'de> Deserialize<'de> for ResponseEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        if !value.is_object() {
            return Err(D::Error::custom(format!("an event must be a JSON object, got {value}")));
        }
        let text = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or("").to_owned();
        let index = |name: &str| value.get(name).and_then(Value::as_u64).unwrap_or(0);
        let json = |name: &str| value.get(name).cloned().unwrap_or(Value::Null);
        let response = || -> std::result::Result<ResponseObject, D::Error> {
            match value.get("response") {
                Some(r) => ResponseObject::deserialize(r).map_err(|e| D::Error::custom(format!("response: {e}"))),
                None => Ok(ResponseObject::default()),
            }
        };
        // Where a content event belongs (unused by the others).
        let (item_id, output_index, content_index) = (text("item_id"), index("output_index"), index("content_index"));
        let ty = value.get("type").and_then(Value::as_str).unwrap_or("");
        Ok(match ty {
            "response.created" => ResponseEvent::Created { response: response()? },
            "response.in_progress" => ResponseEvent::InProgress { response: response()? },
            "response.completed" => ResponseEvent::Completed { response: response()? },
            "response.failed" => ResponseEvent::Failed { response: response()? },
            "response.incomplete" => ResponseEvent::Incomplete { response: response()? },
            "response.output_item.added" => ResponseEvent::OutputItemAdded { output_index, item: json("item") },
            "response.output_item.done" => ResponseEvent::OutputItemDone { output_index, item: json("item") },
            "response.content_part.added" => {
                ResponseEvent::ContentPartAdded { item_id, output_index, content_index, part: json("part") }
            }
            "response.content_part.done" => {
                ResponseEvent::ContentPartDone { item_id, output_index, content_index, part: json("part") }
            }
            "response.output_text.delta" => {
                ResponseEvent::OutputTextDelta { item_id, output_index, content_index, delta: text("delta") }
            }
            "response.output_text.done" => {
                ResponseEvent::OutputTextDone { item_id, output_index, content_index, text: text("text") }
            }
            _ => ResponseEvent::Unknown(value),
        })
    }
}

/// A streamed response: a [`Stream`] of `Result<ResponseEvent>` (see the module docs for how
/// it ends and how errors surface).
pub type ResponseStream = SseStream<ResponseEvent>;

impl SseStream<ResponseEvent> {
    /// The Responses conventions on a stream of [`ResponseEvent`]s: it ends after the terminal
    /// event (a body ending before it is truncated) and error events are typed.
    /// [`create_response_stream`] applies them; this is for a stream built with
    /// [`SseStream::from_byte_stream`] or [`SseStream::from_response`].
    pub fn responses_conventions(self) -> Self {
        self.last_when(ResponseEvent::is_terminal, "`response.completed`").typed_error_events()
    }

    /// Only the text: the `response.output_text.delta`s, empty ones skipped.
    pub fn output_text(self) -> ResponseTextStream {
        ResponseTextStream { inner: self }
    }
}

/// The text deltas of a streamed response; see [`ResponseStream::output_text`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct ResponseTextStream {
    inner: ResponseStream,
}

impl ResponseTextStream {
    /// The underlying event stream (status, headers, request id).
    pub fn get_ref(&self) -> &ResponseStream {
        &self.inner
    }
}

impl Stream for ResponseTextStream {
    type Item = Result<String>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match Pin::new(&mut self.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(ResponseEvent::OutputTextDelta { delta, .. }))) if !delta.is_empty() => {
                    return Poll::Ready(Some(Ok(delta)))
                }
                Poll::Ready(Some(Ok(_))) => continue,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Create a response and stream it as it is generated: sets `"stream": true` and returns the
/// events as they arrive. An error status before the stream starts is
/// [`Error::Api`](crate::Error::Api), retried like any call (a `POST` without a dedup key: see
/// [`crate::retry`]); errors after that are items of the stream.
pub async fn create_response_stream<R: Serialize + ?Sized>(client: &Client, request: &R) -> Result<ResponseStream> {
    let body = RESPONSES.body(request, true)?;
    let stream = SseStream::open(client, RESPONSES.request(&body)).await?;
    Ok(stream.responses_conventions())
}

/// [`create_response_stream`], keeping only the text deltas.
pub async fn create_response_text_stream<R: Serialize + ?Sized>(
    client: &Client,
    request: &R,
) -> Result<ResponseTextStream> {
    Ok(create_response_stream(client, request).await?.output_text())
}

// The streaming methods on the API struct of `POST /ai/openai/responses`
// (`client.ai().openai()`), next to the generated `create_response`; gated by that tag's
// feature. A spec without the operation gets none of them (the hook expands to nothing).
crate::generated::hooks::openai_responses_api! {
    ResponsesBody;

    /// Create a response and stream its events ([`ResponseEvent`]): sets `"stream": true`.
    ///
    /// `POST /ai/openai/responses`
    pub async fn create_response_stream(&self, request: &ResponsesBody) -> Result<ResponseStream> {
        create_response_stream(self.client, request).await
    }

    /// Like [`create_response_stream`](Self::create_response_stream), yielding only the text.
    pub async fn create_response_text_stream(&self, request: &ResponsesBody) -> Result<ResponseTextStream> {
        create_response_text_stream(self.client, request).await
    }
}
