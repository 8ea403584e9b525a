//! Retry policy: which failures are retried and how long to wait between attempts.
//!
//! **A retry never repeats a side effect.** What is retried depends on whether a repeat of the
//! request is harmless:
//!
//! - **Safe to repeat**: `GET`, `HEAD`, `PUT`, `DELETE`, and every call with a dedup key. The
//!   spec gives two: the `command_id` member of the Call Control command bodies ("Telnyx will
//!   ignore any command with the same `command_id`") and the `Idempotency-Key` header (a repeat
//!   replays the stored success for 24 h, with `Idempotent-Replayed: true`; see
//!   [`Response::replayed`](crate::Response::replayed)). When the caller gives no key, the client
//!   generates one (UUID v4) per call and sends the same one on every retry; a key the caller
//!   gives is never replaced ([`OperationInfo::dedup_key`](crate::catalogue::OperationInfo)
//!   says which operations have one). These calls are retried, as by the official SDKs, after
//!   connection errors, timeouts and 408, 409, 429 and 5xx.
//! - **Not safe to repeat**: `POST` and `PATCH` without a dedup key (`POST /messages`). They are
//!   retried only when the request cannot have been carried out or the service asks for it: a
//!   connection that could not be made, 429, 503, `x-should-retry: true`. After a timeout, a
//!   connection reset once the request was sent, or 500, 502 or 504, the call fails with
//!   [`Error::MaybeCarriedOut`](crate::Error::MaybeCarriedOut) around the error it got: the
//!   service may have carried it out. [`RetryPolicy::retry_non_idempotent`] (per client or per
//!   call: [`ApiCall::retry_non_idempotent`](crate::ApiCall::retry_non_idempotent)) retries them
//!   like the others anyway.
//!
//! | failure | safe to repeat | `POST`/`PATCH` without a key |
//! |---|---|---|
//! | connection refused, DNS, TLS (nothing sent) | retried | retried |
//! | pooled connection the server closed, request not yet written | retried at once, even with `max_retries(0)` (by `hyper`'s pool) | same |
//! | timeout | retried | `MaybeCarriedOut` |
//! | connection reset or closed after the request was written | retried | `MaybeCarriedOut` |
//! | 408, 409 | retried | error |
//! | 429, 503 | retried | retried |
//! | 500, 502, 504 and other 5xx | retried | `MaybeCarriedOut` |
//! | `x-should-retry: true` / `false` | retried / not | retried / not |
//! | other 4xx | error | error |
//!
//! Backoff: by default 2 retries, exponential from 0.5 s doubling up to 8 s with jitter, and the
//! server's `retry-after-ms` / `Retry-After` honoured when it asks for at most 60 s. A server
//! asking for longer gets its error returned at once instead of a long sleep.
//!
//! The time one call can take is bounded: at most `max_retries + 1` attempts, each within the
//! client's per-attempt timeout, and between them waits of at most `max(max_delay, 60 s)`. With
//! the defaults (2 retries, 60 s timeout, 8 s backoff cap) that is at most 3 × 60 s + 2 × 60 s
//! = 5 minutes, and normally far less.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// How failed requests are retried. Set on the client with
/// [`ClientBuilder::retry_policy`](crate::ClientBuilder::retry_policy) or per call with
/// [`ApiCall::max_retries`](crate::ApiCall::max_retries).
///
/// ```
/// use std::time::Duration;
/// use telnyx_api::{Client, RetryPolicy};
///
/// // Up to 5 retries, waiting 1 s, 2 s, 4 s, 5 s, 5 s (before jitter).
/// let policy = RetryPolicy {
///     max_retries: 5,
///     initial_delay: Duration::from_secs(1),
///     max_delay: Duration::from_secs(5),
///     ..RetryPolicy::default()
/// };
/// assert_eq!(policy.backoff(2), Duration::from_secs(4));
/// assert_eq!(policy.backoff(3), Duration::from_secs(5));
/// let client = Client::builder().api_key("KEY0123456789").retry_policy(policy).build()?;
///
/// // One call without retries (a non-idempotent command, say).
/// let call = client.balance().retrieve().retry_policy(RetryPolicy::none());
/// # drop(call);
/// # Ok::<(), telnyx_api::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 turns retrying off).
    pub max_retries: u32,
    /// Delay before the first retry; doubles on each further retry.
    pub initial_delay: Duration,
    /// Upper bound of the computed backoff delay.
    pub max_delay: Duration,
    /// Random jitter: each computed delay is multiplied by a factor in `[1 - jitter, 1]`.
    pub jitter: f64,
    /// Retry `POST` and `PATCH` calls without a dedup key after failures that leave open
    /// whether the service carried them out (timeouts, resets, 500/502/504) too. Off by
    /// default: such a retry can send an SMS twice.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            jitter: 0.25,
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// The backoff delay before retry number `retry` (0-based), before jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(16));
        self.initial_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The delay before retry number `retry`, with jitter drawn from `unit` in `[0, 1)`.
    /// A server-requested delay (from [`retry_after`]) wins when present.
    pub fn delay(&self, retry: u32, server_asked: Option<Duration>, unit: f64) -> Duration {
        if let Some(d) = server_asked {
            return d;
        }
        let base = self.backoff(retry);
        let jitter = self.jitter.clamp(0.0, 1.0);
        base.mul_f64(1.0 - jitter * unit.clamp(0.0, 1.0))
    }
}

