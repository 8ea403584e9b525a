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

/// Warnings from loading, aggregated by what was done: a repair applied 300 times across a
/// 1000-operation spec is one line with the count and the first few pointers, not 300 lines.
#[derive(Debug, Default)]
pub struct Warnings {
    /// What was done → (how often, the first [`Warnings::SHOWN`] pointers), in first-seen order.
    kinds: indexmap::IndexMap<String, (usize, Vec<String>)>,
}

impl Warnings {
    /// Pointers listed per kind of warning.
    pub const SHOWN: usize = 3;

    /// Record that `what` was done at `pointer`.
    pub fn add(&mut self, what: impl Into<String>, pointer: impl Into<String>) {
        let (count, pointers) = self.kinds.entry(what.into()).or_default();
        *count += 1;
        if pointers.len() < Self::SHOWN {
            pointers.push(pointer.into());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// How often each kind of warning was given, by [`warning_kind`] of what was done (so a
    /// repair applied to differently named things counts as one kind), in first-seen order.
    pub fn kinds(&self) -> Vec<(String, usize)> {
        let mut out: indexmap::IndexMap<String, usize> = indexmap::IndexMap::new();
        for (what, (count, _)) in &self.kinds {
            *out.entry(warning_kind(what)).or_default() += count;
        }
        out.into_iter().collect()
    }

    /// One line per kind: `#/pointer: what` when it happened once, else
    /// `what (N places: #/a, #/b, #/c, …)`.
    pub fn into_lines(self) -> Vec<String> {
        self.kinds
            .into_iter()
            .map(|(what, (count, pointers))| match count {
                1 => format!("{}: {what}", pointers.join(", ")),
                n => {
                    let more = if n > pointers.len() { ", …" } else { "" };
                    format!("{what} ({n} places: {}{more})", pointers.join(", "))
                }
            })
            .collect()
    }
}

/// The kind of a warning: its text with quoted names (`"ListPhoneNumbers"`), bracketed feature
/// names (`[storage]`) and `{template}` variables elided, for counting warnings by kind.
pub fn warning_kind(what: &str) -> String {
    let mut out = String::with_capacity(what.len());
    let mut chars = what.chars();
    while let Some(c) = chars.next() {
        let close = match c {
            '"' => '"',
            '[' => ']',
            '{' => '}',
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push(c);
        out.push('…');
        for d in chars.by_ref() {
            if d == close {
                break;
            }
        }
        out.push(close);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_elide_names() {
        assert_eq!(
            warning_kind("duplicate operationId \"A\" renamed to \"b\" in [x] at {id}"),
            "duplicate operationId \"…\" renamed to \"…\" in […] at {…}"
        );
        let mut w = Warnings::default();
        w.add("renamed \"a\"", "#/1");
        w.add("renamed \"b\"", "#/2");
        w.add("dropped", "#/3");
        assert_eq!(w.kinds(), [("renamed \"…\"".to_owned(), 2), ("dropped".to_owned(), 1)]);
    }
}
