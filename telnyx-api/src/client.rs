//! Client configuration: base URL, API key, HTTP client, retries and timeouts.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::servers::{ServerConfig, ServerSpec, SERVERS};

/// The production base URL of the Telnyx v2 API.
pub const DEFAULT_BASE_URL: &str = "https://api.telnyx.com/v2";

/// A handle to the Telnyx API. Cheap to clone (`Arc` inside); `Send + Sync`.
///
/// Operations are grouped by the spec's tags: `client.messages().send(&body).await`.
///
/// ```no_run
/// # async fn run() -> telnyx_api::Result<()> {
/// let client = telnyx_api::Client::from_env()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) api_key: Option<String>,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Option<Duration>,
    pub(crate) stream_idle_timeout: Duration,
    pub(crate) sleep: Option<SleepFn>,
    /// Configuration of the servers other than the base URL, by name.
    pub(crate) servers: BTreeMap<String, ServerConfig>,
    /// Most bytes of an error body kept (and read).
    pub(crate) max_error_body: usize,
    /// Most bytes of a success body buffered for decoding.
    pub(crate) max_response_body: usize,
    /// Largest server-sent event accepted.
    pub(crate) max_sse_event: usize,
    /// A response body that deviates from its type is an error instead of decoded leniently.
    pub(crate) strict_decoding: bool,
    /// Hooks around every attempt, in the order added.
    pub(crate) middleware: crate::middleware::Stack,
    /// OAuth 2.0 client credentials, when the client authenticates with them.
    pub(crate) oauth: Option<crate::oauth::OAuth>,
    /// The HTTP/1.1-only client WebSocket upgrades go through, built on first use.
    pub(crate) websocket_http: OnceLock<reqwest::Client>,
    /// What builds it: connect timeout and user agent.
    pub(crate) websocket_http_settings: (Duration, String),
    /// Largest WebSocket message (and frame) accepted.
    pub(crate) max_websocket_message: usize,
    /// Silence after which a WebSocket is pinged.
    pub(crate) websocket_ping_interval: Option<Duration>,
}

/// Default [`ClientBuilder::max_error_body`]: 64 KiB.
pub const DEFAULT_MAX_ERROR_BODY: usize = 64 * 1024;
/// Default [`ClientBuilder::max_response_body`]: 256 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 256 * 1024 * 1024;

/// The function that waits between retries (see [`ClientBuilder::retry_sleep`]).
pub(crate) type SleepFn = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &self.inner.api_key.as_ref().map(|_| "<redacted>"))
            .field("oauth", &self.inner.oauth.is_some())
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .field("stream_idle_timeout", &self.inner.stream_idle_timeout)
            .field("custom_retry_sleep", &self.inner.sleep.is_some())
            .field("servers", &self.inner.servers)
            .finish()
    }
}

impl Client {
    /// A client for `api_key` with default settings (see [`ClientBuilder`] for them). Sends
    /// nothing yet: a bad key shows on the first call, as [`Error::Api`] with status 401.
    ///
    /// ```
    /// let client = telnyx_api::Client::new("KEY0123456789")?;
    /// assert_eq!(client.base_url(), telnyx_api::DEFAULT_BASE_URL);
    /// # Ok::<(), telnyx_api::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the key is empty or not printable ASCII.
    pub fn new(api_key: impl Into<String>) -> Result<Client> {
        Client::builder().api_key(api_key).build()
    }

