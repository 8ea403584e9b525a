//! [`ByteStream`]: the body of a successful response handed over as chunks, each within the
//! client's idle timeout.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

#[cfg(doc)]
use super::ApiCall;
use crate::error::{Error, Result};

/// The body of a successful response as a stream of chunks; returned by
/// [`ApiCall::into_byte_stream`].
///
/// Yields `Err(Error::Transport)` if the connection fails mid-body and `Err(Error::Timeout)` if
/// no chunk arrives within the idle timeout; the stream ends after the first error.
#[must_use = "streams do nothing unless polled"]
pub struct ByteStream {
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    idle: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
    done: bool,
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("idle_timeout", &self.idle)
            .field("done", &self.done)
            .finish()
    }
}

impl ByteStream {
    /// A stream over `body` (a response's `bytes_stream()`, or the chunk of a body already read).
    pub(super) fn new(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: impl Stream<Item = reqwest::Result<Bytes>> + Send + 'static,
        idle: Duration,
    ) -> Self {
        ByteStream {
            operation,
            status,
            headers,
            inner: Box::pin(body),
            idle,
            sleep: Box::pin(tokio::time::sleep(idle)),
            done: false,
        }
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Length` header, when the server sent one.
    pub fn content_length(&self) -> Option<u64> {
        self.headers.get(reqwest::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
    }

    /// The `x-request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-request-id").and_then(|v| v.to_str().ok())
    }

    /// Read the rest of the stream into memory.
    pub async fn collect_bytes(mut self) -> Result<Bytes> {
        use futures::StreamExt as _;
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.freeze())
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let deadline = tokio::time::Instant::now() + this.idle;
                this.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(source))) => {
                this.done = true;
                Poll::Ready(Some(Err(Error::Transport { operation: this.operation, source })))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.done = true;
                    Poll::Ready(Some(Err(Error::Timeout { operation: this.operation, timeout: this.idle })))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
