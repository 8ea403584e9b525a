//! Decoders: a successful [`RawResponse`] → the operation's return type (JSON with the path of
//! a failure, bytes, text, JSON or CSV by content type), and [`Response`], a decoded body with
//! its status and headers.

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

#[cfg(doc)]
use super::ApiCall;
use crate::error::{Error, Result};

/// A response body and its metadata, before decoding.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

/// A decoded response together with its status and headers; returned by
/// [`ApiCall::with_response`].
#[derive(Debug, Clone)]
pub struct Response<T> {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The decoded body.
    pub data: T,
}

impl<T> Response<T> {
    /// The `x-request-id` header, the id Telnyx support asks for.
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-request-id").and_then(|v| v.to_str().ok())
    }

    /// The decoded body.
    pub fn into_data(self) -> T {
        self.data
    }
}

/// Turns a successful raw response into the operation's return type.
#[doc(hidden)]
pub type Decoder<T> = fn(&'static str, RawResponse) -> Result<T>;

/// Decode a JSON body into `T`, reporting the path where it failed.
#[doc(hidden)]
pub fn decode_json<T: DeserializeOwned>(operation: &'static str, raw: RawResponse) -> Result<T> {
    // An empty body decodes like `null`, so `()`/`Option`/`Value` responses accept it.
    let empty = raw.body.iter().all(u8::is_ascii_whitespace);
    let body: &[u8] = if empty { b"null" } else { &raw.body };
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        operation,
        type_name: std::any::type_name::<T>(),
        status: raw.status,
        // Plain serde_json, and the path from the error's position: see `json_path` for why.
        path: crate::json_path::path_at(body, e.line(), e.column()),
        // Not serde's "invalid type: null" about a `null` the server never sent.
        message: if empty { "the body is empty".to_owned() } else { e.to_string() },
        body: raw.body.clone(),
    })
}

/// Ignore the body (operations without a response body).
#[doc(hidden)]
pub fn decode_empty(_operation: &'static str, _raw: RawResponse) -> Result<()> {
    Ok(())
}

/// The body as bytes (PDF, audio, `*/*`).
#[doc(hidden)]
pub fn decode_bytes(_operation: &'static str, raw: RawResponse) -> Result<Bytes> {
    Ok(raw.body)
}

/// The body as text (CSV, plain text, XML).
#[doc(hidden)]
pub fn decode_text(operation: &'static str, raw: RawResponse) -> Result<String> {
    String::from_utf8(raw.body.to_vec()).map_err(|e| Error::Decode {
        operation,
        type_name: "String",
        status: raw.status,
        path: String::new(),
        message: e.to_string(),
        body: raw.body.clone(),
    })
}

/// A body that is either JSON or CSV text, chosen by the response's `Content-Type`.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonOrText<T> {
    /// `application/json`, decoded.
    Json(T),
    /// Any other content type (`text/csv`), as text.
    Text(String),
}

/// Decode [`JsonOrText`] by content type.
#[doc(hidden)]
pub fn decode_json_or_text<T: DeserializeOwned>(operation: &'static str, raw: RawResponse) -> Result<JsonOrText<T>> {
    let is_json = raw
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.contains("json"));
    if is_json {
        decode_json(operation, raw).map(JsonOrText::Json)
    } else {
        decode_text(operation, raw).map(JsonOrText::Text)
    }
}
