//! Verifying and parsing Telnyx webhooks.
//!
//! Telnyx signs every webhook delivery with Ed25519. The signed message is the bytes
//! `"{telnyx-timestamp}|{raw body}"`; the signature travels base64-encoded in the
//! `telnyx-signature-ed25519` header and the timestamp (unix seconds) in `telnyx-timestamp`. The
//! public key is shown in the Telnyx portal (conventionally kept in the `TELNYX_PUBLIC_KEY`
//! environment variable).
//!
//! Verify the body **exactly as received**: parsing it and serialising it again changes the
//! bytes and breaks the signature. Every check fails closed with a precise [`WebhookError`].
//!
//! ```
//! use telnyx_api::webhooks::{WebhookError, WebhookEvent, WebhookVerifier};
//!
//! fn handle(public_key: &str, body: &[u8], signature: &str, timestamp: &str) -> Result<(), WebhookError> {
//!     let verifier = WebhookVerifier::new(public_key)?;
//!     match verifier.verify_and_parse_event(body, signature, timestamp)? {
//!         WebhookEvent::CallAnswered(answered) => println!("answered: {:?}", answered.data),
//!         WebhookEvent::MessageReceived(message) => println!("message: {:?}", message.data),
//!         other => println!("{}", other.event_type().unwrap_or("no event_type")),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! [`WebhookEvent`] is generated from the spec: one variant per `event_type` that the spec's
//! `callbacks` (and, for OpenAPI 3.1 specs, `webhooks`) declare, each holding the declared payload
//! type, and `Unknown` keeping any other event as JSON. [`WebhookEvent::EVENTS`] lists them.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use telnyx_api_core::lenient::Deviation;

pub use crate::generated::webhook_events::{EventInfo, WebhookEvent};

