//! The OpenAI Responses event stream (`POST /ai/openai/responses` with `stream: true`, issue 26)
//! against the scripted HTTP/1.1 server of `tests/sse_support`: typed events, the text, where
//! the stream ends, truncation, error events and unknown events.

use futures::StreamExt as _;
use serde_json::{json, Value};
use telnyx_api::responses::{self, ResponseEvent, ResponseStream};
use telnyx_api::{Client, Error};

mod sse_support;
use sse_support::{byte_by_byte, serve, within, Framing, Script, Step};

const KEY: &str = "KEYresponses0123456789";

fn client(url: &str) -> Client {
    Client::builder().api_key(KEY).base_url(url).max_retries(0).build().unwrap()
}

fn request() -> Value {
    json!({"model": "openai/gpt-4o", "input": "Say hello"})
}

/// One event as the API frames it: the `event:` name and the same `type` in the data.
fn ev(data: Value) -> Vec<u8> {
    let name = data["type"].as_str().expect("a type").to_owned();
    format!("event: {name}\ndata: {data}\n\n").into_bytes()
}

fn response(status: &str) -> Value {
    json!({"id": "resp_1", "object": "response", "status": status, "model": "openai/gpt-4o", "output": [],
        "usage": null, "error": null, "temperature": 1.0})
}

fn delta(text: &str) -> Vec<u8> {
    ev(json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0,
        "delta": text, "sequence_number": 4}))
}

/// A stream as the API sends it for one text message, with an event type this crate does not
/// know among them.
fn full_stream() -> Vec<Vec<u8>> {
    let item = json!({"id": "msg_1", "type": "message", "role": "assistant", "status": "in_progress", "content": []});
    let part = json!({"type": "output_text", "text": "", "annotations": []});
    let mut done = response("completed");
    done["usage"] = json!({"input_tokens": 9, "output_tokens": 3, "total_tokens": 12});
    vec![
        ev(json!({"type": "response.created", "response": response("in_progress"), "sequence_number": 0})),
        ev(json!({"type": "response.in_progress", "response": response("in_progress"), "sequence_number": 1})),
        ev(json!({"type": "response.output_item.added", "output_index": 0, "item": item, "sequence_number": 2})),
        ev(json!({"type": "response.content_part.added", "item_id": "msg_1", "output_index": 0,
            "content_index": 0, "part": part, "sequence_number": 3})),
        delta("Hel"),
        delta("lo ✓"),
        ev(json!({"type": "response.reasoning_summary.delta", "delta": "thinking", "sequence_number": 6})),
        ev(json!({"type": "response.output_text.done", "item_id": "msg_1", "output_index": 0, "content_index": 0,
            "text": "Hello ✓", "sequence_number": 7})),
        ev(json!({"type": "response.completed", "response": done, "sequence_number": 8})),
    ]
}

async fn collect(stream: ResponseStream) -> Vec<Result<ResponseEvent, Error>> {
    within(stream.collect::<Vec<_>>()).await
}

#[tokio::test]
async fn events_are_typed_and_the_stream_ends_at_completed() {
    let mut steps: Vec<Step> = full_stream().into_iter().map(Step::Bytes).collect();
    // Anything after the terminal event is never read.
    steps.push(Step::Bytes(delta("never")));
    let (url, mut seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let stream = within(responses::create_response_stream(&client(&url), &request())).await.unwrap();
    let items: Vec<ResponseEvent> = collect(stream).await.into_iter().map(|i| i.unwrap()).collect();
    let types: Vec<&str> = items.iter().map(ResponseEvent::event_type).collect();
    assert_eq!(
        types,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.reasoning_summary.delta",
            "response.output_text.done",
            "response.completed",
        ]
    );
    assert!(matches!(&items[6], ResponseEvent::Unknown(v) if v["delta"] == "thinking"), "{:?}", items[6]);
    match &items[4] {
        ResponseEvent::OutputTextDelta { item_id, output_index, content_index, delta } => {
            assert_eq!((item_id.as_str(), *output_index, *content_index, delta.as_str()), ("msg_1", 0, 0, "Hel"));
        }
        other => panic!("{other:?}"),
    }
    match &items[8] {
        ResponseEvent::Completed { response } => {
            assert_eq!((response.id.as_str(), response.status.as_deref()), ("resp_1", Some("completed")));
            assert_eq!(response.usage.as_ref().unwrap()["total_tokens"], 12);
            assert_eq!(response.other["temperature"], 1.0, "members not typed are kept");
        }
        other => panic!("{other:?}"),
    }
    // The request: `stream: true` set, the key sent.
    let request = seen.recv().await.unwrap();
    assert!(request.head.starts_with("POST /v2/ai/openai/responses "), "{}", request.head);
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["stream"], true);
    assert_eq!(body["input"], "Say hello");
}

