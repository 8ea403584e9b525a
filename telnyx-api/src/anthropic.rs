//! Typed and streamed messages through Telnyx's Anthropic-compatible API
//! (`POST /ai/anthropic/v1/messages`, the base URL the Anthropic SDKs are pointed at:
//! `https://api.telnyx.com/v2/ai/anthropic`).
//!
//! With `"stream": true` the endpoint answers with Anthropic's server-sent events, each named by
//! its `event:` field and by the `type` of its JSON data:
//!
//! 1. `message_start` — a [`Message`] with empty `content` and the input token count;
//! 2. per content block: `content_block_start` (a [`ContentBlock`]: text, tool use, thinking),
//!    `content_block_delta`s (a [`Delta`]: text, `input_json_delta` fragments of a tool's input
//!    JSON, thinking text, a signature) and `content_block_stop`;
//! 3. `message_delta` — the stop reason and the cumulative output token count;
//! 4. `message_stop` — the end.
//!
//! `ping` events may come at any point. An `event: error` (overloaded, rate limited, …) ends the
//! stream with [`Error::StreamEvent`](crate::Error::StreamEvent), its type and message in a
//! [`StreamErrorEvent`](crate::sse::StreamErrorEvent). Event and delta types this crate does not
//! know are kept as JSON ([`StreamEvent::Unknown`], [`Delta::Other`], [`ContentBlock::Other`]):
//! Anthropic adds new ones over time and says clients should tolerate them. The stream ends
//! after `message_stop`; a body that ends before it is a truncation error
//! ([`Error::Stream`](crate::Error::Stream)), as for the chat streams.
//!
//! The framing is the generic [`crate::sse`] layer; this module only types the events. The types
//! are lenient like those of [`crate::chat`]: optional fields default, `null` reads as absent,
//! unknown fields are ignored and unknown values kept ([`StopReason::Other`]).
//!
//! ```no_run
//! use futures::StreamExt as _;
//! # async fn run() -> telnyx_api::Result<()> {
//! let client = telnyx_api::Client::from_env()?;
//! let request = serde_json::json!({
//!     "model": "zai-org/GLM-5.2",
//!     "max_tokens": 1024,
//!     "messages": [{"role": "user", "content": "Say hello"}],
//! });
//! let mut text = telnyx_api::anthropic::create_message_text_stream(&client, &request).await?;
//! while let Some(delta) = text.next().await {
//!     print!("{}", delta?);
//! }
//! # Ok(()) }
//! ```
//!
//! With the `ai` feature the same calls are methods of `client.ai().anthropic().v1()`, taking the
//! generated `types::AnthropicMessageRequest`.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::chat::{null_default, open_enum, Endpoint};
use crate::client::Client;
use crate::error::Result;
use crate::request::{decode_json, ApiCall};
use crate::sse::SseStream;

/// Operation id of `POST /ai/anthropic/v1/messages` in the Telnyx spec.
pub const OPERATION_ID: &str = "create_anthropic_message";
const PATH: &str = "/ai/anthropic/v1/messages";
const MESSAGES: Endpoint =
    Endpoint { operation: OPERATION_ID, path: PATH, stream_fn: "anthropic::create_message_stream" };

open_enum! {
    /// Why the model stopped generating.
    StopReason {
        /// The model finished its turn.
        EndTurn = "end_turn",
        /// `max_tokens` was reached.
        MaxTokens = "max_tokens",
        /// One of the `stop_sequences` was generated ([`MessageDelta::stop_sequence`] says which).
        StopSequence = "stop_sequence",
        /// The model called a tool.
        ToolUse = "tool_use",
        /// A long-running turn was paused; send the response back to continue it.
        PauseTurn = "pause_turn",
        /// The model declined to answer.
        Refusal = "refusal",
    }
}

/// A message, as `message_start` opens it (with empty `content`) or as the non-streaming call
/// returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// Message id.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// `"message"`.
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub type_: String,
    /// `"assistant"`.
    #[serde(default, deserialize_with = "null_default")]
    pub role: String,
    /// The content blocks (empty in `message_start`; they follow as `content_block_*` events).
    #[serde(default, deserialize_with = "null_default")]
    pub content: Vec<ContentBlock>,
    /// The model that answers.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// Why generation stopped (`None` in `message_start`; see [`MessageDelta`]).
    #[serde(default)]
    pub stop_reason: Option<StopReason>,
    /// The stop sequence that was generated, if that is why generation stopped.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token counts.
    #[serde(default, deserialize_with = "null_default")]
    pub usage: Usage,
}

