//! Typed and streamed chat completions (`POST /ai/chat/completions`, OpenAI-compatible), and
//! the same through Telnyx's OpenAI-compatible API (`POST /ai/openai/chat/completions`, in
//! [`openai`]).
//!
//! The spec declares the 200 response as `{}`; the types here follow the OpenAI chat completion
//! format the endpoint actually returns. They are lenient on purpose: optional fields default,
//! `null` reads as absent, unknown fields are ignored and unknown enum values are kept
//! ([`FinishReason::Other`], [`Role::Other`]), so an OpenAI-compatible server adding a field or a
//! value does not break decoding.
//!
//! ```no_run
//! use futures::StreamExt as _;
//! # async fn run() -> telnyx_api::Result<()> {
//! let client = telnyx_api::Client::from_env()?;
//! let request = serde_json::json!({
//!     "model": "meta-llama/Meta-Llama-3.1-8B-Instruct",
//!     "messages": [{"role": "user", "content": "Say hello"}],
//! });
//! let mut text = telnyx_api::chat::create_completion_stream(&client, &request).await?.text_deltas();
//! while let Some(delta) = text.next().await {
//!     print!("{}", delta?);
//! }
//! # Ok(()) }
//! ```

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{decode_json, ApiCall, Request};
use crate::sse::SseStream;

/// Operation id of `POST /ai/chat/completions` in the Telnyx spec.
pub const OPERATION_ID: &str = "chat_public_chat_completions_post";
const PATH: &str = "/ai/chat/completions";

/// A `null` or missing value reads as the type's default.
pub(crate) fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Declares an open string enum: known values as variants, anything else kept in `Other`.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the crate does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow::<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok($name::from(s.as_ref()))
            }
        }
    };
}
// Also for the Anthropic types (`crate::anthropic`).
pub(crate) use open_enum;

open_enum! {
    /// Why the model stopped generating.
    FinishReason {
        /// A natural stop or a stop sequence.
        Stop = "stop",
        /// The token limit was reached.
        Length = "length",
        /// The model called tools.
        ToolCalls = "tool_calls",
        /// Content was omitted by a filter.
        ContentFilter = "content_filter",
        /// The model called a function (deprecated form of `tool_calls`).
        FunctionCall = "function_call",
    }
}

open_enum! {
    /// The author of a message; defaults to `Assistant`, the author of generated messages.
    #[derive(Default)]
    Role {
        /// System instructions.
        System = "system",
        /// Developer instructions (newer name for `system`).
        Developer = "developer",
        /// The user.
        User = "user",
        /// The model.
        #[default]
        Assistant = "assistant",
        /// A tool result.
        Tool = "tool",
        /// A function result (deprecated).
        Function = "function",
    }
}

/// A non-streamed chat completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatCompletion {
    /// Completion id.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// `"chat.completion"`.
    #[serde(default, deserialize_with = "null_default")]
    pub object: String,
    /// Creation time, Unix seconds.
    #[serde(default, deserialize_with = "null_default")]
    pub created: i64,
    /// The model that answered.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// The generated choices (one unless `n` > 1).
    #[serde(default, deserialize_with = "null_default")]
    pub choices: Vec<ChatChoice>,
    /// Token usage.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Backend configuration fingerprint.
    #[serde(default)]
    pub system_fingerprint: Option<String>,
    /// Service tier that processed the request.
    #[serde(default)]
    pub service_tier: Option<String>,
}

impl ChatCompletion {
    /// The text of the first choice, if any.
    pub fn text(&self) -> Option<&str> {
        self.choices.first().and_then(|c| c.message.content.as_deref())
    }
}

/// One choice of a [`ChatCompletion`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatChoice {
    /// Position in `choices`.
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    /// The generated message.
    #[serde(default, deserialize_with = "null_default")]
    pub message: ChatMessage,
    /// Why generation stopped.
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
    /// Token log probabilities, when requested.
    #[serde(default)]
    pub logprobs: Option<Logprobs>,
}

/// A message generated by the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatMessage {
    /// Author, normally [`Role::Assistant`].
    #[serde(default, deserialize_with = "null_default")]
    pub role: Role,
    /// The text.
    #[serde(default)]
    pub content: Option<String>,
    /// A refusal message instead of content.
    #[serde(default)]
    pub refusal: Option<String>,
    /// Reasoning text of reasoning models, as some OpenAI-compatible servers send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// Tool calls the model made.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// Deprecated single function call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCall>,
}

