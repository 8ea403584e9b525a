//! What an operation sends: the [`Request`] description a generated method builds (method, path,
//! query pairs, headers, body, authentication), and the paths the generated code calls.
//!
//! Generated operations only *describe* a request and name a decoder; all logic lives in this
//! module's children, written once and not generic over the operation, which keeps the
//! generated crate small and quick to compile:
//!
//! - `query` — parameter values → query pairs, headers and form fields (OpenAPI `style` and
//!   `explode`);
//! - `call` — [`ApiCall`]: send with retries and timeouts, map error statuses to
//!   [`Error::Api`], read bodies within their limits;
//! - `http` — the `reqwest` request of one attempt (authorization, SigV4, headers, body);
//! - `decode` — [`RawResponse`] → the operation's return type ([`decode_json`] and the rest);
//! - `stream` — [`ByteStream`], a body handed over as chunks;
//! - `trace` — the `tracing` span of a call (no-ops without the `tracing` feature).

use std::fmt;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::multipart::Multipart;
use crate::raw_body::RawBody;
use crate::servers::ServerSpec;

mod call;
mod decode;
mod http;
mod query;
mod stream;
mod trace;

pub use call::ApiCall;
pub(crate) use call::{execute, execute_reply, ReplyBody, Want};
pub use decode::{
    decode, decode_bytes, decode_empty, decode_json, decode_json_or_text, decode_text, undeclared, Decoder, JsonOrText,
    RawResponse, Response,
};
pub(crate) use decode::{decoding_is_strict, note_deviations, with_decoding};
use query::flatten;
pub use query::QueryStyle;
pub use stream::ByteStream;
pub(crate) use trace::{deviations as trace_deviations, webhook_deviations as trace_webhook_deviations};

/// Characters left as they are in a path segment: RFC 3986 unreserved.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// No body.
    Empty,
    /// `application/json`.
    Json(Bytes),
    /// `application/x-www-form-urlencoded` pairs.
    Form(Vec<(String, String)>),
    /// `multipart/form-data`.
    Multipart(Multipart),
    /// Raw bytes with a content type (`*/*`, `text/xml`, ...).
    Raw {
        /// `Content-Type` header value.
        content_type: String,
        /// The bytes.
        data: Bytes,
    },
    /// Raw bytes streamed as they are produced (see [`RawBody::from_stream`]); sent once.
    Stream {
        /// `Content-Type` header value.
        content_type: String,
        /// The bytes, in memory or streamed.
        body: RawBody,
    },
}

/// Where an operation takes its dedup key: the value that makes a repeat of the request
/// harmless (the service ignores or replays it). The client fills in a UUID v4 when the caller
/// gives none, once per call, and sends the same value on every retry; a value the caller
/// gives is never replaced. See [`crate::retry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupKey {
    /// A member of the JSON or form body (`command_id` of the Call Control commands).
    Member(&'static str),
    /// A header (`Idempotency-Key`).
    Header(&'static str),
}

/// How a request authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    Bearer,
    SigV4,
}

/// The description of one HTTP request, as an operation method builds it.
///
/// Inspect it with [`ApiCall::request`] (useful in tests); it is sent when the call is awaited.
#[derive(Clone)]
pub struct Request {
    method: Method,
    operation_id: &'static str,
    path_template: &'static str,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(&'static str, String)>,
    /// The `Accept` header, unless `headers` has one (an operation's own `Accept` parameter).
    accept: &'static str,
    body: Body,
    auth: Auth,
    server: Option<&'static ServerSpec>,
    /// An absolute URL, in place of a server and the path (the OAuth token endpoint).
    absolute_url: Option<String>,
    /// A repeat has no effect of its own, whatever the method (the OAuth token exchange).
    repeatable: bool,
    dedup: Option<DedupKey>,
    /// Headers set per call ([`ApiCall::extra_header`]): they replace any the request has.
    extra_headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    /// Members set per call ([`ApiCall::extra_body`]), merged into the body when it is sent.
    extra_body: Vec<(String, Value)>,
    error: Option<String>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("operation_id", &self.operation_id)
            .field("path_template", &self.path_template)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("accept", &self.accept)
            .field("body", &self.body)
            .field("auth", &self.auth)
            .field("server", &self.server.map(|s| s.name))
            .field("dedup", &self.dedup)
            .field("extra_headers", &self.extra_headers)
            .field("extra_body", &self.extra_body)
            .finish()
    }
}

