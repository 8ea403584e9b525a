//! What an error event of a stream says: [`StreamErrorEvent`] (the typed form) and the readable
//! message of the untyped [`Error::Stream`], for the OpenAI, Anthropic and Telnyx shapes.

use std::fmt;

use serde_json::Value;

#[cfg(doc)]
use super::SseStream;
#[cfg(doc)]
use crate::error::Error;

/// An error event from the server, parsed: what [`Error::StreamEvent`] carries for a stream
/// opened with [`SseStream::typed_error_events`].
///
/// Understands the Anthropic shape (`{"type": "error", "error": {"type", "message"}}`), the
/// OpenAI one (`{"error": {"message", "type", "code", "param"}}`), a bare `{"error": "text"}` and
/// the Telnyx envelope (`{"errors": [{"code", "title", "detail"}]}`); whatever the shape, the
/// data is kept as sent. `Display` gives the same readable message as the untyped
/// [`Error::Stream`] would.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamErrorEvent {
    /// Operation id of the call.
    pub operation: &'static str,
    /// The event type: `error`, or `message` for an error payload in an event without a name.
    pub event: String,
    /// The error's type as the server names it (Anthropic: `overloaded_error`,
    /// `rate_limit_error`, `api_error`, `invalid_request_error`, …).
    pub error_type: Option<String>,
    /// The server's message (Telnyx envelope: `title: detail` of the first entry).
    pub message: Option<String>,
    /// An error code (OpenAI `error.code`, the Telnyx envelope's first `errors[].code`).
    pub code: Option<String>,
    /// The event's data as sent.
    pub data: String,
}

impl StreamErrorEvent {
    pub(crate) fn parse(operation: &'static str, event: &str, data: &str) -> Self {
        let mut out = StreamErrorEvent {
            operation,
            event: event.to_owned(),
            error_type: None,
            message: None,
            code: None,
            data: data.to_owned(),
        };
        let text = |v: Option<&Value>| match v {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let Ok(value) = serde_json::from_str::<Value>(data) else {
            let data = data.trim();
            out.message = (!data.is_empty()).then(|| data.to_owned());
            return out;
        };
        match value.get("error") {
            Some(Value::String(s)) => out.message = Some(s.clone()),
            Some(e @ Value::Object(_)) => {
                out.error_type = text(e.get("type"));
                out.message = text(e.get("message").or_else(|| e.get("detail")));
                out.code = text(e.get("code"));
            }
            _ => {}
        }
        // The OpenAI Responses API's `error` event: `{"type": "error", "code", "message", "param"}`.
        if value.get("error").is_none() && value.get("errors").is_none() {
            out.message = text(value.get("message"));
            out.code = text(value.get("code"));
        }
        if let Some(first) = value.get("errors").and_then(Value::as_array).and_then(|e| e.first()) {
            out.code = out.code.or_else(|| text(first.get("code")));
            if out.message.is_none() {
                out.message = match (text(first.get("title")), text(first.get("detail"))) {
                    (Some(t), Some(d)) => Some(format!("{t}: {d}")),
                    (t, d) => t.or(d),
                };
            }
        }
        out
    }
}

impl fmt::Display for StreamErrorEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&error_message(self.operation, &self.data))
    }
}

/// Whether `data` is a JSON object with a non-null `error` or a non-empty `errors` member.
pub(super) fn is_error_payload(data: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default)]
        error: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        errors: Option<Vec<serde::de::IgnoredAny>>,
    }
    match serde_json::from_str::<Probe>(data) {
        Ok(p) => p.error.is_some() || p.errors.is_some_and(|e| !e.is_empty()),
        Err(_) => false,
    }
}

/// A readable message for an error event, keeping the server's message, type and code.
///
/// Understands OpenAI (`{"error": {"message", "type", "code", "param"}}`), Anthropic
/// (`{"type": "error", "error": {"type", "message"}}`), a bare `{"error": "text"}` and the
/// Telnyx envelope (`{"errors": [{"code", "title", "detail"}]}`).
pub(crate) fn error_message(operation: &str, data: &str) -> String {
    let mut out = format!("{operation}: the server sent an error event");
    let value: Value = match serde_json::from_str(data) {
        Ok(v) => v,
        Err(_) => {
            let text = data.trim();
            if !text.is_empty() {
                out.push_str(": ");
                out.extend(text.chars().take(500));
            }
            return out;
        }
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut parts = Vec::new();
    match value.get("error") {
        Some(Value::String(s)) => parts.push(s.clone()),
        Some(e @ Value::Object(_)) => {
            if let Some(code) = e.get("code").and_then(text) {
                parts.push(format!("[{code}]"));
            }
            if let Some(m) = e.get("message").or_else(|| e.get("detail")).and_then(text) {
                parts.push(m);
            }
            if let Some(t) = e.get("type").and_then(text) {
                parts.push(format!("(type {t})"));
            }
            if let Some(p) = e.get("param").and_then(text) {
                parts.push(format!("(param {p})"));
            }
        }
        _ => {}
    }
    if let Some(Value::Array(errors)) = value.get("errors") {
        for e in errors {
            if let Some(code) = e.get("code").and_then(text) {
                parts.push(format!("[{code}]"));
            }
            match (e.get("title").and_then(text), e.get("detail").and_then(text)) {
                (Some(t), Some(d)) => parts.push(format!("{t}: {d}")),
                (Some(x), None) | (None, Some(x)) => parts.push(x),
                (None, None) => {}
            }
        }
    }
    if parts.is_empty() {
        out.push_str(": ");
        out.extend(data.trim().chars().take(500));
    } else {
        out.push_str(": ");
        out.push_str(&parts.join(" "));
    }
    out
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_keep_code_and_type() {
        let m = error_message(
            "op",
            r#"{"error":{"message":"bad model","type":"invalid_request_error","code":"model_not_found"}}"#,
        );
        assert!(m.contains("[model_not_found] bad model (type invalid_request_error)"), "{m}");
        let m = error_message("op", r#"{"errors":[{"code":"10015","title":"Bad","detail":"nope"}]}"#);
        assert!(m.contains("[10015] Bad: nope"), "{m}");
        assert!(is_error_payload(r#"{"error":"x"}"#));
        assert!(!is_error_payload(r#"{"error":null,"choices":[]}"#));
        assert!(!is_error_payload(r#"{"choices":[{"delta":{"content":"\"error\""}}]}"#));
    }

    #[test]
    fn error_events_parse_into_their_fields() {
        let e = StreamErrorEvent::parse(
            "op",
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        );
        assert_eq!(
            (e.error_type.as_deref(), e.message.as_deref(), e.code.as_deref()),
            (Some("overloaded_error"), Some("Overloaded"), None)
        );
        assert!(e.to_string().contains("Overloaded (type overloaded_error)"), "{e}");
        let e =
            StreamErrorEvent::parse("op", "message", r#"{"errors":[{"code":"10015","title":"Bad","detail":"nope"}]}"#);
        assert_eq!((e.code.as_deref(), e.message.as_deref()), (Some("10015"), Some("Bad: nope")));
        let e = StreamErrorEvent::parse("op", "error", "upstream went away");
        assert_eq!((e.error_type, e.message.as_deref()), (None, Some("upstream went away")));
    }
}
