//! Rows where the server bends HTTP: redirects to another host, `Retry-After`, 503 storms,
//! kept-alive connections closed, a huge error body, an event stream of comments only.

use super::*;

/// `status` from the server on 127.0.0.1 to one on `localhost` and to one on another port:
/// the redirect is followed, and the other origin never sees the key. A redirect to the same
/// origin keeps it (so the check can see a header that is there).
async fn redirect(status: u16) -> String {
    let landing = Server::always(Reply::json(200, json!({"landed": true}))).await;
    let port = landing.port();
    let targets = [format!("http://localhost:{port}/v2/landed"), format!("http://127.0.0.1:{port}/v2/landed")];
    for target in &targets {
        let origin = Server::always(Reply::status(status).header("location", target)).await;
        let client = builder(&origin.url()).max_retries(0).build().unwrap();
        let before = landing.count();
        let v = call(&client, get("/r")).await.unwrap();
        assert_eq!(v, json!({"landed": true}), "{target}");
        let origin_saw = origin.requests();
        assert_eq!(origin_saw.len(), 1);
        assert_eq!(origin_saw[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
        let landed = landing.requests();
        assert_eq!(landed.len(), before + 1, "{target}");
        let last = &landed[before];
        assert_eq!(last.target, "/v2/landed");
        assert_eq!(last.header("authorization"), None, "the key went to {target}");
        assert!(!last.all_headers_text().contains(KEY), "{target}");
    }
    // Same origin: followed with the header.
    let same = Server::start(move |i, _| {
        if i == 0 {
            Reply::status(status).header("location", "/v2/again")
        } else {
            Reply::json(200, json!({"again": true}))
        }
    })
    .await;
    let client = builder(&same.url()).max_retries(0).build().unwrap();
    assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"again": true}));
    let seen = same.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    format!("followed; other host/port: no Authorization; same origin: kept ({} hops)", targets.len() + 1)
}

pub async fn redirect_301_to_other_host() -> String {
    redirect(301).await
}

pub async fn redirect_302_to_other_host() -> String {
    redirect(302).await
}

pub async fn redirect_307_to_other_host() -> String {
    redirect(307).await
}

async fn retry_after(value: &str) -> (Vec<Duration>, usize) {
    let server =
        Server::sequence(vec![Reply::status(429).header("retry-after", value), Reply::json(200, json!({"ok": true}))])
            .await;
    let (client, sleeps) = client_with_sleeps(builder(&server.url()));
    assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"ok": true}));
    (sleeps.taken(), server.count())
}

pub async fn retry_after_0() -> String {
    // Zero is not a usable wait: the policy's own backoff applies.
    let (slept, attempts) = retry_after("0").await;
    assert_eq!((slept.as_slice(), attempts), (&[ms(500)][..], 2));
    format!("slept {slept:?}, value after {attempts} attempts")
}

pub async fn retry_after_2() -> String {
    let (slept, attempts) = retry_after("2").await;
    assert_eq!((slept.as_slice(), attempts), (&[Duration::from_secs(2)][..], 2));
    format!("slept {slept:?}, value after {attempts} attempts")
}

