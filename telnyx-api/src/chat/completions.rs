//! The chat completion calls of `POST /ai/chat/completions`: one completion, a stream of chunks,
//! a stream of text deltas; the shared `Endpoint` that checks or sets `stream`; and the typed
//! methods on `client.ai().chat()`.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use serde::Serialize;
use serde_json::Value;

use super::{ChatCompletion, ChatCompletionChunk};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{decode_json, ApiCall, Request};
use crate::sse::SseStream;

/// Operation id of `POST /ai/chat/completions` in the Telnyx spec.
pub const OPERATION_ID: &str = "chat_public_chat_completions_post";
const PATH: &str = "/ai/chat/completions";
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

    pub(super) async fn completion<R: Serialize + ?Sized>(
        &self,
        client: &Client,
        request: &R,
    ) -> Result<ChatCompletion> {
        let body = self.body(request, false)?;
        ApiCall::new(client, self.request(&body), decode_json::<ChatCompletion>).send().await
    }

    pub(super) async fn completion_stream<R: Serialize + ?Sized>(
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
// The typed chat API on the API struct of `POST /ai/chat/completions` (`client.ai().chat()`), next to
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

#[cfg(test)]
mod tests {
    use super::*;

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