impl Message {
    /// The text of all text blocks, concatenated.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Token counts. In `message_start` they count the input; in `message_delta` the output so far
/// (cumulative), and a field the event does not carry is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Usage {
    /// Input tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Input tokens written to the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Input tokens read from the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
}

/// A content block of a [`Message`], as `content_block_start` opens it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ContentBlock {
    /// `text`: text, empty at the start; it grows by [`Delta::Text`].
    Text {
        /// The text.
        text: String,
    },
    /// `tool_use`: a tool call. Its `input` is `{}` at the start; the JSON arrives as
    /// [`Delta::InputJson`] fragments, whose concatenation is the input.
    ToolUse {
        /// Id to answer the call with.
        id: String,
        /// The tool's name.
        name: String,
        /// The tool's input.
        input: Value,
    },
    /// `thinking`: extended thinking text; grows by [`Delta::Thinking`] and gets its
    /// [`Delta::Signature`] before it stops.
    Thinking {
        /// The thinking text.
        thinking: String,
        /// Signature of the thinking block.
        signature: String,
    },
    /// `redacted_thinking`: thinking the API returns encrypted.
    RedactedThinking {
        /// The encrypted thinking.
        data: String,
    },
    /// A block type this crate does not know (server tool results, …), as sent.
    Other(Value),
}

/// What a `content_block_delta` adds to its block.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Delta {
    /// `text_delta`: text to append.
    Text {
        /// The text.
        text: String,
    },
    /// `input_json_delta`: a fragment of a tool call's input JSON (not valid JSON by itself).
    InputJson {
        /// The fragment.
        partial_json: String,
    },
    /// `thinking_delta`: thinking text to append.
    Thinking {
        /// The text.
        thinking: String,
    },
    /// `signature_delta`: the signature of a thinking block.
    Signature {
        /// The signature.
        signature: String,
    },
    /// A delta type this crate does not know (`citations_delta`, …), as sent.
    Other(Value),
}

/// `message_start`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageStartEvent {
    /// The message, without content yet.
    #[serde(default, deserialize_with = "null_default")]
    pub message: Message,
}

/// `content_block_start`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ContentBlockStartEvent {
    /// Position of the block in the message's content.
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    /// The block, empty.
    pub content_block: ContentBlock,
}

/// `content_block_delta`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ContentBlockDeltaEvent {
    /// Which block this extends.
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    /// What is new.
    pub delta: Delta,
}

/// `content_block_stop`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContentBlockStopEvent {
    /// Which block is complete.
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
}

/// `message_delta`: changes to the message as a whole, near the end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageDeltaEvent {
    /// The stop reason and sequence.
    #[serde(default, deserialize_with = "null_default")]
    pub delta: MessageDelta,
    /// Token counts (output tokens cumulative).
    #[serde(default, deserialize_with = "null_default")]
    pub usage: Usage,
}

/// The message-level fields a [`MessageDeltaEvent`] sets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageDelta {
    /// Why generation stopped.
    #[serde(default)]
    pub stop_reason: Option<StopReason>,
    /// The stop sequence that was generated, if that is why.
    #[serde(default)]
    pub stop_sequence: Option<String>,
}

/// One event of a streamed message, decoded by the `type` of its data.
///
/// Error events are not items: they end the stream with
/// [`Error::StreamEvent`](crate::Error::StreamEvent).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StreamEvent {
    /// `message_start`.
    MessageStart(MessageStartEvent),
    /// `content_block_start`.
    ContentBlockStart(ContentBlockStartEvent),
    /// `content_block_delta`.
    ContentBlockDelta(ContentBlockDeltaEvent),
    /// `content_block_stop`.
    ContentBlockStop(ContentBlockStopEvent),
    /// `message_delta`.
    MessageDelta(MessageDeltaEvent),
    /// `message_stop`: the last event of the stream.
    MessageStop,
    /// `ping`: a keep-alive.
    Ping,
    /// An event type this crate does not know, its data as sent (with its `type`).
    Unknown(Value),
}