/// Header carrying the base64 Ed25519 signature.
pub const SIGNATURE_HEADER: &str = "telnyx-signature-ed25519";
/// Header carrying the unix timestamp (seconds) that is part of the signed message.
pub const TIMESTAMP_HEADER: &str = "telnyx-timestamp";
/// Environment variable [`WebhookVerifier::from_env`] reads the public key from.
pub const PUBLIC_KEY_ENV: &str = "TELNYX_PUBLIC_KEY";
/// Default allowed difference between the webhook timestamp and the local clock, either way.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Standard base64 alphabet; padding optional so that keys copied without trailing `=` work.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a webhook was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is absent.
    #[error("missing header `{0}`")]
    MissingHeader(&'static str),
    /// The public key environment variable is not set (or empty).
    #[error("environment variable {0} is not set")]
    MissingPublicKey(&'static str),
    /// The public key is not valid base64.
    #[error("public key is not valid base64: {0}")]
    PublicKeyBase64(String),
    /// The public key does not decode to 32 bytes.
    #[error("public key must be {PUBLIC_KEY_LENGTH} bytes, got {0}")]
    PublicKeyLength(usize),
    /// The public key has the right length but is not a usable Ed25519 point.
    #[error("public key is not a valid Ed25519 public key")]
    InvalidPublicKey,
    /// The signature is not valid base64.
    #[error("signature is not valid base64: {0}")]
    SignatureBase64(String),
    /// The signature does not decode to 64 bytes.
    #[error("signature must be {SIGNATURE_LENGTH} bytes, got {0}")]
    SignatureLength(usize),
    /// The timestamp is not a whole number of unix seconds.
    #[error("timestamp is not a unix time in seconds: {0:?}")]
    MalformedTimestamp(String),
    /// The timestamp is older than the tolerance allows (a late delivery or a replay).
    #[error("timestamp {timestamp} is {age_secs} s old, more than the allowed {tolerance:?}")]
    StaleTimestamp {
        /// The timestamp from the header.
        timestamp: u64,
        /// How many seconds before the local clock it lies.
        age_secs: u64,
        /// The tolerance in force.
        tolerance: Duration,
    },
    /// The timestamp lies further in the future than the tolerance allows.
    #[error("timestamp {timestamp} is {ahead_secs} s in the future, more than the allowed {tolerance:?}")]
    FutureTimestamp {
        /// The timestamp from the header.
        timestamp: u64,
        /// How many seconds after the local clock it lies.
        ahead_secs: u64,
        /// The tolerance in force.
        tolerance: Duration,
    },
    /// The signature does not match the timestamp and body for this public key.
    #[error("signature does not match the body, timestamp and public key")]
    SignatureMismatch,
    /// The signature is valid but the body does not have the expected shape.
    #[error("verified webhook body does not match the expected type: {message} at `{path}`")]
    Parse {
        /// Path inside the JSON document where decoding failed (`data.payload.to`).
        path: String,
        /// What serde reported.
        message: String,
    },
}

/// Checks Telnyx webhook signatures for one public key.
///
/// Cheap to clone; `Send + Sync`. Signatures are checked before timestamps, so a
/// [`StaleTimestamp`](WebhookError::StaleTimestamp) error means the request was genuinely signed
/// by Telnyx but is too old (or replayed).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookVerifier {
    key: VerifyingKey,
    tolerance: Duration,
    strict_decoding: bool,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("public_key", &BASE64.encode(self.key.as_bytes()))
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl WebhookVerifier {
    /// A verifier for the base64 public key from the Telnyx portal, with the default tolerance
    /// of 300 s.
    pub fn new(public_key_b64: &str) -> Result<Self, WebhookError> {
        let bytes = BASE64.decode(public_key_b64.trim()).map_err(|e| WebhookError::PublicKeyBase64(e.to_string()))?;
        let bytes: [u8; PUBLIC_KEY_LENGTH] =
            bytes.as_slice().try_into().map_err(|_| WebhookError::PublicKeyLength(bytes.len()))?;
        Self::from_bytes(&bytes)
    }

    /// A verifier for a raw 32-byte public key.
    pub fn from_bytes(public_key: &[u8; PUBLIC_KEY_LENGTH]) -> Result<Self, WebhookError> {
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| WebhookError::InvalidPublicKey)?;
        // A small-order key would accept forged signatures; no real Telnyx key is one.
        if key.is_weak() {
            return Err(WebhookError::InvalidPublicKey);
        }
        Ok(WebhookVerifier { key, tolerance: DEFAULT_TOLERANCE, strict_decoding: false })
    }

    /// A verifier for the public key in the `TELNYX_PUBLIC_KEY` environment variable;
    /// `TELNYX_STRICT_DECODING=1` (or `true`) turns on [`strict_decoding`](Self::strict_decoding)
    /// as it does for [`Client::from_env`](crate::Client::from_env).
    pub fn from_env() -> Result<Self, WebhookError> {
        let strict = std::env::var("TELNYX_STRICT_DECODING").is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
        match std::env::var(PUBLIC_KEY_ENV) {
            Ok(key) if !key.trim().is_empty() => Self::new(&key).map(|v| v.strict_decoding(strict)),
            _ => Err(WebhookError::MissingPublicKey(PUBLIC_KEY_ENV)),
        }
    }

    /// Allowed difference between the webhook timestamp and the local clock, in both
    /// directions (default 300 s). The comparison is in whole seconds and inclusive.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The tolerance in force.
    pub fn current_tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Verify a delivery against the local clock: `body` is the raw request body,
    /// `signature_b64` the `telnyx-signature-ed25519` header and `timestamp` the
    /// `telnyx-timestamp` header.
    pub fn verify(&self, body: &[u8], signature_b64: &str, timestamp: &str) -> Result<(), WebhookError> {
        self.verify_at(body, signature_b64, timestamp, SystemTime::now())
    }

    /// [`verify`](Self::verify) with an explicit "now" (for tests and replays of stored
    /// deliveries).
    pub fn verify_at(
        &self,
        body: &[u8],
        signature_b64: &str,
        timestamp: &str,
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        let ts = parse_timestamp(timestamp)?;
        let signature = decode_signature(signature_b64)?;
        let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
        message.extend_from_slice(timestamp.as_bytes());
        message.push(b'|');
        message.extend_from_slice(body);
        self.key.verify_strict(&message, &signature).map_err(|_| WebhookError::SignatureMismatch)?;
        self.check_timestamp(ts, now)
    }

    /// Verify a delivery whose headers are in `headers` (names are case-insensitive).
    ///
    /// ```
    /// use base64::Engine as _;
    /// use ed25519_dalek::{Signer as _, SigningKey};
    /// use reqwest::header::HeaderMap;
    /// use telnyx_api::webhooks::{WebhookError, WebhookVerifier, SIGNATURE_HEADER, TIMESTAMP_HEADER};
    ///
    /// // What Telnyx does: sign "{timestamp}|{body}" (here with a made-up key).
    /// let key = SigningKey::from_bytes(&[7; 32]);
    /// let b64 = base64::engine::general_purpose::STANDARD;
    /// let body = br#"{"data":{"event_type":"message.received","payload":{}}}"#;
    /// let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs().to_string();
    /// let signed = [timestamp.as_bytes(), b"|", body].concat();
    /// let mut headers = HeaderMap::new();
    /// headers.insert(SIGNATURE_HEADER, b64.encode(key.sign(&signed).to_bytes()).parse()?);
    /// headers.insert(TIMESTAMP_HEADER, timestamp.parse()?);
    ///
    /// // What the webhook handler does, with the public key from the portal.
    /// let verifier = WebhookVerifier::new(&b64.encode(key.verifying_key().as_bytes()))?;
    /// verifier.verify_headers(body, &headers)?;
    /// // One changed byte and the signature no longer matches.
    /// let tampered = br#"{"data":{"event_type":"message.received","payload":{"x":1}}}"#;
    /// assert!(matches!(verifier.verify_headers(tampered, &headers), Err(WebhookError::SignatureMismatch)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_headers(&self, body: &[u8], headers: &HeaderMap) -> Result<(), WebhookError> {
        self.verify_headers_at(body, headers, SystemTime::now())
    }

    /// [`verify_headers`](Self::verify_headers) with an explicit "now".
    pub fn verify_headers_at(&self, body: &[u8], headers: &HeaderMap, now: SystemTime) -> Result<(), WebhookError> {
        let (signature, timestamp) = signature_headers(headers)?;
        self.verify_at(body, signature, timestamp, now)
    }

    /// Verify, then decode the body as `T` (for example a typed event).
    pub fn verify_and_parse<T: DeserializeOwned>(
        &self,
        body: &[u8],
        signature_b64: &str,
        timestamp: &str,
    ) -> Result<T, WebhookError> {
        self.verify(body, signature_b64, timestamp)?;
        parse_body(body)
    }

    /// [`verify_and_parse`](Self::verify_and_parse) with the signature and timestamp taken from
    /// `headers`.
    pub fn verify_headers_and_parse<T: DeserializeOwned>(
        &self,
        body: &[u8],
        headers: &HeaderMap,
    ) -> Result<T, WebhookError> {
        self.verify_headers(body, headers)?;
        parse_body(body)
    }

    /// Verify, then decode the body as a [`Delivery`]: the typed [`WebhookEvent`], the
    /// envelope's `meta` and the deviations from the spec. A verified JSON object with an
    /// `event_type` always decodes (unless [`strict_decoding`](Self::strict_decoding)), so a
    /// handler never rejects an event over a member the spec got wrong, which Telnyx would
    /// deliver again and again.
    pub fn verify_headers_and_decode(&self, body: &[u8], headers: &HeaderMap) -> Result<Delivery, WebhookError> {
        self.verify_headers(body, headers)?;
        Delivery::decode(body, self.strict_decoding)
    }

    /// [`verify_headers_and_decode`](Self::verify_headers_and_decode) with the signature and
    /// timestamp given.
    pub fn verify_and_decode(
        &self,
        body: &[u8],
        signature_b64: &str,
        timestamp: &str,
    ) -> Result<Delivery, WebhookError> {
        self.verify(body, signature_b64, timestamp)?;
        Delivery::decode(body, self.strict_decoding)
    }

    /// Decode events strictly: a body that deviates from its event's declared type is
    /// [`WebhookError::Parse`] instead of decoded leniently (the default).
    pub fn strict_decoding(mut self, strict: bool) -> Self {
        self.strict_decoding = strict;
        self
    }

    /// Verify, then decode the body as a typed [`WebhookEvent`] (by its `event_type`), leniently
    /// as [`verify_and_decode`](Self::verify_and_decode) does; the deviations are logged only.
    pub fn verify_and_parse_event(
        &self,
        body: &[u8],
        signature_b64: &str,
        timestamp: &str,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify(body, signature_b64, timestamp)?;
        Delivery::decode(body, self.strict_decoding).map(|d| d.event)
    }

    /// [`verify_and_parse_event`](Self::verify_and_parse_event) with the signature and timestamp
    /// taken from `headers`.
    pub fn verify_headers_and_parse_event(
        &self,
        body: &[u8],
        headers: &HeaderMap,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify_headers(body, headers)?;
        Delivery::decode(body, self.strict_decoding).map(|d| d.event)
    }

    fn check_timestamp(&self, ts: u64, now: SystemTime) -> Result<(), WebhookError> {
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(d) => i128::from(d.as_secs()),
            // A clock before 1970: every real timestamp is then "in the future".
            Err(e) => -i128::from(e.duration().as_secs()),
        };
        let tolerance = i128::from(self.tolerance.as_secs());
        let diff = now - i128::from(ts);
        let secs = |v: i128| u64::try_from(v).unwrap_or(u64::MAX);
        if diff > tolerance {
            Err(WebhookError::StaleTimestamp { timestamp: ts, age_secs: secs(diff), tolerance: self.tolerance })
        } else if -diff > tolerance {
            Err(WebhookError::FutureTimestamp { timestamp: ts, ahead_secs: secs(-diff), tolerance: self.tolerance })
        } else {
            Ok(())
        }
    }
}

