//! `multipart/form-data` bodies and the files that go in them.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt as _, TryStreamExt as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A file to upload: its content plus the file name and MIME type sent with it.
///
/// The content comes from memory ([`from_bytes`](Self::from_bytes)), from disk
/// ([`from_path`](Self::from_path), streamed when the request is sent) or from any stream of
/// chunks ([`from_stream`](Self::from_stream), for content produced on the fly or downloaded
/// elsewhere). A stream can be sent only once, so a request carrying one is never retried.
///
/// ```
/// use telnyx_api_core::UploadFile;
/// let f = UploadFile::from_bytes("hello.txt", b"hello".to_vec()).mime_type("text/plain");
/// assert_eq!(f.file_name(), Some("hello.txt"));
/// ```
#[derive(Clone, Default)]
pub struct UploadFile {
    source: FileSource,
    file_name: Option<String>,
    mime_type: Option<String>,
}

type ChunkStream = BoxStream<'static, std::io::Result<Bytes>>;

#[derive(Clone, Default)]
enum FileSource {
    #[default]
    Empty,
    Bytes(Bytes),
    Path(PathBuf),
    /// Taken on first send; clones share it.
    Stream {
        stream: Arc<Mutex<Option<ChunkStream>>>,
        length: Option<u64>,
    },
}

impl PartialEq for UploadFile {
    fn eq(&self, other: &Self) -> bool {
        let same_source = match (&self.source, &other.source) {
            (FileSource::Empty, FileSource::Empty) => true,
            (FileSource::Bytes(a), FileSource::Bytes(b)) => a == b,
            (FileSource::Path(a), FileSource::Path(b)) => a == b,
            // A stream is equal only to itself (or a clone sharing it).
            (FileSource::Stream { stream: a, .. }, FileSource::Stream { stream: b, .. }) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same_source && self.file_name == other.file_name && self.mime_type == other.mime_type
    }
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            FileSource::Empty => "empty".to_owned(),
            FileSource::Bytes(b) => format!("{} bytes", b.len()),
            FileSource::Path(p) => format!("path {}", p.display()),
            FileSource::Stream { length: Some(n), .. } => format!("stream of {n} bytes"),
            FileSource::Stream { length: None, .. } => "stream".to_owned(),
        };
        f.debug_struct("UploadFile")
            .field("source", &source)
            .field("file_name", &self.file_name)
            .field("mime_type", &self.mime_type)
            .finish()
    }
}

impl UploadFile {
    /// A file held in memory.
    pub fn from_bytes(file_name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        UploadFile { source: FileSource::Bytes(data.into()), file_name: Some(file_name.into()), mime_type: None }
    }

    /// A file read from disk when the request is sent (again on each retry). The file name
    /// defaults to the path's last component.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        UploadFile { source: FileSource::Path(path), file_name, mime_type: None }
    }

    /// A file whose content is read from `stream` while the request is sent. Give `length` when
    /// known: it is sent as the part's length instead of chunked transfer.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use telnyx_api_core::UploadFile;
    /// let chunks = futures::stream::iter([Ok(Bytes::from("hello, ")), Ok(Bytes::from("world"))]);
    /// let f = UploadFile::from_stream("hello.txt", chunks, Some(12)).mime_type("text/plain");
    /// assert!(!f.is_replayable());
    /// ```
    pub fn from_stream<S>(file_name: impl Into<String>, stream: S, length: Option<u64>) -> Self
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        UploadFile {
            source: FileSource::Stream { stream: Arc::new(Mutex::new(Some(stream.boxed()))), length },
            file_name: Some(file_name.into()),
            mime_type: None,
        }
    }

    /// Whether the content can be sent again (for a retry): false for streams.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.source, FileSource::Stream { .. })
    }

    /// Set the file name sent in `Content-Disposition`.
    pub fn file_name_is(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Set the part's `Content-Type` (default `application/octet-stream`).
    pub fn mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }

    /// The file name, if any.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The multipart part carrying the content (without name and type); the error says why the
    /// content cannot be read.
    async fn part(&self) -> Result<reqwest::multipart::Part, String> {
        use reqwest::multipart::Part;
        Ok(match &self.source {
            FileSource::Empty => Part::bytes(Vec::new()),
            FileSource::Bytes(b) => Part::stream(b.clone()),
            FileSource::Path(p) => {
                // Streamed from disk (tokio-util's ReaderStream), so large recordings are not
                // held in memory; opened anew for each attempt.
                let file = tokio::fs::File::open(p).await.map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                let length = file.metadata().await.map_err(|e| format!("cannot read {}: {e}", p.display()))?.len();
                let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
                Part::stream_with_length(body, length)
            }
            FileSource::Stream { stream, length } => {
                let taken = stream.lock().map_err(|_| "upload stream lock poisoned".to_owned())?.take();
                let Some(chunks) = taken else {
                    return Err("the upload stream was already sent; a stream can be sent only once".to_owned());
                };
                let body = reqwest::Body::wrap_stream(chunks.map_err(std::io::Error::other));
                match length {
                    Some(n) => Part::stream_with_length(body, *n),
                    None => Part::stream(body),
                }
            }
        })
    }
}

