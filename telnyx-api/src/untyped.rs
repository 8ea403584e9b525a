//! Untyped calls: `client.get(path)`, `post`, `put`, `patch` and `delete`, for operations this
//! crate has no method for (the pinned spec lags the API: the official SDKs list operations it
//! lacks, such as `POST /calls/{call_control_id}/actions/pay`). They go through the same
//! machinery as generated calls: the API key, the base URL, retries (by the rules of
//! [`crate::retry`]: a `POST` or `PATCH` has no dedup key here unless you send one), timeouts,
//! bounded bodies, typed errors with the key redacted, middleware and tracing.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{ApiCall, RawResponse, Request};

/// The path template untyped calls report (spans, [`crate::middleware::Attempt`]).
const UNTYPED_PATH: &str = "(untyped)";

impl Client {
    /// `GET path` (relative to the base URL, as the spec writes paths: `/balance`; percent-encode
    /// what needs it), decoded as `T`: a type of your own, or [`serde_json::Value`].
    ///
    /// ```no_run
    /// # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
    /// let balance: serde_json::Value = client.get("/balance").extra_query("currency", "USD").await?;
    /// # Ok(()) }
    /// ```
    pub fn get<T: DeserializeOwned + Send + 'static>(&self, path: &str) -> ApiCall<T> {
        self.untyped(reqwest::Method::GET, "untyped GET", path, None::<&()>)
    }

    /// `DELETE path`, decoded as `T` (`()` for an empty answer, or [`serde_json::Value`]).
    pub fn delete<T: DeserializeOwned + Send + 'static>(&self, path: &str) -> ApiCall<T> {
        self.untyped(reqwest::Method::DELETE, "untyped DELETE", path, None::<&()>)
    }

    /// `POST path` with `body` as JSON, decoded as `T`.
    ///
    /// ```no_run
    /// # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
    /// use serde_json::{json, Value};
    /// // An operation newer than this crate's spec.
    /// let id = "v3:call";
    /// let body = json!({"amount": "10.00", "currency": "USD"});
    /// let reply: Value = client.post(&format!("/calls/{id}/actions/pay"), &body).await?;
    /// # Ok(()) }
    /// ```
    pub fn post<T: DeserializeOwned + Send + 'static, B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> ApiCall<T> {
        self.untyped(reqwest::Method::POST, "untyped POST", path, Some(body))
    }

    /// `PUT path` with `body` as JSON, decoded as `T`.
    pub fn put<T: DeserializeOwned + Send + 'static, B: Serialize + ?Sized>(&self, path: &str, body: &B) -> ApiCall<T> {
        self.untyped(reqwest::Method::PUT, "untyped PUT", path, Some(body))
    }

    /// `PATCH path` with `body` as JSON, decoded as `T`.
    pub fn patch<T: DeserializeOwned + Send + 'static, B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> ApiCall<T> {
        self.untyped(reqwest::Method::PATCH, "untyped PATCH", path, Some(body))
    }

    fn untyped<T: DeserializeOwned + Send + 'static, B: Serialize + ?Sized>(
        &self,
        method: reqwest::Method,
        operation: &'static str,
        path: &str,
        body: Option<&B>,
    ) -> ApiCall<T> {
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        let mut request = Request::new(method, operation, UNTYPED_PATH, path);
        if let Some(body) = body {
            request.json(body);
        }
        ApiCall::new(self, request, decode_untyped::<T>)
    }
}

/// Decode a response as any `T`, by serde: an empty body as JSON `null` (so `()`, `Option<_>`
/// and `Value` take it); a body that does not fit is [`Error::Decode`] with the JSON path.
pub(crate) fn decode_untyped<T: DeserializeOwned>(operation: &'static str, raw: RawResponse) -> Result<T> {
    let body: &[u8] = if raw.body.iter().all(u8::is_ascii_whitespace) { b"null" } else { &raw.body };
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        operation,
        type_name: std::any::type_name::<T>(),
        status: raw.status,
        path: crate::json_path::path_at(body, e.line(), e.column()),
        message: e.to_string(),
        body: raw.body.clone(),
    })
}
