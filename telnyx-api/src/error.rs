//! The one error type of the crate.
//!
//! Every operation returns [`Result<T, Error>`](Result). An HTTP error status becomes
//! [`Error::Api`] carrying the status, the parsed Telnyx error envelope (when the body is one),
//! the `x-request-id` header and the raw body; transport, timeout and decode failures are
//! separate variants so callers can tell "the server said no" from "we never heard back".

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::Deserialize;

/// Result alias used by every operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling the Telnyx API.
///
/// The accessors ([`status`](Self::status), [`request_id`](Self::request_id),
/// [`codes`](Self::codes), [`api_error`](Self::api_error), [`retry_after`](Self::retry_after))
/// answer the usual questions without a `match`:
///
/// ```no_run
/// use telnyx_api::Error;
///
/// # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
/// match client.balance().retrieve().await {
///     Ok(balance) => println!("{balance:?}"),
///     Err(e) if e.status().is_some_and(|s| s.as_u16() == 401) => eprintln!("bad API key"),
///     Err(e) if e.codes().contains(&"10015") => eprintln!("invalid parameter: {e}"),
///     Err(e @ Error::Api(_)) => {
///         // Telnyx support asks for the request id.
///         eprintln!("{e} (request id {:?})", e.request_id());
///     }
///     Err(Error::Timeout { operation, timeout }) => eprintln!("{operation}: no answer in {timeout:?}"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success HTTP status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request could not be sent or the response could not be read (connection refused,
    /// TLS failure, connection reset, ...).
    #[error("transport error calling {operation}: {source}")]
    Transport {
        /// Operation id of the call that failed.
        operation: &'static str,
        /// The underlying HTTP client error.
        #[source]
        source: reqwest::Error,
    },
    /// No complete response arrived within the configured timeout.
    #[error("{operation} timed out after {timeout:?}")]
    Timeout {
        /// Operation id of the call that timed out.
        operation: &'static str,
        /// The timeout that elapsed.
        timeout: Duration,
    },
    /// The response body did not match the type the spec declares for it.
    #[error("cannot decode the response of {operation} (HTTP {status}) as {type_name}: {message} at `{path}`")]
    Decode {
        /// Operation id of the call.
        operation: &'static str,
        /// Rust type the body was decoded into.
        type_name: &'static str,
        /// HTTP status of the response.
        status: StatusCode,
        /// Path inside the JSON document where decoding failed (`data.items[3].status`).
        path: String,
        /// What serde reported.
        message: String,
        /// The raw body, for inspection.
        body: Bytes,
    },
    /// The request could not be built from the arguments (for example a body that does not
    /// serialize, or a header value with a newline).
    #[error("invalid request for {operation}: {message}")]
    InvalidRequest {
        /// Operation id of the call.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A success response's body was larger than the client buffers for a decoded response
    /// ([`ClientBuilder::max_response_body`](crate::ClientBuilder::max_response_body)); reading
    /// stopped there. Byte streams (`into_byte_stream`) have no such limit.
    #[error(
        "the response of {operation} (HTTP {status}) is larger than the {limit}-byte limit for buffered responses"
    )]
    BodyTooLarge {
        /// Operation id of the call.
        operation: &'static str,
        /// HTTP status of the response.
        status: StatusCode,
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// The client is misconfigured (for example `TELNYX_API_KEY` is missing).
    #[error("configuration error: {0}")]
    Config(String),
    /// A server-sent event stream failed after it started (error event, truncation, idle
    /// timeout, malformed event).
    #[error("stream error: {0}")]
    Stream(String),
    /// A server-sent event stream carried an error event, typed: the server's error type,
    /// message and code (streams opened with
    /// [`SseStream::typed_error_events`](crate::sse::SseStream::typed_error_events), such as
    /// those of [`crate::anthropic`]). The stream ends with it.
    #[error("stream error: {0}")]
    StreamEvent(Box<crate::sse::StreamErrorEvent>),
    /// A call that is not safe to repeat (a `POST` or `PATCH` the API gives no dedup key, such
    /// as `POST /messages`) failed after its request was sent, in a way that leaves open whether
    /// the service carried it out: a timeout, a connection reset, or 500, 502 or 504. It was not
    /// retried (see [`crate::retry`]); `source` is the error it got. Check before sending again
    /// (list the messages sent, say), or opt in to retrying such calls with
    /// [`RetryPolicy::retry_non_idempotent`](crate::RetryPolicy::retry_non_idempotent).
    #[error("{source} (the request may have been carried out: {operation} has no dedup key, so it was not retried)")]
    MaybeCarriedOut {
        /// Operation id of the call.
        operation: &'static str,
        /// The error the last attempt got.
        #[source]
        source: Box<Error>,
    },
    /// A WebSocket failed: the server answered its upgrade without one, or the open connection
    /// failed (see [`crate::ws`]). A refused upgrade (401, 400, …) is [`Error::Api`].
    #[error("WebSocket of {operation}: {failure}")]
    WebSocket {
        /// Operation id of the WebSocket.
        operation: &'static str,
        /// What failed.
        failure: crate::ws::WsFailure,
    },
    /// The server sent its error frame on a WebSocket (see [`crate::ws`]); the connection ends.
    #[error("{0}")]
    ServerFrame(Box<crate::ws::ServerErrorFrame>),
    /// A webhook failed verification or parsing (see [`crate::webhooks`]).
    #[error("webhook rejected: {0}")]
    Webhook(#[from] crate::webhooks::WebhookError),
}

impl Error {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            Error::Transport { source, .. } => source.status(),
            Error::MaybeCarriedOut { source, .. } => source.status(),
            Error::WebSocket { failure: crate::ws::WsFailure::NotUpgraded { status, .. }, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `x-request-id` the server assigned, when the server answered with an error (or
    /// without the WebSocket asked for).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::WebSocket { failure: crate::ws::WsFailure::NotUpgraded { headers, .. }, .. } => {
                headers.get("x-request-id").and_then(|v| v.to_str().ok())
            }
            _ => self.api_error().and_then(|e| e.request_id.as_deref()),
        }
    }

    /// The API error details, when the server answered with an error status.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::MaybeCarriedOut { source, .. } => source.api_error(),
            _ => None,
        }
    }

    /// Whether the service may have carried out the request although the call failed
    /// ([`Error::MaybeCarriedOut`]): sending it again could repeat its effect.
    pub fn may_have_been_carried_out(&self) -> bool {
        matches!(self, Error::MaybeCarriedOut { .. })
    }

    /// The error event a stream ended with, when it was typed ([`Error::StreamEvent`]).
    pub fn stream_event(&self) -> Option<&crate::sse::StreamErrorEvent> {
        match self {
            Error::StreamEvent(e) => Some(e),
            _ => None,
        }
    }

    /// The Telnyx error codes of the error envelope (`errors[].code`), if any: of an error
    /// response, or of a WebSocket's error frame.
    pub fn codes(&self) -> Vec<&str> {
        let errors = match (self.api_error(), self) {
            (Some(e), _) => &e.errors,
            (None, Error::ServerFrame(frame)) => &frame.errors,
            _ => return Vec::new(),
        };
        errors.iter().filter_map(|x| x.code.as_deref()).collect()
    }

    /// `true` for HTTP 429 Too Many Requests.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// The delay the server asked for in `retry-after-ms` / `Retry-After`, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(|e| crate::retry::retry_after(&e.headers))
    }
}

