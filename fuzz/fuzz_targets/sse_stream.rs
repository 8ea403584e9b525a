//! The typed server-sent events stream ([`SseStream`] over [`serde_json::Value`]): `[DONE]`,
//! error events and payloads, truncation, the event size limit.
//!
//! Input: one byte that picks how the rest is cut into network reads (and, in its top bits, the
//! size limit and typed error events), then the stream's bytes. The stream must end, and yield
//! no more items than the framing has events, plus one error.

#![no_main]

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt as _;
use libfuzzer_sys::fuzz_target;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::StatusCode;
use telnyx_api::sse::{EventParser, SseStream};
use telnyx_api_fuzz::{reads, OPERATION};

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else { return };
    let split = reads(stream, seed);
    let mut parser = EventParser::new();
    parser.push(stream);
    let mut events = 0;
    while parser.next_event().is_some() {
        events += 1;
    }
    events += usize::from(parser.finish().is_some());

    let body: Vec<telnyx_api::Result<Bytes>> = split.iter().map(|r| Ok(Bytes::copy_from_slice(r))).collect();
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    let mut typed = SseStream::<serde_json::Value>::from_byte_stream(
        OPERATION,
        StatusCode::OK,
        headers,
        futures::stream::iter(body),
        Duration::from_secs(60),
    );
    if seed & 0x80 != 0 {
        typed = typed.max_event_size(64);
    }
    if seed & 0x40 != 0 {
        typed = typed.typed_error_events();
    }
    // The body never returns `Pending`, so no timer (and no Tokio runtime) is involved.
    let items = futures::executor::block_on(typed.collect::<Vec<_>>());
    assert!(items.len() <= events + 1, "{} items from {events} events", items.len());
});
