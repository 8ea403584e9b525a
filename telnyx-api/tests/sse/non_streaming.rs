//! Non-streamed chat completions and tool call deltas, typed.

use super::*;

#[tokio::test]
async fn non_streaming_completion_is_typed() {
    let body = json!({
        "id": "chatcmpl-9", "object": "chat.completion", "created": 1_700_000_000, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi!", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\":1}"}}]},
            "finish_reason": "tool_calls", "logprobs": null}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        "system_fingerprint": null, "extra": true
    });
    let script = Script {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        framing: Framing::Close,
        steps: vec![Step::Bytes(body.to_string().into_bytes())],
    };
    let (url, mut seen) = serve(vec![script]).await;
    let done = within(chat::create_completion(&client(&url), &request())).await.unwrap();
    assert_eq!(done.text(), Some("Hi!"));
    assert_eq!(done.choices[0].finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(done.choices[0].message.tool_calls[0].function.name, "lookup");
    assert_eq!(done.usage.as_ref().map(|u| u.total_tokens), Some(7));
    let req = seen.recv().await.unwrap();
    assert!(req.head.to_ascii_lowercase().contains("\r\naccept: application/json\r\n"), "{}", req.head);
    let sent: Value = serde_json::from_slice(&req.body).unwrap();
    assert!(sent.get("stream").is_none(), "{sent}");
}

#[tokio::test]
async fn non_streaming_rejects_stream_true_without_sending() {
    let (url, mut seen) = serve(vec![]).await;
    let mut req = request();
    req["stream"] = json!(true);
    let err = chat::create_completion(&client(&url), &req).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(seen.try_recv().is_err());
}

#[tokio::test]
async fn tool_call_deltas_are_typed() {
    let c = json!({"choices": [{"index": 0, "delta": {"tool_calls": [
        {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\""}}]},
        "finish_reason": null}]});
    let items = typed_over(vec![data(&c), b"data: [DONE]\n\n".to_vec()]).collect::<Vec<_>>().await;
    let chunk = items[0].as_ref().unwrap();
    let call = &chunk.choices[0].delta.tool_calls[0];
    assert_eq!(call.index, 0);
    assert_eq!(call.id.as_deref(), Some("call_1"));
    assert_eq!(call.type_.as_deref(), Some("function"));
    let f = call.function.as_ref().unwrap();
    assert_eq!((f.name.as_deref(), f.arguments.as_deref()), (Some("f"), Some("{\"a\"")));
}
