//! The idle timeout between events, which is not a total timeout.

use super::*;

#[tokio::test]
async fn idle_timeout_between_events() {
    let (closed_tx, _closed_rx) = oneshot::channel();
    let steps = vec![Step::Bytes(data(&chunk(Some("a"), None))), Step::AwaitClose(closed_tx)];
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let idle = Duration::from_millis(150);
    let mut stream = within(chat::create_completion_stream(&client_idle(&url, idle), &request())).await.unwrap();
    assert!(within(stream.next()).await.unwrap().is_ok());
    let started = std::time::Instant::now();
    match within(stream.next()).await {
        Some(Err(Error::Timeout { timeout, operation })) => {
            assert_eq!(timeout, idle);
            assert_eq!(operation, "chat_public_chat_completions_post");
        }
        other => panic!("expected an idle timeout, got {other:?}"),
    }
    let waited = started.elapsed();
    assert!(waited >= idle - Duration::from_millis(20) && waited < Duration::from_secs(3), "{waited:?}");
    assert!(within(stream.next()).await.is_none(), "the stream ends after the timeout");
}

#[tokio::test]
async fn idle_timeout_is_not_a_total_timeout() {
    // 8 events 60 ms apart (plus keep-alive comments) take ~0.5 s, well over the 150 ms idle
    // timeout, yet each gap is shorter.
    let mut steps = Vec::new();
    for i in 0..8 {
        steps.push(Step::Sleep(Duration::from_millis(30)));
        steps.push(Step::Bytes(b": keep-alive\n\n".to_vec()));
        steps.push(Step::Sleep(Duration::from_millis(30)));
        steps.push(Step::Bytes(data(&chunk(Some(&i.to_string()), None))));
    }
    steps.push(Step::Bytes(b"data: [DONE]\n\n".to_vec()));
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let client = client_idle(&url, Duration::from_millis(150));
    let text = within(chat::create_completion_text_stream(&client, &request())).await.unwrap();
    let parts: Vec<String> = within(text.collect::<Vec<_>>()).await.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(parts.concat(), "01234567");
}
