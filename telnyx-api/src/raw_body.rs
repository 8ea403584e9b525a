//! The body of an operation that sends raw bytes (`PutObject` of Cloud Storage, media uploads):
//! bytes held in memory, or a stream of chunks sent as they are produced, so that a large
//! object is never held whole. Generated methods take `impl Into<RawBody>`, so `Bytes`,
//! `Vec<u8>` and `&'static [u8]` work as they are.

use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt as _, TryStreamExt as _};

type ChunkStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Bytes to send as a request body.
#[derive(Clone)]
pub struct RawBody(Source);

#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    /// Taken by the first attempt; clones share it.
    Stream {
        stream: Arc<Mutex<Option<ChunkStream>>>,
        length: Option<u64>,
    },
}

impl RawBody {
    /// A body streamed from `stream` as its chunks arrive. Give `length` when it is known (it is
    /// sent as `Content-Length`; without it the body is chunked). A request carrying a stream is
    /// never retried: the stream is consumed by the first attempt.
    ///
    /// ```
    /// use bytes::Bytes;
    /// let chunks = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"hello "))]);
    /// let body = telnyx_api::RawBody::from_stream(chunks, Some(6));
    /// assert!(!body.is_replayable());
    /// ```
    pub fn from_stream<S>(stream: S, length: Option<u64>) -> Self
    where
        S: futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        RawBody(Source::Stream { stream: Arc::new(Mutex::new(Some(stream.boxed()))), length })
    }

    /// Whether the body can be sent again (bytes can, a stream cannot).
    pub fn is_replayable(&self) -> bool {
        matches!(self.0, Source::Bytes(_))
    }

    /// The bytes, when the body is held in memory.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.0 {
            Source::Bytes(b) => Some(b),
            Source::Stream { .. } => None,
        }
    }

    /// The length, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.0 {
            Source::Bytes(b) => Some(b.len() as u64),
            Source::Stream { length, .. } => *length,
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The `reqwest` body for one attempt; a stream can be taken once.
    pub(crate) fn to_reqwest(&self) -> Result<reqwest::Body, String> {
        match &self.0 {
            Source::Bytes(b) => Ok(reqwest::Body::from(b.clone())),
            Source::Stream { stream, .. } => {
                let taken = stream.lock().map_err(|_| "body stream lock poisoned".to_owned())?.take();
                let chunks = taken.ok_or("the body stream was already sent; a stream can be sent only once")?;
                Ok(reqwest::Body::wrap_stream(chunks.map_err(std::io::Error::other)))
            }
        }
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Bytes(b) => write!(f, "RawBody({} bytes)", b.len()),
            Source::Stream { length, .. } => write!(f, "RawBody(stream, length {length:?})"),
        }
    }
}

impl PartialEq for RawBody {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Source::Bytes(a), Source::Bytes(b)) => a == b,
            (Source::Stream { stream: a, .. }, Source::Stream { stream: b, .. }) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<Bytes> for RawBody {
    fn from(b: Bytes) -> Self {
        RawBody(Source::Bytes(b))
    }
}

impl From<Vec<u8>> for RawBody {
    fn from(v: Vec<u8>) -> Self {
        RawBody(Source::Bytes(v.into()))
    }
}

impl From<&'static [u8]> for RawBody {
    fn from(v: &'static [u8]) -> Self {
        RawBody(Source::Bytes(Bytes::from_static(v)))
    }
}

impl From<String> for RawBody {
    fn from(s: String) -> Self {
        RawBody(Source::Bytes(s.into()))
    }
}