/// A tool call in a [`ChatMessage`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolCall {
    /// Id to answer the call with.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// Tool type, `"function"`.
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub type_: String,
    /// The function and its arguments.
    #[serde(default, deserialize_with = "null_default")]
    pub function: FunctionCall,
}

/// A function name and its JSON-encoded arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FunctionCall {
    /// Function name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Arguments as a JSON string (not validated).
    #[serde(default, deserialize_with = "null_default")]
    pub arguments: String,
}

/// Token log probabilities of a choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Logprobs {
    /// Per content token.
    #[serde(default)]
    pub content: Option<Vec<TokenLogprob>>,
    /// Per refusal token.
    #[serde(default)]
    pub refusal: Option<Vec<TokenLogprob>>,
}

/// Log probability of one token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenLogprob {
    /// The token.
    #[serde(default, deserialize_with = "null_default")]
    pub token: String,
    /// Its log probability.
    #[serde(default, deserialize_with = "null_default")]
    pub logprob: f64,
    /// UTF-8 bytes of the token.
    #[serde(default)]
    pub bytes: Option<Vec<u8>>,
    /// The most likely tokens at this position.
    #[serde(default, deserialize_with = "null_default")]
    pub top_logprobs: Vec<TopLogprob>,
}

/// One alternative in [`TokenLogprob::top_logprobs`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TopLogprob {
    /// The token.
    #[serde(default, deserialize_with = "null_default")]
    pub token: String,
    /// Its log probability.
    #[serde(default, deserialize_with = "null_default")]
    pub logprob: f64,
    /// UTF-8 bytes of the token.
    #[serde(default)]
    pub bytes: Option<Vec<u8>>,
}

/// Token counts of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Usage {
    /// Tokens in the prompt.
    #[serde(default, deserialize_with = "null_default")]
    pub prompt_tokens: u64,
    /// Tokens generated.
    #[serde(default, deserialize_with = "null_default")]
    pub completion_tokens: u64,
    /// Sum of both.
    #[serde(default, deserialize_with = "null_default")]
    pub total_tokens: u64,
    /// Breakdown of prompt tokens, as sent (e.g. `cached_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<Value>,
    /// Breakdown of completion tokens, as sent (e.g. `reasoning_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<Value>,
}

/// One event of a streamed chat completion.
///
/// With `stream_options.include_usage` the last chunk before `[DONE]` has empty `choices` and
/// carries [`usage`](Self::usage).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatCompletionChunk {
    /// Completion id (the same in every chunk).
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// `"chat.completion.chunk"`.
    #[serde(default, deserialize_with = "null_default")]
    pub object: String,
    /// Creation time, Unix seconds.
    #[serde(default, deserialize_with = "null_default")]
    pub created: i64,
    /// The model that answers.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// Deltas per choice; empty in a usage-only chunk.
    #[serde(default, deserialize_with = "null_default")]
    pub choices: Vec<ChunkChoice>,
    /// Token usage (last chunk only, when requested).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Backend configuration fingerprint.
    #[serde(default)]
    pub system_fingerprint: Option<String>,
    /// Service tier that processed the request.
    #[serde(default)]
    pub service_tier: Option<String>,
}

impl ChatCompletionChunk {
    /// The content delta of the first choice, if any.
    pub fn text(&self) -> Option<&str> {
        self.choices.first().and_then(|c| c.delta.content.as_deref())
    }

    /// Whether a choice of this chunk has a finish reason (the content is complete).
    pub fn is_finished(&self) -> bool {
        self.choices.iter().any(|c| c.finish_reason.is_some())
    }
}

/// One choice of a [`ChatCompletionChunk`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChunkChoice {
    /// Which choice this delta extends.
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    /// What is new.
    #[serde(default, deserialize_with = "null_default")]
    pub delta: ChunkDelta,
    /// Set on the last chunk of the choice.
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
    /// Token log probabilities, when requested.
    #[serde(default)]
    pub logprobs: Option<Logprobs>,
}

