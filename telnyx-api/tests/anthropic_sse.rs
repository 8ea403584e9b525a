//! Streamed Anthropic Messages (`POST /ai/anthropic/v1/messages`) against the scripted HTTP/1.1
//! server of `tests/sse_support` on 127.0.0.1: the typed events, where the stream ends
//! (`message_stop`), truncation, error events, unknown event and delta types, pings, and the
//! `chat_stream --anthropic` example.

use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt as _};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use telnyx_api::anthropic::{
    self, ContentBlock, ContentBlockDeltaEvent, Delta, MessageStream, MessageTextStream, StopReason, StreamEvent,
};
use telnyx_api::sse::SseStream;
use telnyx_api::{Client, Error};
use tokio::sync::oneshot;

mod sse_support;
use sse_support::{byte_by_byte, example_binary, run_chat_stream, serve, split_at, within, Framing, Script, Step};

const KEY: &str = "KEYanthropic0123456789";

fn client(url: &str) -> Client {
    Client::builder().api_key(KEY).base_url(url).max_retries(0).build().unwrap()
}

fn request() -> Value {
    json!({"model": "zai-org/GLM-5.2", "max_tokens": 256, "messages": [{"role": "user", "content": "hi"}]})
}

async fn collect(stream: MessageStream) -> Vec<Result<StreamEvent, Error>> {
    within(stream.collect::<Vec<_>>()).await
}

// ------------------------------------------------------------------------------ fixtures

/// One Anthropic event as the API frames it: the `event:` name and the same `type` in the data.
fn ev(data: Value) -> Vec<u8> {
    let name = data["type"].as_str().expect("a type").to_owned();
    format!("event: {name}\ndata: {data}\n\n").into_bytes()
}

fn text_delta(index: u32, text: &str) -> Vec<u8> {
    ev(json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}))
}

fn message_start() -> Vec<u8> {
    ev(json!({"type": "message_start", "message": {"id": "msg_01", "type": "message", "role": "assistant",
        "content": [], "model": "zai-org/GLM-5.2", "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": 25, "output_tokens": 1}}}))
}

fn message_stop() -> Vec<u8> {
    ev(json!({"type": "message_stop"}))
}

/// A stream like the API's for a text block then a tool call: a comment, a ping, multi-byte
/// UTF-8, `input_json_delta` fragments, an event type and a delta type this crate does not
/// know, a `message_delta` with the stop reason and usage, `message_stop`.
fn fixture() -> Vec<u8> {
    let mut s = Vec::new();
    s.extend(message_start());
    s.extend(b": keep-alive\n\n");
    s.extend(ev(json!({"type": "ping"})));
    s.extend(ev(json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
    s.extend(text_delta(0, "Héllo"));
    s.extend(text_delta(0, " wörld 👋"));
    s.extend(ev(json!({"type": "content_block_delta", "index": 0,
        "delta": {"type": "citations_delta", "citation": {"type": "char_location", "cited_text": "x"}}})));
    s.extend(text_delta(0, " 世界"));
    s.extend(ev(json!({"type": "content_block_stop", "index": 0})));
    s.extend(ev(json!({"type": "content_block_start", "index": 1,
        "content_block": {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {}}})));
    for part in ["{\"city\": ", "\"Zür", "ich\"}"] {
        s.extend(ev(json!({"type": "content_block_delta", "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": part}})));
    }
    s.extend(ev(json!({"type": "content_block_stop", "index": 1})));
    s.extend(ev(json!({"type": "brand_new_event", "index": 7, "detail": {"a": [1, 2]}})));
    s.extend(ev(json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null},
        "usage": {"output_tokens": 15}})));
    s.extend(message_stop());
    s
}

const FIXTURE_TEXT: &str = "Héllo wörld 👋 世界";

