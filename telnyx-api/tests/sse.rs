//! Server-sent events and streamed chat completions, against a raw HTTP/1.1 server on 127.0.0.1
//! that writes responses byte by byte as each test scripts them (chunked or connection-close
//! bodies, delays, adversarial splits), plus property tests of the framing.

use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt as _};
use proptest::prelude::*;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use telnyx_api::chat::{self, ChatCompletionChunk, ChatCompletionStream, FinishReason, Role};
use telnyx_api::sse::{Event, EventParser, SseStream};
use telnyx_api::{Client, Error};
use tokio::sync::oneshot;

mod sse_support;
use sse_support::{byte_by_byte, serve, split_at, within, Framing, Script, Step};

const KEY: &str = "KEYsse0123456789";

fn client(url: &str) -> Client {
    Client::builder().api_key(KEY).base_url(url).max_retries(0).build().unwrap()
}

fn client_idle(url: &str, idle: Duration) -> Client {
    Client::builder().api_key(KEY).base_url(url).max_retries(0).stream_idle_timeout(idle).build().unwrap()
}

fn request() -> Value {
    json!({"model": "meta-llama/Meta-Llama-3.1-8B-Instruct", "messages": [{"role": "user", "content": "hi"}]})
}

async fn collect(stream: ChatCompletionStream) -> Vec<Result<ChatCompletionChunk, Error>> {
    within(stream.collect::<Vec<_>>()).await
}

// ------------------------------------------------------------------------------ fixtures

fn chunk(content: Option<&str>, finish: Option<&str>) -> Value {
    let mut delta = json!({});
    if let Some(c) = content {
        delta["content"] = json!(c);
    }
    json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000,
        "model": "meta-llama/Meta-Llama-3.1-8B-Instruct",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}]
    })
}

fn data(v: &Value) -> Vec<u8> {
    format!("data: {v}\n\n").into_bytes()
}

/// A recorded-looking stream exercising the framing rules: BOM, comments, `event`/`id`/`retry`
/// fields, CRLF and CR line endings, multi-line data, multi-byte UTF-8, a usage-only chunk.
fn fixture() -> Vec<u8> {
    let mut s = Vec::new();
    s.extend_from_slice(b"\xEF\xBB\xBF: keep-alive\n\n");
    s.extend_from_slice(b"retry: 3000\nid: 1\n");
    let first = json!({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",
        "choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]});
    s.extend_from_slice(&data(&first));
    // CRLF line endings.
    s.extend_from_slice(format!("data: {}\r\n\r\n", chunk(Some("Héllo"), None)).as_bytes());
    // CR line endings and a comment between fields.
    s.extend_from_slice(format!(":ping\rid: 2\rdata: {}\r\r", chunk(Some(" wörld 👋"), None)).as_bytes());
    // One JSON document over three data lines (joined with `\n`, which JSON treats as space).
    s.extend_from_slice(
        b"data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\ndata: \"choices\":[{\"index\":0,\n",
    );
    s.extend_from_slice(
        "data: \"delta\":{\"content\":\" 世界\"},\"finish_reason\":null}],\"brand_new\":{\"x\":1}}\n\n".as_bytes(),
    );
    s.extend_from_slice(&data(&chunk(None, Some("stop"))));
    let usage = json!({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],
        "usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}});
    s.extend_from_slice(&data(&usage));
    s.extend_from_slice(b"data: [DONE]\n\n");
    s
}

const FIXTURE_TEXT: &str = "Héllo wörld 👋 世界";

fn check_fixture(items: Vec<Result<ChatCompletionChunk, Error>>) {
    let chunks: Vec<ChatCompletionChunk> =
        items.into_iter().map(|r| r.unwrap_or_else(|e| panic!("unexpected error item: {e}"))).collect();
    assert_eq!(chunks.len(), 6, "{chunks:#?}");
    assert_eq!(chunks[0].choices[0].delta.role, Some(Role::Assistant));
    let text: String = chunks.iter().filter_map(|c| c.text()).collect();
    assert_eq!(text, FIXTURE_TEXT);
    assert_eq!(chunks[4].choices[0].finish_reason, Some(FinishReason::Stop));
    assert!(chunks[5].choices.is_empty(), "usage-only chunk");
    let usage = chunks[5].usage.as_ref().expect("usage");
    assert_eq!((usage.prompt_tokens, usage.completion_tokens, usage.total_tokens), (9, 4, 13));
}

/// The typed stream over an in-memory body cut into the given pieces.
fn typed_over(pieces: Vec<Vec<u8>>) -> SseStream<ChatCompletionChunk> {
    let body = futures::stream::iter(pieces.into_iter().map(|p| Ok::<_, Error>(Bytes::from(p))));
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "text/event-stream".parse().unwrap());
    SseStream::from_byte_stream("test", StatusCode::OK, headers, body, Duration::from_secs(5))
        .terminal_when(ChatCompletionChunk::is_finished)
}

// ------------------------------------------------------------------------------ framing

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

fn parse_all(pieces: &[Vec<u8>]) -> Vec<Event> {
    let mut p = EventParser::new();
    let mut out = Vec::new();
    for piece in pieces {
        p.push(piece);
        out.extend(std::iter::from_fn(|| p.next_event()));
    }
    out
}

// ------------------------------------------------------------------------------ stream semantics

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

// ------------------------------------------------------------------------------ errors before the stream

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

// ------------------------------------------------------------------------------ idle timeout

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

// ------------------------------------------------------------------------------ non-streaming

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

// ------------------------------------------------------------------------------ properties

/// A line of an event stream, before its line ending is chosen.
fn line() -> impl Strategy<Value = String> {
    let value = "[a-z \u{e9}\u{4e16}\u{1f44b}:{}\"\\[\\]]{0,12}";
    prop_oneof![
        4 => value.prop_map(|v| format!("data: {v}")),
        1 => value.prop_map(|v| format!("data:{v}")),
        1 => Just("data".to_owned()),
        1 => "[a-z]{0,6}".prop_map(|v| format!("event: {v}")),
        1 => "[a-z0-9]{0,4}".prop_map(|v| format!("id: {v}")),
        1 => "[0-9]{1,5}".prop_map(|v| format!("retry: {v}")),
        1 => "[0-9a-z]{0,3}".prop_map(|v| format!("retry: {v}")),
        1 => value.prop_map(|v| format!(":{v}")),
        1 => value.prop_map(|v| format!("x-unknown: {v}")),
        3 => Just(String::new()),
    ]
}

fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), prop::collection::vec((line(), 0..3usize), 0..40)).prop_map(|(bom, lines)| {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        for (l, eol) in lines {
            out.extend_from_slice(l.as_bytes());
            out.extend_from_slice([&b"\n"[..], b"\r\n", b"\r"][eol]);
        }
        // End on a complete line so a final lone CR is not ambiguous for `eventsource-stream`,
        // which waits for the byte after a CR before it ends a line.
        out.extend_from_slice(b":end\n");
        out
    })
}