/// The new part of a streamed message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChunkDelta {
    /// Author; usually only in the first chunk.
    #[serde(default)]
    pub role: Option<Role>,
    /// Text to append.
    #[serde(default)]
    pub content: Option<String>,
    /// Refusal text to append.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Reasoning text to append, as some OpenAI-compatible servers send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// Tool call fragments.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallDelta>,
    /// Deprecated single function call fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCallDelta>,
}

/// A fragment of a tool call; fragments with the same `index` belong together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolCallDelta {
    /// Which tool call this fragment extends.
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    /// Tool call id (first fragment).
    #[serde(default)]
    pub id: Option<String>,
    /// Tool type, `"function"` (first fragment).
    #[serde(rename = "type", default)]
    pub type_: Option<String>,
    /// Function name and argument text to append.
    #[serde(default)]
    pub function: Option<FunctionCallDelta>,
}

/// A fragment of a function call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FunctionCallDelta {
    /// Function name (first fragment).
    #[serde(default)]
    pub name: Option<String>,
    /// Argument text to append.
    #[serde(default)]
    pub arguments: Option<String>,
}

/// A streamed chat completion: a [`Stream`] of `Result<ChatCompletionChunk>`.
///
/// See [`SseStream`] for how errors, truncation and the idle timeout surface. A chunk with a
/// `finish_reason` completes the stream, so a body that ends after it without `data: [DONE]`
/// is not an error.
pub type ChatCompletionStream = SseStream<ChatCompletionChunk>;

impl SseStream<ChatCompletionChunk> {
    /// Only the text: the content deltas of the first choice, empty ones skipped. Errors are
    /// passed through.
    pub fn text_deltas(self) -> ChatTextStream {
        ChatTextStream { inner: self }
    }
}

/// The content deltas of a streamed chat completion; see [`ChatCompletionStream::text_deltas`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct ChatTextStream {
    inner: ChatCompletionStream,
}

impl ChatTextStream {
    /// The underlying chunk stream (status, headers, request id).
    pub fn get_ref(&self) -> &ChatCompletionStream {
        &self.inner
    }
}

impl Stream for ChatTextStream {
    type Item = Result<String>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match Pin::new(&mut self.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    let text = chunk.choices.into_iter().next().and_then(|c| c.delta.content);
                    match text {
                        Some(t) if !t.is_empty() => return Poll::Ready(Some(Ok(t))),
                        _ => continue,
                    }
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// An endpoint taking a JSON request whose `stream` member asks for an event stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint {
    pub(crate) operation: &'static str,
    pub(crate) path: &'static str,
    /// The function to call for `stream: true`, for the error of the non-streaming one.
    pub(crate) stream_fn: &'static str,
}

const TELNYX: Endpoint = Endpoint { operation: OPERATION_ID, path: PATH, stream_fn: "chat::create_completion_stream" };

impl Endpoint {
    /// The request body as a JSON object, with `stream` checked or set.
    pub(crate) fn body<R: Serialize + ?Sized>(
        &self,
        request: &R,
        stream: bool,
    ) -> Result<serde_json::Map<String, Value>> {
        let invalid = |message: String| Error::InvalidRequest { operation: self.operation, message };
        let mut body = match serde_json::to_value(request) {
            Ok(Value::Object(map)) => map,
            Ok(other) => return Err(invalid(format!("the request body must be a JSON object, got {other}"))),
            Err(e) => return Err(invalid(format!("body: {e}"))),
        };
        if stream {
            body.insert("stream".to_owned(), Value::Bool(true));
        } else if body.get("stream").is_some_and(|v| v == &Value::Bool(true)) {
            // The answer would be an event stream, not one decoded body.
            return Err(invalid(format!("`stream: true` needs `{}`", self.stream_fn)));
        }
        Ok(body)
    }

    /// `POST` the body to the endpoint.
    pub(crate) fn request(&self, body: &serde_json::Map<String, Value>) -> Request {
        let mut request = Request::new(reqwest::Method::POST, self.operation, self.path, self.path.to_owned());
        request.json(body);
        request
    }

    async fn completion<R: Serialize + ?Sized>(&self, client: &Client, request: &R) -> Result<ChatCompletion> {
        let body = self.body(request, false)?;
        ApiCall::new(client, self.request(&body), decode_json::<ChatCompletion>).send().await
    }

