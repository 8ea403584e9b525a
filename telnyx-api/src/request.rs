//! One request path for every operation: build a [`Request`] description, send it with retries
//! and timeouts, map error statuses to [`Error::Api`], decode the body.
//!
//! Generated operations only *describe* a request (method, path, query pairs, body) and name a
//! decoder; all logic lives here, written once and not generic over the operation, which keeps
//! the generated crate small and quick to compile.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::client::Client;
use crate::error::{ApiError, Error, Result};
use crate::multipart::Multipart;
use crate::raw_body::RawBody;
use crate::retry::{is_retryable_status, retry_after, retry_after_too_long, RetryPolicy};
use crate::servers::ServerSpec;

/// Characters left as they are in a path segment: RFC 3986 unreserved.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// How an array or object query parameter is spread over the query string (OpenAPI `style` and
/// `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum QueryStyle {
    /// `style: form, explode: true` (the default): `ids=1&ids=2`, objects as `key=value`.
    FormExplode,
    /// `style: form, explode: false`: `ids=1,2`.
    FormComma,
    /// `style: deepObject`: `filter[key]=value`, nested as `filter[a][b]=value`.
    DeepObject,
}

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

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Spread one value into query pairs by OpenAPI style rules.
fn flatten(name: &str, value: Value, style: QueryStyle, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Array(items) => match style {
            QueryStyle::FormComma => {
                let joined: Vec<String> = items.iter().filter_map(scalar).collect();
                if !joined.is_empty() {
                    out.push((name.to_owned(), joined.join(",")));
                }
            }
            QueryStyle::FormExplode => {
                for item in items {
                    flatten(name, item, style, out);
                }
            }
            // OpenAPI leaves arrays in a deepObject undefined. Telnyx reads them the way Plug and
            // Rack do, `filter[status][in][]=a&filter[status][in][]=b` (without the `[]` only the
            // last value counts), which is how its specs named such parameters before they were
            // consolidated into deepObject ones.
            QueryStyle::DeepObject => {
                let name = format!("{name}[]");
                for item in items {
                    flatten(&name, item, style, out);
                }
            }
        },
        Value::Object(map) => match style {
            QueryStyle::DeepObject => {
                for (k, v) in map {
                    flatten(&format!("{name}[{k}]"), v, style, out);
                }
            }
            QueryStyle::FormExplode => {
                for (k, v) in map {
                    flatten(&k, v, style, out);
                }
            }
            QueryStyle::FormComma => {
                let mut parts = Vec::new();
                for (k, v) in map {
                    if let Some(v) = scalar(&v) {
                        parts.push(k);
                        parts.push(v);
                    }
                }
                // Like an empty array: nothing rather than a bare `name=`.
                if !parts.is_empty() {
                    out.push((name.to_owned(), parts.join(",")));
                }
            }
        },
        other => {
            if let Some(s) = scalar(&other) {
                out.push((name.to_owned(), s));
            }
        }
    }
}

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

/// A call to one operation, ready to send. Await it for the decoded body, or call
/// [`with_response`](Self::with_response) for status and headers too. Per-call settings
/// ([`max_retries`](Self::max_retries), [`timeout`](Self::timeout)) override the client's.
#[must_use = "an ApiCall does nothing until it is awaited"]
pub struct ApiCall<T> {
    client: Client,
    request: Request,
    decode: Decoder<T>,
    retry: Option<RetryPolicy>,
    timeout: Option<Option<Duration>>,
}