impl StreamEvent {
    /// The event's `type` as sent (`"message_start"`, …; `""` for unknown data without one).
    pub fn type_name(&self) -> &str {
        match self {
            StreamEvent::MessageStart(_) => "message_start",
            StreamEvent::ContentBlockStart(_) => "content_block_start",
            StreamEvent::ContentBlockDelta(_) => "content_block_delta",
            StreamEvent::ContentBlockStop(_) => "content_block_stop",
            StreamEvent::MessageDelta(_) => "message_delta",
            StreamEvent::MessageStop => "message_stop",
            StreamEvent::Ping => "ping",
            StreamEvent::Unknown(v) => v.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// Whether this is `message_stop`, after which the stream ends.
    pub fn is_message_stop(&self) -> bool {
        matches!(self, StreamEvent::MessageStop)
    }

    /// The text a `text_delta` adds, if this is one.
    pub fn text_delta(&self) -> Option<&str> {
        match self {
            StreamEvent::ContentBlockDelta(ContentBlockDeltaEvent { delta: Delta::Text { text }, .. }) => Some(text),
            _ => None,
        }
    }
}

/// The `type` of a JSON object and the object, for the types decoded by it.
fn tagged<'de, D: Deserializer<'de>>(d: D, what: &str) -> std::result::Result<(String, Value), D::Error> {
    let value = Value::deserialize(d)?;
    if !value.is_object() {
        return Err(D::Error::custom(format!("{what} must be a JSON object, got {value}")));
    }
    let ty = value.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
    Ok((ty, value))
}

/// Decode a known variant's payload, naming the type and the path inside it on failure (the
/// value was buffered to read its `type`, so serde_json's own position would only say "here").
fn payload<T: DeserializeOwned, E: serde::de::Error>(ty: &str, value: Value) -> std::result::Result<T, E> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        E::custom(format!("{ty}: {} at `{path}`", e.inner()))
    })
}

/// A string field of a buffered object; missing or `null` is empty.
fn field(value: &Value, name: &str) -> String {
    value.get(name).and_then(Value::as_str).unwrap_or("").to_owned()
}

impl<'de> Deserialize<'de> for StreamEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (ty, value) = tagged(d, "an event")?;
        Ok(match ty.as_str() {
            "message_start" => StreamEvent::MessageStart(payload(&ty, value)?),
            "content_block_start" => StreamEvent::ContentBlockStart(payload(&ty, value)?),
            "content_block_delta" => StreamEvent::ContentBlockDelta(payload(&ty, value)?),
            "content_block_stop" => StreamEvent::ContentBlockStop(payload(&ty, value)?),
            "message_delta" => StreamEvent::MessageDelta(payload(&ty, value)?),
            "message_stop" => StreamEvent::MessageStop,
            "ping" => StreamEvent::Ping,
            _ => StreamEvent::Unknown(value),
        })
    }
}

impl<'de> Deserialize<'de> for ContentBlock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (ty, value) = tagged(d, "a content block")?;
        Ok(match ty.as_str() {
            "text" => ContentBlock::Text { text: field(&value, "text") },
            "tool_use" => ContentBlock::ToolUse {
                id: field(&value, "id"),
                name: field(&value, "name"),
                input: value.get("input").cloned().unwrap_or(Value::Null),
            },
            "thinking" => {
                ContentBlock::Thinking { thinking: field(&value, "thinking"), signature: field(&value, "signature") }
            }
            "redacted_thinking" => ContentBlock::RedactedThinking { data: field(&value, "data") },
            _ => ContentBlock::Other(value),
        })
    }
}

impl Serialize for ContentBlock {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let value = match self {
            ContentBlock::Text { text } => serde_json::json!({"type": "text", "text": text}),
            ContentBlock::ToolUse { id, name, input } => {
                serde_json::json!({"type": "tool_use", "id": id, "name": name, "input": input})
            }
            ContentBlock::Thinking { thinking, signature } => {
                serde_json::json!({"type": "thinking", "thinking": thinking, "signature": signature})
            }
            ContentBlock::RedactedThinking { data } => serde_json::json!({"type": "redacted_thinking", "data": data}),
            ContentBlock::Other(v) => v.clone(),
        };
        value.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Delta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (ty, value) = tagged(d, "a delta")?;
        Ok(match ty.as_str() {
            "text_delta" => Delta::Text { text: field(&value, "text") },
            "input_json_delta" => Delta::InputJson { partial_json: field(&value, "partial_json") },
            "thinking_delta" => Delta::Thinking { thinking: field(&value, "thinking") },
            "signature_delta" => Delta::Signature { signature: field(&value, "signature") },
            _ => Delta::Other(value),
        })
    }
}