    async fn completion_stream<R: Serialize + ?Sized>(
        &self,
        client: &Client,
        request: &R,
    ) -> Result<ChatCompletionStream> {
        let body = self.body(request, true)?;
        let stream = SseStream::open(client, self.request(&body)).await?;
        Ok(stream.terminal_when(ChatCompletionChunk::is_finished))
    }
}

/// Create a chat completion and wait for all of it (`POST /ai/chat/completions`).
///
/// `request` is any serializable chat completion request (the generated
/// `types::ChatCompletionRequest` or a `serde_json::json!` value). A request with
/// `"stream": true` is rejected with [`Error::InvalidRequest`]: use
/// [`create_completion_stream`] for that.
pub async fn create_completion<R: Serialize + ?Sized>(client: &Client, request: &R) -> Result<ChatCompletion> {
    TELNYX.completion(client, request).await
}

/// Create a chat completion and stream it as it is generated: sets `"stream": true` and returns
/// the chunks as server-sent events arrive.
///
/// An error status before the stream starts is [`Error::Api`] with the body and Telnyx error
/// codes, and is retried like any call; errors after that are items of the stream.
pub async fn create_completion_stream<R: Serialize + ?Sized>(
    client: &Client,
    request: &R,
) -> Result<ChatCompletionStream> {
    TELNYX.completion_stream(client, request).await
}

/// [`create_completion_stream`], keeping only the text deltas.
pub async fn create_completion_text_stream<R: Serialize + ?Sized>(
    client: &Client,
    request: &R,
) -> Result<ChatTextStream> {
    Ok(create_completion_stream(client, request).await?.text_deltas())
}

/// The typed chat completions of this module through Telnyx's OpenAI-compatible API,
/// `POST /ai/openai/chat/completions` (tag `OpenAI Chat`, the base URL the OpenAI SDKs are
/// pointed at: `https://api.telnyx.com/v2/ai/openai`).
///
/// Same request, same [`ChatCompletion`] and [`ChatCompletionChunk`] types, same stream
/// contract ([`ChatCompletionStream`]: `data: [DONE]` or a chunk with a `finish_reason` ends
/// it, a body ending before either is a truncation error, an error event is an error item).
/// With the `ai` feature the same calls are methods of `client.openai_chat()`
/// (`create_chat_completion`, `create_chat_completion_stream`,
/// `create_chat_completion_text_stream`).
///
/// ```no_run
/// use futures::StreamExt as _;
/// # async fn run() -> telnyx_api::Result<()> {
/// let client = telnyx_api::Client::from_env()?;
/// let request = serde_json::json!({
///     "model": "meta-llama/Meta-Llama-3.1-8B-Instruct",
///     "messages": [{"role": "user", "content": "Say hello"}],
/// });
/// let mut text = telnyx_api::chat::openai::create_completion_text_stream(&client, &request).await?;
/// while let Some(delta) = text.next().await {
///     print!("{}", delta?);
/// }
/// # Ok(()) }
/// ```
pub mod openai {
    use serde::Serialize;

    use super::{ChatCompletion, ChatCompletionStream, ChatTextStream, Endpoint};
    use crate::client::Client;
    use crate::error::Result;

    /// Operation id of `POST /ai/openai/chat/completions` in the Telnyx spec.
    pub const OPERATION_ID: &str = "create_openai_chat_completion";
    const PATH: &str = "/ai/openai/chat/completions";
    const OPENAI: Endpoint =
        Endpoint { operation: OPERATION_ID, path: PATH, stream_fn: "chat::openai::create_completion_stream" };

    /// Create a chat completion and wait for all of it (`POST /ai/openai/chat/completions`); see
    /// [`super::create_completion`]. A request with `"stream": true` is rejected with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest).
    pub async fn create_completion<R: Serialize + ?Sized>(client: &Client, request: &R) -> Result<ChatCompletion> {
        OPENAI.completion(client, request).await
    }

    /// Create a chat completion and stream it as it is generated (sets `"stream": true`); see
    /// [`super::create_completion_stream`].
    pub async fn create_completion_stream<R: Serialize + ?Sized>(
        client: &Client,
        request: &R,
    ) -> Result<ChatCompletionStream> {
        OPENAI.completion_stream(client, request).await
    }

