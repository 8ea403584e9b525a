//! [`ApiCall`] and the one send path: retries with backoff, per-attempt timeouts, error
//! statuses mapped to [`Error::Api`] (with the API key redacted), bodies read within their
//! limits. Not generic over the operation, so it is compiled once.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use super::http::build_http;
use super::{trace, with_decoding, Body, ByteStream, Decoder, RawResponse, Request, Response};
use crate::client::Client;
use crate::error::{ApiError, Error, Result};
use crate::middleware::{Attempt, Outcome};
use crate::retry::{
    is_not_carried_out, is_retryable_status, may_be_carried_out, retry_after, retry_after_too_long, RetryPolicy,
};

/// A call to one operation, ready to send. Await it for the decoded body, or call
/// [`with_response`](Self::with_response) for status and headers too. Per-call settings
/// ([`max_retries`](Self::max_retries), [`timeout`](Self::timeout)) override the client's.
///
/// `I` is the operation's input while it is still being built: its body (a request type such as
/// `types::CreateMessageRequest`) or its optional query parameters (`…Params`), `()` for an
/// operation with neither. Each optional member of the input is a setter on the call
/// (`client.messages().send("+13125550001").text("Hello")`), written into the request when the
/// call is sent. A setter whose name this type already uses gets a `set_` prefix
/// (`set_timeout` for a body member `timeout`). [`replace_input`](Self::replace_input) sets the
/// whole input at once.
///
/// ```no_run
/// # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
/// client.messages().send("+13125550001").from("+13125550000").text("Hello").await?;
/// # Ok(()) }
/// ```
///
/// A request cannot go out without a member the spec requires: leaving out `to` does not
/// compile,
///
/// ```compile_fail
/// # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
/// client.messages().send().from("+13125550000").text("Hello").await?;
/// # Ok(()) }
/// ```
///
/// and neither does a body whose required members were never given (no `Default`):
///
/// ```compile_fail
/// let body = telnyx_api::types::CreateMessageRequest { text: Some("Hello".into()), ..Default::default() };
/// ```
#[must_use = "an ApiCall does nothing until it is awaited"]
pub struct ApiCall<T, I = ()> {
    client: Client,
    request: Request,
    decode: Decoder<T>,
    retry: Option<RetryPolicy>,
    timeout: Option<Option<Duration>>,
    input: I,
    /// Writes `input` into `request`, when the call is sent.
    apply: fn(&I, &mut Request),
}

impl<T, I: fmt::Debug> fmt::Debug for ApiCall<T, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiCall")
            .field("request", &self.request)
            .field("input", &self.input)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Nothing to write: the input of an operation whose request is complete.
fn no_input(_: &(), _: &mut Request) {}

impl<T: Send + 'static> ApiCall<T> {
    #[doc(hidden)]
    pub fn new(client: &Client, request: Request, decode: Decoder<T>) -> Self {
        ApiCall { client: client.clone(), request, decode, retry: None, timeout: None, input: (), apply: no_input }
    }

    /// This call with an input that `apply` writes into the request when it is sent (generated
    /// operations: the setters change the input until then).
    #[doc(hidden)]
    pub fn with_input<J>(self, input: J, apply: fn(&J, &mut Request)) -> ApiCall<T, J> {
        let ApiCall { client, request, decode, retry, timeout, .. } = self;
        ApiCall { client, request, decode, retry, timeout, input, apply }
    }

    /// Client, request and per-call settings (for the paginator, which sends the request again
    /// for each page).
    pub(crate) fn into_parts(self) -> (Client, Request, Option<RetryPolicy>, Option<Option<Duration>>) {
        (self.client, self.request, self.retry, self.timeout)
    }
}

impl<T, I> ApiCall<T, I> {
    /// The request this call will send, with its input and the per-call extras written in
    /// (useful in tests).
    pub fn request(&self) -> Request {
        let mut request = self.request.clone();
        (self.apply)(&self.input, &mut request);
        request.merge_extra_body();
        request
    }

