//! Retries: which failures are retried, the backoff and its jitter, `Retry-After` and
//! `x-should-retry`, per-call settings, refused and dropped connections.

use super::*;

#[tokio::test]
async fn default_policy_retries_retryable_statuses_twice() {
    for status in [408, 409, 429, 500, 502, 503, 504] {
        let server = Server::always(Reply::json(status, json!({"errors": []}))).await;
        let (client, sleeps) = client_with_sleeps(&server, exact_policy());
        let err = call(&client, get("/r")).await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::from_u16(status).unwrap()));
        assert_eq!(server.count(), 3, "status {status}: 1 attempt + 2 retries");
        assert_eq!(sleeps.taken(), [ms(500), ms(1000)], "status {status}");
    }
}

#[tokio::test]
async fn default_jitter_stays_within_a_quarter_below_the_backoff() {
    let server = Server::always(Reply::status(500)).await;
    let (client, sleeps) = client_with_sleeps(&server, RetryPolicy::default());
    assert_eq!(client.retry_policy().max_retries, 2);
    call(&client, get("/r")).await.unwrap_err();
    let taken = sleeps.taken();
    assert_eq!(taken.len(), 2);
    assert!(taken[0] >= ms(375) && taken[0] <= ms(500), "{taken:?}");
    assert!(taken[1] >= ms(750) && taken[1] <= ms(1000), "{taken:?}");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 422] {
        let server = Server::always(Reply::json(status, json!({}))).await;
        let (client, sleeps) = client_with_sleeps(&server, exact_policy());
        let err = call(&client, get("/r")).await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::from_u16(status).unwrap()));
        assert_eq!(server.count(), 1, "status {status}");
        assert!(sleeps.taken().is_empty());
    }
}

#[tokio::test]
async fn retry_then_success() {
    let server =
        Server::sequence(vec![Reply::status(503), Reply::status(429), Reply::json(200, json!({"ok": true}))]).await;
    let (client, sleeps) = client_with_sleeps(&server, exact_policy());
    assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"ok": true}));
    assert_eq!(server.count(), 3);
    assert_eq!(sleeps.taken(), [ms(500), ms(1000)]);
    // Every attempt carries the same request.
    let reqs = server.requests();
    assert!(reqs.iter().all(|r| r.target == "/v2/r" && r.header("authorization").is_some()));
}

#[tokio::test]
async fn backoff_doubles_up_to_the_cap() {
    let server = Server::always(Reply::status(500)).await;
    let policy = RetryPolicy {
        max_retries: 6,
        initial_delay: ms(100),
        max_delay: ms(1000),
        jitter: 0.0,
        ..RetryPolicy::default()
    };
    let (client, sleeps) = client_with_sleeps(&server, policy);
    call(&client, get("/r")).await.unwrap_err();
    assert_eq!(server.count(), 7);
    assert_eq!(sleeps.taken(), [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]);
}

async fn delays_for(reply: Reply) -> Vec<Duration> {
    let server = Server::sequence(vec![reply, Reply::json(200, json!({}))]).await;
    let (client, sleeps) = client_with_sleeps(&server, exact_policy());
    call(&client, get("/r")).await.unwrap();
    assert_eq!(server.count(), 2);
    sleeps.taken()
}

#[tokio::test]
async fn retry_after_is_honoured() {
    assert_eq!(delays_for(Reply::status(429).header("retry-after", "3")).await, [ms(3000)]);
    assert_eq!(delays_for(Reply::status(503).header("retry-after", "1.5")).await, [ms(1500)]);
    assert_eq!(delays_for(Reply::status(429).header("retry-after-ms", "250")).await, [ms(250)]);
    // retry-after-ms wins over Retry-After.
    assert_eq!(
        delays_for(Reply::status(429).header("retry-after-ms", "120").header("retry-after", "5")).await,
        [ms(120)]
    );
    assert_eq!(delays_for(Reply::status(429).header("retry-after", "60")).await, [ms(60_000)]);

    let in_ten = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(10));
    let d = delays_for(Reply::status(503).header("retry-after", &in_ten)).await;
    assert!(d[0] > Duration::from_secs(8) && d[0] <= Duration::from_secs(10), "{d:?}");
}