pub async fn retry_after_3600() -> String {
    let server = Server::always(
        Reply::json(429, json!({"errors": [{"code": "10011", "title": "Too many requests"}]}))
            .header("retry-after", "3600")
            .header("x-request-id", "rl-1"),
    )
    .await;
    let (client, sleeps) = client_with_sleeps(builder(&server.url()));
    let started = Instant::now();
    let err = call(&client, get("/r")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let api = err.api_error().expect("an API error");
    assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((err.request_id(), err.codes()), (Some("rl-1"), vec!["10011"]));
    assert_eq!(api.headers["retry-after"], "3600");
    assert!(err.is_rate_limited());
    assert_eq!((server.count(), sleeps.taken().len()), (1, 0));
    format!("Api 429 [10011] id rl-1, {} attempt, no sleep", server.count())
}

pub async fn storm_503() -> String {
    let server = Server::always(
        Reply::json(503, json!({"errors": [{"code": "90000", "title": "Service unavailable"}]}))
            .header("x-request-id", "storm"),
    )
    .await;
    let max_retries = 3;
    let (client, sleeps) = client_with_sleeps(builder(&server.url()));
    let err = call(&client, get("/r")).max_retries(max_retries).await.unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!((err.request_id(), err.codes()), (Some("storm"), vec!["90000"]));
    assert_eq!(server.count(), max_retries as usize + 1);
    assert_eq!(sleeps.taken(), [ms(500), ms(1000), ms(2000)]);
    format!("Api 503 [90000] after {} attempts", server.count())
}

/// The server answers on a kept-alive connection, then closes it while it sits idle in the
/// client's pool; the next request must still succeed (on a new connection, or retried).
pub async fn keep_alive_closed_between_requests() -> String {
    const ROUNDS: usize = 10;
    let mut retried = 0;
    for round in 0..ROUNDS {
        let close = std::sync::Arc::new(tokio::sync::Notify::new());
        let closed = std::sync::Arc::new(tokio::sync::Notify::new());
        let server = Server::sequence(vec![
            Reply::KeepAlive {
                status: 200,
                headers: json_headers(),
                body: br#"{"n": 1}"#.to_vec(),
                close: close.clone(),
                closed: closed.clone(),
            },
            Reply::json(200, json!({"n": 2})),
        ])
        .await;
        let (client, sleeps) = client_with_sleeps(builder(&server.url()));
        assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"n": 1}));
        close.notify_one();
        closed.notified().await;
        let second = call(&client, get("/r")).await;
        assert_eq!(second.unwrap(), json!({"n": 2}), "round {round}");
        // A retry here is an attempt that went out on the dead connection before the pool
        // saw it close: the server never saw it, and the retry got a new connection.
        assert!(sleeps.taken().len() <= 1, "round {round}: {:?}", sleeps.taken());
        assert_eq!((server.count(), server.connections()), (2, 2), "round {round}");
        retried += sleeps.taken().len();
    }
    format!("{ROUNDS}/{ROUNDS} next requests succeeded ({retried} after a retry)")
}

pub async fn huge_error_body() -> String {
    const DECLARED: u64 = 1 << 30;
    let server = Server::always(
        Reply::Endless {
            status: 500,
            headers: vec![("content-type".into(), "text/plain".into())],
            declared_len: Some(DECLARED),
            chunk: vec![b'x'; 64 * 1024],
            every: None,
        }
        .header("x-request-id", "big"),
    )
    .await;
    let (client, sleeps) = client_with_sleeps(builder(&server.url()));
    let err = call(&client, get("/r")).await.unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(api.body.len(), telnyx_api::client::DEFAULT_MAX_ERROR_BODY);
    assert!(api.body.iter().all(|&b| b == b'x'));
    assert!(api.body_truncated);
    assert_eq!(err.request_id(), Some("big"));
    assert_eq!((server.count(), sleeps.taken().len()), (3, 2));
    let written = server.wait_written(3, Duration::from_secs(10)).await.expect("three finished responses");
    let most = written.iter().copied().max().unwrap_or(0);
    assert!(most < 16 << 20, "the server wrote {written:?} bytes: the client read on");
    format!("Api 500, {} KiB kept, truncated; most written per attempt {} KiB", api.body.len() >> 10, most >> 10)
}

pub async fn sse_only_comments_forever() -> String {
    let server = Server::always(Reply::Endless {
        status: 200,
        headers: sse_headers(),
        declared_len: None,
        chunk: b": keep-alive\n\n".to_vec(),
        every: Some(ms(20)),
    })
    .await;
    let idle = ms(300);
    let client = builder(&server.url()).stream_idle_timeout(idle).max_retries(0).build().unwrap();
    let started = Instant::now();
    let mut stream = chat::create_completion_stream(&client, &chat_request()).await.unwrap();
    let item = stream.next().await.expect("an item");
    let took = started.elapsed();
    assert!(matches!(&item, Err(Error::Timeout { timeout, .. }) if *timeout == idle), "{item:?}");
    assert!(took >= idle && took < Duration::from_secs(3), "{took:?}");
    assert!(stream.next().await.is_none(), "the stream ends after the timeout");
    drop(stream);
    let written = server.wait_written(1, Duration::from_secs(5)).await.expect("the server saw the close");
    format!("Timeout after {} ms ({} comment bytes received)", took.as_millis(), written[0])
}
