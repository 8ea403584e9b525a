//! The `chat_stream` example, run against a scripted server.

use super::*;

/// `chat_stream` (no flag, `POST /ai/chat/completions`): the content deltas on stdout as they
/// come and one newline, exit 0; an error event, an HTTP error or a truncated stream: a message
/// on stderr, exit 1.
#[tokio::test]
async fn chat_stream_example() {
    let Some(bin) = sse_support::example_binary("chat_stream") else {
        eprintln!("skipping: the chat_stream example is not built (run plain `cargo test`)");
        return;
    };
    let err = json!({"error": {"message": "context length exceeded", "type": "invalid_request_error"}});
    let envelope = json!({"errors": [{"code": "10015", "title": "Invalid model", "detail": "model `nope` not found"}]});
    let (url, mut seen) = serve(vec![
        Script::sse(Framing::Chunked, vec![Step::Bytes(fixture())]),
        Script::sse(Framing::Chunked, vec![Step::Bytes(data(&chunk(Some("par"), None))), Step::Bytes(data(&err))]),
        Script::json(422, &[], &envelope),
        Script::sse(Framing::Close, vec![Step::Bytes(data(&chunk(Some("cut"), None)))]),
    ])
    .await;

    let ok = sse_support::run_chat_stream(bin.clone(), url.clone(), &["Tell", "me"]).await;
    assert_eq!((ok.code, ok.stdout.as_str()), (0, format!("{FIXTURE_TEXT}\n").as_str()), "stderr: {}", ok.stderr);
    let req = seen.recv().await.unwrap();
    assert!(req.head.starts_with("POST /v2/ai/chat/completions "), "{}", req.head);
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!((body["stream"].clone(), body["messages"][0]["content"].clone()), (json!(true), json!("Tell me")));

    let event = sse_support::run_chat_stream(bin.clone(), url.clone(), &["hi"]).await;
    assert_eq!((event.code, event.stdout.as_str()), (1, "par\n"), "{event:?}");
    assert!(event.stderr.contains("context length exceeded"), "{}", event.stderr);

    let http = sse_support::run_chat_stream(bin.clone(), url.clone(), &["hi"]).await;
    assert_eq!((http.code, http.stdout.as_str()), (1, ""), "{http:?}");
    assert!(http.stderr.contains("HTTP 422") && http.stderr.contains("[10015]"), "{}", http.stderr);

    let cut = sse_support::run_chat_stream(bin.clone(), url, &["hi"]).await;
    assert_eq!((cut.code, cut.stdout.as_str()), (1, "cut\n"), "{cut:?}");
    assert!(cut.stderr.contains("truncated"), "{}", cut.stderr);

    let usage = sse_support::run_chat_stream(bin, "http://127.0.0.1:9/v2".into(), &[]).await;
    assert_eq!(usage.code, 1);
    assert!(usage.stderr.contains("usage: chat_stream [--anthropic]"), "{}", usage.stderr);
}
