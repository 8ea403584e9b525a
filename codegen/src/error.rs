//! Generation errors. Every error names the JSON pointer into the spec where the problem is.

use std::fmt;

/// A spec the generator cannot load or express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenError {
    /// JSON pointer into the spec, e.g. `#/paths/~1calls/post/requestBody`.
    pub pointer: String,
    /// What is wrong there.
    pub message: String,
}

impl GenError {
    /// An error at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        GenError { pointer: pointer.into(), message: message.into() }
    }
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

impl std::error::Error for GenError {}

/// Escape one JSON pointer token (`~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `base/token` with the token escaped.
pub fn ptr(base: &str, token: &str) -> String {
    format!("{base}/{}", escape_token(token))
}

pub type Result<T, E = GenError> = std::result::Result<T, E>;