    /// Start configuring a client; see [`ClientBuilder`].
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = telnyx_api::Client::builder()
    ///     .api_key("KEY0123456789")
    ///     .timeout(Some(Duration::from_secs(30)))
    ///     .max_retries(4)
    ///     .build()?;
    /// assert_eq!(client.retry_policy().max_retries, 4);
    /// # Ok::<(), telnyx_api::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: `TELNYX_API_KEY`, or when it is not set
    /// `TELNYX_CLIENT_ID` and `TELNYX_CLIENT_SECRET` (OAuth 2.0 client credentials, see
    /// [`crate::oauth`]), `TELNYX_BASE_URL` (optional), and for each server other than the base URL (see
    /// [`crate::servers`]) `TELNYX_<SERVER>_<VARIABLE>` and `TELNYX_<SERVER>_URL` (optional:
    /// `TELNYX_STORAGE_REGION`, `TELNYX_STORAGE_URL`). `TELNYX_STRICT_DECODING=1` (or `true`)
    /// turns on [`ClientBuilder::strict_decoding`], for test runs that should catch spec drift.
    ///
    /// ```no_run
    /// // TELNYX_API_KEY=KEY… TELNYX_BASE_URL=http://127.0.0.1:4010 cargo run
    /// let client = telnyx_api::Client::from_env()?;
    /// println!("calling {}", client.base_url());
    /// # Ok::<(), telnyx_api::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when neither `TELNYX_API_KEY` nor both `TELNYX_CLIENT_ID` and
    /// `TELNYX_CLIENT_SECRET` are set, or a value is invalid (as for the builder's setters).
    pub fn from_env() -> Result<Client> {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut b = match (set("TELNYX_API_KEY"), set("TELNYX_CLIENT_ID"), set("TELNYX_CLIENT_SECRET")) {
            (Some(key), _, _) => Client::builder().api_key(key),
            (None, Some(id), Some(secret)) => Client::builder().oauth_client_credentials(id, secret),
            _ => {
                return Err(Error::Config(
                    "TELNYX_API_KEY is not set (nor TELNYX_CLIENT_ID and TELNYX_CLIENT_SECRET)".into(),
                ))
            }
        };
        if let Some(url) = set("TELNYX_BASE_URL") {
            b = b.base_url(url);
        }
        if let Some(strict) = set("TELNYX_STRICT_DECODING") {
            b = b.strict_decoding(matches!(strict.trim(), "1" | "true" | "yes"));
        }
        for server in SERVERS {
            if let Some(url) = set(&server.url_env_var()) {
                b = b.server_url(server.name, url);
            }
            for v in server.variables {
                if let Some(value) = set(&server.env_var(v.name)) {
                    b = b.server_variable(server.name, v.name, value);
                }
            }
        }
        b.build()
    }

    /// The endpoint requests to `server` go to (no trailing slash).
    pub fn server_base(&self, server: &ServerSpec) -> String {
        server.base(self.inner.servers.get(server.name))
    }

    /// The base URL requests go to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The client's default retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// What must never show in an error or a trace: the API key, the OAuth client secret and
    /// the access tokens issued.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = self.inner.api_key.iter().cloned().collect();
        if let Some(oauth) = &self.inner.oauth {
            out.extend(oauth.secrets());
        }
        out
    }

    /// The bearer token of a request: the API key, or an OAuth access token (fetched when
    /// missing or stale); `None` for a client with neither.
    pub(crate) async fn bearer(&self) -> Result<Option<String>> {
        match (&self.inner.api_key, &self.inner.oauth) {
            (Some(key), _) => Ok(Some(key.clone())),
            (None, Some(oauth)) => oauth.bearer(self).await.map(Some),
            (None, None) => Ok(None),
        }
    }

    /// `e` with this client's secrets taken out of what the server sent back: a server that
    /// echoes the `Authorization` header must not put the key into a decode error.
    /// The HTTP client of WebSocket upgrades: the one given to
    /// [`ClientBuilder::websocket_http_client`], else one like the client's own that speaks
    /// HTTP/1.1 only (an HTTP/2 connection cannot be upgraded, and another crate in the build
    /// may turn reqwest's `http2` feature on).
    pub(crate) fn websocket_http(&self) -> Result<&reqwest::Client> {
        if let Some(c) = self.inner.websocket_http.get() {
            return Ok(c);
        }
        let (connect_timeout, user_agent) = &self.inner.websocket_http_settings;
        let built = reqwest::Client::builder()
            .http1_only()
            .connect_timeout(*connect_timeout)
            .user_agent(user_agent.as_str())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the WebSocket HTTP client: {e}")))?;
        Ok(self.inner.websocket_http.get_or_init(|| built))
    }

    pub(crate) fn redact(&self, mut e: Error) -> Error {
        for secret in self.secrets() {
            e = e.redact(&secret);
        }
        e
    }

    /// Deviations of a response with this client's API key taken out of them (the values found
    /// are what the server sent), then logged: one warn event for the response.
    pub(crate) fn deviations(
        &self,
        operation: &'static str,
        status: reqwest::StatusCode,
        mut deviations: Vec<crate::Deviation>,
    ) -> Vec<crate::Deviation> {
        for secret in self.secrets() {
            for d in &mut deviations {
                crate::error::redact_deviation(d, &secret);
            }
        }
        crate::request::trace_deviations(operation, status, &deviations);
        deviations
    }
}