/// The signature and timestamp headers of a delivery, in that order.
pub fn signature_headers(headers: &HeaderMap) -> Result<(&str, &str), WebhookError> {
    let get = |name: &'static str| -> Result<&str, WebhookError> {
        let value = headers.get(name).ok_or(WebhookError::MissingHeader(name))?;
        value.to_str().map_err(|_| match name {
            TIMESTAMP_HEADER => {
                WebhookError::MalformedTimestamp(String::from_utf8_lossy(value.as_bytes()).into_owned())
            }
            _ => WebhookError::SignatureBase64("header is not visible ASCII".into()),
        })
    };
    Ok((get(SIGNATURE_HEADER)?, get(TIMESTAMP_HEADER)?))
}

fn parse_timestamp(timestamp: &str) -> Result<u64, WebhookError> {
    // Digits only: the exact header text is part of the signed message, so "+12" or " 12"
    // must not be accepted as a different spelling of 12.
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::MalformedTimestamp(timestamp.to_owned()));
    }
    timestamp.parse::<u64>().map_err(|_| WebhookError::MalformedTimestamp(timestamp.to_owned()))
}

fn decode_signature(signature_b64: &str) -> Result<Signature, WebhookError> {
    let bytes = BASE64.decode(signature_b64.trim()).map_err(|e| WebhookError::SignatureBase64(e.to_string()))?;
    let bytes: [u8; SIGNATURE_LENGTH] =
        bytes.as_slice().try_into().map_err(|_| WebhookError::SignatureLength(bytes.len()))?;
    Ok(Signature::from_bytes(&bytes))
}

