//! Timeouts: the client default, per-call overrides, and timed-out attempts retried.

use super::*;

#[tokio::test]
async fn client_default_timeout() {
    let server = Server::always(Reply::Hang).await;
    let client = builder(&server).timeout(Some(ms(150))).max_retries(0).build().unwrap();
    let err = call(&client, get("/slow")).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { operation: "testOp", timeout } if timeout == ms(150)), "{err:?}");
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn per_call_timeout_overrides_the_client() {
    let server = Server::always(Reply::Hang).await;
    let client = builder(&server).max_retries(0).build().unwrap(); // client default: 60 s
    let started = std::time::Instant::now();
    let err = call(&client, get("/slow")).timeout(Some(ms(100))).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { timeout, .. } if timeout == ms(100)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // And a per-call timeout can lift a short client one.
    let server = Server::always(Reply::After(ms(300), Box::new(Reply::json(200, json!({}))))).await;
    let client = builder(&server).timeout(Some(ms(50))).max_retries(0).build().unwrap();
    assert!(matches!(call(&client, get("/x")).await, Err(Error::Timeout { .. })));
    call(&client, get("/x")).timeout(None).await.unwrap();
}

#[tokio::test]
async fn timeouts_are_retried() {
    let server = Server::always(Reply::Hang).await;
    let sleeps = Sleeps::default();
    let client = sleeps.install(builder(&server).timeout(Some(ms(80))).retry_policy(exact_policy())).build().unwrap();
    let err = call(&client, get("/slow")).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(sleeps.taken(), [ms(500), ms(1000)]);
    // Each attempt reached the server before timing out.
    tokio::time::sleep(ms(50)).await;
    assert_eq!(server.count(), 3);
}
