//! Helpers for testing code that uses this crate (feature `testing`, off by default).
//!
//! - [`WebhookSigner`] makes an Ed25519 key pair and signs webhook bodies the way Telnyx does,
//!   so a webhook handler can be tested end to end: give the handler
//!   [`WebhookSigner::verifier`] (or put [`WebhookSigner::public_key`] in `TELNYX_PUBLIC_KEY`)
//!   and send it the bodies and headers of [`WebhookSigner::sign`].
//! - [`client_for`] points a [`Client`] at a local mock server (Prism, wiremock, a tokio or axum
//!   server of the test's own) with a dummy API key and no retries.
//! - [`event`] builds the envelope of a webhook body around a payload.
//! - [`speech::SpeechServer`] stands in for the speech WebSockets ([`crate::ws`]).
//!
//! Enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! telnyx-api = { version = "0.2", features = ["testing"] }
//! ```
//!
//! ```
//! use telnyx_api::testing::{self, WebhookSigner};
//!
//! let signer = WebhookSigner::new();
//! let body = testing::event("call.hangup", serde_json::json!({"call_control_id": "v3:abc"}));
//! let delivery = signer.sign_json(&body);
//!
//! // What the handler under test does with the request it receives:
//! let verifier = telnyx_api::WebhookVerifier::new(&signer.public_key())?;
//! let event = verifier.verify_headers_and_parse_event(&delivery.body, &delivery.headers())?;
//! assert_eq!(event.event_type(), Some("call.hangup"));
//!
//! // A tampered body is rejected.
//! let forged = b"{\"data\":{\"event_type\":\"call.hangup\"}}";
//! assert!(verifier.verify_headers(forged, &delivery.headers()).is_err());
//!
//! // API calls of the code under test go to the mock server instead of Telnyx.
//! let client = testing::client_for("http://127.0.0.1:4010");
//! assert_eq!(client.base_url(), "http://127.0.0.1:4010");
//! # Ok::<(), telnyx_api::WebhookError>(())
//! ```

pub mod speech;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};

use crate::client::{Client, ClientBuilder};
use crate::servers::SERVERS;
use crate::webhooks::{WebhookVerifier, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// The API key of [`client_for`]: sent as `Authorization: Bearer KEYtesting`, which Prism
/// accepts (it checks only the scheme), and recognisable in a mock's request log.
pub const MOCK_API_KEY: &str = "KEYtesting";

/// A builder for a client of the server at `base_url`: the API key [`MOCK_API_KEY`], every
/// server of [`crate::servers::SERVERS`] (Cloud Storage, …) at `base_url` too, no retries and
/// no waiting between retries should a test turn them back on (per call with
/// [`ApiCall::max_retries`](crate::ApiCall::max_retries) or here with
/// [`ClientBuilder::max_retries`]), and a 30 s timeout per request so that a mock that never
/// answers fails the test instead of hanging it.
pub fn client_builder_for(base_url: impl Into<String>) -> ClientBuilder {
    let base_url = base_url.into();
    let mut builder = Client::builder()
        .base_url(base_url.clone())
        .api_key(MOCK_API_KEY)
        .max_retries(0)
        .retry_sleep(|_| async {})
        .timeout(Some(Duration::from_secs(30)));
    for server in SERVERS {
        builder = builder.server_url(server.name, base_url.trim_end_matches('/'));
    }
    builder
}

/// A [`Client`] for the mock server at `base_url` (`http://127.0.0.1:4010`), configured as
/// [`client_builder_for`] says.
///
/// # Panics
///
/// If `base_url` does not start with `http://` or `https://`: a test helper, it fails the test
/// at once rather than returning an error every caller would unwrap.
pub fn client_for(base_url: impl Into<String>) -> Client {
    match client_builder_for(base_url).build() {
        Ok(client) => client,
        Err(e) => panic!("testing::client_for: {e}"),
    }
}

/// Signs webhook bodies as Telnyx does: an Ed25519 signature over `"{timestamp}|{body}"`, in
/// the `telnyx-signature-ed25519` and `telnyx-timestamp` headers.
///
/// Cheap to clone. `Debug` shows the public key only.
#[derive(Clone)]
pub struct WebhookSigner {
    key: SigningKey,
}

impl fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSigner").field("public_key", &self.public_key()).finish_non_exhaustive()
    }
}

impl Default for WebhookSigner {
    fn default() -> Self {
        Self::new()
    }
}

impl WebhookSigner {
    /// A signer with a fresh random key pair.
    pub fn new() -> Self {
        Self::from_seed(rand::random())
    }

