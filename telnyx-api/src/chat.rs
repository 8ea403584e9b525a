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
//!
//! The parts: `types` (the OpenAI chat completion format, lenient), `completions` (the calls of
//! `POST /ai/chat/completions`, the text stream, and the methods on `client.ai().chat()`) and
//! [`openai`] (the same calls through the OpenAI-compatible API).

mod completions;
pub mod openai;
mod types;

pub(crate) use completions::Endpoint;
pub use completions::{
    create_completion, create_completion_stream, create_completion_text_stream, ChatCompletionStream, ChatTextStream,
    OPERATION_ID,
};
pub(crate) use types::{null_default, open_enum};
pub use types::{
    ChatChoice, ChatCompletion, ChatCompletionChunk, ChatMessage, ChunkChoice, ChunkDelta, FinishReason, FunctionCall,
    FunctionCallDelta, Logprobs, Role, TokenLogprob, ToolCall, ToolCallDelta, TopLogprob, Usage,
};
