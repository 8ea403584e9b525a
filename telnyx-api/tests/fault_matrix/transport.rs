//! Rows where the connection fails: refused, reset, never connecting, headers that never come,
//! a body that drips or is cut short.

use super::*;

pub async fn connection_refused() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v2", listener.local_addr().unwrap());
    drop(listener);
    let (client, sleeps) = client_with_sleeps(builder(&url));
    let err = call(&client, get("/r")).await.unwrap_err();
    let source = transport(&err);
    assert!(source.is_connect(), "{source:?}");
    assert_eq!(err.status(), None);
    assert_eq!(sleeps.taken(), [ms(500), ms(1000)]);
    format!("Transport ({}), {} attempts", kind(source), sleeps.taken().len() + 1)
}

pub async fn reset_before_headers() -> String {
    let server = Server::always(Reply::Reset).await;
    let (client, sleeps) = client_with_sleeps(builder(&server.url()));
    let err = call(&client, get("/r")).await.unwrap_err();
    let source = transport(&err);
    // Nothing of a response arrived: the request is sent again, like a refused connection.
    assert_eq!((server.count(), sleeps.taken().len()), (3, 2), "{source:?}");
    format!("Transport ({}), {} attempts", kind(source), server.count())
}

pub async fn reset_mid_body_json() -> String {
    let server = Server::always(Reply::Partial {
        status: 200,
        headers: json_headers(),
        declared_len: Some(1000),
        partial: br#"{"data": [{"id": 1}, "#.to_vec(),
        then: End::Reset,
    })
    .await;
    let (client, sleeps) = client_with_sleeps(builder(&server.url()));
    let err = call(&client, get("/r")).await.unwrap_err();
    let source = transport(&err);
    // reqwest calls a body cut off by the connection a decode error (`is_decode`).
    assert!(source.is_decode(), "{source:?}");
    // The server answered: a half-read response is not sent again.
    assert_eq!((server.count(), sleeps.taken().len()), (1, 0));
    format!("Transport ({}), {} attempt", kind(source), server.count())
}

pub async fn reset_mid_body_sse() -> String {
    let mut partial = chunk_event("Hel");
    partial.extend_from_slice(b"data: {\"id\": \"chatcmpl-1\", \"obj");
    let server = Server::always(Reply::Partial {
        status: 200,
        headers: sse_headers(),
        declared_len: None,
        partial,
        then: End::Reset,
    })
    .await;
    let client = builder(&server.url()).max_retries(0).build().unwrap();
    let mut stream = chat::create_completion_stream(&client, &chat_request()).await.unwrap();
    let first: ChatCompletionChunk = stream.next().await.expect("an item").expect("the first chunk");
    assert_eq!(first.text(), Some("Hel"));
    let err = stream.next().await.expect("an item after the reset").unwrap_err();
    let source = match &err {
        Error::Transport { source, .. } => source,
        other => panic!("expected Error::Transport, got {other:?}"),
    };
    assert!(stream.next().await.is_none(), "the stream ends after the error");
    format!("chunk, Transport ({}), end", kind(source))
}

pub async fn headers_never_arrive() -> String {
    let server = Server::always(Reply::Hang).await;
    let client = builder(&server.url()).timeout(Some(ms(200))).max_retries(0).build().unwrap();
    let started = Instant::now();
    let err = call(&client, get("/r")).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { operation: "testOp", timeout } if timeout == ms(200)), "{err:?}");
    assert!(took >= ms(190) && took < Duration::from_secs(3), "{took:?}");
    format!("Timeout after {} ms", took.as_millis())
}

/// A listener whose accept queue is full (and that never accepts) drops further SYNs, so a
/// connection attempt neither succeeds nor fails: only the connect timeout ends it.
pub async fn connect_never_completes() -> String {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    // Fill the queue: connect until an attempt does not complete.
    let mut held = Vec::new();
    let full = loop {
        match tokio::time::timeout(ms(200), tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => held.push(stream),
            Ok(Err(e)) => panic!("cannot fill the accept queue: {e}"),
            Err(_) => break true,
        }
        if held.len() > 64 {
            break false;
        }
    };
    assert!(full, "the accept queue never filled ({} connections)", held.len());
    let url = format!("http://{addr}/v2");
    let client = builder(&url).connect_timeout(ms(300)).max_retries(0).build().unwrap();
    let started = Instant::now();
    let err = call(&client, get("/r")).await.unwrap_err();
    let took = started.elapsed();
    let source = transport(&err);
    assert!(source.is_connect() && source.is_timeout(), "{source:?}");
    assert!(took >= ms(290) && took < Duration::from_secs(3), "{took:?}");
    drop((held, listener));
    format!("Transport ({}) after {} ms", kind(source), took.as_millis())
}

pub async fn body_drips_one_byte_per_second() -> String {
    let server = Server::always(Reply::Drip {
        status: 200,
        headers: json_headers(),
        body: br#"{"data": "slow"}"#.to_vec(),
        every: Duration::from_secs(1),
    })
    .await;
    let client = builder(&server.url()).timeout(Some(ms(1500))).max_retries(0).build().unwrap();
    let started = Instant::now();
    let err = call(&client, get("/r")).await.unwrap_err();
    let took = started.elapsed();
    // The per-attempt timeout covers the body, not only the headers.
    assert!(matches!(err, Error::Timeout { timeout, .. } if timeout == ms(1500)), "{err:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    format!("Timeout after {} ms", took.as_millis())
}

pub async fn content_length_larger_than_body() -> String {
    let server = Server::always(Reply::Partial {
        status: 200,
        headers: json_headers(),
        declared_len: Some(100),
        partial: br#"{"ok": true}"#.to_vec(),
        then: End::Close,
    })
    .await;
    let (client, sleeps) = client_with_sleeps(builder(&server.url()));
    let err = call(&client, get("/r")).await.unwrap_err();
    let source = transport(&err);
    // reqwest calls a body cut off by the connection a decode error (`is_decode`).
    assert!(source.is_decode(), "{source:?}");
    assert_eq!((server.count(), sleeps.taken().len()), (1, 0));
    format!("Transport ({}), {} attempt", kind(source), server.count())
}