/// Decode a body with plain `serde_json`, the path from the error's position (see
/// `json_path` for why not `serde_path_to_error`: it would compile every payload type's
/// `Deserialize` once more).
fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::Parse {
        path: crate::json_path::path_at(body, e.line(), e.column()),
        message: e.to_string(),
    })
}

/// The `event_type` of a webhook body: at `data.event_type`, or at the top (fax events).
pub fn event_type_of(body: &serde_json::Value) -> Option<&str> {
    body.pointer("/data/event_type").or_else(|| body.get("event_type")).and_then(serde_json::Value::as_str)
}

/// Decode an event body as its declared payload type: strictly, then (unless the verifier
/// decodes strictly) leniently, the deviations going to the [`Delivery`] being decoded; the
/// JSON path of a failure is named.
#[doc(hidden)]
///
/// The value is written back to JSON text and decoded from that: payload types then share the
/// `Deserialize` code compiled for response bodies (from text) instead of getting a second copy
/// for `serde_json::Value`, and the failing path comes from the error's position. A webhook
/// body is small; the extra serialization costs microseconds.
pub fn decode_event<T: DeserializeOwned + telnyx_api_core::shape::Shaped>(
    body: serde_json::Value,
) -> Result<T, WebhookError> {
    let body = match body {
        serde_json::Value::Object(members) if event_at_top::<T>(&members) => {
            if crate::request::decoding_is_strict() {
                return Err(WebhookError::Parse {
                    path: "data".to_owned(),
                    message: "the event's members are at the top of the body, not in the `data` the spec declares"
                        .to_owned(),
                });
            }
            crate::request::note_deviations(vec![Deviation::missing(
                "data",
                "the `{data, meta}` envelope (the event, at the top of the body, is read as `data`)",
            )]);
            enveloped(members)
        }
        other => other,
    };
    decode_event_at(body, None)
}