impl Request {
    /// A request for `operation_id`: `path` is the template with the arguments already
    /// substituted (see [`path_arg`]).
    #[doc(hidden)]
    pub fn new(method: Method, operation_id: &'static str, path_template: &'static str, path: String) -> Self {
        Request {
            method,
            operation_id,
            path_template,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            accept: "application/json",
            body: Body::Empty,
            auth: Auth::Bearer,
            server: None,
            absolute_url: None,
            repeatable: false,
            dedup: None,
            extra_headers: Vec::new(),
            extra_body: Vec::new(),
            error: None,
        }
    }

    /// The media types the response may have, sent as `Accept` (default `application/json`:
    /// without one, an operation that can answer JSON or CSV answers CSV). An `Accept` header
    /// parameter the caller sets wins.
    #[doc(hidden)]
    pub fn accept(&mut self, media_types: &'static str) {
        self.accept = media_types;
    }

    /// The `Accept` header the request sends.
    pub fn accept_header(&self) -> &str {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("accept")).map_or(self.accept, |(_, v)| v)
    }

    /// Send to `server` instead of the base URL (operations whose path has its own `servers`).
    #[doc(hidden)]
    pub fn server(&mut self, server: &'static ServerSpec) {
        self.server = Some(server);
    }

    /// Send to `url` (absolute, query included) instead of the base URL and the path.
    pub(crate) fn absolute_url(&mut self, url: String) {
        self.absolute_url = Some(url);
    }

    /// A repeat of this request has no effect of its own (retried as `GET` is).
    pub(crate) fn repeatable(&mut self) {
        self.repeatable = true;
    }

    /// The server the request goes to, when not the base URL.
    pub fn target_server(&self) -> Option<&'static ServerSpec> {
        self.server
    }

    /// HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The operation id from the spec.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The path template from the spec, e.g. `/messages/{id}`.
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// The path with arguments substituted and percent-encoded.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Query pairs in order, not yet percent-encoded.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// Extra headers (besides authorization and content type).
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Whether the request sends the API key (`false` for the spec's `security: []` operations).
    pub fn sends_auth(&self) -> bool {
        self.auth != Auth::None
    }

    /// Whether the API key goes in an AWS Signature Version 4 header (Cloud Storage) instead of
    /// as a bearer token.
    pub fn signs_sigv4(&self) -> bool {
        self.auth == Auth::SigV4
    }

    /// The full URL for a base URL, with the query string percent-encoded.
    pub fn url(&self, base_url: &str) -> Result<reqwest::Url> {
        let mut url = reqwest::Url::parse(&format!("{base_url}{}", self.path)).map_err(|e| Error::InvalidRequest {
            operation: self.operation_id,
            message: format!("invalid URL {base_url}{}: {e}", self.path),
        })?;
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &self.query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn fail(&mut self, what: &str, e: impl fmt::Display) {
        if self.error.is_none() {
            self.error = Some(format!("{what}: {e}"));
        }
    }

    /// The first value of query parameter `name`, if sent.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Replace every value of query parameter `name` (for the next page of a list), keeping its
    /// place in the query string.
    pub(crate) fn set_query(&mut self, name: &str, values: Vec<String>) {
        let at = self.query.iter().position(|(k, _)| k == name);
        self.query.retain(|(k, _)| k != name);
        let at = at.unwrap_or(self.query.len()).min(self.query.len());
        for (i, v) in values.into_iter().enumerate() {
            self.query.insert(at + i, (name.to_owned(), v));
        }
    }

    /// Set header `name`, replacing any value it had.
    pub(crate) fn set_header(&mut self, name: &'static str, value: String) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name, value));
    }

    /// Add a query parameter; `None`/`null` values are left out.
    #[doc(hidden)]
    pub fn query<T: Serialize + ?Sized>(&mut self, name: &str, value: &T, style: QueryStyle) {
        match serde_json::to_value(value) {
            Ok(v) => flatten(name, v, style, &mut self.query),
            Err(e) => self.fail(name, e),
        }
    }

    /// Add a header; `None` is left out.
    #[doc(hidden)]
    pub fn header<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        match serde_json::to_value(value) {
            Ok(Value::Null) => {}
            Ok(v) => {
                let mut pairs = Vec::new();
                flatten(name, v, QueryStyle::FormComma, &mut pairs);
                for (_, v) in pairs {
                    self.headers.push((name, v));
                }
            }
            Err(e) => self.fail(name, e),
        }
    }

    /// Send a JSON body.
    #[doc(hidden)]
    pub fn json<T: Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_vec(body) {
            Ok(b) => self.body = Body::Json(b.into()),
            Err(e) => self.fail("body", e),
        }
    }

    /// Send an `application/x-www-form-urlencoded` body.
    #[doc(hidden)]
    pub fn form<T: Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_value(body) {
            Ok(Value::Object(map)) => {
                let mut pairs = Vec::new();
                for (k, v) in map {
                    flatten(&k, v, QueryStyle::FormExplode, &mut pairs);
                }
                self.body = Body::Form(pairs);
            }
            Ok(other) => self.fail("body", format_args!("a form body must be an object, got {other}")),
            Err(e) => self.fail("body", e),
        }
    }

    /// Send a `multipart/form-data` body.
    #[doc(hidden)]
    pub fn multipart(&mut self, form: Multipart) {
        self.body = Body::Multipart(form);
    }

    /// Send raw bytes with a content type.
    #[doc(hidden)]
    pub fn raw(&mut self, content_type: &str, data: impl Into<Bytes>) {
        self.body = Body::Raw { content_type: content_type.to_owned(), data: data.into() };
    }

    /// A raw body in memory or streamed.
    #[doc(hidden)]
    pub fn raw_body(&mut self, content_type: &str, body: RawBody) {
        self.body = match body.as_bytes() {
            Some(data) => Body::Raw { content_type: content_type.to_owned(), data: data.clone() },
            None => Body::Stream { content_type: content_type.to_owned(), body },
        };
    }

    /// Set header `name` on every attempt, replacing any value the request has for it (the
    /// operation's own header parameters, `Accept`, `Content-Type`). `Authorization` is refused
    /// ([`Error::InvalidRequest`] when sent): the client's credentials are never changed per
    /// call.
    pub fn extra_header(&mut self, name: &str, value: &str) {
        use reqwest::header::{HeaderName, HeaderValue};
        let name = match HeaderName::from_bytes(name.as_bytes()) {
            Ok(n) => n,
            Err(e) => return self.fail(&format!("extra header {name:?}"), e),
        };
        if name == reqwest::header::AUTHORIZATION {
            return self.fail(
                "extra header authorization",
                "the client's credentials are not set per call (build a client with them)",
            );
        }
        match HeaderValue::from_str(value) {
            Ok(v) => {
                self.extra_headers.retain(|(n, _)| *n != name);
                self.extra_headers.push((name, v));
            }
            Err(e) => self.fail(&format!("extra header {name}"), e),
        }
    }

    /// Headers set per call, in the order set.
    pub fn extra_headers(&self) -> &[(reqwest::header::HeaderName, reqwest::header::HeaderValue)] {
        &self.extra_headers
    }

    /// Set query parameter `name`, replacing the values the request has for it.
    pub fn extra_query(&mut self, name: &str, value: &str) {
        self.set_query(name, vec![value.to_owned()]);
    }

    /// Set member `name` of the JSON (or form) body when it is sent, replacing the member the
    /// body has; a request without a body gets a JSON object. A body of another kind is an
    /// [`Error::InvalidRequest`] when sent.
    pub fn extra_body<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        match serde_json::to_value(value) {
            Ok(v) => {
                self.extra_body.retain(|(n, _)| n != name);
                self.extra_body.push((name.to_owned(), v));
            }
            Err(e) => self.fail(&format!("extra body member {name}"), e),
        }
    }

    /// Merge the per-call body members into the body (once the input is written in).
    pub(crate) fn merge_extra_body(&mut self) {
        if self.extra_body.is_empty() {
            return;
        }
        let extra = std::mem::take(&mut self.extra_body);
        match &mut self.body {
            Body::Empty => {
                let map: serde_json::Map<String, Value> = extra.into_iter().collect();
                self.body = Body::Json(Value::Object(map).to_string().into_bytes().into());
            }
            Body::Json(bytes) => match serde_json::from_slice::<Value>(bytes) {
                Ok(Value::Object(mut map)) => {
                    map.extend(extra);
                    *bytes = Value::Object(map).to_string().into_bytes().into();
                }
                _ => self.fail("extra body members", "the JSON body is not an object"),
            },
            Body::Form(pairs) => {
                for (name, value) in extra {
                    pairs.retain(|(k, _)| *k != name && !k.starts_with(&format!("{name}[")));
                    flatten(&name, value, QueryStyle::FormExplode, pairs);
                }
            }
            Body::Multipart(_) | Body::Raw { .. } | Body::Stream { .. } => {
                self.fail("extra body members", "the body is neither JSON nor a form")
            }
        }
    }

    /// The operation's dedup key is body member `name`.
    #[doc(hidden)]
    pub fn dedup_member(&mut self, name: &'static str) {
        self.dedup = Some(DedupKey::Member(name));
    }

    /// The operation's dedup key is header `name`.
    #[doc(hidden)]
    pub fn dedup_header(&mut self, name: &'static str) {
        self.dedup = Some(DedupKey::Header(name));
    }

    /// Where the operation takes a dedup key, if the API gives it one.
    pub fn dedup_key(&self) -> Option<DedupKey> {
        self.dedup
    }

    /// The dedup key's value this request carries: the caller's, or (once the call is sent)
    /// the one the client generated.
    pub fn dedup_value(&self) -> Option<String> {
        match self.dedup? {
            DedupKey::Header(name) => self
                .extra_headers
                .iter()
                .find(|(k, _)| k.as_str().eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.to_str().ok().map(str::to_owned))
                .or_else(|| self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())),
            DedupKey::Member(name) => match &self.body {
                Body::Json(bytes) => {
                    let map = serde_json::from_slice::<serde_json::Map<String, Value>>(bytes).ok()?;
                    match map.get(name)? {
                        Value::Null => None,
                        Value::String(s) => Some(s.clone()),
                        other => Some(other.to_string()),
                    }
                }
                Body::Form(pairs) => pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
                _ => None,
            },
        }
    }

    /// Whether sending the request twice cannot have two effects: its method is idempotent
    /// (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`, `TRACE`), or it carries a dedup key.
    pub fn is_idempotent(&self) -> bool {
        self.repeatable || self.method.is_idempotent() || self.dedup_value().is_some()
    }

    /// Give the request its dedup key when the operation has one and the caller gave none: a
    /// new UUID v4, in the header or the body member. `None` when nothing was added.
    pub(crate) fn with_dedup_key(&self) -> Option<Request> {
        let key = self.dedup.filter(|_| self.dedup_value().is_none())?;
        let value = uuid::Uuid::new_v4().to_string();
        let mut keyed = self.clone();
        match key {
            DedupKey::Header(name) => keyed.headers.push((name, value)),
            DedupKey::Member(name) => match &mut keyed.body {
                Body::Empty => {
                    let map = serde_json::Map::from_iter([(name.to_owned(), Value::String(value))]);
                    keyed.body = Body::Json(serde_json::to_vec(&map).ok()?.into());
                }
                Body::Json(bytes) => {
                    let mut map = serde_json::from_slice::<serde_json::Map<String, Value>>(bytes).ok()?;
                    map.insert(name.to_owned(), Value::String(value));
                    *bytes = serde_json::to_vec(&map).ok()?.into();
                }
                Body::Form(pairs) => {
                    pairs.retain(|(k, _)| k != name);
                    pairs.push((name.to_owned(), value));
                }
                // No member to put it in: the call is sent as it is, without a key.
                Body::Multipart(_) | Body::Raw { .. } | Body::Stream { .. } => return None,
            },
        }
        Some(keyed)
    }

    /// Do not send the API key (`security: []`).
    #[doc(hidden)]
    pub fn no_auth(&mut self) {
        self.auth = Auth::None;
    }

    /// An XML body of an XML type (see [`crate::xml`]). An optional body that is empty (no
    /// member set) is not sent: an empty XML document is not the same as none (S3 rejects an
    /// empty `<CreateBucketConfiguration/>`, but takes a `CreateBucket` without a body).
    #[doc(hidden)]
    pub fn xml<T: crate::xml::XmlType>(&mut self, content_type: &str, body: &T, required: bool) {
        let json = match serde_json::to_value(body) {
            Ok(v) => v,
            Err(e) => return self.error = Some(format!("body: {e}")),
        };
        if !required && json.as_object().is_some_and(serde_json::Map::is_empty) {
            return;
        }
        let text = crate::xml::json_to_document(T::XML, &json);
        self.raw(content_type, bytes::Bytes::from(text));
    }

    /// Send the API key in an AWS Signature Version 4 `Authorization` header (see
    /// [`crate::sigv4`]), for operations whose security scheme is SigV4.
    #[doc(hidden)]
    pub fn sign_sigv4(&mut self) {
        self.auth = Auth::SigV4;
    }
}

/// Render a path argument: percent-encoded so that `/`, `?`, `#` and spaces stay inside their
/// segment.
#[doc(hidden)]
pub fn path_arg<T: fmt::Display + ?Sized>(value: &T) -> String {
    utf8_percent_encode(&value.to_string(), PATH_SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_are_percent_encoded_on_the_wire() {
        let mut r = Request::new(Method::GET, "op", "/x/{id}", format!("/x/{}", path_arg("a b/c")));
        r.query("filter[status][eq]", &Some("sent"), QueryStyle::FormExplode);
        r.query("page[size]", &None::<i64>, QueryStyle::FormExplode);
        let url = r.url("https://api.telnyx.com/v2").unwrap();
        assert_eq!(url.as_str(), "https://api.telnyx.com/v2/x/a%20b%2Fc?filter%5Bstatus%5D%5Beq%5D=sent");
    }
}
