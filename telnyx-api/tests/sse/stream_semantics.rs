//! How a stream ends and what its items are: `[DONE]`, dropping, events as soon as they
//! arrive, truncation, error events, decode errors that let the stream go on.

use super::*;

#[tokio::test]
async fn done_ends_the_stream_and_closes_the_connection_without_waiting() {
    // After [DONE] the server neither ends the body nor closes: the stream must still end.
    let (closed_tx, closed_rx) = oneshot::channel();
    let steps = vec![
        Step::Bytes(data(&chunk(Some("a"), None))),
        Step::Bytes(b"data: [DONE]\n\n".to_vec()),
        Step::AwaitClose(closed_tx),
    ];
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    assert_eq!(items.len(), 1);
    assert!(within(closed_rx).await.unwrap(), "the connection was closed after [DONE]");
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let (closed_tx, closed_rx) = oneshot::channel();
    let steps = vec![Step::Bytes(data(&chunk(Some("a"), None))), Step::AwaitClose(closed_tx)];
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let mut stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    let first = within(stream.next()).await.unwrap().unwrap();
    assert_eq!(first.text(), Some("a"));
    drop(stream);
    assert!(within(closed_rx).await.unwrap(), "the server saw the connection close");
}

#[tokio::test]
async fn events_arrive_before_the_rest_of_the_body() {
    let (go_tx, go_rx) = oneshot::channel();
    let steps = vec![
        Step::Bytes(data(&chunk(Some("first"), None))),
        Step::Gate(go_rx),
        Step::Bytes(data(&chunk(Some(" second"), Some("stop")))),
        Step::Bytes(b"data: [DONE]\n\n".to_vec()),
    ];
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let mut text = within(chat::create_completion_text_stream(&client(&url), &request())).await.unwrap();
    // The server sends the rest only after we got the first delta: buffering would time out.
    let first = within(text.next()).await.unwrap().unwrap();
    assert_eq!(first, "first");
    go_tx.send(()).unwrap();
    let rest: Vec<String> = within(text.map(|r| r.unwrap()).collect::<Vec<_>>()).await;
    assert_eq!(rest, vec![" second".to_owned()]);
}

#[tokio::test]
async fn cr_terminated_events_are_delivered_without_waiting_for_the_next_byte() {
    let (go_tx, go_rx) = oneshot::channel();
    let steps = vec![
        Step::Bytes(format!("data: {}\r\r", chunk(Some("x"), None)).into_bytes()),
        Step::Gate(go_rx),
        Step::Bytes(b"\ndata: [DONE]\r\r".to_vec()),
    ];
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let mut stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    assert_eq!(within(stream.next()).await.unwrap().unwrap().text(), Some("x"));
    go_tx.send(()).unwrap();
    assert!(within(stream.next()).await.is_none());
}

#[tokio::test]
async fn truncated_stream_is_an_error() {
    let steps =
        vec![Step::Bytes(data(&chunk(Some("a"), None))), Step::Bytes(b"data: {\"id\":\"chatcmpl-1\",\"ch".to_vec())];
    let (url, _seen) = serve(vec![Script::sse(Framing::Close, steps)]).await;
    let stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].is_ok());
    match &items[1] {
        Err(Error::Stream(m)) => assert!(m.contains("truncated"), "{m}"),
        other => panic!("expected a truncation error, got {other:?}"),
    }
}

#[tokio::test]
async fn chunked_body_cut_off_is_an_error() {
    let steps = vec![Step::Bytes(data(&chunk(Some("a"), None)))];
    let (url, _seen) = serve(vec![Script::sse(Framing::ChunkedAbort, steps)]).await;
    let stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(items[1], Err(Error::Transport { .. }) | Err(Error::Stream(_))), "{items:?}");
}

#[tokio::test]
async fn finish_reason_without_done_is_complete() {
    let steps = vec![Step::Bytes(data(&chunk(Some("a"), None))), Step::Bytes(data(&chunk(None, Some("length"))))];
    let (url, _seen) = serve(vec![Script::sse(Framing::Close, steps)]).await;
    let stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].as_ref().unwrap().choices[0].finish_reason, Some(FinishReason::Length));
}

#[tokio::test]
async fn error_event_is_an_error_item_with_message_and_code() {
    let err = json!({"error": {"message": "context length exceeded", "type": "invalid_request_error", "code": "context_length"}});
    let steps = vec![
        Step::Bytes(data(&chunk(Some("a"), None))),
        Step::Bytes(data(&err)),
        Step::Bytes(data(&chunk(Some("never"), None))),
    ];
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    assert_eq!(items.len(), 2, "the stream ends at the error: {items:?}");
    match &items[1] {
        Err(Error::Stream(m)) => {
            assert!(m.contains("context length exceeded"), "{m}");
            assert!(m.contains("context_length"), "{m}");
            assert!(m.contains("invalid_request_error"), "{m}");
        }
        other => panic!("expected an error event, got {other:?}"),
    }
}

#[tokio::test]
async fn named_error_event_is_an_error_item() {
    let body = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let items = typed_over(vec![body.to_vec()]).collect::<Vec<_>>().await;
    assert_eq!(items.len(), 1);
    match &items[0] {
        Err(Error::Stream(m)) => assert!(m.contains("Overloaded") && m.contains("overloaded_error"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn content_mentioning_error_is_not_an_error() {
    let items = typed_over(vec![data(&chunk(Some("\"error\": no"), Some("stop")))]).collect::<Vec<_>>().await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap().text(), Some("\"error\": no"));
}

#[tokio::test]
async fn decode_error_names_type_and_path_and_the_stream_goes_on() {
    let bad = json!({"choices": [{"index": 0, "delta": {"content": 42}}]});
    let pieces = vec![data(&bad), data(&chunk(Some("ok"), Some("stop"))), b"data: [DONE]\n\n".to_vec()];
    let items = typed_over(pieces).collect::<Vec<_>>().await;
    assert_eq!(items.len(), 2, "{items:?}");
    match &items[0] {
        Err(Error::Decode { type_name, path, body, .. }) => {
            assert!(type_name.ends_with("ChatCompletionChunk"), "{type_name}");
            assert_eq!(path, "choices[0].delta.content");
            assert_eq!(serde_json::from_slice::<Value>(body).unwrap(), bad);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(items[1].as_ref().unwrap().text(), Some("ok"));
}

#[tokio::test]
async fn usage_only_chunk_is_accepted() {
    let usage = json!({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],
        "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"completion_tokens_details":{"reasoning_tokens":0}}});
    let items = typed_over(vec![data(&chunk(None, Some("stop"))), data(&usage), b"data: [DONE]\n\n".to_vec()])
        .collect::<Vec<_>>()
        .await;
    let last = items[1].as_ref().unwrap();
    assert!(last.choices.is_empty());
    assert_eq!(last.usage.as_ref().map(|u| u.total_tokens), Some(3));
}

#[tokio::test]
async fn unterminated_done_at_the_end_is_accepted() {
    let items = typed_over(vec![data(&chunk(Some("a"), None)), b"data: [DONE]".to_vec()]).collect::<Vec<_>>().await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(items[0].is_ok());
}

#[tokio::test]
async fn a_json_body_instead_of_a_stream_is_reported() {
    let script = Script {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        framing: Framing::Close,
        steps: vec![Step::Bytes(br#"{"id":"x","choices":[]}"#.to_vec())],
    };
    let (url, _seen) = serve(vec![script]).await;
    let stream = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    match items.as_slice() {
        [Err(Error::Stream(m))] => assert!(m.contains("application/json"), "{m}"),
        other => panic!("{other:?}"),
    }
}