impl<T> fmt::Debug for ApiCall<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiCall")
            .field("request", &self.request)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<T: Send + 'static> ApiCall<T> {
    #[doc(hidden)]
    pub fn new(client: &Client, request: Request, decode: Decoder<T>) -> Self {
        ApiCall { client: client.clone(), request, decode, retry: None, timeout: None }
    }

    /// The request this call will send.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Client, request and per-call settings (for the paginator, which sends the request again
    /// for each page).
    pub(crate) fn into_parts(self) -> (Client, Request, Option<RetryPolicy>, Option<Option<Duration>>) {
        (self.client, self.request, self.retry, self.timeout)
    }

    /// Retries for this call only (0 turns them off).
    pub fn max_retries(mut self, n: u32) -> Self {
        let mut policy = self.retry.unwrap_or_else(|| self.client.inner.retry.clone());
        policy.max_retries = n;
        self.retry = Some(policy);
        self
    }

    /// Retry policy for this call only.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Timeout of each attempt of this call (`None` for no limit).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Send and decode, keeping status and headers.
    pub async fn with_response(self) -> Result<Response<T>> {
        let raw = execute(&self.client, &self.request, self.retry.as_ref(), self.timeout).await?;
        let status = raw.status;
        let headers = raw.headers.clone();
        let data = self.decode(raw)?;
        Ok(Response { status, headers, data })
    }

    /// Send and decode.
    pub async fn send(self) -> Result<T> {
        // Not through `with_response`: the headers need no copy when only the value is wanted.
        let raw = execute(&self.client, &self.request, self.retry.as_ref(), self.timeout).await?;
        self.decode(raw)
    }

    /// The operation's decoder on `raw`, the API key taken out of a decode error (a server that
    /// echoes the `Authorization` header must not put the key into an error).
    fn decode(&self, raw: RawResponse) -> Result<T> {
        (self.decode)(self.request.operation_id, raw).map_err(|e| match &self.client.inner.api_key {
            Some(key) => e.redact(key),
            None => e,
        })
    }

    /// Send, and hand back the body as a stream of chunks instead of decoding it: for large
    /// downloads (recordings, media, CSV reports) that should not be held in memory.
    ///
    /// Retries and the per-attempt timeout apply until the response headers of a successful
    /// status arrive; an error status still becomes [`Error::Api`] with its body. Once the
    /// stream is handed over nothing is retried, and each chunk must arrive within the client's
    /// [`stream_idle_timeout`](crate::ClientBuilder::stream_idle_timeout).
    ///
    /// ```no_run
    /// use futures::TryStreamExt as _;
    /// use tokio::io::AsyncWriteExt as _;
    ///
    /// # async fn run(client: telnyx_api::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut media = client.media_storage_api().download_media("greeting.mp3").into_byte_stream().await?;
    /// println!("{:?} bytes, request id {:?}", media.content_length(), media.request_id());
    /// let mut file = tokio::fs::File::create("greeting.mp3").await?;
    /// while let Some(chunk) = media.try_next().await? {
    ///     file.write_all(&chunk).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn into_byte_stream(self) -> Result<ByteStream> {
        let reply = execute_reply(&self.client, &self.request, self.retry.as_ref(), self.timeout, true).await?;
        let op = self.request.operation_id;
        let idle = self.client.inner.stream_idle_timeout;
        Ok(match reply.body {
            ReplyBody::Stream(resp) => ByteStream::new(op, reply.status, reply.headers, resp, idle),
            // Not produced for a success status in streaming mode; handled for completeness.
            ReplyBody::Bytes(body) => ByteStream {
                operation: op,
                status: reply.status,
                headers: reply.headers,
                inner: Box::pin(futures::stream::iter([Ok(body)])),
                idle,
                sleep: Box::pin(tokio::time::sleep(idle)),
                done: false,
            },
        })
    }
}