/// A non-success HTTP response from the Telnyx API.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// Operation id of the call.
    pub operation: &'static str,
    /// HTTP status code.
    pub status: StatusCode,
    /// The entries of the Telnyx error envelope (`{"errors": [...]}`); empty when the body is not
    /// such an envelope.
    pub errors: Vec<TelnyxError>,
    /// The `x-request-id` response header.
    pub request_id: Option<String>,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw response body (kept whether or not it parsed), at most the client's
    /// [`max_error_body`](crate::ClientBuilder::max_error_body) bytes of it.
    pub body: Bytes,
    /// Whether the body was longer than that and only its first part is kept (the rest was not
    /// read: the connection was closed instead).
    pub body_truncated: bool,
}

impl ApiError {
    pub(crate) fn new(operation: &'static str, status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        let mut errors = parse_envelope(&body);
        let mut request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        // The S3-compatible Cloud Storage operations answer errors with an S3 error document.
        if errors.is_empty() {
            if let Some((code, message, id)) = crate::xml::s3_error(&body) {
                errors.push(TelnyxError { title: code.clone(), code, detail: message, ..TelnyxError::default() });
                request_id = request_id
                    .or(id)
                    .or_else(|| headers.get("x-amz-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned));
            }
        }
        ApiError { operation, status, errors, request_id, headers, body, body_truncated: false }
    }

    /// The same error for a body of which only the first part was read.
    pub(crate) fn truncated(mut self, truncated: bool) -> Self {
        self.body_truncated = truncated;
        self
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status)?;
        if self.errors.is_empty() {
            let text = self.body_text();
            let text = text.trim();
            if !text.is_empty() {
                let cut: String = text.chars().take(300).collect();
                write!(f, ": {cut}")?;
                if self.body_truncated {
                    write!(f, " (body cut)")?;
                }
            }
        }
        for e in &self.errors {
            write!(f, "; ")?;
            if let Some(code) = &e.code {
                write!(f, "[{code}] ")?;
            }
            match (&e.title, &e.detail) {
                (Some(t), Some(d)) => write!(f, "{t}: {d}")?,
                (Some(t), None) => write!(f, "{t}")?,
                (None, Some(d)) => write!(f, "{d}")?,
                (None, None) => write!(f, "(no detail)")?,
            }
            if let Some(p) = e.source.as_ref().and_then(|s| s.pointer.as_deref()) {
                write!(f, " (at {p})")?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// One entry of the Telnyx error envelope.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct TelnyxError {
    /// Telnyx error code, e.g. `"10015"`.
    #[serde(default, deserialize_with = "code_as_string")]
    pub code: Option<String>,
    /// Short title.
    #[serde(default)]
    pub title: Option<String>,
    /// Human-readable detail.
    #[serde(default)]
    pub detail: Option<String>,
    /// What in the request caused it.
    #[serde(default)]
    pub source: Option<TelnyxErrorSource>,
    /// Extra data, e.g. `{"url": "https://developers.telnyx.com/docs/overview/errors/10015"}`.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

/// `errors[].source` of the Telnyx error envelope.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct TelnyxErrorSource {
    /// JSON pointer into the request body.
    #[serde(default)]
    pub pointer: Option<String>,
    /// Name of the offending query parameter.
    #[serde(default)]
    pub parameter: Option<String>,
}

fn code_as_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    // Telnyx sends codes as strings ("10015"), some endpoints as numbers.
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// What replaces the API key in anything the server sent back.
const REDACTED: &str = "<redacted>";

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `bytes` with every occurrence of `secret` replaced by `<redacted>`, and, for a body that was
/// cut (`cut`), a tail that could be the start of `secret` too. A server, proxy or debugging
/// endpoint that echoes the `Authorization` header back must not put the API key into an error,
/// which callers print and log.
pub(crate) fn redact_bytes(bytes: Bytes, secret: &str, cut: bool) -> Bytes {
    let secret = secret.as_bytes();
    // A tail shorter than this is too common a string to be worth replacing.
    const MIN_TAIL: usize = 4;
    let tail =
        if cut { (MIN_TAIL..secret.len()).rev().find(|&n| bytes.ends_with(&secret[..n])).unwrap_or(0) } else { 0 };
    if secret.is_empty() || (tail == 0 && find(&bytes, secret).is_none()) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = &bytes[..bytes.len() - tail];
    while let Some(i) = find(rest, secret) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(REDACTED.as_bytes());
        rest = &rest[i + secret.len()..];
    }
    out.extend_from_slice(rest);
    if tail > 0 {
        out.extend_from_slice(REDACTED.as_bytes());
    }
    out.into()
}

/// A deviation of a response body with `secret` taken out of its path, message and value.
pub(crate) fn redact_deviation(d: &mut crate::Deviation, secret: &str) {
    fn value(v: &mut serde_json::Value, secret: &str) {
        match v {
            serde_json::Value::String(s) if s.contains(secret) => *s = s.replace(secret, REDACTED),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|i| value(i, secret)),
            serde_json::Value::Object(members) => {
                if members.keys().any(|k| k.contains(secret)) {
                    *members =
                        std::mem::take(members).into_iter().map(|(k, v)| (redact_string(k, secret), v)).collect();
                }
                members.values_mut().for_each(|m| value(m, secret));
            }
            _ => {}
        }
    }
    if secret.is_empty() {
        return;
    }
    d.path = redact_string(std::mem::take(&mut d.path), secret);
    d.expected = redact_string(std::mem::take(&mut d.expected), secret);
    if let Some(found) = &mut d.found {
        value(found, secret);
    }
}

fn redact_string(text: String, secret: &str) -> String {
    if secret.is_empty() || !text.contains(secret) {
        return text;
    }
    text.replace(secret, REDACTED)
}

/// The API key taken out of response headers (an echoed `Authorization`).
pub(crate) fn redact_headers(headers: &mut HeaderMap, secret: &str) {
    for value in headers.values_mut() {
        if !secret.is_empty() && find(value.as_bytes(), secret.as_bytes()).is_some() {
            let redacted = redact_bytes(Bytes::copy_from_slice(value.as_bytes()), secret, false);
            if let Ok(v) = reqwest::header::HeaderValue::from_bytes(&redacted) {
                *value = v;
            }
        }
    }
}

impl Error {
    /// The same error with `secret` (the API key) taken out of what the server sent back
    /// ([`Error::Decode`]'s body, and serde's message and path, which quote the body; an error
    /// event of a stream, typed or not).
    pub(crate) fn redact(self, secret: &str) -> Self {
        match self {
            Error::Stream(message) => Error::Stream(redact_string(message, secret)),
            Error::StreamEvent(mut e) => {
                let text = |t: Option<String>| t.map(|t| redact_string(t, secret));
                e.event = redact_string(std::mem::take(&mut e.event), secret);
                e.error_type = text(e.error_type.take());
                e.message = text(e.message.take());
                e.code = text(e.code.take());
                e.data = redact_string(std::mem::take(&mut e.data), secret);
                Error::StreamEvent(e)
            }
            Error::MaybeCarriedOut { operation, source } => {
                Error::MaybeCarriedOut { operation, source: Box::new(source.redact(secret)) }
            }
            Error::WebSocket { operation, failure: crate::ws::WsFailure::Closed { code, reason } } => {
                Error::WebSocket {
                    operation,
                    failure: crate::ws::WsFailure::Closed { code, reason: redact_string(reason, secret) },
                }
            }
            Error::Decode { operation, type_name, status, path, message, body } => Error::Decode {
                operation,
                type_name,
                status,
                path: redact_string(path, secret),
                message: redact_string(message, secret),
                body: redact_bytes(body, secret, false),
            },
            other => other,
        }
    }
}

pub(crate) fn parse_envelope(body: &[u8]) -> Vec<TelnyxError> {
    #[derive(Deserialize)]
    struct Envelope {
        errors: Vec<TelnyxError>,
    }
    /// `{"error": {…}}`: Telnyx fields, or the OpenAI (`message`, `type`, `code`) and Anthropic
    /// (`type`, `message`) ones that the OpenAI- and Anthropic-compatible endpoints answer with.
    #[derive(Deserialize)]
    struct Single {
        error: SingleError,
    }
    #[derive(Deserialize)]
    struct SingleError {
        #[serde(flatten)]
        telnyx: TelnyxError,
        #[serde(default)]
        message: Option<String>,
        #[serde(default, rename = "type")]
        type_: Option<String>,
    }
    /// `{"errors": {"detail": "Bad Request"}}`: one error as an object (credential and call
    /// endpoints answer so).
    #[derive(Deserialize)]
    struct OneError {
        errors: TelnyxError,
    }
    if let Ok(e) = serde_json::from_slice::<Envelope>(body) {
        return e.errors;
    }
    if let Ok(OneError { errors }) = serde_json::from_slice::<OneError>(body) {
        return vec![errors];
    }
    if let Ok(Single { error }) = serde_json::from_slice::<Single>(body) {
        let mut e = error.telnyx;
        e.title = e.title.or(error.type_);
        e.detail = e.detail.or(error.message);
        return vec![e];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_is_parsed_and_kept() {
        let body = Bytes::from_static(
            br#"{"errors":[{"code":"10015","title":"Bad Request","detail":"at most 20","source":{"pointer":"/base"},"meta":{"url":"u"}}]}"#,
        );
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "req-1".parse().unwrap());
        let e = ApiError::new("op", StatusCode::BAD_REQUEST, headers, body.clone());
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].code.as_deref(), Some("10015"));
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        assert_eq!(e.body, body);
        let text = e.to_string();
        assert!(text.contains("[10015] Bad Request: at most 20 (at /base)"), "{text}");
    }