    /// A signer whose key pair is derived from `seed` (the Ed25519 secret key): the same seed
    /// gives the same public key and signatures, for tests that store expected values.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        WebhookSigner { key: SigningKey::from_bytes(&seed) }
    }

    /// The public key, base64 as the Telnyx portal shows it: the value of `TELNYX_PUBLIC_KEY`
    /// and of [`WebhookVerifier::new`]'s argument.
    pub fn public_key(&self) -> String {
        STANDARD.encode(self.key.verifying_key().as_bytes())
    }

    /// A verifier for this signer's public key (default tolerance).
    pub fn verifier(&self) -> WebhookVerifier {
        match WebhookVerifier::from_bytes(self.key.verifying_key().as_bytes()) {
            Ok(verifier) => verifier,
            // A key derived from a seed is never a small-order point.
            Err(e) => unreachable!("an Ed25519 key from a seed is rejected: {e}"),
        }
    }

    /// Sign `body` with the current time as the timestamp.
    pub fn sign(&self, body: impl Into<Vec<u8>>) -> SignedWebhook {
        self.sign_at(body, SystemTime::now())
    }

    /// Sign `body` as delivered at `at` (for tests of stale or future timestamps: the verifier
    /// rejects those more than its tolerance away from its clock).
    pub fn sign_at(&self, body: impl Into<Vec<u8>>, at: SystemTime) -> SignedWebhook {
        let timestamp = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()).to_string();
        self.sign_with_timestamp(body, timestamp)
    }

    /// Sign `body` with `timestamp` as the `telnyx-timestamp` header, exactly as given (also a
    /// malformed one, to test how a handler treats it).
    pub fn sign_with_timestamp(&self, body: impl Into<Vec<u8>>, timestamp: impl Into<String>) -> SignedWebhook {
        let body = body.into();
        let timestamp = timestamp.into();
        let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
        message.extend_from_slice(timestamp.as_bytes());
        message.push(b'|');
        message.extend_from_slice(&body);
        let signature = STANDARD.encode(self.key.sign(&message).to_bytes());
        SignedWebhook { body, signature, timestamp }
    }

    /// Sign the JSON text of `body` (as `serde_json::to_vec` writes it), now.
    pub fn sign_json(&self, body: &serde_json::Value) -> SignedWebhook {
        // Serialising a `Value` cannot fail: its map keys are strings.
        self.sign(serde_json::to_vec(body).unwrap_or_default())
    }
}

/// A signed webhook delivery: the raw body and the two header values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedWebhook {
    /// The body, byte for byte as signed.
    pub body: Vec<u8>,
    /// Value of the `telnyx-signature-ed25519` header (base64).
    pub signature: String,
    /// Value of the `telnyx-timestamp` header (unix seconds).
    pub timestamp: String,
}

impl SignedWebhook {
    /// The headers of the delivery: `telnyx-signature-ed25519`, `telnyx-timestamp` and
    /// `content-type: application/json`.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        // Base64 and digits are visible ASCII: valid header values. A timestamp given to
        // `sign_with_timestamp` that is not is left out, as a proxy would drop it.
        for (name, value) in [(SIGNATURE_HEADER, &self.signature), (TIMESTAMP_HEADER, &self.timestamp)] {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        headers
    }

    /// A `POST` of this delivery to `url` (the handler under test), ready to `.send()`.
    pub fn post(&self, http: &reqwest::Client, url: &str) -> reqwest::RequestBuilder {
        http.post(url).headers(self.headers()).body(self.body.clone())
    }
}

/// A webhook body in Telnyx's envelope: `{"data": {"event_type", "id", "occurred_at",
/// "payload", "record_type": "event"}, "meta": {"attempt": 1, "delivered_to"}}`, with a fresh
/// random `id` (a UUID) and the current time.
pub fn event(event_type: &str, payload: serde_json::Value) -> serde_json::Value {
    let id: [u8; 16] = rand::random();
    serde_json::json!({
        "data": {
            "event_type": event_type,
            "id": uuid(id),
            "occurred_at": rfc3339(SystemTime::now()),
            "payload": payload,
            "record_type": "event",
        },
        "meta": {"attempt": 1, "delivered_to": "http://127.0.0.1/webhooks"},
    })
}

/// A version-4 UUID from random bytes, in its usual text form.
fn uuid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// `at` as RFC 3339 in UTC with milliseconds (`2026-07-16T12:00:00.000Z`), as Telnyx writes
/// `occurred_at`.
fn rfc3339(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day of a century leap year) 12:34:56.789.
        let t = UNIX_EPOCH + Duration::from_millis(951_827_696_789);
        assert_eq!(rfc3339(t), "2000-02-29T12:34:56.789Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_784_203_200);
        assert_eq!(rfc3339(t), "2026-07-16T12:00:00.000Z");
    }

    #[test]
    fn uuids_are_version_4() {
        let u = uuid([0xff; 16]);
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
