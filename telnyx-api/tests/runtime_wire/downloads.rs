//! Streaming downloads (`ByteStream`) and the limits on how much of a body is read.

use super::*;

#[tokio::test]
async fn byte_stream_download() {
    let big: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
    let server = Server::sequence(vec![
        Reply::status(503),
        Reply::bytes(200, "audio/mpeg", big.clone()).header("x-request-id", "dl-1"),
    ])
    .await;
    let (client, sleeps) = client_with_sleeps(&server, exact_policy());
    let stream = ApiCall::new(&client, get("/recording.mp3"), decode_bytes).into_byte_stream().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.content_length(), Some(big.len() as u64));
    assert_eq!(stream.request_id(), Some("dl-1"));
    assert_eq!(stream.headers()["content-type"], "audio/mpeg");
    let mut chunks = 0;
    let mut got = Vec::new();
    let mut stream = stream;
    while let Some(chunk) = stream.next().await {
        got.extend_from_slice(&chunk.unwrap());
        chunks += 1;
    }
    assert!(chunks > 1, "streamed in pieces");
    assert_eq!(got, big);
    assert_eq!(sleeps.taken(), [ms(500)], "retried before streaming started");
    assert!(stream.next().await.is_none(), "fused");

    let server = Server::always(Reply::bytes(200, "text/csv", b"a,b\n".to_vec())).await;
    let client = builder(&server).build().unwrap();
    let all = call(&client, get("/report.csv")).into_byte_stream().await.unwrap().collect_bytes().await.unwrap();
    assert_eq!(all, Bytes::from_static(b"a,b\n"));
}

#[tokio::test]
async fn byte_stream_error_status_is_an_api_error() {
    let server = Server::always(
        Reply::json(404, json!({"errors": [{"code": "10005", "title": "Not found"}]})).header("x-request-id", "nf"),
    )
    .await;
    let client = builder(&server).build().unwrap();
    let err = ApiCall::new(&client, get("/missing"), decode_bytes).into_byte_stream().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(err.codes(), ["10005"]);
    assert_eq!(err.request_id(), Some("nf"));
}

#[tokio::test]
async fn byte_stream_idle_timeout_and_truncation() {
    let server =
        Server::always(Reply::Stall { status: 200, declared_len: 1000, partial: b"first bytes".to_vec() }).await;
    let client = builder(&server).stream_idle_timeout(ms(200)).build().unwrap();
    let mut stream = ApiCall::new(&client, get("/stall"), decode_bytes).into_byte_stream().await.unwrap();
    let mut got = Vec::new();
    let err = loop {
        match stream.next().await {
            Some(Ok(chunk)) => got.extend_from_slice(&chunk),
            Some(Err(e)) => break e,
            None => panic!("stream ended without an error"),
        }
    };
    assert_eq!(got, b"first bytes");
    assert!(matches!(err, Error::Timeout { timeout, .. } if timeout == ms(200)), "{err:?}");
    assert!(stream.next().await.is_none(), "no items after an error");
    assert_eq!(server.count(), 1, "nothing is retried once streaming started");
}

/// A huge error body costs one bounded read per attempt: the first 64 KiB are kept (the Telnyx
/// envelope parsed when it fits in them), the rest is not read, and the error says it was cut.
#[tokio::test]
async fn error_bodies_are_read_up_to_the_limit_and_no_further() {
    let huge = vec![b'x'; 8 * 1024 * 1024];
    let server = Server::always(Reply::bytes(500, "text/plain", huge)).await;
    let (client, sleeps) = client_with_sleeps(&server, RetryPolicy { max_retries: 2, ..exact_policy() });
    let started = std::time::Instant::now();
    let err = call(&client, get("/huge")).await.unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.body.len(), telnyx_api::client::DEFAULT_MAX_ERROR_BODY);
    assert!(api.body_truncated, "{err}");
    assert!(err.to_string().contains("(body cut)"), "{err}");
    assert_eq!((server.count(), sleeps.taken().len()), (3, 2), "each attempt read a bounded prefix");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());

    // An envelope that fits is parsed; a limit of its own size keeps it whole.
    let envelope = json!({"errors": [{"code": "10015", "title": "Bad Request"}]});
    let len = envelope.to_string().len();
    let server = Server::always(Reply::json(400, envelope)).await;
    let exact = builder(&server).max_error_body(len).max_retries(0).build().unwrap();
    let err = call(&exact, get("/e")).await.unwrap_err();
    assert_eq!((err.codes(), err.api_error().unwrap().body_truncated), (vec!["10015"], false));
    let cut = builder(&server).max_error_body(len - 1).max_retries(0).build().unwrap();
    let err = call(&cut, get("/e")).await.unwrap_err();
    assert!(err.api_error().unwrap().body_truncated && err.codes().is_empty(), "{err}");
}

/// A success body over the buffered-response limit is a typed error, not an allocation.
#[tokio::test]
async fn success_bodies_over_the_limit_are_a_typed_error() {
    let server = Server::always(Reply::json(200, json!({"data": "x".repeat(10_000)}))).await;
    let client = builder(&server).max_response_body(1_000).max_retries(0).build().unwrap();
    match call(&client, get("/big")).await {
        Err(Error::BodyTooLarge { operation: "testOp", limit: 1_000, status }) => assert_eq!(status, StatusCode::OK),
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    let roomy = builder(&server).max_retries(0).build().unwrap();
    assert!(call(&roomy, get("/big")).await.is_ok());
}