#[tokio::test]
async fn the_text_stream_yields_the_deltas_even_cut_byte_by_byte() {
    let bytes: Vec<u8> = full_stream().concat();
    let (url, _) = serve(vec![Script::sse(Framing::Chunked, byte_by_byte(&bytes))]).await;
    let text = within(responses::create_response_text_stream(&client(&url), &request())).await.unwrap();
    let parts: Vec<String> = within(text.collect::<Vec<_>>()).await.into_iter().map(|p| p.unwrap()).collect();
    assert_eq!(parts, ["Hel", "lo ✓"]);
}

#[tokio::test]
async fn an_error_event_is_typed_and_ends_the_stream() {
    let steps = vec![
        Step::Bytes(full_stream().remove(0)),
        Step::Bytes(delta("a")),
        Step::Bytes(ev(json!({"type": "error", "code": "rate_limit_exceeded", "message": "Slow down",
            "param": null, "sequence_number": 2}))),
        Step::Bytes(delta("never")),
    ];
    let (url, _) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let stream = within(responses::create_response_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    assert_eq!(items.len(), 3, "the stream ends at the error: {items:?}");
    let err = items[2].as_ref().unwrap_err();
    let event = err.stream_event().unwrap_or_else(|| panic!("expected Error::StreamEvent, got {err:?}"));
    assert_eq!(event.operation, responses::OPERATION_ID);
    assert_eq!((event.code.as_deref(), event.message.as_deref()), (Some("rate_limit_exceeded"), Some("Slow down")));
}

#[tokio::test]
async fn a_failed_response_ends_the_stream_and_a_cut_one_is_truncated() {
    let mut failed = response("failed");
    failed["error"] = json!({"code": "server_error", "message": "The model failed"});
    let steps = vec![
        Step::Bytes(full_stream().remove(0)),
        Step::Bytes(ev(json!({"type": "response.failed", "response": failed, "sequence_number": 1}))),
    ];
    let (url, _) = serve(vec![Script::sse(Framing::Close, steps)]).await;
    let items = collect(within(responses::create_response_stream(&client(&url), &request())).await.unwrap()).await;
    assert_eq!(items.len(), 2);
    match items[1].as_ref().unwrap() {
        ResponseEvent::Failed { response } => assert_eq!(response.error.as_ref().unwrap()["code"], "server_error"),
        other => panic!("{other:?}"),
    }

    // A body that ends before a terminal event: the stream ends with a truncation error.
    let steps = vec![Step::Bytes(full_stream().remove(0)), Step::Bytes(delta("a"))];
    let (url, _) = serve(vec![Script::sse(Framing::Close, steps)]).await;
    let items = collect(within(responses::create_response_stream(&client(&url), &request())).await.unwrap()).await;
    assert_eq!(items.len(), 3, "{items:?}");
    let err = items[2].as_ref().unwrap_err();
    assert!(matches!(err, Error::Stream(m) if m.contains("truncated")), "{err:?}");
}

#[tokio::test]
async fn the_resource_method_streams_too() {
    let (url, _) =
        serve(vec![Script::sse(Framing::Chunked, full_stream().into_iter().map(Step::Bytes).collect())]).await;
    let client = client(&url);
    let body = telnyx_api::types::CreateResponseBody {
        model: Some("openai/gpt-4o".into()),
        input: Some(json!("Say hello")),
        ..Default::default()
    };
    let stream = within(client.ai().openai().create_response_stream(&body)).await.unwrap();
    assert_eq!(collect(stream).await.len(), 9);
}