    /// Send header `name` with this call, on every attempt, in place of any value the request
    /// has for it (the operation's header parameters, `Accept`, `Content-Type`): for a header
    /// the spec does not declare yet. `Authorization` is refused with
    /// [`Error::InvalidRequest`]: the credentials are the client's, never set per call by
    /// accident. [Middleware](crate::middleware) runs after, and may change any header.
    ///
    /// ```no_run
    /// # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
    /// client.balance().retrieve().extra_header("x-debug", "1").extra_query("detail", "full").await?;
    /// # Ok(()) }
    /// ```
    pub fn extra_header(mut self, name: &str, value: &str) -> Self {
        self.request.extra_header(name, value);
        self
    }

    /// Send query parameter `name=value` with this call, in place of the values the request
    /// has for it.
    pub fn extra_query(mut self, name: &str, value: &str) -> Self {
        self.request.extra_query(name, value);
        self
    }

    /// Send member `name` in this call's JSON (or form) body, in place of the member the body
    /// has (the typed input's included): for a member the spec does not declare yet. A call
    /// without a body gets a JSON object; one whose body is neither JSON nor a form fails with
    /// [`Error::InvalidRequest`].
    ///
    /// ```no_run
    /// # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
    /// client.messages().send("+13125550001").text("Hi").extra_body("send_at_local_time", &true).await?;
    /// # Ok(()) }
    /// ```
    pub fn extra_body<V: serde::Serialize + ?Sized>(mut self, name: &str, value: &V) -> Self {
        self.request.extra_body(name, value);
        self
    }

    /// The input (body or optional parameters) as the setters left it.
    pub fn input_mut(&mut self) -> &mut I {
        &mut self.input
    }

    /// Change the input in place: for members set from an `Option`, or in a loop
    /// (`.edit_input(|body| body.command_id = event_id)`).
    pub fn edit_input(mut self, edit: impl FnOnce(&mut I)) -> Self {
        edit(&mut self.input);
        self
    }

    /// Replace the whole input: a body or parameters value built beforehand. Arguments the
    /// operation took for its required members are replaced too.
    pub fn replace_input(mut self, input: I) -> Self {
        self.input = input;
        self
    }

    /// The call with its input written into the request: what is sent.
    pub(crate) fn into_built(self) -> ApiCall<T> {
        let ApiCall { client, mut request, decode, retry, timeout, input, apply } = self;
        apply(&input, &mut request);
        request.merge_extra_body();
        ApiCall { client, request, decode, retry, timeout, input: (), apply: no_input }
    }

    /// Retries for this call only (0 turns them off).
    pub fn max_retries(mut self, n: u32) -> Self {
        let mut policy = self.retry.unwrap_or_else(|| self.client.inner.retry.clone());
        policy.max_retries = n;
        self.retry = Some(policy);
        self
    }

    /// Retry this call after failures that leave open whether the service carried it out
    /// even though it has no dedup key (a `POST` or `PATCH`; see [`crate::retry`]): for a call
    /// whose repeat is harmless to you, or which you check for yourself.
    pub fn retry_non_idempotent(mut self) -> Self {
        let mut policy = self.retry.unwrap_or_else(|| self.client.inner.retry.clone());
        policy.retry_non_idempotent = true;
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
}

impl<T: Send + 'static, I> ApiCall<T, I> {
    /// Send and decode, keeping status, headers, the body and where it deviated from the spec
    /// ([`Response::deviations`]).
    pub async fn with_response(self) -> Result<Response<T>> {
        self.into_built().response().await
    }

    /// Send and decode.
    pub async fn send(self) -> Result<T> {
        self.into_built().value().await
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
    /// let mut media = client.media().download("greeting.mp3").into_byte_stream().await?;
    /// println!("{:?} bytes, request id {:?}", media.content_length(), media.request_id());
    /// let mut file = tokio::fs::File::create("greeting.mp3").await?;
    /// while let Some(chunk) = media.try_next().await? {
    ///     file.write_all(&chunk).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn into_byte_stream(self) -> Result<ByteStream> {
        self.into_built().byte_stream().await
    }
}

