//! The typed chat completions of [`chat`](super) through Telnyx's OpenAI-compatible API,
//! `POST /ai/openai/chat/completions` (tag `OpenAI Chat`, the base URL the OpenAI SDKs are
//! pointed at: `https://api.telnyx.com/v2/ai/openai`).
//!
//! Same request, same [`ChatCompletion`] and [`ChatCompletionChunk`] types, same stream
//! contract ([`ChatCompletionStream`]: `data: [DONE]` or a chunk with a `finish_reason` ends
//! it, a body ending before either is a truncation error, an error event is an error item).
//! With the `ai` feature the same calls are methods of `client.ai().openai().chat()`
//! (`create_chat_completion`, `create_chat_completion_stream`,
//! `create_chat_completion_text_stream`).
//!
//! ```no_run
//! use futures::StreamExt as _;
//! # async fn run() -> telnyx_api::Result<()> {
//! let client = telnyx_api::Client::from_env()?;
//! let request = serde_json::json!({
//!     "model": "meta-llama/Meta-Llama-3.1-8B-Instruct",
//!     "messages": [{"role": "user", "content": "Say hello"}],
//! });
//! let mut text = telnyx_api::chat::create_completion_text_stream(&client, &request).await?;
//! while let Some(delta) = text.next().await {
//!     print!("{}", delta?);
//! }
//! # Ok(()) }
//! ```

use serde::Serialize;

#[cfg(doc)]
use super::ChatCompletionChunk;
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

// The same on the API struct of `POST /ai/openai/chat/completions` (`client.ai().openai().chat()`).
// Named `create_chat_completion*` there: that struct also holds the Responses API, and no two
// hooks reserve the same name, so hooks may share an API struct in any spec.
crate::generated::hooks::openai_chat_completions_api! {
    OpenAiChatCompletionsBody;

    /// Create a chat completion (non-streaming) through the OpenAI-compatible API, typed as
    /// OpenAI's `chat.completion`.
    ///
    /// `POST /ai/openai/chat/completions`
    pub async fn create_chat_completion(&self, request: &OpenAiChatCompletionsBody) -> Result<ChatCompletion> {
        create_completion(self.client, request).await
    }

    /// Create a streamed chat completion through the OpenAI-compatible API: sets
    /// `"stream": true` and yields each `chat.completion.chunk` as it arrives.
    pub async fn create_chat_completion_stream(
        &self,
        request: &OpenAiChatCompletionsBody,
    ) -> Result<ChatCompletionStream> {
        create_completion_stream(self.client, request).await
    }

    /// Like [`create_chat_completion_stream`](Self::create_chat_completion_stream), yielding only
    /// the text deltas of the first choice.
    pub async fn create_chat_completion_text_stream(
        &self,
        request: &OpenAiChatCompletionsBody,
    ) -> Result<ChatTextStream> {
        create_completion_text_stream(self.client, request).await
    }
}
