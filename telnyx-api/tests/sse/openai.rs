//! The OpenAI-compatible endpoint (`chat::openai`): streaming, truncation, error events, typed
//! non-streamed answers and the methods on the API struct.

use super::*;

/// `POST /ai/openai/chat/completions` streams the same chunks with the same contract.
#[tokio::test]
async fn openai_endpoint_streams_the_fixture() {
    let one_byte_per_read =
        fixture().into_iter().flat_map(|b| [Step::Bytes(vec![b]), Step::Sleep(Duration::from_micros(50))]).collect();
    let (url, mut seen) = serve(vec![
        Script::sse(Framing::Chunked, vec![Step::Bytes(crlf(&fixture()))]),
        Script::sse(Framing::Close, one_byte_per_read),
    ])
    .await;
    for _ in 0..2 {
        let stream = within(chat::openai::create_completion_stream(&client(&url), &request())).await.unwrap();
        assert_eq!(stream.operation(), chat::openai::OPERATION_ID);
        check_fixture(collect(stream).await);
        let req = seen.recv().await.unwrap();
        assert!(req.head.starts_with("POST /v2/ai/openai/chat/completions HTTP/1.1"), "{}", req.head);
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["stream"], true);
        assert_eq!(body["messages"][0]["content"], "hi");
    }
}

/// Every LF as CRLF.
fn crlf(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect()
}

#[tokio::test]
async fn openai_endpoint_truncation_and_error_events() {
    let err = json!({"error": {"message": "rate limited", "type": "rate_limit_error", "code": "429"}});
    let (url, _seen) = serve(vec![
        // Ends without [DONE] and without a finish_reason.
        Script::sse(Framing::Close, vec![Step::Bytes(data(&chunk(Some("a"), None)))]),
        Script::sse(Framing::Chunked, vec![Step::Bytes(data(&chunk(Some("a"), None))), Step::Bytes(data(&err))]),
    ])
    .await;
    let items = collect(within(chat::openai::create_completion_stream(&client(&url), &request())).await.unwrap()).await;
    match items.as_slice() {
        [Ok(_), Err(Error::Stream(m))] => {
            assert!(m.contains("truncated") && m.contains("create_openai_chat_completion"), "{m}")
        }
        other => panic!("expected a chunk then a truncation error, got {other:?}"),
    }
    let items = collect(within(chat::openai::create_completion_stream(&client(&url), &request())).await.unwrap()).await;
    match items.as_slice() {
        [Ok(_), Err(Error::Stream(m))] => assert!(m.contains("rate limited") && m.contains("rate_limit_error"), "{m}"),
        other => panic!("expected a chunk then the error event, got {other:?}"),
    }
}

#[tokio::test]
async fn openai_endpoint_non_streaming_is_typed() {
    let body = json!({"id": "c", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}]});
    let (url, mut seen) = serve(vec![Script::json(200, &[], &body)]).await;
    let done = within(chat::openai::create_completion(&client(&url), &request())).await.unwrap();
    assert_eq!(done.text(), Some("Hi!"));
    assert!(seen.recv().await.unwrap().head.starts_with("POST /v2/ai/openai/chat/completions "));
    let mut streaming = request();
    streaming["stream"] = json!(true);
    let err = chat::openai::create_completion(&client(&url), &streaming).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { operation: "create_openai_chat_completion", message }
            if message.contains("chat::openai::create_completion_stream")),
        "{err:?}"
    );
}

/// The methods on `client.ai().openai().chat()` take the generated request type.
#[cfg(feature = "ai")]
#[tokio::test]
async fn openai_typed_methods_on_the_api_struct() {
    let (url, mut seen) = serve(vec![Script::sse(Framing::Chunked, vec![Step::Bytes(fixture())])]).await;
    let client = client(&url);
    let request: telnyx_api::types::ChatCompletionRequest = serde_json::from_value(request()).unwrap();
    let text = within(client.ai().openai().chat().create_chat_completion_text_stream(&request)).await.unwrap();
    let parts: Vec<String> = within(text.collect::<Vec<_>>()).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(parts.concat(), FIXTURE_TEXT);
    let req = seen.recv().await.unwrap();
    assert!(req.head.starts_with("POST /v2/ai/openai/chat/completions "), "{}", req.head);
    assert_eq!(serde_json::from_slice::<Value>(&req.body).unwrap()["stream"], true);
}