impl<T: Send + 'static> ApiCall<T> {
    async fn response(self) -> Result<Response<T>> {
        let raw = execute(&self.client, &self.request, self.retry.as_ref(), self.timeout).await?;
        let status = raw.status;
        let headers = raw.headers.clone();
        let body = raw.body.clone();
        let (data, deviations) = self.decode(raw);
        Ok(Response { status, headers, data: data?, deviations, body })
    }

    async fn value(self) -> Result<T> {
        // Not through `with_response`: the headers need no copy when only the value is wanted.
        let raw = execute(&self.client, &self.request, self.retry.as_ref(), self.timeout).await?;
        self.decode(raw).0
    }

    /// The operation's decoder on `raw` in the client's decoding mode, with the deviations it
    /// found; the API key taken out of a decode error (a server that echoes the
    /// `Authorization` header must not put the key into an error).
    fn decode(&self, raw: RawResponse) -> (Result<T>, Vec<telnyx_api_core::lenient::Deviation>) {
        let status = raw.status;
        let (out, deviations) =
            with_decoding(self.client.inner.strict_decoding, || (self.decode)(self.request.operation_id, raw));
        let deviations = self.client.deviations(self.request.operation_id, status, deviations);
        (out.map_err(|e| self.client.redact(e)), deviations)
    }

    async fn byte_stream(self) -> Result<ByteStream> {
        let reply = execute_reply(&self.client, &self.request, self.retry.as_ref(), self.timeout, Want::Stream).await?;
        let op = self.request.operation_id;
        let idle = self.client.inner.stream_idle_timeout;
        Ok(match reply.body {
            ReplyBody::Stream(resp) => ByteStream::new(op, reply.status, reply.headers, resp.bytes_stream(), idle),
            // Not produced for a success status in streaming mode; handled for completeness.
            ReplyBody::Bytes(body) => {
                ByteStream::new(op, reply.status, reply.headers, futures::stream::iter([Ok(body)]), idle)
            }
        })
    }
}

impl<T: Send + 'static, I> IntoFuture for ApiCall<T, I> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.into_built().value())
    }
}
/// What a call wants of a successful response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// The body, read in full.
    Buffered,
    /// The body unread, to stream.
    Stream,
    /// A WebSocket: the request asks for an upgrade (`crate::ws`); `101 Switching Protocols`
    /// is the success, its connection handed over unread.
    Upgrade,
}

impl Want {
    fn success(self, status: StatusCode) -> bool {
        status.is_success() || (self == Want::Upgrade && status == StatusCode::SWITCHING_PROTOCOLS)
    }
}

/// A response as one attempt produced it: the body read in full, or (for a successful status
/// in streaming mode) still unread.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: ReplyBody,
    /// Only the first part of an error body was read.
    truncated: bool,
    /// The `Sec-WebSocket-Key` of an upgrade request, which the server's
    /// `Sec-WebSocket-Accept` must answer.
    pub(crate) websocket_key: Option<String>,
}

pub(crate) enum ReplyBody {
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
    let reply = execute_reply(client, request, retry, timeout, Want::Buffered).await?;
    let body = match reply.body {
        ReplyBody::Bytes(b) => b,
        // Only produced in streaming mode.
        ReplyBody::Stream(resp) => {
            resp.bytes().await.map_err(|source| Error::Transport { operation: request.operation_id, source })?
        }
    };
    Ok(RawResponse { status: reply.status, headers: reply.headers, body })
}

pub(crate) async fn execute_reply(
    client: &Client,
    request: &Request,
    retry: Option<&RetryPolicy>,
    timeout: Option<Option<Duration>>,
    want: Want,
) -> Result<Reply> {
    let span = trace::RequestSpan::new(request);
    #[cfg(feature = "tracing")]
    {
        use tracing::Instrument as _;
        let instrumented = span.0.clone();
        execute_inner(client, request, retry, timeout, want, &span).instrument(instrumented).await
    }
    #[cfg(not(feature = "tracing"))]
    execute_inner(client, request, retry, timeout, want, &span).await
}