#[tokio::test]
async fn unusable_retry_after_falls_back_to_backoff() {
    for (name, value) in [
        ("retry-after", "0"),
        ("retry-after", "-1"),
        ("retry-after", "soon"),
        ("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ] {
        assert_eq!(delays_for(Reply::status(429).header(name, value)).await, [ms(500)], "{name}: {value}");
    }
}

/// A server asking to wait longer than 60 s gets its error back at once: no sleep, no retry.
#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_as_the_error() {
    let in_two_minutes = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
    for (name, value) in [
        ("retry-after", "61"),
        ("retry-after", "3600"),
        ("retry-after-ms", "61000"),
        ("retry-after", in_two_minutes.as_str()),
    ] {
        let server = Server::always(Reply::status(429).header(name, value)).await;
        let (client, sleeps) = client_with_sleeps(&server, exact_policy());
        let err = call(&client, get("/r")).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(429), "{name}: {value}");
        assert_eq!((server.count(), sleeps.taken().len()), (1, 0), "{name}: {value}");
    }
}

#[tokio::test]
async fn x_should_retry_overrides_the_status_rule() {
    let server =
        Server::sequence(vec![Reply::status(400).header("x-should-retry", "true"), Reply::json(200, json!({}))]).await;
    let (client, _) = client_with_sleeps(&server, exact_policy());
    call(&client, get("/r")).await.unwrap();
    assert_eq!(server.count(), 2);

    let server = Server::always(Reply::status(503).header("x-should-retry", "false")).await;
    let (client, sleeps) = client_with_sleeps(&server, exact_policy());
    call(&client, get("/r")).await.unwrap_err();
    assert_eq!(server.count(), 1);
    assert!(sleeps.taken().is_empty());
}

#[tokio::test]
async fn per_call_and_client_level_retry_settings() {
    let server = Server::always(Reply::status(500)).await;
    let (client, sleeps) = client_with_sleeps(&server, exact_policy());
    call(&client, get("/r")).max_retries(0).await.unwrap_err();
    assert_eq!(server.count(), 1);
    call(&client, get("/r")).max_retries(4).await.unwrap_err();
    assert_eq!(server.count(), 1 + 5);
    let policy =
        RetryPolicy { max_retries: 1, initial_delay: ms(7), max_delay: ms(7), jitter: 0.0, ..RetryPolicy::default() };
    call(&client, get("/r")).retry_policy(policy).await.unwrap_err();
    assert_eq!(server.count(), 6 + 2);
    assert_eq!(sleeps.taken(), [ms(500), ms(1000), ms(2000), ms(4000), ms(7)]);

    let sleeps = Sleeps::default();
    let client = sleeps.install(builder(&server).max_retries(3)).build().unwrap();
    call(&client, get("/r")).await.unwrap_err();
    assert_eq!(server.count(), 8 + 4);
    let client = sleeps.install(builder(&server).max_retries(0)).build().unwrap();
    call(&client, get("/r")).await.unwrap_err();
    assert_eq!(server.count(), 12 + 1);
    let client = sleeps.install(builder(&server).retry_policy(RetryPolicy::none())).build().unwrap();
    call(&client, get("/r")).await.unwrap_err();
    assert_eq!(server.count(), 13 + 1);
}

#[tokio::test]
async fn connection_refused_is_retried() {
    let sleeps = Sleeps::default();
    let client = sleeps
        .install(Client::builder().api_key(KEY).base_url(refused_url().await).retry_policy(exact_policy()))
        .build()
        .unwrap();
    let err = call(&client, get("/r")).await.unwrap_err();
    match &err {
        Error::Transport { operation, source } => {
            assert_eq!(*operation, "testOp");
            assert!(source.is_connect(), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), None);
    assert_eq!(sleeps.taken(), [ms(500), ms(1000)]);
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let server = Server::always(Reply::Close).await;
    let (client, sleeps) = client_with_sleeps(&server, exact_policy());
    let err = call(&client, get("/r")).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    // A connection closed before any byte of the response (what a kept-alive connection the
    // server had closed looks like) is tried again at once, once per call, then the policy's
    // two retries follow with their backoff.
    assert_eq!(server.count(), 4);
    assert_eq!(sleeps.taken().len(), 2);

    let server = Server::sequence(vec![Reply::Close, Reply::json(200, json!({"ok": 1}))]).await;
    let (client, sleeps) = client_with_sleeps(&server, RetryPolicy { max_retries: 0, ..exact_policy() });
    assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"ok": 1}), "even with max_retries(0)");
    assert!(sleeps.taken().is_empty());

    let server = Server::sequence(vec![Reply::Reset, Reply::json(200, json!({"ok": 1}))]).await;
    let (client, _) = client_with_sleeps(&server, exact_policy());
    assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"ok": 1}));
}