    /// [`create_completion_stream`], keeping only the text deltas.
    pub async fn create_completion_text_stream<R: Serialize + ?Sized>(
        client: &Client,
        request: &R,
    ) -> Result<ChatTextStream> {
        Ok(create_completion_stream(client, request).await?.text_deltas())
    }
}

// The typed chat API on the API struct of `POST /ai/chat/completions` (`client.chat()`), next to
// the generated `create_completion_json`; gated by that tag's feature (`ai`). The functions
// above need no feature. A spec without the operation gets none of these methods (the hook
// expands to nothing), so the crate compiles whatever the spec holds.
crate::generated::hooks::chat_completions_api! {
    ChatCompletionsBody;

    /// Create a chat completion (non-streaming), typed as OpenAI's `chat.completion`.
    ///
    /// `POST /ai/chat/completions`
    pub async fn create_completion(&self, request: &ChatCompletionsBody) -> Result<ChatCompletion> {
        create_completion(self.client, request).await
    }

    /// Create a streamed chat completion: sets `"stream": true` and yields each
    /// `chat.completion.chunk` as it arrives.
    pub async fn create_completion_stream(&self, request: &ChatCompletionsBody) -> Result<ChatCompletionStream> {
        create_completion_stream(self.client, request).await
    }

    /// Like [`create_completion_stream`](Self::create_completion_stream), yielding only the text
    /// deltas of the first choice.
    pub async fn create_completion_text_stream(&self, request: &ChatCompletionsBody) -> Result<ChatTextStream> {
        create_completion_text_stream(self.client, request).await
    }
}

// The same on the API struct of `POST /ai/openai/chat/completions` (`client.openai_chat()`).
// Named `create_chat_completion*` there: that struct also holds the Responses API, and no two
// hooks reserve the same name, so hooks may share an API struct in any spec.
crate::generated::hooks::openai_chat_completions_api! {
    OpenAiChatCompletionsBody;

    /// Create a chat completion (non-streaming) through the OpenAI-compatible API, typed as
    /// OpenAI's `chat.completion`.
    ///
    /// `POST /ai/openai/chat/completions`
    pub async fn create_chat_completion(&self, request: &OpenAiChatCompletionsBody) -> Result<ChatCompletion> {
        openai::create_completion(self.client, request).await
    }

    /// Create a streamed chat completion through the OpenAI-compatible API: sets
    /// `"stream": true` and yields each `chat.completion.chunk` as it arrives.
    pub async fn create_chat_completion_stream(
        &self,
        request: &OpenAiChatCompletionsBody,
    ) -> Result<ChatCompletionStream> {
        openai::create_completion_stream(self.client, request).await
    }

    /// Like [`create_chat_completion_stream`](Self::create_chat_completion_stream), yielding only
    /// the text deltas of the first choice.
    pub async fn create_chat_completion_text_stream(
        &self,
        request: &OpenAiChatCompletionsBody,
    ) -> Result<ChatTextStream> {
        openai::create_completion_text_stream(self.client, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_chunk_decoding() {
        let c: ChatCompletionChunk = serde_json::from_str(
            r#"{"id":"x","object":"chat.completion.chunk","created":null,"model":"m","new_field":1,
                "choices":[{"index":0,"delta":{"role":"narrator","content":"hi","tool_calls":null},
                "finish_reason":"eos_token","logprobs":null}]}"#,
        )
        .unwrap();
        assert_eq!(c.created, 0);
        assert_eq!(c.choices[0].delta.role, Some(Role::Other("narrator".into())));
        assert_eq!(c.choices[0].finish_reason, Some(FinishReason::Other("eos_token".into())));
        assert_eq!(c.text(), Some("hi"));
        assert!(c.is_finished());
        assert_eq!(serde_json::to_value(&c.choices[0].finish_reason).unwrap(), "eos_token");
    }

    #[test]
    fn stream_flag_is_set_or_rejected() {
        let req = serde_json::json!({"model": "m", "messages": [], "stream": true});
        match TELNYX.body(&req, false) {
            Err(Error::InvalidRequest { message, .. }) => assert!(message.contains("chat::create_completion_stream")),
            other => panic!("{other:?}"),
        }
        let body = TELNYX.body(&serde_json::json!({"model": "m"}), true).unwrap();
        assert_eq!(body["stream"], true);
        assert!(TELNYX.body(&serde_json::json!([1]), true).is_err());
    }
}
