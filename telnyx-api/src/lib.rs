//! Rust SDK for the [Telnyx](https://telnyx.com) REST API.
//!
//! The operations and types are generated from Telnyx's OpenAPI spec by `cargo xtask regenerate`
//! (see the repository README); the client, errors, retries and request plumbing are written by
//! hand in this crate.
//!
//! ```no_run
//! # async fn run() -> telnyx_api::Result<()> {
//! let client = telnyx_api::Client::from_env()?;
//! let balance = client.billing().get_user_balance().await?;
//! println!("{balance:?}");
//! # Ok(()) }
//! ```

pub mod client;
pub mod error;
pub mod multipart;
pub mod request;
pub mod retry;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL};
pub use error::{ApiError, Error, Result, TelnyxError, TelnyxErrorSource};
pub use multipart::{Multipart, UploadFile};
pub use request::{ApiCall, Body, JsonOrText, RawResponse, Request, Response};
pub use retry::RetryPolicy;
