//! Framing over the wire: a recorded chat stream chunked, byte by byte and split at every
//! point, the event fields, the BOM.

use super::*;

#[tokio::test]
async fn fixture_over_the_wire_chunked() {
    let (url, mut seen) = serve(vec![Script::sse(Framing::Chunked, vec![Step::Bytes(fixture())])]).await;
    let stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    check_fixture(collect(stream).await);

    let req = seen.recv().await.unwrap();
    assert!(req.head.starts_with("POST /v2/ai/chat/completions HTTP/1.1"), "{}", req.head);
    assert!(req.head.to_ascii_lowercase().contains(&format!("authorization: bearer {}", KEY.to_ascii_lowercase())));
    assert!(req.head.to_ascii_lowercase().contains("\r\naccept: text/event-stream\r\n"), "{}", req.head);
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["stream"], true, "stream is set by create_completion_stream");
    assert_eq!(body["messages"][0]["content"], "hi");
}

#[tokio::test]
async fn fixture_one_byte_per_read_connection_close() {
    // Every byte in its own TCP write with a pause, so reads split UTF-8 characters, CRLF pairs
    // and the BOM.
    let steps = byte_by_byte(&fixture());
    let (url, _seen) = serve(vec![Script::sse(Framing::Close, steps)]).await;
    let stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    check_fixture(collect(stream).await);
}

#[tokio::test]
async fn every_split_point_of_the_fixture() {
    let bytes = fixture();
    for i in 0..=bytes.len() {
        let items = typed_over(vec![bytes[..i].to_vec(), bytes[i..].to_vec()]).collect().await;
        check_fixture(items);
    }
}

#[tokio::test]
async fn every_pair_of_close_split_points_frames_like_the_whole() {
    let bytes = fixture();
    let whole = parse_all(std::slice::from_ref(&bytes));
    assert_eq!(whole.len(), 7);
    // Every first cut with every second cut up to 48 bytes later: middle pieces of every short
    // length at every offset, which is where a line, a CRLF pair or a UTF-8 character gets cut.
    for i in 0..=bytes.len() {
        for j in i..=(i + 48).min(bytes.len()) {
            let pieces = [bytes[..i].to_vec(), bytes[i..j].to_vec(), bytes[j..].to_vec()];
            assert_eq!(parse_all(&pieces), whole, "cuts at {i} and {j}");
        }
    }
}

#[tokio::test]
async fn sse_fields_are_exposed() {
    let events = parse_all(&[fixture()]);
    assert_eq!(events[0].retry, Some(Duration::from_millis(3000)));
    assert_eq!(events[0].id, "1");
    assert_eq!(events[1].id, "1", "the id persists until changed");
    assert_eq!(events[2].id, "2");
    assert!(events.iter().all(|e| e.event == "message"));
    assert!(events[3].data.contains("\n\"choices\""), "data lines are joined with \\n");
    assert_eq!(events[6].data, "[DONE]");
}

#[tokio::test]
async fn a_bom_only_counts_at_the_start() {
    let events = parse_all(&[b"\xEF\xBB".to_vec(), b"\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\n".to_vec()]);
    assert_eq!(events.len(), 1, "a later BOM starts an unknown field name: {events:?}");
    assert_eq!(events[0].data, "a");
}
