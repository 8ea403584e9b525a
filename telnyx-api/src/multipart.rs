//! `multipart/form-data` bodies and the files that go in them.

use std::fmt;
use std::path::PathBuf;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A file to upload: its content plus the file name and MIME type sent with it.
///
/// ```
/// use telnyx_api::UploadFile;
/// let f = UploadFile::from_bytes("hello.txt", b"hello".to_vec()).mime_type("text/plain");
/// assert_eq!(f.file_name(), Some("hello.txt"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct UploadFile {
    source: FileSource,
    file_name: Option<String>,
    mime_type: Option<String>,
}

#[derive(Clone, Default, PartialEq)]
enum FileSource {
    #[default]
    Empty,
    Bytes(Bytes),
    Path(PathBuf),
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            FileSource::Empty => "empty".to_owned(),
            FileSource::Bytes(b) => format!("{} bytes", b.len()),
            FileSource::Path(p) => format!("path {}", p.display()),
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

    async fn load(&self, op: &'static str) -> Result<Bytes> {
        match &self.source {
            FileSource::Empty => Ok(Bytes::new()),
            FileSource::Bytes(b) => Ok(b.clone()),
            FileSource::Path(p) => tokio::fs::read(p).await.map(Bytes::from).map_err(|e| Error::InvalidRequest {
                operation: op,
                message: format!("cannot read {}: {e}", p.display()),
            }),
        }
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

    /// Names of the parts in order (for tests and debugging).
    pub fn part_names(&self) -> Vec<&str> {
        self.parts.iter().map(|(n, _)| n.as_str()).collect()
    }

    pub(crate) async fn to_reqwest(&self, op: &'static str) -> Result<reqwest::multipart::Form> {
        if let Some(message) = &self.error {
            return Err(Error::InvalidRequest { operation: op, message: message.clone() });
        }
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            form = match part {
                Part::Text(t) => form.text(name.clone(), t.clone()),
                Part::File(f) => {
                    let data = f.load(op).await?;
                    let mut p = reqwest::multipart::Part::stream(data);
                    if let Some(n) = &f.file_name {
                        p = p.file_name(n.clone());
                    }
                    let mime = f.mime_type.as_deref().unwrap_or("application/octet-stream");
                    p = p.mime_str(mime).map_err(|e| Error::InvalidRequest {
                        operation: op,
                        message: format!("invalid MIME type {mime:?}: {e}"),
                    })?;
                    form.part(name.clone(), p)
                }
            };
        }
        Ok(form)
    }
}
