//! Errors before the stream starts: a JSON body instead of events, error statuses, retries.

use super::*;

#[tokio::test]
async fn error_status_before_the_stream_is_a_typed_api_error() {
    let body = json!({"errors": [{"code": "10015", "title": "Invalid model", "detail": "model `nope` not found",
        "source": {"pointer": "/model"}}]});
    let script = Script {
        status: 422,
        headers: vec![("content-type".into(), "application/json".into()), ("x-request-id".into(), "req-42".into())],
        framing: Framing::Close,
        steps: vec![Step::Bytes(body.to_string().into_bytes())],
    };
    let (url, _seen) = serve(vec![script]).await;
    let err = within(chat::create_completion_stream(&client(&url), &request())).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(err.codes(), vec!["10015"]);
    assert_eq!(err.request_id(), Some("req-42"));
    let api = err.api_error().expect("Error::Api");
    assert_eq!(api.operation, "chat_public_chat_completions_post");
    assert_eq!(serde_json::from_slice::<Value>(&api.body).unwrap(), body);
    let text = err.to_string();
    assert!(text.contains("[10015] Invalid model: model `nope` not found (at /model)"), "{text}");
}

#[tokio::test]
async fn server_error_before_the_stream_is_retried() {
    let fail = Script {
        status: 503,
        headers: vec![("content-type".into(), "application/json".into()), ("retry-after-ms".into(), "1".into())],
        framing: Framing::Close,
        steps: vec![Step::Bytes(b"{}".to_vec())],
    };
    let ok = Script::sse(Framing::Chunked, vec![Step::Bytes(fixture())]);
    let (url, _seen) = serve(vec![fail, ok]).await;
    let client = Client::builder().api_key(KEY).base_url(&url).max_retries(1).build().unwrap();
    let stream = within(chat::create_completion_stream(&client, &request())).await.unwrap();
    check_fixture(collect(stream).await);
}