/// Builder for [`Client`]; start with [`Client::builder`].
///
/// Defaults: [`DEFAULT_BASE_URL`], a 60 s timeout per attempt, a 5 s connect timeout, a 60 s
/// idle timeout for streams, [`RetryPolicy::default`] (2 retries with backoff), a 64 KiB cap on
/// kept error bodies and a 256 MiB one on buffered responses.
///
/// ```
/// use std::time::Duration;
/// use telnyx_api::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("KEY0123456789")
///     // A local mock server (Prism) instead of api.telnyx.com.
///     .base_url("http://127.0.0.1:4010/v2")
///     .retry_policy(RetryPolicy { max_retries: 5, ..RetryPolicy::default() })
///     .connect_timeout(Duration::from_secs(2))
///     .stream_idle_timeout(Duration::from_secs(120))
///     .user_agent("my-app/1.0")
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:4010/v2");
/// # Ok::<(), telnyx_api::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: String,
    api_key: Option<String>,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    stream_idle_timeout: Duration,
    user_agent: String,
    sleep: Option<SleepFn>,
    servers: BTreeMap<String, ServerConfig>,
    max_error_body: usize,
    max_response_body: usize,
    max_sse_event: usize,
    strict_decoding: bool,
    middleware: crate::middleware::Stack,
    /// OAuth 2.0 client id and secret.
    oauth: Option<(String, String)>,
    websocket_http: Option<reqwest::Client>,
    max_websocket_message: usize,
    websocket_ping_interval: Option<Duration>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            http: None,
            retry: RetryPolicy::default(),
            timeout: Some(Duration::from_secs(60)),
            connect_timeout: Duration::from_secs(5),
            stream_idle_timeout: Duration::from_secs(60),
            user_agent: concat!("telnyx-api-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            sleep: None,
            servers: BTreeMap::new(),
            max_error_body: DEFAULT_MAX_ERROR_BODY,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            strict_decoding: false,
            max_sse_event: crate::sse::DEFAULT_MAX_EVENT_SIZE,
            middleware: Vec::new(),
            oauth: None,
            websocket_http: None,
            max_websocket_message: crate::ws::DEFAULT_MAX_MESSAGE,
            websocket_ping_interval: Some(crate::ws::DEFAULT_PING_INTERVAL),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("oauth_client_id", &self.oauth.as_ref().map(|(id, _)| id))
            .field("custom_http_client", &self.http.is_some())
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("user_agent", &self.user_agent)
            .field("custom_retry_sleep", &self.sleep.is_some())
            .field("servers", &self.servers)
            .field("max_error_body", &self.max_error_body)
            .field("max_response_body", &self.max_response_body)
            .field("max_sse_event", &self.max_sse_event)
            .field("strict_decoding", &self.strict_decoding)
            .field("custom_websocket_http_client", &self.websocket_http.is_some())
            .field("max_websocket_message", &self.max_websocket_message)
            .field("websocket_ping_interval", &self.websocket_ping_interval)
            .finish()
    }
}

impl ClientBuilder {
    /// The most of an error response's body that is read and kept in [`ApiError::body`]
    /// (default 64 KiB, [`DEFAULT_MAX_ERROR_BODY`]); the error envelope is parsed from it when it
    /// fits, and [`ApiError::body_truncated`] says when it did not. The rest is not read (the
    /// connection is closed), so a huge error page costs one bounded read per attempt.
    ///
    /// [`ApiError::body`]: crate::ApiError::body
    /// [`ApiError::body_truncated`]: crate::ApiError::body_truncated
    pub fn max_error_body(mut self, bytes: usize) -> Self {
        self.max_error_body = bytes;
        self
    }