    #[test]
    fn openai_and_anthropic_error_bodies_are_read() {
        let anthropic = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        let e = ApiError::new("op", StatusCode::BAD_REQUEST, HeaderMap::new(), Bytes::from_static(anthropic));
        assert_eq!(
            (e.errors[0].title.as_deref(), e.errors[0].detail.as_deref()),
            (Some("overloaded_error"), Some("Overloaded"))
        );
        assert!(e.to_string().contains("overloaded_error: Overloaded"), "{e}");
        let openai = br#"{"error":{"message":"bad model","type":"invalid_request_error","code":"model_not_found","param":null}}"#;
        let e = ApiError::new("op", StatusCode::NOT_FOUND, HeaderMap::new(), Bytes::from_static(openai));
        assert!(e.to_string().contains("[model_not_found] invalid_request_error: bad model"), "{e}");
    }

    #[test]
    fn non_json_body_is_kept_raw() {
        let e =
            ApiError::new("op", StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::from_static(b"<html>oops</html>"));
        assert!(e.errors.is_empty());
        assert_eq!(e.body_text(), "<html>oops</html>");
        assert!(e.to_string().contains("<html>oops</html>"));
    }

    #[test]
    fn the_key_is_redacted_from_echoes() {
        let key = "KEY0123secret";
        let body = Bytes::from_static(b"Bearer KEY0123secret, again KEY0123secret.");
        assert_eq!(redact_bytes(body, key, false), "Bearer <redacted>, again <redacted>.");
        // A body cut inside the key loses the part that is there.
        assert_eq!(redact_bytes(Bytes::from_static(b"auth: Bearer KEY0123s"), key, true), "auth: Bearer <redacted>");
        assert_eq!(redact_bytes(Bytes::from_static(b"auth: KEY"), key, true), "auth: KEY");
        let untouched = Bytes::from_static(b"nothing here");
        assert_eq!(redact_bytes(untouched.clone(), key, true), untouched);
        let mut headers = HeaderMap::new();
        headers.insert("x-echo", "Bearer KEY0123secret".parse().unwrap());
        headers.insert("x-other", "fine".parse().unwrap());
        redact_headers(&mut headers, key);
        assert_eq!(headers["x-echo"], "Bearer <redacted>");
        assert_eq!(headers["x-other"], "fine");
    }

    #[test]
    fn errors_as_one_object_are_read_too() {
        let e = ApiError::new(
            "op",
            StatusCode::BAD_REQUEST,
            HeaderMap::new(),
            Bytes::from_static(br#"{"errors": {"detail": "Bad Request"}}"#),
        );
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].detail.as_deref(), Some("Bad Request"));
        assert!(e.to_string().contains("Bad Request"), "{e}");
        let e = parse_envelope(br#"{"errors": {"code": 10005, "title": "Not found", "detail": "no such call"}}"#);
        assert_eq!(
            (e[0].code.as_deref(), e[0].title.as_deref(), e[0].detail.as_deref()),
            (Some("10005"), Some("Not found"), Some("no such call"))
        );
    }

    #[test]
    fn numeric_codes_become_strings() {
        let e = parse_envelope(br#"{"errors":[{"code":10015}]}"#);
        assert_eq!(e[0].code.as_deref(), Some("10015"));
    }
}