fn check_fixture(items: Vec<Result<StreamEvent, Error>>) {
    let events: Vec<StreamEvent> =
        items.into_iter().map(|r| r.unwrap_or_else(|e| panic!("unexpected error item: {e}"))).collect();
    let types: Vec<&str> = events.iter().map(StreamEvent::type_name).collect();
    assert_eq!(
        types,
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "brand_new_event",
            "message_delta",
            "message_stop",
        ]
    );
    let StreamEvent::MessageStart(start) = &events[0] else { unreachable!() };
    assert_eq!((start.message.id.as_str(), start.message.usage.input_tokens), ("msg_01", Some(25)));
    assert_eq!(events[1], StreamEvent::Ping);
    let text: String = events.iter().filter_map(StreamEvent::text_delta).collect();
    assert_eq!(text, FIXTURE_TEXT);
    let StreamEvent::ContentBlockDelta(citation) = &events[5] else { unreachable!() };
    assert!(matches!(&citation.delta, Delta::Other(v) if v["type"] == "citations_delta"), "{citation:?}");
    let StreamEvent::ContentBlockStart(tool) = &events[8] else { unreachable!() };
    assert_eq!(
        tool.content_block,
        ContentBlock::ToolUse { id: "toolu_01".into(), name: "get_weather".into(), input: json!({}) }
    );
    let input: String = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
                index: 1,
                delta: Delta::InputJson { partial_json },
                ..
            }) => Some(partial_json.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(serde_json::from_str::<Value>(&input).unwrap(), json!({"city": "Zürich"}));
    assert_eq!(
        events[13],
        StreamEvent::Unknown(json!({"type": "brand_new_event", "index": 7, "detail": {"a": [1, 2]}}))
    );
    let StreamEvent::MessageDelta(end) = &events[14] else { unreachable!() };
    assert_eq!(end.delta.stop_reason, Some(StopReason::ToolUse));
    assert_eq!((end.usage.output_tokens, end.usage.input_tokens), (Some(15), None));
    assert!(events[15].is_message_stop());
}

/// The event stream over an in-memory body cut into the given pieces, with the conventions
/// `anthropic::create_message_stream` applies.
fn typed_over(pieces: Vec<Vec<u8>>) -> MessageStream {
    let body = futures::stream::iter(pieces.into_iter().map(|p| Ok::<_, Error>(Bytes::from(p))));
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "text/event-stream".parse().unwrap());
    SseStream::from_byte_stream("create_anthropic_message", StatusCode::OK, headers, body, Duration::from_secs(5))
        .anthropic_conventions()
}

/// Every LF of the fixture as CRLF.
fn crlf(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect()
}

// ------------------------------------------------------------------------------ framing

#[tokio::test]
async fn fixture_over_the_wire_chunked() {
    let (url, mut seen) = serve(vec![Script::sse(Framing::Chunked, vec![Step::Bytes(fixture())])]).await;
    let stream = within(anthropic::create_message_stream(&client(&url), &request())).await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.operation(), anthropic::OPERATION_ID);
    check_fixture(collect(stream).await);

    let req = seen.recv().await.unwrap();
    assert!(req.head.starts_with("POST /v2/ai/anthropic/v1/messages HTTP/1.1"), "{}", req.head);
    assert!(req.head.to_ascii_lowercase().contains(&format!("authorization: bearer {}", KEY.to_ascii_lowercase())));
    assert!(req.head.to_ascii_lowercase().contains("\r\naccept: text/event-stream\r\n"), "{}", req.head);
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["stream"], true, "stream is set by create_message_stream");
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(body["messages"][0]["content"], "hi");
}

#[tokio::test]
async fn fixture_one_byte_per_read_connection_close() {
    // Every byte in its own TCP write with a pause, so reads split UTF-8 characters and lines.
    let steps = byte_by_byte(&fixture());
    let (url, _seen) = serve(vec![Script::sse(Framing::Close, steps)]).await;
    let stream = within(anthropic::create_message_stream(&client(&url), &request())).await.unwrap();
    check_fixture(collect(stream).await);
}

#[tokio::test]
async fn every_split_point_of_the_fixture() {
    let bytes = fixture();
    for i in 0..=bytes.len() {
        check_fixture(typed_over(vec![bytes[..i].to_vec(), bytes[i..].to_vec()]).collect().await);
    }
}

#[tokio::test]
async fn crlf_line_endings_at_every_split_point() {
    // Splits between a CR and its LF included.
    let bytes = crlf(&fixture());
    for i in 0..=bytes.len() {
        check_fixture(typed_over(vec![bytes[..i].to_vec(), bytes[i..].to_vec()]).collect().await);
    }
}

#[tokio::test]
async fn crlf_one_byte_per_read_over_the_wire() {
    let steps = byte_by_byte(&crlf(&fixture()));
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let stream = within(anthropic::create_message_stream(&client(&url), &request())).await.unwrap();
    check_fixture(collect(stream).await);
}

#[tokio::test]
async fn any_rechunking_yields_the_same_events() {
    // Three pieces: cuts 0..48 bytes apart at every offset (where a line, a CRLF pair or a
    // UTF-8 character gets cut), over the CRLF fixture.
    let bytes = crlf(&fixture());
    for i in (0..=bytes.len()).step_by(7) {
        for j in i..=(i + 48).min(bytes.len()) {
            check_fixture(typed_over(split_at(&bytes, &[i, j])).collect().await);
        }
    }
}

