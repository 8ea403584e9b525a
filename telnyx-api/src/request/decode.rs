//! Decoders: a successful [`RawResponse`] → the operation's return type (JSON with the path of
//! a failure, bytes, text, JSON or CSV by content type), and [`Response`], a decoded body with
//! its status and headers.
//!
//! JSON is decoded leniently ([`telnyx_api_core::lenient`]): a body that deviates from its type
//! still decodes, and the deviations reach the caller through [`Response::deviations`] and one
//! `tracing` warn event per response. A client built with
//! [`strict_decoding`](crate::ClientBuilder::strict_decoding) makes them [`Error::Decode`]. The
//! decoders keep the plain `fn` signature generated code names ([`Decoder`]); the mode and the
//! deviations of one decode travel in [`DECODE`], set and taken around the call on one thread.

use std::cell::RefCell;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

#[cfg(doc)]
use super::ApiCall;
use crate::error::{Error, Result};
use telnyx_api_core::lenient::{self, Deviation};
use telnyx_api_core::shape::Shaped;

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
#[non_exhaustive]
pub struct Response<T> {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The decoded body.
    pub data: T,
    /// Where the body deviated from the type the spec declares (empty when it conformed): each
    /// with its JSON path, what was expected and the value the server sent. `data` holds the
    /// empty value there (`None` for an optional field); see [`crate::decode`].
    pub deviations: Vec<Deviation>,
    /// The body as received.
    pub body: Bytes,
}

impl<T> Response<T> {
    /// The `x-request-id` header, the id Telnyx support asks for.
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-request-id").and_then(|v| v.to_str().ok())
    }

    /// Whether the service replayed an earlier call with the same `Idempotency-Key` instead of
    /// carrying this one out (`Idempotent-Replayed: true`): the stored response of the first
    /// attempt, after a retry of a call that had in fact succeeded. See [`crate::retry`].
    pub fn replayed(&self) -> bool {
        self.headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// The decoded body.
    pub fn into_data(self) -> T {
        self.data
    }

    /// The members of the body that the type does not declare, with their paths and values
    /// ([`crate::undeclared`] on [`body`](Self::body)): what the server sent that `data` has no
    /// field for. Computed when asked.
    pub fn undeclared(&self) -> Vec<Deviation>
    where
        T: Shaped,
    {
        lenient::undeclared::<T>(&self.body)
    }
}

/// How JSON is decoded on this thread, and what it found: set by [`with_decoding`] around one
/// decoder call.
#[derive(Default)]
struct DecodeState {
    strict: bool,
    deviations: Vec<Deviation>,
}

thread_local! {
    static DECODE: RefCell<Option<DecodeState>> = const { RefCell::new(None) };
}

/// Run one decoder call (`f`, synchronous) in `strict` or lenient mode; the deviations the
/// JSON decoders found come back with its result. Outside of it decoding is lenient and the
/// deviations are only logged.
pub(crate) fn with_decoding<R>(strict: bool, f: impl FnOnce() -> R) -> (R, Vec<Deviation>) {
    let previous = DECODE.with(|d| d.replace(Some(DecodeState { strict, deviations: Vec::new() })));
    let out = f();
    let state = DECODE.with(|d| d.replace(previous));
    (out, state.map(|s| s.deviations).unwrap_or_default())
}