impl<T: Send + 'static> IntoFuture for ApiCall<T> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

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
    fn new(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        resp: reqwest::Response,
        idle: Duration,
    ) -> Self {
        ByteStream {
            operation,
            status,
            headers,
            inner: Box::pin(resp.bytes_stream()),
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

/// A response as one attempt produced it: the body read in full, or (for a successful status
/// in streaming mode) still unread.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: ReplyBody,
    /// Only the first part of an error body was read.
    truncated: bool,
}

enum ReplyBody {
    Bytes(Bytes),
    Stream(reqwest::Response),
}

/// Send `request` with the client's (or the given) retry policy and timeout; a non-success
/// status becomes [`Error::Api`]. Not generic, so it is compiled once.
pub(crate) async fn execute(
    client: &Client,
    request: &Request,
    retry: Option<&RetryPolicy>,
    timeout: Option<Option<Duration>>,
) -> Result<RawResponse> {
    let reply = execute_reply(client, request, retry, timeout, false).await?;
    let body = match reply.body {
        ReplyBody::Bytes(b) => b,
        // Only produced in streaming mode.
        ReplyBody::Stream(resp) => {
            resp.bytes().await.map_err(|source| Error::Transport { operation: request.operation_id, source })?
        }
    };
    Ok(RawResponse { status: reply.status, headers: reply.headers, body })
}

async fn execute_reply(
    client: &Client,
    request: &Request,
    retry: Option<&RetryPolicy>,
    timeout: Option<Option<Duration>>,
    stream: bool,
) -> Result<Reply> {
    let span = trace::RequestSpan::new(request);
    #[cfg(feature = "tracing")]
    {
        use tracing::Instrument as _;
        let instrumented = span.0.clone();
        execute_inner(client, request, retry, timeout, stream, &span).instrument(instrumented).await
    }
    #[cfg(not(feature = "tracing"))]
    execute_inner(client, request, retry, timeout, stream, &span).await
}

async fn execute_inner(
    client: &Client,
    request: &Request,
    retry: Option<&RetryPolicy>,
    timeout: Option<Option<Duration>>,
    stream: bool,
    span: &trace::RequestSpan,
) -> Result<Reply> {
    let op = request.operation_id;
    if let Some(message) = &request.error {
        return Err(Error::InvalidRequest { operation: op, message: message.clone() });
    }
    let inner = &client.inner;
    let once;
    let mut policy = retry.unwrap_or(&inner.retry);
    // A streamed upload is consumed by the first attempt: nothing to send again.
    if matches!(&request.body, Body::Multipart(form) if !form.is_replayable())
        || matches!(request.body, Body::Stream { .. })
    {
        once = RetryPolicy { max_retries: 0, ..policy.clone() };
        policy = &once;
    }
    let timeout = timeout.unwrap_or(inner.timeout);
    let url = match request.server {
        Some(server) => request.url(&client.server_base(server))?,
        None => request.url(&inner.base_url)?,
    };
    let mut attempt: u32 = 0;
    loop {
        span.attempt(attempt);
        let result = attempt_once(client, request, url.clone(), timeout, stream).await;
        let retry_delay = match &result {
            Ok(reply) => {
                span.status(reply.status);
                if reply.status.is_success() {
                    None
                } else {
                    // A server that asks to wait longer than the cap gets the error back now.
                    let too_long = retry_after_too_long(&reply.headers);
                    match should_retry_header(&reply.headers) {
                        Some(true) if !too_long => Some(retry_after(&reply.headers)),
                        None if !too_long && is_retryable_status(reply.status) => Some(retry_after(&reply.headers)),
                        _ => None,
                    }
                }
            }
            Err(Error::Timeout { .. }) => Some(None),
            Err(Error::Transport { source, .. })
                if source.is_connect() || source.is_request() || source.is_timeout() =>
            {
                Some(None)
            }
            Err(_) => None,
        };
        match retry_delay {
            Some(server_asked) if attempt < policy.max_retries => {
                let delay = policy.delay(attempt, server_asked, rand::random::<f64>());
                span.retrying(attempt, delay, &result);
                attempt += 1;
                match &inner.sleep {
                    Some(sleep) => sleep(delay).await,
                    None => tokio::time::sleep(delay).await,
                }
            }
            _ => {
                let reply = result?;
                if reply.status.is_success() {
                    return Ok(reply);
                }
                let mut body = match reply.body {
                    ReplyBody::Bytes(b) => b,
                    ReplyBody::Stream(_) => Bytes::new(),
                };
                let mut headers = reply.headers;
                // A server echoing the `Authorization` header back must not put the key in the
                // error (before parsing, so that the envelope's details are clean too).
                if let Some(key) = &inner.api_key {
                    body = crate::error::redact_bytes(body, key, reply.truncated);
                    crate::error::redact_headers(&mut headers, key);
                }
                let error = ApiError::new(op, reply.status, headers, body).truncated(reply.truncated);
                return Err(Error::Api(Box::new(error)));
            }
        }
    }
}

/// The server's explicit `x-should-retry: true|false`, which overrides the status-based rule
/// (as in the official Telnyx SDKs).
fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry").and_then(|v| v.to_str().ok()).map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Span bookkeeping; no-ops without the `tracing` feature. Never given the API key.
mod trace {
    use std::time::Duration;

    use reqwest::StatusCode;

    use super::Request;

    /// The span of one call (all its attempts).
    #[cfg(feature = "tracing")]
    pub(super) struct RequestSpan(pub(super) tracing::Span);

    #[cfg(feature = "tracing")]
    impl RequestSpan {
        pub(super) fn new(request: &Request) -> Self {
            RequestSpan(tracing::info_span!(
                "telnyx_api.request",
                method = %request.method,
                path = request.path_template,
                operation = request.operation_id,
                attempt = tracing::field::Empty,
                status = tracing::field::Empty,
            ))
        }

        pub(super) fn attempt(&self, attempt: u32) {
            self.0.record("attempt", attempt);
        }

        pub(super) fn status(&self, status: StatusCode) {
            self.0.record("status", status.as_u16());
            tracing::debug!(parent: &self.0, status = status.as_u16(), "response received");
        }

        pub(super) fn retrying<T>(&self, attempt: u32, delay: Duration, result: &crate::Result<T>) {
            match result {
                Ok(_) => {
                    tracing::debug!(parent: &self.0, attempt, ?delay, "retrying after an error status")
                }
                Err(e) => {
                    tracing::debug!(parent: &self.0, attempt, ?delay, error = %e, "retrying after an error")
                }
            }
        }
    }

    #[cfg(not(feature = "tracing"))]
    pub(super) struct RequestSpan;

    #[cfg(not(feature = "tracing"))]
    impl RequestSpan {
        pub(super) fn new(_request: &Request) -> Self {
            RequestSpan
        }

        pub(super) fn attempt(&self, _attempt: u32) {}

        pub(super) fn status(&self, _status: StatusCode) {}

        pub(super) fn retrying<T>(&self, _attempt: u32, _delay: Duration, _result: &crate::Result<T>) {}
    }
}

/// Build the `reqwest` request for one attempt.
pub(crate) async fn build_http(
    client: &Client,
    request: &Request,
    url: reqwest::Url,
) -> Result<reqwest::RequestBuilder> {
    let op = request.operation_id;
    let inner = &client.inner;
    let mut b = inner.http.request(request.method.clone(), url.clone());
    match (request.auth, &inner.api_key) {
        (Auth::Bearer, Some(key)) => {
            let mut v = HeaderValue::from_str(&format!("Bearer {key}"))
                .map_err(|_| Error::Config("API key is not a valid header value".into()))?;
            v.set_sensitive(true);
            b = b.header(reqwest::header::AUTHORIZATION, v);
        }
        (Auth::SigV4, Some(key)) => {
            let payload = match &request.body {
                Body::Empty => crate::sigv4::EMPTY_PAYLOAD.to_owned(),
                Body::Json(bytes) | Body::Raw { data: bytes, .. } => crate::sigv4::payload_hash(bytes),
                Body::Form(_) | Body::Multipart(_) | Body::Stream { .. } => crate::sigv4::UNSIGNED_PAYLOAD.to_owned(),
            };
            // Telnyx reads only the access key id; the region is the server's, if it has one.
            let region = request
                .server
                .and_then(|s| s.variables.iter().find(|v| v.name == "region").map(|v| (s, v)))
                .map(|(s, v)| {
                    inner
                        .servers
                        .get(s.name)
                        .and_then(|c| c.variables.get(v.name))
                        .cloned()
                        .unwrap_or(v.default.to_owned())
                })
                .unwrap_or_else(|| "us-east-1".to_owned());
            let signed = crate::sigv4::sign(&crate::sigv4::Signing {
                access_key: key,
                secret: key,
                region: &region,
                service: "s3",
                method: request.method.as_str(),
                url: &url,
                headers: &[],
                payload_hash: &payload,
                time: std::time::SystemTime::now(),
            });
            let mut v = HeaderValue::from_str(&signed.authorization)
                .map_err(|_| Error::Config("API key is not a valid header value".into()))?;
            v.set_sensitive(true);
            b = b
                .header(reqwest::header::AUTHORIZATION, v)
                .header("x-amz-date", signed.amz_date)
                .header("x-amz-content-sha256", signed.content_sha256);
        }
        _ => {}
    }
    if !request.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("accept")) {
        b = b.header(reqwest::header::ACCEPT, request.accept);
    }
    for (name, value) in &request.headers {
        // `from_bytes` lowercases; `from_static` would panic on a spec's `X-Foo`.
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| Error::InvalidRequest { operation: op, message: format!("header name {name:?}: {e}") })?;
        let value = HeaderValue::from_str(value)
            .map_err(|e| Error::InvalidRequest { operation: op, message: format!("header {name}: {e}") })?;
        b = b.header(name, value);
    }
    b = match &request.body {
        Body::Empty => b,
        Body::Json(bytes) => b.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes.clone()),
        Body::Form(pairs) => {
            let encoded =
                pairs.iter().fold(reqwest::Url::parse("http://x/").expect("static URL parses"), |mut u, (k, v)| {
                    u.query_pairs_mut().append_pair(k, v);
                    u
                });
            let body = encoded.query().unwrap_or_default().to_owned();
            b.header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(body)
        }
        Body::Multipart(form) => b.multipart(form.to_reqwest(op).await?),
        Body::Raw { content_type, data } => {
            b.header(reqwest::header::CONTENT_TYPE, content_type.as_str()).body(data.clone())
        }
        Body::Stream { content_type, body } => {
            let stream = body.to_reqwest().map_err(|message| Error::InvalidRequest { operation: op, message })?;
            let b = b.header(reqwest::header::CONTENT_TYPE, content_type.as_str());
            let b = match body.len() {
                Some(n) => b.header(reqwest::header::CONTENT_LENGTH, n),
                None => b,
            };
            b.body(stream)
        }
    };
    Ok(b)
}

