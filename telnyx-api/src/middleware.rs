//! Middleware: code that sees every attempt of every call, generated or untyped: the request
//! just before it is sent, and the response or error after, with the attempt number. For
//! logging, metrics, tracing headers, or a header every request needs.
//!
//! A small trait of this crate's own rather than `tower` layers or `reqwest-middleware`: those
//! wrap the HTTP client, below this client's retry loop, where an attempt number and the
//! operation are not known, and the retry decision (dedup keys, [`crate::retry`]) must stay
//! above them. Hooks are synchronous and cheap to call; several stack
//! ([`ClientBuilder::middleware`](crate::ClientBuilder::middleware)): `before` runs in the order
//! they were added, `after` in the reverse order.
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use std::sync::Arc;
//! use telnyx_api::middleware::{Attempt, Middleware, Outcome};
//!
//! /// Counts retries and tags every attempt.
//! #[derive(Default)]
//! struct Retries(AtomicU32);
//!
//! impl Middleware for Retries {
//!     fn before(&self, attempt: &Attempt<'_>, request: &mut reqwest::Request) {
//!         let value = reqwest::header::HeaderValue::from(attempt.number);
//!         request.headers_mut().insert("x-attempt", value);
//!     }
//!     fn after(&self, attempt: &Attempt<'_>, outcome: &Outcome<'_>) {
//!         if attempt.number > 0 {
//!             self.0.fetch_add(1, Ordering::Relaxed);
//!         }
//!         if let Outcome::Response { status, .. } = outcome {
//!             println!("{} attempt {}: {status}", attempt.operation, attempt.number);
//!         }
//!     }
//! }
//!
//! let retries = Arc::new(Retries::default());
//! let client = telnyx_api::Client::builder().api_key("KEY0123456789").middleware(retries.clone()).build()?;
//! # drop(client);
//! # Ok::<(), telnyx_api::Error>(())
//! ```
//!
//! Middleware sees the request as it goes out: the `Authorization` header is in it (marked
//! sensitive, so `Debug` hides it); do not log header values without care. A change to a
//! request of the SigV4-signed Cloud Storage operations can invalidate its signature.

use std::sync::Arc;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};

use crate::error::Error;

/// One attempt of a call.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The operation id (`SendMessage`; `untyped POST` for [`Client::post`](crate::Client::post)
    /// and its siblings).
    pub operation: &'static str,
    /// 0 for the first attempt, 1 for the first retry, and so on.
    pub number: u32,
    /// The HTTP method.
    pub method: &'a Method,
    /// The URL, query included.
    pub url: &'a Url,
}

/// What an attempt ended in.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The server answered, with any status (an error status is retried or becomes
    /// [`Error::Api`] after the hooks ran).
    Response {
        /// The status.
        status: StatusCode,
        /// The response headers.
        headers: &'a HeaderMap,
    },
    /// No answer: the request could not be sent, or no complete response arrived in time.
    Error(&'a Error),
}

/// Hooks around every attempt. Both have empty defaults: implement the ones needed.
pub trait Middleware: Send + Sync + 'static {
    /// Just before the attempt is sent: change the request as needed (add a header, …).
    fn before(&self, attempt: &Attempt<'_>, request: &mut reqwest::Request) {
        let _ = (attempt, request);
    }

    /// After the attempt: the response (status and headers; the body is read after) or the
    /// error.
    fn after(&self, attempt: &Attempt<'_>, outcome: &Outcome<'_>) {
        let _ = (attempt, outcome);
    }
}

impl<M: Middleware + ?Sized> Middleware for Arc<M> {
    fn before(&self, attempt: &Attempt<'_>, request: &mut reqwest::Request) {
        (**self).before(attempt, request);
    }

    fn after(&self, attempt: &Attempt<'_>, outcome: &Outcome<'_>) {
        (**self).after(attempt, outcome);
    }
}

/// The client's middleware, in the order added.
pub(crate) type Stack = Vec<Arc<dyn Middleware>>;
