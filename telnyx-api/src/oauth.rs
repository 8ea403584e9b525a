//! OAuth 2.0 client credentials, as the official SDKs authenticate besides the API key: a
//! client id and secret ([`ClientBuilder::oauth_client_credentials`], or `TELNYX_CLIENT_ID` and
//! `TELNYX_CLIENT_SECRET` for [`Client::from_env`] when `TELNYX_API_KEY` is not set) are
//! exchanged for an access token at the spec's token endpoint (`POST /oauth/token`, a form of
//! `grant_type=client_credentials`, `client_id` and `client_secret`), which then goes out as the
//! bearer token.
//!
//! - The token is cached until shortly before it expires (`expires_in` less a tenth of it, at
//!   most a minute), then fetched again.
//! - Concurrent calls share one fetch: the first to find the token missing or stale fetches
//!   it while the others wait for it (100 concurrent calls on an expired token make one token
//!   request).
//! - A 401 answer refreshes the token once and sends the call again.
//! - The secret and the tokens are taken out of errors like the API key.
//!
//! The exchange is one form `POST`, sent through this client's own request path (timeouts,
//! retries, typed errors with secrets redacted, middleware, tracing) rather than with the
//! `oauth2` crate, which would send it outside all of these and report a refused exchange
//! without its status; the part that needs care, the cache shared by concurrent calls, is the
//! same either way.
//!
//! [`ClientBuilder::oauth_client_credentials`]: crate::ClientBuilder::oauth_client_credentials
//! [`Client::from_env`]: crate::Client::from_env

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::client::Client;
use crate::error::Result;
use crate::request::Request;

/// The operation id token requests report (errors, spans, middleware).
pub const TOKEN_OPERATION: &str = "ExchangeOAuthToken";

/// Client credentials and the token they were exchanged for.
pub(crate) struct OAuth {
    client_id: String,
    client_secret: String,
    /// The token endpoint, absolute.
    token_url: String,
    /// The cached token; held across a fetch, so that concurrent calls wait for one fetch.
    token: tokio::sync::Mutex<Option<Token>>,
    /// Every token handed out, for redaction (read without waiting); the last few only.
    issued: Mutex<Vec<String>>,
}

#[derive(Clone)]
struct Token {
    value: String,
    /// When it is fetched again; `None` for a token without `expires_in` (until a 401).
    refresh_at: Option<Instant>,
}

/// How many past tokens are kept for redaction.
const KEEP_ISSUED: usize = 4;

impl OAuth {
    pub(crate) fn new(client_id: String, client_secret: String, token_url: String) -> Self {
        OAuth {
            client_id,
            client_secret,
            token_url,
            token: tokio::sync::Mutex::new(None),
            issued: Mutex::new(Vec::new()),
        }
    }

    /// The client secret and the tokens issued: what must never show in an error.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut out = vec![self.client_secret.clone()];
        out.extend(self.issued.lock().map(|t| t.clone()).unwrap_or_default());
        out
    }

    /// A valid access token: the cached one, or a new one (one fetch for all waiting calls).
    ///
    /// A boxed future, not an `async fn`: a call's attempt asks for the token and the token
    /// request is itself a call, so the futures would contain each other; the box (of a
    /// `Send` trait object) is the indirection that breaks the cycle.
    pub(crate) fn bearer<'a>(&'a self, client: &'a Client) -> futures::future::BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            let mut slot = self.token.lock().await;
            if let Some(t) = slot.as_ref().filter(|t| t.refresh_at.is_none_or(|at| Instant::now() < at)) {
                return Ok(t.value.clone());
            }
            let token = self.fetch(client).await?;
            if let Ok(mut issued) = self.issued.lock() {
                issued.push(token.value.clone());
                let excess = issued.len().saturating_sub(KEEP_ISSUED);
                issued.drain(..excess);
            }
            let value = token.value.clone();
            *slot = Some(token);
            Ok(value)
        })
    }

    /// Forget `used` after the server refused it (401): the next call fetches a new one, unless
    /// another call already did.
    pub(crate) async fn refused(&self, used: &str) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.value == used) {
            *slot = None;
        }
    }

    async fn fetch(&self, client: &Client) -> Result<Token> {
        #[derive(Deserialize)]
        struct TokenResponse {
            access_token: String,
            #[serde(default)]
            expires_in: Option<f64>,
        }
        let mut request = Request::new(reqwest::Method::POST, TOKEN_OPERATION, "/oauth/token", String::new());
        request.absolute_url(self.token_url.clone());
        request.no_auth();
        // A second exchange only issues a second token: retried as a `GET` is.
        request.repeatable();
        // The credentials in the form (the spec's `client_id`/`client_secret`, RFC 6749's
        // `client_secret_post`), not as HTTP Basic: the spec lets the token endpoint be called
        // without an `Authorization` header, and mock servers that check security do so.
        request.form(&serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }));
        let started = Instant::now();
        let raw = crate::request::execute(client, &request, None, None).await?;
        let parsed = crate::untyped::decode_untyped::<TokenResponse>(TOKEN_OPERATION, raw);
        let parsed = parsed.map_err(|e| client.redact(e))?;
        let refresh_at = parsed.expires_in.filter(|s| s.is_finite() && *s > 0.0).map(|secs| {
            let lifetime = Duration::from_secs_f64(secs.min(1e9));
            started + lifetime - (lifetime / 10).min(Duration::from_secs(60))
        });
        Ok(Token { value: parsed.access_token, refresh_at })
    }
}

/// The token endpoint for a client whose base URL is `base_url`: the spec's (`tokenUrl`),
/// moved under `base_url` when it is under the default base URL (a mock server, a proxy).
pub(crate) fn token_url(base_url: &str) -> String {
    let spec = crate::generated::servers::OAUTH_TOKEN_URL.unwrap_or("https://api.telnyx.com/v2/oauth/token");
    match spec.strip_prefix(crate::client::DEFAULT_BASE_URL) {
        Some(path) => format!("{base_url}{path}"),
        None => spec.to_owned(),
    }
}