/// Files only travel in multipart bodies; in JSON they are written as their file name so that
/// debugging output stays readable.
impl Serialize for UploadFile {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // A file read from JSON (its content, see `Deserialize`) is written back as that
        // content, so values round-trip; files built for upload show their file name.
        match (&self.source, &self.file_name) {
            (FileSource::Bytes(b), None) => s.serialize_str(&String::from_utf8_lossy(b)),
            _ => s.serialize_str(self.file_name.as_deref().unwrap_or_default()),
        }
    }
}

/// A string read back (e.g. from a spec example) becomes the file's content.
impl<'de> Deserialize<'de> for UploadFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(UploadFile { source: FileSource::Bytes(Bytes::from(s)), file_name: None, mime_type: None })
    }
}

#[derive(Clone, Debug)]
enum Part {
    Text(String),
    File(UploadFile),
}

/// A `multipart/form-data` body under construction. Generated `into_multipart` methods fill it
/// from a request type; it can also be built by hand.
#[derive(Clone, Debug, Default)]
pub struct Multipart {
    parts: Vec<(String, Part)>,
    /// The first field that could not be serialized; reported when the request is sent.
    error: Option<String>,
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Add a text field; `None`/`null` is left out, arrays add one part per item, objects are
    /// sent as JSON text.
    pub fn text<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Null) => {}
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(format!("multipart field {name}: {e}"));
                }
            }
            Ok(serde_json::Value::Array(items)) => {
                for item in items {
                    self.push_scalar(name, item);
                }
            }
            Ok(v) => self.push_scalar(name, v),
        }
    }

    fn push_scalar(&mut self, name: &str, v: serde_json::Value) {
        let text = match v {
            serde_json::Value::Null => return,
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        self.parts.push((name.to_owned(), Part::Text(text)));
    }

    /// Add a file part.
    pub fn file(&mut self, name: &str, file: &UploadFile) {
        self.parts.push((name.to_owned(), Part::File(file.clone())));
    }

    /// Add an optional file part.
    pub fn file_opt(&mut self, name: &str, file: &Option<UploadFile>) {
        if let Some(f) = file {
            self.file(name, f);
        }
    }

    /// Whether the form can be sent again (for a retry): false when a file part is a stream.
    pub fn is_replayable(&self) -> bool {
        self.parts.iter().all(|(_, p)| match p {
            Part::Text(_) => true,
            Part::File(f) => f.is_replayable(),
        })
    }

    /// Names of the parts in order (for tests and debugging).
    pub fn part_names(&self) -> Vec<&str> {
        self.parts.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The form as `reqwest` sends it, files opened (or their streams taken) now. The error
    /// says why it cannot be sent; the client reports it as `Error::InvalidRequest` of the
    /// operation.
    #[doc(hidden)]
    pub async fn to_reqwest(&self) -> Result<reqwest::multipart::Form, String> {
        if let Some(message) = &self.error {
            return Err(message.clone());
        }
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            form = match part {
                Part::Text(t) => form.text(name.clone(), t.clone()),
                Part::File(f) => {
                    let mut p = f.part().await?;
                    if let Some(n) = &f.file_name {
                        p = p.file_name(n.clone());
                    }
                    let mime = f.mime_type.as_deref().unwrap_or("application/octet-stream");
                    p = p.mime_str(mime).map_err(|e| format!("invalid MIME type {mime:?}: {e}"))?;
                    form.part(name.clone(), p)
                }
            };
        }
        Ok(form)
    }
}