/// Turns a successful raw response into the operation's return type.
#[doc(hidden)]
pub type Decoder<T> = fn(&'static str, RawResponse) -> Result<T>;

/// Whether the decoder running on this thread decodes strictly.
pub(crate) fn decoding_is_strict() -> bool {
    DECODE.with(|d| d.borrow().as_ref().is_some_and(|s| s.strict))
}

/// Hand deviations found by a decoder to the [`with_decoding`] running on this thread.
pub(crate) fn note_deviations(deviations: Vec<Deviation>) {
    if deviations.is_empty() {
        return;
    }
    DECODE.with(|d| {
        if let Some(state) = d.borrow_mut().as_mut() {
            state.deviations.extend(deviations);
        }
    });
}

/// Decode a JSON body into `T`: strictly, then leniently when that fails (unless the client
/// decodes strictly), reporting the path where it failed.
#[doc(hidden)]
pub fn decode_json<T: DeserializeOwned + Shaped>(operation: &'static str, raw: RawResponse) -> Result<T> {
    let decoded = decode_body::<T>(&raw.body, decoding_is_strict())
        .map_err(|(path, message)| decode_error::<T>(operation, raw.status, path, message, raw.body.clone()))?;
    note_deviations(decoded.deviations);
    Ok(decoded.value)
}

/// [`Error::Decode`] of `T`.
fn decode_error<T>(operation: &'static str, status: StatusCode, path: String, message: String, body: Bytes) -> Error {
    Error::Decode { operation, type_name: std::any::type_name::<T>(), status, path, message, body }
}

/// What the client does with a JSON body: strict, then lenient unless `strict`. Errors as
/// (path, message).
fn decode_body<T: DeserializeOwned + Shaped>(
    body: &[u8],
    strict: bool,
) -> std::result::Result<lenient::Decoded<T>, (String, String)> {
    // An empty body decodes like `null`, so `()`/`Option`/`Value` responses accept it.
    let empty = body.iter().all(u8::is_ascii_whitespace);
    let text: &[u8] = if empty { b"null" } else { body };
    let error = match serde_json::from_slice::<T>(text) {
        Ok(value) => return Ok(lenient::Decoded { value, deviations: Vec::new() }),
        Err(e) => e,
    };
    // Not serde's "invalid type: null" about a `null` the server never sent.
    let message = if empty { "the body is empty".to_owned() } else { error.to_string() };
    // Plain serde_json, and the path from the error's position: see `json_path` for why.
    let path = crate::json_path::path_at(text, error.line(), error.column());
    if strict || empty {
        return Err((path, message));
    }
    // Not JSON (the syntax error, as before), or nothing fits: the strict error.
    match lenient::repair_slice::<T>(text) {
        Ok(decoded) => Ok(decoded),
        Err(_) => Err((path, message)),
    }
}

/// Decode a JSON body exactly as the client decodes a response of type `T`: strictly first,
/// then, when that fails and the body is JSON, leniently: a member that is missing or does not
/// fit its declared type leaves that one field empty (`None` when optional, else `""`, `0`,
/// `false`, `[]`, a string enum's `Unknown("")`, a struct of empty fields) and becomes a
/// [`Deviation`] with its path, what was expected and the value found. The rest decodes.
/// A body that is not JSON is [`Error::Decode`] (operation `decode`, status 200).
///
/// `T`'s [`Shaped`] impl tells what it declares: every type of [`crate::types`] has one, and
/// [`crate::shaped!`] writes one for a type of your own.
///
/// ```
/// use telnyx_api::DeviationKind;
///
/// #[derive(Debug, serde::Deserialize)]
/// struct Number {
///     phone_number: String,
///     country_iso_alpha2: String,
/// }
/// // Its shape, which the generated types have already.
/// telnyx_api::shaped!(Number { "phone_number": String, "country_iso_alpha2": String });
///
/// let decoded = telnyx_api::decode::<Number>(br#"{"phone_number": "+13125550000"}"#)?;
/// assert_eq!(decoded.value.phone_number, "+13125550000");
/// assert_eq!(decoded.value.country_iso_alpha2, "");
/// assert_eq!(decoded.deviations[0].path, "country_iso_alpha2");
/// assert_eq!(decoded.deviations[0].kind, DeviationKind::Missing);
/// assert!(telnyx_api::decode::<Number>(b"<html>").is_err());
/// # Ok::<(), telnyx_api::Error>(())
/// ```
pub fn decode<T: DeserializeOwned + Shaped>(body: &[u8]) -> Result<lenient::Decoded<T>> {
    decode_body::<T>(body, false).map_err(|(path, message)| {
        decode_error::<T>("decode", StatusCode::OK, path, message, Bytes::copy_from_slice(body))
    })
}

/// The members of a JSON body that `T` does not declare, with their paths and values (in
/// document order; none when the body is not JSON). Undeclared members are not deviations:
/// JSON Schema admits them, and the server adds members over time.
pub fn undeclared<T: Shaped>(body: &[u8]) -> Vec<Deviation> {
    lenient::undeclared::<T>(body)
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
pub fn decode_json_or_text<T: DeserializeOwned + Shaped>(
    operation: &'static str,
    raw: RawResponse,
) -> Result<JsonOrText<T>> {
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