/// Whether a body carries its event at the top (`event_type`, `id`, `payload`, … without
/// `data`: how Telnyx's fax guides show fax webhooks) while the payload type declares the
/// `{data, meta}` envelope and no top-level `event_type`.
fn event_at_top<T: telnyx_api_core::shape::Shaped>(members: &serde_json::Map<String, serde_json::Value>) -> bool {
    let telnyx_api_core::shape::Shape::Struct(s) = T::SHAPE.resolve() else { return false };
    let declares = |name: &str| s.fields.iter().any(|f| f.name == name);
    declares("data") && !declares("event_type") && !members.contains_key("data") && members.contains_key("event_type")
}

/// The envelope around an event found at the top of a body: the event as `data`, a `meta`
/// beside it kept as `meta`. The typed value then serializes as the spec declares it, and
/// decodes back to itself.
fn enveloped(mut members: serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    let meta = members.remove("meta");
    let mut envelope = serde_json::Map::new();
    envelope.insert("data".to_owned(), serde_json::Value::Object(members));
    if let Some(meta) = meta {
        envelope.insert("meta".to_owned(), meta);
    }
    serde_json::Value::Object(envelope)
}

/// [`decode_event`] for an event whose payload type is an event record, which the delivery
/// carries in `data` (the body itself when it has no `data`).
#[doc(hidden)]
pub fn decode_event_data<T: DeserializeOwned + telnyx_api_core::shape::Shaped>(
    mut body: serde_json::Value,
) -> Result<T, WebhookError> {
    match body.get_mut("data").map(serde_json::Value::take) {
        Some(data) => decode_event_at(data, Some("data")),
        None => decode_event_at(body, None),
    }
}

/// An event record serialized as a delivery carries it: `{"data": …}`.
#[doc(hidden)]
#[derive(serde::Serialize)]
pub struct InData<'a, T> {
    /// The record.
    pub data: &'a T,
}

