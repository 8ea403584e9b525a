//! The server-sent events framing ([`EventParser`]); `sse_stream` fuzzes the typed stream on top.
//!
//! Input: one byte that picks how the rest is cut into network reads, then the stream's bytes.
//! Framing must not depend on how the bytes arrive: the events of the stream pushed whole and
//! pushed in reads are the same, and so is what `finish` makes of the rest.

#![no_main]

use libfuzzer_sys::fuzz_target;
use telnyx_api::sse::{Event, EventParser};
use telnyx_api_fuzz::reads;

/// Every event of `reads` pushed one after another, the event `finish` adds, and the last id.
fn frame(reads: &[&[u8]]) -> (Vec<Event>, Option<Event>, String) {
    let mut parser = EventParser::new();
    let mut events = Vec::new();
    let mut pushed = 0;
    for read in reads {
        parser.push(read);
        pushed += read.len();
        while let Some(e) = parser.next_event() {
            events.push(e);
        }
        assert!(parser.pending_bytes() <= pushed, "more pending bytes than pushed");
        assert!(parser.pending_event_bytes() >= parser.pending_bytes());
    }
    let last = parser.finish();
    (events, last, parser.last_event_id().to_owned())
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else { return };
    let split = reads(stream, seed);
    let whole = frame(&[stream]);
    let pieces = frame(&split);
    assert_eq!(whole, pieces, "framing depends on the reads {split:?}");
});
