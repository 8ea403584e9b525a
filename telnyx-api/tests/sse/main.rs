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

mod before_the_stream;
mod bounds;
mod example;
mod framing;
mod idle_timeout;
mod non_streaming;
mod openai;
mod properties;
#[path = "../sse_support/mod.rs"]
mod sse_support;
mod stream_semantics;

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

fn parse_all(pieces: &[Vec<u8>]) -> Vec<Event> {
    let mut p = EventParser::new();
    let mut out = Vec::new();
    for piece in pieces {
        p.push(piece);
        out.extend(std::iter::from_fn(|| p.next_event()));
    }
    out
}
