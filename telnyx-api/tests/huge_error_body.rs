//! A 400 MiB error body on the streaming chat path (`POST /ai/chat/completions`, as the
//! `chat_stream` example calls it) costs one bounded read per attempt: the typed API error keeps
//! the first `max_error_body` bytes and says the body was cut, the server manages to write only
//! that plus what the socket buffers hold, and the process's peak RSS stays small. (Before the
//! error body was bounded, the example read the whole body three times: 884 MB peak, 25 s.)
//!
//! Its own test binary so that the peak RSS (`VmHWM`) measured is this case's alone.

mod runtime_support;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use telnyx_api::client::DEFAULT_MAX_ERROR_BODY;
use telnyx_api::{chat, Client, RetryPolicy};

use runtime_support::{Reply, Server};

const BODY: u64 = 400 << 20;
const PEAK_RSS_LIMIT_KB: u64 = 50 * 1000;

/// A field of `/proc/self/status` in kB (`VmHWM`, `VmRSS`), on Linux.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// The largest a socket buffer of this kind can grow to (the third value of
/// `net.ipv4.tcp_rmem` / `tcp_wmem`), or a generous default where that cannot be read.
fn socket_buffer_max(name: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/sys/net/ipv4/{name}"))
        .ok()
        .and_then(|s| s.split_whitespace().nth(2).and_then(|v| v.parse().ok()))
        .unwrap_or(8 << 20)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_mib_error_body_is_read_once_per_attempt_and_never_held() {
    let hwm_before = status_kb("VmHWM");
    let server = Server::always(
        Reply::Endless {
            status: 500,
            headers: vec![("content-type".into(), "text/html".into())],
            declared_len: Some(BODY),
            chunk: b"<html>upstream error</html>\n".repeat(2048),
            every: None,
        }
        .header("x-request-id", "huge-1"),
    )
    .await;
    // The example's configuration: default retry policy (2 retries, really slept), default
    // limits; a chat completion is a POST without a dedup key, retried after a 500 only when
    // asked to.
    let client = Client::builder()
        .api_key("KEYhuge0123456789")
        .base_url(server.url())
        .retry_policy(RetryPolicy { retry_non_idempotent: true, ..RetryPolicy::default() })
        .build()
        .unwrap();
    let attempts = RetryPolicy::default().max_retries as usize + 1;
    let request = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});

    let started = Instant::now();
    let outcome =
        tokio::time::timeout(Duration::from_secs(60), chat::create_completion_text_stream(&client, &request)).await;
    let took = started.elapsed();
    let err = match outcome {
        Err(_) => panic!("no outcome within 60 s"),
        Ok(Ok(_)) => panic!("a 500 answer opened a stream"),
        Ok(Err(e)) => e,
    };
    assert!(err.may_have_been_carried_out(), "{err:?}");
    let Some(api) = err.api_error() else { panic!("expected Error::Api inside, got {err:?}") };
    assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(api.operation, chat::OPERATION_ID);
    assert_eq!(api.request_id.as_deref(), Some("huge-1"));
    assert_eq!(api.body.len(), DEFAULT_MAX_ERROR_BODY);
    assert!(api.body.starts_with(b"<html>upstream error</html>\n"), "the prefix is kept");
    assert!(api.body_truncated);
    assert!(err.to_string().contains("(body cut)"), "{err}");
    assert_eq!(server.count(), attempts, "every attempt sent");

    // What the server managed to write per attempt: the part read plus what the kernel buffers
    // on both ends took before the client closed the connection (and hyper's read buffer).
    let written = server.wait_written(attempts, Duration::from_secs(10)).await.expect("every response ended");
    let bound =
        DEFAULT_MAX_ERROR_BODY as u64 + socket_buffer_max("tcp_rmem") + socket_buffer_max("tcp_wmem") + (1 << 20);
    let bound = bound.min(16 << 20);
    for (i, n) in written.iter().enumerate() {
        assert!(*n < bound, "attempt {i}: the server wrote {n} bytes (bound {bound}): the client read on");
    }

    let hwm_after = status_kb("VmHWM");
    println!(
        "huge error body: {attempts} attempts in {} ms (incl. backoff), server wrote {:?} KiB per attempt \
         (bound {} KiB, body {} MiB), VmHWM before {:?} kB, after {:?} kB",
        took.as_millis(),
        written.iter().map(|n| n >> 10).collect::<Vec<_>>(),
        bound >> 10,
        BODY >> 20,
        hwm_before,
        hwm_after,
    );
    if cfg!(target_os = "linux") {
        let peak = hwm_after.expect("VmHWM in /proc/self/status");
        assert!(peak < PEAK_RSS_LIMIT_KB, "peak RSS {peak} kB (limit {PEAK_RSS_LIMIT_KB} kB)");
    }
    // Two backoff waits (0.375 s to 1.5 s in all) plus three bounded reads.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}