    /// The largest success body buffered for decoding (default 256 MiB,
    /// [`DEFAULT_MAX_RESPONSE_BODY`]); a larger one is [`Error::BodyTooLarge`]. Downloads read
    /// with `into_byte_stream` are streamed and not limited.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// Decode response bodies strictly: a body that deviates from the type the spec declares
    /// (a required member missing, a value of another type) is [`Error::Decode`] with the path,
    /// as in 0.2, instead of decoded leniently with [`Response::deviations`](crate::Response)
    /// (the default; see [`crate::decode`]). For test suites that should catch spec drift.
    /// Members the type does not declare are accepted either way.
    pub fn strict_decoding(mut self, strict: bool) -> Self {
        self.strict_decoding = strict;
        self
    }

    /// The largest server-sent event a stream accepts (default 4 MiB,
    /// [`crate::sse::DEFAULT_MAX_EVENT_SIZE`]); a larger one ends the stream with
    /// [`Error::Stream`].
    pub fn max_sse_event(mut self, bytes: usize) -> Self {
        self.max_sse_event = bytes;
        self
    }

    /// The largest WebSocket message (and frame) a connection accepts (default 16 MiB,
    /// [`crate::ws::DEFAULT_MAX_MESSAGE`]); a larger one ends the connection with
    /// [`WsFailure::MessageTooLarge`](crate::ws::WsFailure::MessageTooLarge).
    pub fn max_websocket_message(mut self, bytes: usize) -> Self {
        self.max_websocket_message = bytes;
        self
    }