async fn execute_inner(
    client: &Client,
    request: &Request,
    retry: Option<&RetryPolicy>,
    timeout: Option<Option<Duration>>,
    want: Want,
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
    // The dedup key, once per call: every retry sends the same one.
    let keyed = request.with_dedup_key();
    let request = keyed.as_ref().unwrap_or(request);
    // A repeat of it cannot have a second effect (or the caller accepts that it may).
    let idempotent = request.is_idempotent();
    let repeatable = idempotent || policy.retry_non_idempotent;
    let timeout = timeout.unwrap_or(inner.timeout);
    let url = match (&request.absolute_url, request.server) {
        (Some(url), _) => reqwest::Url::parse(url)
            .map_err(|e| Error::InvalidRequest { operation: op, message: format!("invalid URL {url}: {e}") })?,
        (None, Some(server)) => request.url(&client.server_base(server))?,
        (None, None) => request.url(&inner.base_url)?,
    };
    let mut attempt: u32 = 0;
    // A kept-alive connection found closed is retried once, outside the policy's count.
    let mut stale_retried = false;
    let replayable = !matches!(request.body, Body::Stream { .. });
    // An OAuth token the server refused is refreshed once per call.
    let mut refreshed = false;
    loop {
        span.attempt(attempt);
        let bearer = match request.auth {
            super::Auth::Bearer => client.bearer().await?,
            _ => None,
        };
        let result = attempt_once(client, request, url.clone(), timeout, want, attempt, bearer.as_deref()).await;
        if let (Ok(reply), Some(oauth), Some(used)) = (&result, &inner.oauth, &bearer) {
            if reply.status == StatusCode::UNAUTHORIZED && !refreshed && replayable {
                refreshed = true;
                oauth.refused(used).await;
                span.retrying(attempt, Duration::ZERO, &result);
                continue;
            }
        }
        if let Err(Error::Transport { source, .. }) = &result {
            if !stale_retried && replayable && closed_before_response(source) {
                stale_retried = true;
                span.retrying(attempt, Duration::ZERO, &result);
                continue;
            }
        }
        let retry_delay = match &result {
            Ok(reply) => {
                span.status(reply.status);
                if want.success(reply.status) {
                    None
                } else {
                    // A server that asks to wait longer than the cap gets the error back now.
                    let too_long = retry_after_too_long(&reply.headers);
                    let retryable =
                        if repeatable { is_retryable_status(reply.status) } else { is_not_carried_out(reply.status) };
                    match should_retry_header(&reply.headers) {
                        Some(true) if !too_long => Some(retry_after(&reply.headers)),
                        None if !too_long && retryable => Some(retry_after(&reply.headers)),
                        _ => None,
                    }
                }
            }
            // Nothing was sent: always safe.
            Err(Error::Transport { source, .. }) if source.is_connect() => Some(None),
            // Sent, perhaps carried out.
            Err(Error::Timeout { .. }) if repeatable => Some(None),
            Err(Error::Transport { source, .. }) if repeatable && (source.is_request() || source.is_timeout()) => {
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
                let reply = match result {
                    Ok(reply) => reply,
                    Err(e) if !idempotent && sent(&e) => {
                        return Err(Error::MaybeCarriedOut { operation: op, source: Box::new(e) })
                    }
                    Err(e) => return Err(e),
                };
                if want.success(reply.status) {
                    return Ok(reply);
                }
                let mut body = match reply.body {
                    ReplyBody::Bytes(b) => b,
                    ReplyBody::Stream(_) => Bytes::new(),
                };
                let mut headers = reply.headers;
                // A server echoing the `Authorization` header back must not put the key in the
                // error (before parsing, so that the envelope's details are clean too).
                for secret in client.secrets() {
                    body = crate::error::redact_bytes(body, &secret, reply.truncated);
                    crate::error::redact_headers(&mut headers, &secret);
                }
                let status = reply.status;
                let error = Error::Api(Box::new(ApiError::new(op, status, headers, body).truncated(reply.truncated)));
                if !idempotent && may_be_carried_out(status) {
                    return Err(Error::MaybeCarriedOut { operation: op, source: Box::new(error) });
                }
                return Err(error);
            }
        }
    }
}

