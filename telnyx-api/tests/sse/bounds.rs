//! The size limit of one event.

use super::*;

/// An event that keeps growing (one `data:` line after another, never a blank line; or one
/// endless line) ends the stream with an error once it passes the limit, instead of being
/// buffered without end; many small events within the limit stream on with flat memory.
#[tokio::test]
async fn an_event_past_the_size_limit_ends_the_stream() {
    let chunk = br#"data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}"#;
    for endless in [
        // Lines of one event.
        std::iter::repeat_n([&chunk[..], b"\n"].concat(), 2_000).collect::<Vec<_>>(),
        // One line that never ends.
        std::iter::repeat_n(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".to_vec(), 2_000).collect(),
    ] {
        let results: Vec<_> = typed_over(endless).max_event_size(16 * 1024).collect::<Vec<_>>().await;
        assert_eq!(results.len(), 1, "one error, then the end");
        match &results[0] {
            Err(Error::Stream(m)) => assert!(m.contains("more than 16384 bytes"), "{m}"),
            other => panic!("expected a size error, got {other:?}"),
        }
    }
    // 5,000 small events, each well within a 1 KiB limit: all arrive.
    let events: Vec<Vec<u8>> = std::iter::repeat_n([&chunk[..], b"\n\n"].concat(), 5_000).collect();
    let mut stream = typed_over(events).max_event_size(1024);
    let mut n = 0;
    while let Some(item) = stream.next().await {
        match item {
            Ok(_) => n += 1,
            // The body ends without [DONE] or a finish_reason: a truncation, after every event.
            Err(Error::Stream(m)) => assert!(m.contains("without `data: [DONE]`"), "{m}"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(n, 5_000);
}
