//! What the generated types of [`telnyx-api`](https://docs.rs/telnyx-api) are made of: the serde
//! helpers every generated type calls ([`codec`]) and the values of `multipart/form-data` bodies
//! ([`Multipart`], [`UploadFile`]).
//!
//! The generated types live in one crate per Cargo feature of `telnyx-api` (and one crate for
//! the types several features share), so that no single rustc holds all of them; this crate is
//! what those crates have in common. Use it through `telnyx-api`, which re-exports all of it.

#![warn(missing_docs)]

#[doc(hidden)]
pub mod codec;
pub mod lenient;
pub mod multipart;
pub mod shape;

pub use multipart::{Multipart, UploadFile};