/// Whether the connection was closed cleanly before any byte of the response arrived: the
/// signature of a kept-alive connection the server closed while it sat idle in the pool, found
/// closed only once the next request went out on it (hyper's `IncompleteMessage`). The server
/// closed it before reading the request, so sending it again on a new connection repeats
/// nothing. (A connection the pool sees closed in time is never used, and a request hyper could
/// not start writing is sent again by hyper itself.) A server that reads a request, carries it
/// out and then closes the connection without a byte of answer would look the same; servers
/// and proxies answer such failures with 502 or 504, or reset the connection.
fn closed_before_response(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            return h.is_incomplete_message();
        }
        source = s.source();
    }
    false
}

/// Whether an attempt that failed with `e` may have reached the service: anything but a
/// connection that could not be made (or a request the client refused to build).
fn sent(e: &Error) -> bool {
    match e {
        Error::Transport { source, .. } => !source.is_connect() && !source.is_builder(),
        Error::Timeout { .. } => true,
        _ => false,
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
    want: Want,
    number: u32,
    bearer: Option<&str>,
) -> Result<Reply> {
    let op = request.operation_id;
    let inner = &client.inner;
    let mut http = build_http(client, request, url.clone(), bearer)
        .await?
        .build()
        .map_err(|source| Error::Transport { operation: op, source })?;
    // A new key for each attempt (RFC 6455 §4.1).
    let websocket_key = (want == Want::Upgrade).then(|| crate::ws::upgrade_headers(http.headers_mut()));
    // The call's extra headers win over the request's own; middleware comes last.
    for (name, value) in &request.extra_headers {
        http.headers_mut().insert(name.clone(), value.clone());
    }
    let attempt = Attempt { operation: op, number, method: &request.method, url: &url };
    for m in &inner.middleware {
        m.before(&attempt, &mut http);
    }
    let result = send_attempt(client, http, op, timeout, want).await.map(|reply| Reply { websocket_key, ..reply });
    for m in inner.middleware.iter().rev() {
        let outcome = match &result {
            Ok(reply) => Outcome::Response { status: reply.status, headers: &reply.headers },
            Err(e) => Outcome::Error(e),
        };
        m.after(&attempt, &outcome);
    }
    result
}

/// Send one attempt's request and read its response within the timeout.
async fn send_attempt(
    client: &Client,
    http: reqwest::Request,
    op: &'static str,
    timeout: Option<Duration>,
    want: Want,
) -> Result<Reply> {
    let fut = async {
        let http_client = if want == Want::Upgrade { client.websocket_http()? } else { &client.inner.http };
        let mut resp = http_client.execute(http).await.map_err(|source| Error::Transport { operation: op, source })?;
        let status = resp.status();
        if want != Want::Buffered && want.success(status) {
            let headers = resp.headers().clone();
            return Ok(Reply { status, headers, body: ReplyBody::Stream(resp), truncated: false, websocket_key: None });
        }
        // Reading the body needs only the response itself: the headers move out, uncopied.
        let headers = std::mem::take(resp.headers_mut());
        let inner = &client.inner;
        let limit = if status.is_success() { inner.max_response_body } else { inner.max_error_body };
        let (body, truncated) = read_limited(resp, limit, op).await?;
        if truncated && status.is_success() {
            return Err(Error::BodyTooLarge { operation: op, status, limit });
        }
        Ok(Reply { status, headers, body: ReplyBody::Bytes(body), truncated, websocket_key: None })
    };
    match timeout {
        Some(t) => tokio::time::timeout(t, fut).await.map_err(|_| Error::Timeout { operation: op, timeout: t })?,
        None => fut.await,
    }
}
#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

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
}