/// A streamed message: a [`Stream`] of `Result<StreamEvent>`.
///
/// See [`SseStream`] for how errors, truncation and the idle timeout surface. The stream ends
/// after [`StreamEvent::MessageStop`] (the connection is closed then, without waiting for the
/// server to end the body); a body that ends before it is an [`Error::Stream`](crate::Error::Stream)
/// truncation error; an error event is an [`Error::StreamEvent`](crate::Error::StreamEvent) and
/// ends the stream; an event whose data does not decode is an
/// [`Error::Decode`](crate::Error::Decode) item and the stream goes on.
pub type MessageStream = SseStream<StreamEvent>;

impl SseStream<StreamEvent> {
    /// The Anthropic Messages conventions on a stream of [`StreamEvent`]s: it ends after
    /// `message_stop` (a body ending before it is truncated) and error events are typed
    /// ([`Error::StreamEvent`](crate::Error::StreamEvent)). [`create_message_stream`] applies
    /// them; this is for a stream built with [`SseStream::from_byte_stream`] or
    /// [`SseStream::from_response`] (a recorded stream, a response fetched another way).
    pub fn anthropic_conventions(self) -> Self {
        self.last_when(StreamEvent::is_message_stop, "`message_stop`").typed_error_events()
    }

    /// Only the text: the `text_delta`s, empty ones skipped (tool input, thinking, pings and
    /// the other events are dropped). Errors are passed through.
    pub fn text_deltas(self) -> MessageTextStream {
        MessageTextStream { inner: self }
    }
}

/// The text deltas of a streamed message; see [`MessageStream::text_deltas`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct MessageTextStream {
    inner: MessageStream,
}

impl MessageTextStream {
    /// The underlying event stream (status, headers, request id).
    pub fn get_ref(&self) -> &MessageStream {
        &self.inner
    }
}

impl Stream for MessageTextStream {
    type Item = Result<String>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match Pin::new(&mut self.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(StreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
                    delta: Delta::Text { text },
                    ..
                }))))
                    if !text.is_empty() =>
                {
                    return Poll::Ready(Some(Ok(text)))
                }
                Poll::Ready(Some(Ok(_))) => continue,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Create a message and wait for all of it (`POST /ai/anthropic/v1/messages`).
///
/// `request` is any serializable Anthropic Messages request (the generated
/// `types::AnthropicMessageRequest` or a `serde_json::json!` value; `model`, `max_tokens` and
/// `messages` are required). A request with `"stream": true` is rejected with
/// [`Error::InvalidRequest`](crate::Error::InvalidRequest): use [`create_message_stream`].
pub async fn create_message<R: Serialize + ?Sized>(client: &Client, request: &R) -> Result<Message> {
    let body = MESSAGES.body(request, false)?;
    ApiCall::new(client, MESSAGES.request(&body), decode_json::<Message>).send().await
}

/// Create a message and stream it as it is generated: sets `"stream": true` and returns the
/// events as they arrive.
///
/// An error status before the stream starts is [`Error::Api`](crate::Error::Api) with the body
/// and error codes, and is retried like any call; errors after that are items of the stream.
pub async fn create_message_stream<R: Serialize + ?Sized>(client: &Client, request: &R) -> Result<MessageStream> {
    let body = MESSAGES.body(request, true)?;
    let stream = SseStream::open(client, MESSAGES.request(&body)).await?;
    Ok(stream.anthropic_conventions())
}

/// [`create_message_stream`], keeping only the text deltas.
pub async fn create_message_text_stream<R: Serialize + ?Sized>(
    client: &Client,
    request: &R,
) -> Result<MessageTextStream> {
    Ok(create_message_stream(client, request).await?.text_deltas())
}

