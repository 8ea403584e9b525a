//! Property tests: our parser frames any input as the `eventsource-stream` crate does; and
//! compile-time checks that the streams are `Send`.

use super::*;

/// A line of an event stream, before its line ending is chosen.
fn line() -> impl Strategy<Value = String> {
    let value = "[a-z \u{e9}\u{4e16}\u{1f44b}:{}\"\\[\\]]{0,12}";
    prop_oneof![
        4 => value.prop_map(|v| format!("data: {v}")),
        1 => value.prop_map(|v| format!("data:{v}")),
        1 => Just("data".to_owned()),
        1 => "[a-z]{0,6}".prop_map(|v| format!("event: {v}")),
        1 => "[a-z0-9]{0,4}".prop_map(|v| format!("id: {v}")),
        1 => "[0-9]{1,5}".prop_map(|v| format!("retry: {v}")),
        1 => "[0-9a-z]{0,3}".prop_map(|v| format!("retry: {v}")),
        1 => value.prop_map(|v| format!(":{v}")),
        1 => value.prop_map(|v| format!("x-unknown: {v}")),
        3 => Just(String::new()),
    ]
}

fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), prop::collection::vec((line(), 0..3usize), 0..40)).prop_map(|(bom, lines)| {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        for (l, eol) in lines {
            out.extend_from_slice(l.as_bytes());
            out.extend_from_slice([&b"\n"[..], b"\r\n", b"\r"][eol]);
        }
        // End on a complete line so a final lone CR is not ambiguous for `eventsource-stream`,
        // which waits for the byte after a CR before it ends a line.
        out.extend_from_slice(b":end\n");
        out
    })
}

fn reference(pieces: &[Vec<u8>]) -> Vec<Event> {
    // `eventsource-stream` 0.2.3 panics on a leading BOM (it slices the 3-byte character at byte
    // 1), so it gets the stream without it.
    let mut pieces = pieces.to_vec();
    let mut bom = if pieces.concat().starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    for p in pieces.iter_mut() {
        let n = bom.min(p.len());
        p.drain(..n);
        bom -= n;
    }
    let body = futures::stream::iter(pieces.iter().cloned().map(Ok::<_, std::convert::Infallible>));
    let events = futures::executor::block_on(eventsource_stream::EventStream::new(body).collect::<Vec<_>>());
    events
        .into_iter()
        .map(|e| {
            let e = e.expect("valid UTF-8 input");
            let mut ours = Event::default();
            ours.event = e.event;
            ours.data = e.data;
            ours.id = e.id;
            ours.retry = e.retry;
            ours
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any re-chunking of the same bytes yields the same events, and they are the events the
    /// `eventsource-stream` crate frames (differential check of our parser).
    #[test]
    fn rechunking_yields_the_same_events(bytes in stream_bytes(), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        let whole = parse_all(std::slice::from_ref(&bytes));
        let pieces = split_at(&bytes, &cuts);
        prop_assert_eq!(&parse_all(&pieces), &whole);
        prop_assert_eq!(&reference(&pieces), &whole);
    }

    /// The typed stream over a re-chunked chat stream yields the same chunks.
    #[test]
    fn typed_stream_is_independent_of_chunking(cuts in prop::collection::vec(any::<usize>(), 0..24)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let items = runtime.block_on(typed_over(split_at(&fixture(), &cuts)).collect::<Vec<_>>());
        check_fixture(items);
    }
}

// Compile-time checks: the streams can be moved across tasks.
#[allow(dead_code)]
fn assert_send() {
    fn is_send<T: Send + Stream>() {}
    is_send::<ChatCompletionStream>();
    is_send::<telnyx_api::chat::ChatTextStream>();
}