// ------------------------------------------------------------------------------ where it ends

#[tokio::test]
async fn message_stop_ends_the_stream_and_closes_the_connection_without_waiting() {
    // After message_stop the server neither ends the body nor closes: the stream must end.
    let (closed_tx, closed_rx) = oneshot::channel();
    let steps = vec![Step::Bytes(message_start()), Step::Bytes(message_stop()), Step::AwaitClose(closed_tx)];
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let stream = within(anthropic::create_message_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[1].as_ref().unwrap().is_message_stop());
    assert!(within(closed_rx).await.unwrap(), "the connection was closed after message_stop");
}

#[tokio::test]
async fn events_after_message_stop_are_not_read() {
    let items = typed_over(vec![message_stop(), text_delta(0, "never")]).collect::<Vec<_>>().await;
    assert_eq!(items.len(), 1, "{items:?}");
}

#[tokio::test]
async fn body_ending_before_message_stop_is_a_truncation_error() {
    // Cut after a complete event, after message_delta (the stop reason is not the end), and in
    // the middle of an event.
    let with_delta = [
        message_start(),
        text_delta(0, "a"),
        ev(json!({"type": "message_delta",
        "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}})),
    ]
    .concat();
    let mid_event = [message_start(), b"event: content_block_delta\ndata: {\"type\":\"content_bl".to_vec()].concat();
    for (body, complete_events) in
        [([message_start(), text_delta(0, "a")].concat(), 2), (with_delta, 3), (mid_event, 1)]
    {
        let (url, _seen) = serve(vec![Script::sse(Framing::Close, vec![Step::Bytes(body)])]).await;
        let stream = within(anthropic::create_message_stream(&client(&url), &request())).await.unwrap();
        let items = collect(stream).await;
        assert_eq!(items.len(), complete_events + 1, "{items:?}");
        assert!(items[..complete_events].iter().all(Result::is_ok), "{items:?}");
        match items.last() {
            Some(Err(Error::Stream(m))) => {
                assert!(m.contains("truncated") && m.contains("without `message_stop`"), "{m}");
                assert!(m.contains(anthropic::OPERATION_ID), "{m}");
            }
            other => panic!("expected a truncation error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn chunked_body_cut_off_is_an_error() {
    let steps = vec![Step::Bytes(message_start()), Step::Bytes(text_delta(0, "a"))];
    let (url, _seen) = serve(vec![Script::sse(Framing::ChunkedAbort, steps)]).await;
    let stream = within(anthropic::create_message_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(matches!(items[2], Err(Error::Transport { .. }) | Err(Error::Stream(_))), "{items:?}");
}

#[tokio::test]
async fn events_arrive_before_the_rest_of_the_body() {
    let (go_tx, go_rx) = oneshot::channel();
    let steps = vec![
        Step::Bytes(message_start()),
        Step::Bytes(text_delta(0, "first")),
        Step::Gate(go_rx),
        Step::Bytes(text_delta(0, " second")),
        Step::Bytes(message_stop()),
    ];
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let mut text = within(anthropic::create_message_text_stream(&client(&url), &request())).await.unwrap();
    // The server sends the rest only after we got the first delta: buffering would time out.
    assert_eq!(within(text.next()).await.unwrap().unwrap(), "first");
    go_tx.send(()).unwrap();
    let rest: Vec<String> = within(text.map(|r| r.unwrap()).collect::<Vec<_>>()).await;
    assert_eq!(rest, vec![" second".to_owned()]);
}

// ------------------------------------------------------------------------------ errors

#[tokio::test]
async fn error_event_is_a_typed_error_and_ends_the_stream() {
    let error = ev(json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}));
    let steps = vec![
        Step::Bytes(message_start()),
        Step::Bytes(text_delta(0, "a")),
        Step::Bytes(error),
        Step::Bytes(text_delta(0, "never")),
        Step::Bytes(message_stop()),
    ];
    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, steps)]).await;
    let stream = within(anthropic::create_message_stream(&client(&url), &request())).await.unwrap();
    let items = collect(stream).await;
    assert_eq!(items.len(), 3, "the stream ends at the error: {items:?}");
    let err = items[2].as_ref().unwrap_err();
    let event = err.stream_event().unwrap_or_else(|| panic!("expected Error::StreamEvent, got {err:?}"));
    assert_eq!(event.operation, anthropic::OPERATION_ID);
    assert_eq!(event.event, "error");
    assert_eq!(event.error_type.as_deref(), Some("overloaded_error"));
    assert_eq!(event.message.as_deref(), Some("Overloaded"));
    let text = err.to_string();
    assert!(text.contains("Overloaded (type overloaded_error)"), "{text}");
}

#[tokio::test]
async fn error_payload_without_an_event_name_is_typed_too() {
    let body = b"data: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}\n\n";
    let items = typed_over(vec![message_start(), body.to_vec()]).collect::<Vec<_>>().await;
    assert_eq!(items.len(), 2, "{items:?}");
    let e = items[1].as_ref().unwrap_err().stream_event().expect("typed");
    assert_eq!((e.event.as_str(), e.error_type.as_deref()), ("message", Some("rate_limit_error")));
}

#[tokio::test]
async fn error_status_before_the_stream_is_an_api_error() {
    let anthropic_style =
        json!({"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: required"}});
    let telnyx_style =
        json!({"errors": [{"code": "10015", "title": "Invalid model", "detail": "model `nope` not found"}]});
    let (url, _seen) = serve(vec![
        Script::json(400, &[("x-request-id", "req-7")], &anthropic_style),
        Script::json(422, &[], &telnyx_style),
    ])
    .await;
    let err = within(anthropic::create_message_stream(&client(&url), &request())).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(err.request_id(), Some("req-7"));
    let api = err.api_error().expect("Error::Api");
    assert_eq!(api.operation, anthropic::OPERATION_ID);
    assert!(err.to_string().contains("max_tokens: required"), "{err}");

    let err = within(anthropic::create_message_stream(&client(&url), &request())).await.unwrap_err();
    assert_eq!(err.codes(), vec!["10015"]);
}

#[tokio::test]
async fn a_bad_known_event_is_a_decode_error_and_the_stream_goes_on() {
    let bad = ev(json!({"type": "content_block_delta", "index": "zero", "delta": {"type": "text_delta", "text": "x"}}));
    let items = typed_over(vec![message_start(), bad, text_delta(0, "ok"), message_stop()]).collect::<Vec<_>>().await;
    assert_eq!(items.len(), 4, "{items:?}");
    match &items[1] {
        Err(Error::Decode { type_name, message, .. }) => {
            assert!(type_name.ends_with("StreamEvent"), "{type_name}");
            assert!(message.contains("content_block_delta") && message.contains("`index`"), "{message}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(items[2].as_ref().unwrap().text_delta(), Some("ok"));
}

// ------------------------------------------------------------------------------ leniency

#[tokio::test]
async fn unknown_events_and_pings_are_kept_and_the_text_stream_skips_them() {
    let body = [
        message_start(),
        ev(json!({"type": "ping"})),
        ev(json!({"type": "future_thing", "x": 1})),
        text_delta(0, "a"),
        ev(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hmm"}})),
        ev(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig"}})),
        ev(json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{}"}})),
        ev(json!({"type": "ping"})),
        text_delta(0, ""),
        text_delta(0, "b"),
        message_stop(),
    ]
    .concat();
    let events: Vec<StreamEvent> =
        typed_over(vec![body.clone()]).collect::<Vec<_>>().await.into_iter().map(Result::unwrap).collect();
    assert_eq!(events.len(), 11);
    assert_eq!(events.iter().filter(|e| **e == StreamEvent::Ping).count(), 2);
    assert_eq!(events[2], StreamEvent::Unknown(json!({"type": "future_thing", "x": 1})));
    let StreamEvent::ContentBlockDelta(thinking) = &events[4] else { panic!() };
    assert_eq!(thinking.delta, Delta::Thinking { thinking: "hmm".into() });
    let StreamEvent::ContentBlockDelta(signature) = &events[5] else { panic!() };
    assert_eq!(signature.delta, Delta::Signature { signature: "sig".into() });

    let (url, _seen) = serve(vec![Script::sse(Framing::Chunked, vec![Step::Bytes(body)])]).await;
    let text = within(anthropic::create_message_text_stream(&client(&url), &request())).await.unwrap();
    let parts: Vec<String> = within(text.collect::<Vec<_>>()).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(parts, ["a", "b"], "text deltas only, empty ones skipped");
}

// ------------------------------------------------------------------------------ non-streaming

#[tokio::test]
async fn non_streaming_message_is_typed_and_stream_true_is_rejected() {
    let message = json!({"id": "msg_9", "type": "message", "role": "assistant", "model": "m",
        "content": [{"type": "text", "text": "Hi"}, {"type": "tool_use", "id": "t", "name": "f", "input": {"q": 1}},
                    {"type": "text", "text": "!"}],
        "stop_reason": "end_turn", "stop_sequence": null, "usage": {"input_tokens": 3, "output_tokens": 2}, "extra": true});
    let (url, mut seen) = serve(vec![Script::json(200, &[], &message)]).await;
    let done = within(anthropic::create_message(&client(&url), &request())).await.unwrap();
    assert_eq!(done.text(), "Hi!");
    assert_eq!(done.stop_reason, Some(StopReason::EndTurn));
    assert!(matches!(&done.content[1], ContentBlock::ToolUse { input, .. } if input["q"] == 1));
    let sent: Value = serde_json::from_slice(&seen.recv().await.unwrap().body).unwrap();
    assert!(sent.get("stream").is_none(), "{sent}");

    let mut streaming = request();
    streaming["stream"] = json!(true);
    let err = anthropic::create_message(&client(&url), &streaming).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message, .. } if message.contains("create_message_stream")),
        "{err:?}"
    );
}

/// The methods on `client.ai().anthropic().v1()` take the generated request type.
#[cfg(feature = "ai")]
#[tokio::test]
async fn typed_methods_on_the_api_struct() {
    let (url, mut seen) = serve(vec![Script::sse(Framing::Chunked, vec![Step::Bytes(fixture())])]).await;
    let client = client(&url);
    let request: telnyx_api::types::AnthropicMessageRequest = serde_json::from_value(request()).unwrap();
    assert_eq!(request.stream, None);
    let stream = within(client.ai().anthropic().v1().create_message_stream(&request)).await.unwrap();
    check_fixture(collect(stream).await);
    let sent: Value = serde_json::from_slice(&seen.recv().await.unwrap().body).unwrap();
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["model"], "zai-org/GLM-5.2");
}

// ------------------------------------------------------------------------------ the example

/// `chat_stream --anthropic`: the text deltas on stdout as they come and one newline, exit 0;
/// an error event, an HTTP error or a truncated stream: a message on stderr, exit 1.
#[tokio::test]
async fn chat_stream_example_with_anthropic() {
    let Some(bin) = example_binary("chat_stream") else {
        eprintln!("skipping: the chat_stream example is not built (run plain `cargo test`)");
        return;
    };
    let overloaded = ev(json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}));
    let bad_request = json!({"type": "error", "error": {"type": "invalid_request_error", "message": "bad max_tokens"}});
    let (url, mut seen) = serve(vec![
        Script::sse(Framing::Chunked, vec![Step::Bytes(fixture())]),
        Script::sse(
            Framing::Chunked,
            vec![Step::Bytes([message_start(), text_delta(0, "par")].concat()), Step::Bytes(overloaded)],
        ),
        Script::json(400, &[], &bad_request),
        Script::sse(Framing::Close, vec![Step::Bytes([message_start(), text_delta(0, "cut")].concat())]),
    ])
    .await;

    let ok = run_chat_stream(bin.clone(), url.clone(), &["--anthropic", "Tell", "me"]).await;
    assert_eq!((ok.code, ok.stdout.as_str()), (0, format!("{FIXTURE_TEXT}\n").as_str()), "stderr: {}", ok.stderr);
    assert!(ok.stderr.is_empty(), "{}", ok.stderr);
    let req = seen.recv().await.unwrap();
    assert!(req.head.starts_with("POST /v2/ai/anthropic/v1/messages "), "{}", req.head);
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!((body["stream"].clone(), body["messages"][0]["content"].clone()), (json!(true), json!("Tell me")));
    assert!(body["max_tokens"].as_u64().is_some_and(|n| n > 0), "{body}");

    let event = run_chat_stream(bin.clone(), url.clone(), &["--anthropic", "hi"]).await;
    assert_eq!(event.code, 1, "{event:?}");
    assert_eq!(event.stdout, "par\n", "the partial line is finished before the message");
    assert!(event.stderr.contains("Overloaded") && event.stderr.contains("overloaded_error"), "{}", event.stderr);

    let http = run_chat_stream(bin.clone(), url.clone(), &["--anthropic", "hi"]).await;
    assert_eq!((http.code, http.stdout.as_str()), (1, ""), "{http:?}");
    assert!(http.stderr.contains("HTTP 400") && http.stderr.contains("bad max_tokens"), "{}", http.stderr);

    let cut = run_chat_stream(bin, url, &["--anthropic", "hi"]).await;
    assert_eq!((cut.code, cut.stdout.as_str()), (1, "cut\n"), "{cut:?}");
    assert!(cut.stderr.contains("truncated") && cut.stderr.contains("message_stop"), "{}", cut.stderr);
}

// Compile-time checks: the streams can be moved across tasks.
#[allow(dead_code)]
fn assert_send() {
    fn is_send<T: Send + Stream>() {}
    is_send::<MessageStream>();
    is_send::<MessageTextStream>();
}