// The typed API on the API struct of `POST /ai/anthropic/v1/messages`
// (`client.ai().anthropic().v1()`), next to the generated `create_anthropic_message`; gated by
// that tag's feature (`ai`). A spec without the operation gets none of these methods (the hook
// expands to nothing).
crate::generated::hooks::anthropic_messages_api! {
    AnthropicMessagesBody;

    /// Create a message (non-streaming), typed as Anthropic's `message`.
    ///
    /// `POST /ai/anthropic/v1/messages`
    pub async fn create_message(&self, request: &AnthropicMessagesBody) -> Result<Message> {
        create_message(self.client, request).await
    }

    /// Create a streamed message: sets `"stream": true` and yields each Anthropic event as it
    /// arrives, up to `message_stop`.
    pub async fn create_message_stream(&self, request: &AnthropicMessagesBody) -> Result<MessageStream> {
        create_message_stream(self.client, request).await
    }

    /// Like [`create_message_stream`](Self::create_message_stream), yielding only the text
    /// deltas.
    pub async fn create_message_text_stream(&self, request: &AnthropicMessagesBody) -> Result<MessageTextStream> {
        create_message_text_stream(self.client, request).await
    }
}

// Shapes for the lenient decoding of a deviating body (`crate::shape`), as in `crate::chat`.
crate::shaped!(Message {
    "id" => Option<String>,
    "type" => Option<String>,
    "role" => Option<String>,
    "content" => Option<Vec<ContentBlock>>,
    "model" => Option<String>,
    "stop_reason" => Option<StopReason>,
    "stop_sequence" => Option<String>,
    "usage" => Option<Usage>,
});
crate::shaped!(Usage {
    "input_tokens" => Option<u64>,
    "output_tokens" => Option<u64>,
    "cache_creation_input_tokens" => Option<u64>,
    "cache_read_input_tokens" => Option<u64>,
});

// A content block is an object whose `type` picks the variant (any other is `Other`).
impl crate::shape::Shaped for ContentBlock {
    const SHAPE: &'static crate::shape::Shape = &crate::shape::Shape::Object;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: &str) -> StreamEvent {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn events_decode_by_type() {
        let e = event(
            r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],
                "model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#,
        );
        let StreamEvent::MessageStart(start) = e else { panic!("{e:?}") };
        assert_eq!((start.message.id.as_str(), start.message.usage.input_tokens), ("msg_1", Some(25)));

        let e = event(
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\""}}"#,
        );
        assert_eq!(
            e,
            StreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
                index: 1,
                delta: Delta::InputJson { partial_json: "{\"a\"".into() }
            })
        );
        let e = event(
            r#"{"type":"message_delta","delta":{"stop_reason":"model_context_window_exceeded"},"usage":{"output_tokens":9}}"#,
        );
        let StreamEvent::MessageDelta(d) = e else { panic!("{e:?}") };
        assert_eq!(d.delta.stop_reason, Some(StopReason::Other("model_context_window_exceeded".into())));
        assert_eq!((d.usage.output_tokens, d.usage.input_tokens), (Some(9), None));
        assert!(event(r#"{"type":"message_stop","extra":1}"#).is_message_stop());
        assert_eq!(event(r#"{"type":"ping"}"#), StreamEvent::Ping);
    }

    #[test]
    fn unknown_types_are_kept() {
        let e = event(r#"{"type":"brand_new","x":[1]}"#);
        assert_eq!(e.type_name(), "brand_new");
        assert_eq!(e, StreamEvent::Unknown(serde_json::json!({"type":"brand_new","x":[1]})));
        let e = event(r#"{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}}"#);
        let StreamEvent::ContentBlockDelta(d) = e else { panic!("{e:?}") };
        assert!(matches!(d.delta, Delta::Other(ref v) if v["type"] == "citations_delta"));
        let b: ContentBlock = serde_json::from_str(r#"{"type":"server_tool_use","id":"s"}"#).unwrap();
        assert!(matches!(b, ContentBlock::Other(_)));
    }

    #[test]
    fn a_bad_known_event_names_its_type_and_path() {
        let e = serde_json::from_str::<StreamEvent>(r#"{"type":"content_block_stop","index":"one"}"#).unwrap_err();
        assert!(e.to_string().contains("content_block_stop: invalid type"), "{e}");
        assert!(e.to_string().contains("at `index`"), "{e}");
    }

    #[test]
    fn content_blocks_round_trip() {
        let b: ContentBlock =
            serde_json::from_str(r#"{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}"#).unwrap();
        assert_eq!(
            b,
            ContentBlock::ToolUse { id: "toolu_1".into(), name: "get_weather".into(), input: serde_json::json!({}) }
        );
        assert_eq!(serde_json::from_value::<ContentBlock>(serde_json::to_value(&b).unwrap()).unwrap(), b);
    }
}