/// Read at most `limit` bytes of a body: the bytes, and whether there was more. The rest is not
/// read: dropping the response closes its connection, so a server cannot make the client read
/// (or hold) more than `limit`.
async fn read_limited(mut resp: reqwest::Response, limit: usize, op: &'static str) -> Result<(Bytes, bool)> {
    let transport = |source| Error::Transport { operation: op, source };
    // A body that arrives in one chunk (most JSON answers) is handed on as it is, not copied.
    let Some(first) = resp.chunk().await.map_err(transport)? else { return Ok((Bytes::new(), false)) };
    if first.len() > limit {
        return Ok((first.slice(..limit), true));
    }
    let Some(second) = resp.chunk().await.map_err(transport)? else { return Ok((first, false)) };
    // `content-length` is only a hint (a server can lie): the buffer starts at no more than
    // `limit` nor 1 MiB, and grows from there.
    let hint = resp.content_length().map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut buf = bytes::BytesMut::with_capacity(hint.max(first.len() + second.len()).min(limit).min(1 << 20));
    buf.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        let room = limit - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            return Ok((buf.freeze(), true));
        }
        buf.extend_from_slice(&chunk);
        next = resp.chunk().await.map_err(transport)?;
    }
    Ok((buf.freeze(), false))
}

async fn attempt_once(
    client: &Client,
    request: &Request,
    url: reqwest::Url,
    timeout: Option<Duration>,
    stream: bool,
) -> Result<Reply> {
    let op = request.operation_id;
    let b = build_http(client, request, url).await?;
    let fut = async {
        let mut resp = b.send().await.map_err(|source| Error::Transport { operation: op, source })?;
        let status = resp.status();
        if stream && status.is_success() {
            let headers = resp.headers().clone();
            return Ok(Reply { status, headers, body: ReplyBody::Stream(resp), truncated: false });
        }
        // Reading the body needs only the response itself: the headers move out, uncopied.
        let headers = std::mem::take(resp.headers_mut());
        let inner = &client.inner;
        let limit = if status.is_success() { inner.max_response_body } else { inner.max_error_body };
        let (body, truncated) = read_limited(resp, limit, op).await?;
        if truncated && status.is_success() {
            return Err(Error::BodyTooLarge { operation: op, status, limit });
        }
        Ok(Reply { status, headers, body: ReplyBody::Bytes(body), truncated })
    };
    match timeout {
        Some(t) => tokio::time::timeout(t, fut).await.map_err(|_| Error::Timeout { operation: op, timeout: t })?,
        None => fut.await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(name: &str, v: Value, style: QueryStyle) -> Vec<(String, String)> {
        let mut out = Vec::new();
        flatten(name, v, style, &mut out);
        out
    }

    #[test]
    fn query_styles() {
        use serde_json::json;
        assert_eq!(pairs("a", json!(null), QueryStyle::FormExplode), vec![]);
        assert_eq!(
            pairs("ids[]", json!(["x", "y"]), QueryStyle::FormExplode),
            vec![("ids[]".into(), "x".into()), ("ids[]".into(), "y".into())]
        );
        assert_eq!(pairs("ids", json!([1, 2]), QueryStyle::FormComma), vec![("ids".into(), "1,2".into())]);
        assert_eq!(
            pairs("filter", json!({"a": {"b": true}, "c": 1}), QueryStyle::DeepObject),
            vec![("filter[a][b]".into(), "true".into()), ("filter[c]".into(), "1".into())]
        );
    }

    #[test]
    fn empty_containers_add_nothing() {
        use serde_json::json;
        for style in [QueryStyle::FormExplode, QueryStyle::FormComma, QueryStyle::DeepObject] {
            assert_eq!(pairs("a", json!([]), style), vec![], "{style:?}");
            assert_eq!(pairs("a", json!({}), style), vec![], "{style:?}");
            assert_eq!(pairs("a", json!({"k": null}), style), vec![], "{style:?}");
        }
        assert_eq!(pairs("a", json!({"k": "v", "n": 1}), QueryStyle::FormComma), vec![("a".into(), "k,v,n,1".into())]);
    }

    #[test]
    fn should_retry_header_values() {
        let mut h = HeaderMap::new();
        assert_eq!(should_retry_header(&h), None);
        h.insert("x-should-retry", HeaderValue::from_static("TRUE"));
        assert_eq!(should_retry_header(&h), Some(true));
        h.insert("x-should-retry", HeaderValue::from_static("false"));
        assert_eq!(should_retry_header(&h), Some(false));
        h.insert("x-should-retry", HeaderValue::from_static("maybe"));
        assert_eq!(should_retry_header(&h), None);
    }

    #[test]
    fn brackets_are_percent_encoded_on_the_wire() {
        let mut r = Request::new(Method::GET, "op", "/x/{id}", format!("/x/{}", path_arg("a b/c")));
        r.query("filter[status][eq]", &Some("sent"), QueryStyle::FormExplode);
        r.query("page[size]", &None::<i64>, QueryStyle::FormExplode);
        let url = r.url("https://api.telnyx.com/v2").unwrap();
        assert_eq!(url.as_str(), "https://api.telnyx.com/v2/x/a%20b%2Fc?filter%5Bstatus%5D%5Beq%5D=sent");
    }
}