    /// How long a WebSocket may stay silent before the client pings it (default 20 s,
    /// [`crate::ws::DEFAULT_PING_INTERVAL`]; `None`: never). A server that answers nothing,
    /// not even the pong, for [`stream_idle_timeout`](Self::stream_idle_timeout) ends the
    /// connection with [`Error::Timeout`].
    pub fn websocket_ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.websocket_ping_interval = interval;
        self
    }

    /// The `reqwest::Client` WebSocket upgrades go through (proxies, custom TLS). It must
    /// speak HTTP/1.1: an HTTP/2 connection cannot be upgraded. By default the client builds
    /// one with `http1_only()` and this builder's connect timeout and user agent, also when
    /// [`http_client`](Self::http_client) is set.
    pub fn websocket_http_client(mut self, client: reqwest::Client) -> Self {
        self.websocket_http = Some(client);
        self
    }

    /// Replace the whole endpoint of a server other than the base URL (by its name in
    /// [`crate::servers::SERVERS`], `"storage"`), e.g. a local S3-compatible server in tests.
    pub fn server_url(mut self, server: &str, url: impl Into<String>) -> Self {
        self.servers.entry(server.to_owned()).or_default().url = Some(url.into());
        self
    }

    /// Set a variable of a server's URL template (`server_variable("storage", "region",
    /// "us-east-1")`); unset variables take the spec's default.
    pub fn server_variable(mut self, server: &str, variable: &str, value: impl Into<String>) -> Self {
        self.servers.entry(server.to_owned()).or_default().variables.insert(variable.to_owned(), value.into());
        self
    }

    /// Base URL, default [`DEFAULT_BASE_URL`]. A trailing `/` is ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The API key sent as `Authorization: Bearer …`. Never printed by `Debug`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Authenticate with OAuth 2.0 client credentials instead of an API key: they are
    /// exchanged for an access token at the spec's token endpoint, cached until shortly before
    /// it expires, and refreshed on a 401 (see [`crate::oauth`]). An API key, when also set,
    /// wins.
    ///
    /// ```
    /// let client = telnyx_api::Client::builder().oauth_client_credentials("my-client-id", "my-secret").build()?;
    /// # drop(client);
    /// # Ok::<(), telnyx_api::Error>(())
    /// ```
    pub fn oauth_client_credentials(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.oauth = Some((client_id.into(), client_secret.into()));
        self
    }

    /// Use this `reqwest::Client` (proxies, custom TLS, connection pool settings). The
    /// connect timeout and user agent settings of this builder do not apply to it.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Default retry policy of every call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Shorthand for changing only the number of retries (0 turns retrying off).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.retry.max_retries = n;
        self
    }

    /// Total time allowed for one attempt of a request, default 60 s; `None` for no limit.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to establish a connection, default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest silence allowed between two events of a server-sent event stream, default 60 s.
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Replace the wait between retries (default `tokio::time::sleep`). The function gets the
    /// delay the retry policy chose. Useful to observe retries, to run on a runtime other than
    /// tokio's timer, or in tests to skip real waiting.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let record = seen.clone();
    /// let client = telnyx_api::Client::builder()
    ///     .api_key("KEY")
    ///     .retry_sleep(move |delay| {
    ///         record.lock().unwrap().push(delay);
    ///         async {}
    ///     })
    ///     .build()?;
    /// # Ok::<(), telnyx_api::Error>(())
    /// ```
    pub fn retry_sleep<F, Fut>(mut self, sleep: F) -> Self
    where
        F: Fn(Duration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.sleep = Some(Arc::new(move |d| Box::pin(sleep(d))));
        self
    }

    /// Add middleware: hooks that see every attempt of every call (see
    /// [`crate::middleware`]). Several stack: `before` hooks run in the order added, `after`
    /// hooks in the reverse order.
    pub fn middleware(mut self, middleware: impl crate::middleware::Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// Build the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the base URL or a server URL is not `http(s)://…`, the API key is
    /// empty or not printable ASCII, or the HTTP client cannot be built (TLS setup).
    pub fn build(self) -> Result<Client> {
        let base_url = self.base_url.trim().trim_end_matches('/').to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(Error::Config(format!("base URL must start with http:// or https://, got {base_url:?}")));
        }
        if let Some(key) = &self.api_key {
            if key.trim().is_empty() || key.contains(['\r', '\n']) {
                return Err(Error::Config("API key is empty or contains a line break".into()));
            }
            // Telnyx keys are printable ASCII; anything else is a paste accident (smart quotes, a
            // stray space) that would otherwise only fail, less clearly, on the first request.
            // The key is not echoed: it is secret.
            if !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::Config("API key must be printable ASCII without spaces".into()));
            }
        }
        for (name, config) in &self.servers {
            if let Some(url) = &config.url {
                crate::servers::check_url(name, url)?;
            }
        }
        let websocket_http = OnceLock::new();
        if let Some(c) = self.websocket_http {
            let _ = websocket_http.set(c);
        }
        let websocket_http_settings = (self.connect_timeout, self.user_agent.clone());
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent)
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let oauth = match self.oauth {
            Some((id, secret)) => {
                if id.trim().is_empty() || secret.trim().is_empty() {
                    return Err(Error::Config("OAuth client id or secret is empty".into()));
                }
                Some(crate::oauth::OAuth::new(id, secret, crate::oauth::token_url(&base_url)))
            }
            None => None,
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                base_url,
                api_key: self.api_key,
                retry: self.retry,
                timeout: self.timeout,
                stream_idle_timeout: self.stream_idle_timeout,
                sleep: self.sleep,
                servers: self.servers,
                max_error_body: self.max_error_body,
                max_response_body: self.max_response_body,
                max_sse_event: self.max_sse_event,
                strict_decoding: self.strict_decoding,
                middleware: self.middleware,
                oauth,
                websocket_http,
                websocket_http_settings,
                max_websocket_message: self.max_websocket_message,
                websocket_ping_interval: self.websocket_ping_interval,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let c = Client::builder().api_key("KEY0123SECRET").build().unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("KEY0123SECRET"), "{s}");
        assert!(s.contains("<redacted>"));
        let b = Client::builder().api_key("KEY0123SECRET");
        assert!(!format!("{b:?}").contains("KEY0123SECRET"));
    }

    #[test]
    fn base_url_is_normalised_and_checked() {
        let c = Client::builder().base_url("http://127.0.0.1:4010/v2/").build().unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:4010/v2");
        assert!(Client::builder().base_url("ftp://x").build().is_err());
        assert_eq!(Client::builder().build().unwrap().base_url(), DEFAULT_BASE_URL);
    }

    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}

    #[test]
    fn client_is_send_sync_clone() {
        assert_send_sync_clone::<Client>();
    }
}
