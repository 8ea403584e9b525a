//! Span bookkeeping of a call: one `tracing` span (method, path template, operation, attempt,
//! status) over all its attempts; no-ops without the `tracing` feature. Never given the API key.

use std::time::Duration;

use reqwest::StatusCode;

use super::Request;

/// The span of one call (all its attempts).
#[cfg(feature = "tracing")]
pub(super) struct RequestSpan(pub(super) tracing::Span);

#[cfg(feature = "tracing")]
impl RequestSpan {
    pub(super) fn new(request: &Request) -> Self {
        RequestSpan(tracing::info_span!(
            "telnyx_api.request",
            method = %request.method,
            path = request.path_template,
            operation = request.operation_id,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        ))
    }

    pub(super) fn attempt(&self, attempt: u32) {
        self.0.record("attempt", attempt);
    }

    pub(super) fn status(&self, status: StatusCode) {
        self.0.record("status", status.as_u16());
        tracing::debug!(parent: &self.0, status = status.as_u16(), "response received");
    }

    pub(super) fn retrying<T>(&self, attempt: u32, delay: Duration, result: &crate::Result<T>) {
        match result {
            Ok(_) => {
                tracing::debug!(parent: &self.0, attempt, ?delay, "retrying after an error status")
            }
            Err(e) => {
                tracing::debug!(parent: &self.0, attempt, ?delay, error = %e, "retrying after an error")
            }
        }
    }
}

#[cfg(not(feature = "tracing"))]
pub(super) struct RequestSpan;

#[cfg(not(feature = "tracing"))]
impl RequestSpan {
    pub(super) fn new(_request: &Request) -> Self {
        RequestSpan
    }

    pub(super) fn attempt(&self, _attempt: u32) {}

    pub(super) fn status(&self, _status: StatusCode) {}

    pub(super) fn retrying<T>(&self, _attempt: u32, _delay: Duration, _result: &crate::Result<T>) {}
}

/// The first deviations as one line, for a warn event.
#[cfg(feature = "tracing")]
fn listed(deviations: &[telnyx_api_core::lenient::Deviation]) -> String {
    const LISTED: usize = 8;
    let mut list = deviations.iter().take(LISTED).map(ToString::to_string).collect::<Vec<_>>().join("; ");
    if deviations.len() > LISTED {
        list.push_str(&format!("; and {} more", deviations.len() - LISTED));
    }
    list
}

/// One warn event for a response whose body deviated from its type.
#[cfg(feature = "tracing")]
pub(crate) fn deviations(
    operation: &'static str,
    status: StatusCode,
    deviations: &[telnyx_api_core::lenient::Deviation],
) {
    if deviations.is_empty() {
        return;
    }
    let list = listed(deviations);
    tracing::warn!(
        operation,
        status = status.as_u16(),
        count = deviations.len(),
        deviations = %list,
        "the response deviates from the spec; decoded leniently"
    );
}

/// One warn event for a webhook delivery whose body deviated from its event's type.
#[cfg(feature = "tracing")]
pub(crate) fn webhook_deviations(event_type: Option<&str>, deviations: &[telnyx_api_core::lenient::Deviation]) {
    if deviations.is_empty() {
        return;
    }
    let list = listed(deviations);
    tracing::warn!(
        event_type = event_type.unwrap_or(""),
        count = deviations.len(),
        deviations = %list,
        "the webhook deviates from the spec; decoded leniently"
    );
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn webhook_deviations(_event_type: Option<&str>, _deviations: &[telnyx_api_core::lenient::Deviation]) {}

#[cfg(not(feature = "tracing"))]
pub(crate) fn deviations(
    _operation: &'static str,
    _status: StatusCode,
    _deviations: &[telnyx_api_core::lenient::Deviation],
) {
}