fn reference(pieces: &[Vec<u8>]) -> Vec<Event> {
    // `eventsource-stream` 0.2.3 panics on a leading BOM (it slices the 3-byte character at byte
    // 1), so it gets the stream without it.
    let mut pieces = pieces.to_vec();
    let mut bom = if pieces.concat().starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    for p in pieces.iter_mut() {
        let n = bom.min(p.len());
        p.drain(..n);
        bom -= n;
    }
    let body = futures::stream::iter(pieces.iter().cloned().map(Ok::<_, std::convert::Infallible>));
    let events = futures::executor::block_on(eventsource_stream::EventStream::new(body).collect::<Vec<_>>());
    events
        .into_iter()
        .map(|e| {
            let e = e.expect("valid UTF-8 input");
            let mut ours = Event::default();
            ours.event = e.event;
            ours.data = e.data;
            ours.id = e.id;
            ours.retry = e.retry;
            ours
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any re-chunking of the same bytes yields the same events, and they are the events the
    /// `eventsource-stream` crate frames (differential check of our parser).
    #[test]
    fn rechunking_yields_the_same_events(bytes in stream_bytes(), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        let whole = parse_all(std::slice::from_ref(&bytes));
        let pieces = split_at(&bytes, &cuts);
        prop_assert_eq!(&parse_all(&pieces), &whole);
        prop_assert_eq!(&reference(&pieces), &whole);
    }

    /// The typed stream over a re-chunked chat stream yields the same chunks.
    #[test]
    fn typed_stream_is_independent_of_chunking(cuts in prop::collection::vec(any::<usize>(), 0..24)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let items = runtime.block_on(typed_over(split_at(&fixture(), &cuts)).collect::<Vec<_>>());
        check_fixture(items);
    }
}

// Compile-time checks: the streams can be moved across tasks.
#[allow(dead_code)]
fn assert_send() {
    fn is_send<T: Send + Stream>() {}
    is_send::<ChatCompletionStream>();
    is_send::<telnyx_api::chat::ChatTextStream>();
}

// ------------------------------------------------------------------------------ bounds

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

// ------------------------------------------------------------------------------ the OpenAI-compatible endpoint

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

/// The methods on `client.openai_chat()` take the generated request type.
#[cfg(feature = "ai")]
#[tokio::test]
async fn openai_typed_methods_on_the_api_struct() {
    let (url, mut seen) = serve(vec![Script::sse(Framing::Chunked, vec![Step::Bytes(fixture())])]).await;
    let client = client(&url);
    let request: telnyx_api::types::ChatCompletionRequest = serde_json::from_value(request()).unwrap();
    let text = within(client.openai_chat().create_chat_completion_text_stream(&request)).await.unwrap();
    let parts: Vec<String> = within(text.collect::<Vec<_>>()).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(parts.concat(), FIXTURE_TEXT);
    let req = seen.recv().await.unwrap();
    assert!(req.head.starts_with("POST /v2/ai/openai/chat/completions "), "{}", req.head);
    assert_eq!(serde_json::from_slice::<Value>(&req.body).unwrap()["stream"], true);
}

// ------------------------------------------------------------------------------ the example

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