/// [`decode_event`] of the value at `at` of the body (paths are given from the body's root).
fn decode_event_at<T: DeserializeOwned + telnyx_api_core::shape::Shaped>(
    body: serde_json::Value,
    at: Option<&str>,
) -> Result<T, WebhookError> {
    let inside = |path: String| match (at, path.as_str()) {
        (None, _) => path,
        (Some(at), ".") => at.to_owned(),
        (Some(at), p) if p.starts_with('[') => format!("{at}{p}"),
        (Some(at), p) => format!("{at}.{p}"),
    };
    let text = serde_json::to_vec(&body)
        .map_err(|e| WebhookError::Parse { path: inside(".".into()), message: e.to_string() })?;
    let strict_error = match parse_body(&text) {
        Ok(v) => return Ok(v),
        Err(WebhookError::Parse { path, message }) => WebhookError::Parse { path: inside(path), message },
        Err(other) => other,
    };
    if crate::request::decoding_is_strict() {
        return Err(strict_error);
    }
    match telnyx_api_core::lenient::repair_slice::<T>(&text) {
        Ok(mut decoded) => {
            for d in &mut decoded.deviations {
                d.path = inside(std::mem::take(&mut d.path));
            }
            crate::request::note_deviations(decoded.deviations);
            Ok(decoded.value)
        }
        Err(_) => Err(strict_error),
    }
}

/// A webhook delivery decoded: the typed event, the envelope's delivery metadata, and where
/// the body deviated from the spec.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// The event, typed by its `event_type` ([`WebhookEvent::Unknown`] for one the spec does
    /// not declare, or a body without one).
    pub event: WebhookEvent,
    /// The envelope's `meta` (`attempt`, `delivered_to`), when sent.
    pub meta: Option<WebhookMeta>,
    /// Where the body deviated from the event's declared type: the field is empty there, the
    /// value sent is kept here (see [`crate::decode`]); with the `tracing` feature they are
    /// also logged, one warn event per delivery. Empty when it conformed.
    pub deviations: Vec<Deviation>,
}

impl Delivery {
    /// Decode a delivery's body (already verified): a JSON object with an `event_type` (at
    /// `data.event_type`, or at the top for fax events) always decodes, into its typed variant
    /// with the deviations listed; `strict` makes a deviation [`WebhookError::Parse`] instead.
    /// A body that is not JSON is [`WebhookError::Parse`].
    pub fn decode(body: &[u8], strict: bool) -> Result<Delivery, WebhookError> {
        let value: serde_json::Value = parse_body(body)?;
        let meta = value
            .get("meta")
            .filter(|m| !m.is_null())
            .map(|m| telnyx_api_core::lenient::decode_value::<WebhookMeta>(m).map(|d| d.value).unwrap_or_default());
        let (event, deviations) = crate::request::with_decoding(strict, || WebhookEvent::from_value(value));
        let event = event?;
        crate::request::trace_webhook_deviations(event.event_type(), &deviations);
        Ok(Delivery { event, meta, deviations })
    }
}

/// The delivery metadata of a webhook envelope (`meta`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct WebhookMeta {
    /// Which delivery attempt this is (1 for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<i64>,
    /// The URL the delivery was sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_to: Option<String>,
}

telnyx_api_core::shaped!(WebhookMeta { "attempt": Option<i64>, "delivered_to": Option<String> });

/// The envelope most Telnyx webhooks share, with the event-specific payload left as JSON: for
/// events this version of the crate does not type. Lenient: unknown fields are ignored and
/// everything but `data.event_type` is optional.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct WebhookEnvelope {
    /// The event.
    pub data: WebhookEnvelopeData,
    /// Delivery metadata (`attempt`, `delivered_to`), if sent.
    #[serde(default)]
    pub meta: Option<WebhookMeta>,
}

/// `data` of a [`WebhookEnvelope`].
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct WebhookEnvelopeData {
    /// Event type, e.g. `message.received` or `call.initiated`.
    pub event_type: String,
    /// Event id.
    #[serde(default)]
    pub id: Option<String>,
    /// When the event happened (RFC 3339).
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// Usually `"event"`.
    #[serde(default)]
    pub record_type: Option<String>,
    /// The event-specific payload.
    #[serde(default)]
    pub payload: serde_json::Value,
}

impl WebhookEnvelope {
    /// Decode the payload as a typed value.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, WebhookError> {
        serde_path_to_error::deserialize(&self.data.payload).map_err(|e| {
            let inner = e.path().to_string();
            WebhookError::Parse {
                path: if inner == "." { "data.payload".to_owned() } else { format!("data.payload.{inner}") },
                message: e.into_inner().to_string(),
            }
        })
    }
}