/// Whether a response status is worth retrying for a call that is safe to repeat.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}

/// Whether a response status says the request was not carried out and may be sent again: 429
/// and 503. The statuses a call that is not safe to repeat is retried on.
pub fn is_not_carried_out(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 503)
}

/// Whether a response status leaves open whether the request was carried out: a server error
/// other than 503 (500, 502, 504, …).
pub fn may_be_carried_out(status: StatusCode) -> bool {
    status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE
}

/// The longest server-requested wait that is honoured (slept before retrying).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The delay the server asked for: `retry-after-ms` (milliseconds) first, then `Retry-After`
/// (seconds or an HTTP date). Only values in `(0, 60 s]` ([`MAX_RETRY_AFTER`]) are honoured;
/// a longer one is not slept at all ([`retry_after_too_long`]: the call fails with the error).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    retry_after_at(headers, SystemTime::now())
}

/// [`retry_after`] with an explicit "now", for HTTP-date values.
pub fn retry_after_at(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    requested_at(headers, now).filter(|d| *d <= MAX_RETRY_AFTER)
}

/// Whether the server asked to wait longer than [`MAX_RETRY_AFTER`] (`Retry-After: 3600`):
/// such a response is returned as the error instead of slept on, so one call never waits for
/// minutes or hours.
pub fn retry_after_too_long(headers: &HeaderMap) -> bool {
    requested_at(headers, SystemTime::now()).is_some_and(|d| d > MAX_RETRY_AFTER)
}

/// Any positive wait the server asked for (unparseable, zero or past values are none).
fn requested_at(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let positive = |d: Duration| (d > Duration::ZERO).then_some(d);
    if let Some(ms) = header_str(headers, "retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms.is_finite() && ms > 0.0 && ms < 1e15 {
            return positive(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let value = header_str(headers, "retry-after")?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs > 0.0 && secs < 1e12 {
            return positive(Duration::from_secs_f64(secs));
        }
        return None;
    }
    let when = httpdate::parse_http_date(value).ok()?;
    positive(when.duration_since(now).ok()?)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(0), Duration::from_millis(500));
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(4), Duration::from_secs(8));
        assert_eq!(p.backoff(30), Duration::from_secs(8));
        assert_eq!(p.delay(0, None, 0.0), Duration::from_millis(500));
        assert_eq!(p.delay(0, None, 1.0), Duration::from_millis(375));
        assert_eq!(p.delay(3, Some(Duration::from_secs(2)), 0.5), Duration::from_secs(2));
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 409, 429, 500, 502, 503] {
            assert!(is_retryable_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 422] {
            assert!(!is_retryable_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }

    #[test]
    fn statuses_of_calls_not_safe_to_repeat() {
        let of = |s: u16| StatusCode::from_u16(s).unwrap();
        let retried: Vec<u16> = (400..600).filter(|&s| is_not_carried_out(of(s))).collect();
        assert_eq!(retried, [429, 503]);
        for s in [500, 502, 504, 599] {
            assert!(may_be_carried_out(of(s)), "{s}");
        }
        for s in [400, 408, 409, 429, 503] {
            assert!(!may_be_carried_out(of(s)), "{s}");
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after(&headers(&[("retry-after-ms", "250")])), Some(Duration::from_millis(250)));
        assert_eq!(retry_after(&headers(&[("retry-after", "3")])), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&headers(&[("retry-after", "0")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "61")])), None);
        assert!(retry_after_too_long(&headers(&[("retry-after", "61")])));
        assert!(retry_after_too_long(&headers(&[("retry-after-ms", "60001")])));
        assert!(!retry_after_too_long(&headers(&[("retry-after", "60")])));
        assert!(!retry_after_too_long(&headers(&[("retry-after", "soon")])));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:30 GMT").unwrap();
        let h = headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        assert_eq!(retry_after_at(&h, now), Some(Duration::from_secs(7)));
    }
}
