//! Responses: the decoders, and error statuses as `Error::Api` (status, request id, codes,
//! body), with the API key kept out of every error.

use super::*;

#[tokio::test]
async fn decoders() {
    let server = Server::start(|_, r| match r.target.as_str() {
        "/v2/empty" => Reply::status(204),
        "/v2/text" => Reply::bytes(200, "text/csv", b"a,b\n1,2\n".to_vec()),
        "/v2/bin" => Reply::bytes(200, "application/pdf", vec![0, 159, 146, 150]),
        _ => Reply::json(200, json!({"data": {"n": "not a number"}})),
    })
    .await;
    let client = builder(&server).build().unwrap();
    assert_eq!(call(&client, get("/empty")).await.unwrap(), Value::Null);
    ApiCall::new(&client, get("/empty"), decode_empty).await.unwrap();
    assert_eq!(ApiCall::new(&client, get("/text"), decode_text).await.unwrap(), "a,b\n1,2\n");
    assert_eq!(
        ApiCall::new(&client, get("/bin"), decode_bytes).await.unwrap(),
        Bytes::from_static(&[0, 159, 146, 150])
    );
    assert!(matches!(ApiCall::new(&client, get("/bin"), decode_text).await, Err(Error::Decode { .. })));

    #[derive(serde::Deserialize, Debug)]
    struct Data {
        #[allow(dead_code)]
        n: u32,
    }
    #[derive(serde::Deserialize, Debug)]
    struct Envelope {
        #[allow(dead_code)]
        data: Data,
    }
    telnyx_api::shaped!(Data { "n": u32 });
    telnyx_api::shaped!(Envelope { "data": Data });
    // Leniently (the default) the member that does not fit is reported; strictly it is an error.
    let resp = ApiCall::new(&client, get("/json"), decode_json::<Envelope>).with_response().await.unwrap();
    assert_eq!(resp.deviations.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["data.n"]);
    let strict = builder(&server).strict_decoding(true).build().unwrap();
    let err = ApiCall::new(&strict, get("/json"), decode_json::<Envelope>).await.unwrap_err();
    match &err {
        Error::Decode { path, status, body, operation, .. } => {
            assert_eq!(path, "data.n");
            assert_eq!(*status, StatusCode::OK);
            assert_eq!(*operation, "testOp");
            assert!(String::from_utf8_lossy(body).contains("not a number"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(StatusCode::OK));
}

#[tokio::test]
async fn api_error_keeps_status_request_id_codes_and_body() {
    let body = json!({"errors": [
        {"code": "10015", "title": "Bad Request", "detail": "The 'to' field is invalid", "source": {"pointer": "/to"}},
        {"code": 10016, "title": "Other"}
    ]});
    let server = Server::always(Reply::json(422, body.clone()).header("x-request-id", "req-42")).await;
    let client = builder(&server).build().unwrap();
    let err = call(&client, get("/m")).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(err.request_id(), Some("req-42"));
    assert_eq!(err.codes(), ["10015", "10016"]);
    assert!(!err.is_rate_limited());
    assert_eq!(err.retry_after(), None);
    let api = err.api_error().unwrap();
    assert_eq!(api.operation, "testOp");
    assert_eq!(serde_json::from_slice::<Value>(&api.body).unwrap(), body);
    assert_eq!(api.errors[0].source.as_ref().unwrap().pointer.as_deref(), Some("/to"));
    let text = err.to_string();
    assert!(text.contains("HTTP 422"), "{text}");
    assert!(text.contains("[10015] Bad Request: The 'to' field is invalid (at /to)"), "{text}");
    assert!(text.contains("req-42"), "{text}");
    assert_eq!(server.count(), 1, "422 is not retried");
}

#[tokio::test]
async fn rate_limit_error_helpers() {
    let server = Server::always(
        Reply::json(429, json!({"errors": [{"code": "10011", "title": "Too many requests"}]}))
            .header("retry-after", "2"),
    )
    .await;
    let client = builder(&server).build().unwrap();
    let err = call(&client, get("/m")).max_retries(0).await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(err.codes(), ["10011"]);
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn non_json_error_body_is_kept() {
    let server = Server::always(Reply::bytes(502, "text/html", b"<html>bad gateway</html>".to_vec())).await;
    let client = builder(&server).max_retries(0).build().unwrap();
    let err = call(&client, get("/m")).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(err.codes().is_empty());
    assert_eq!(err.api_error().unwrap().body_text(), "<html>bad gateway</html>");
    assert!(err.to_string().contains("bad gateway"));
}

#[tokio::test]
async fn api_key_never_appears_in_debug_or_display() {
    let server =
        Server::always(Reply::json(401, json!({"errors": [{"code": "10009", "title": "Authentication failed"}]})))
            .await;
    let b = builder(&server);
    assert!(!format!("{b:?}").contains(KEY));
    let client = b.build().unwrap();
    assert!(!format!("{client:?}").contains(KEY));
    let pending = call(&client, get("/m"));
    assert!(!format!("{pending:?}").contains(KEY));
    let err = pending.await.unwrap_err();
    assert!(!format!("{err:?}").contains(KEY));
    assert!(!err.to_string().contains(KEY));
    assert_eq!(server.count(), 1, "401 is not retried");

    // A timeout or transport error does not leak it either.
    let refused = refused_url().await;
    let client = Client::builder().api_key(KEY).base_url(refused).max_retries(0).build().unwrap();
    let err = call(&client, get("/m")).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!format!("{err:?}").contains(KEY));
}

#[test]
fn api_keys_that_are_not_header_values_are_rejected_at_build() {
    for bad in ["", "  ", "a\nb", "a\rb", "a b", "“KEY”", "ключ", "a\u{7f}b"] {
        let err = Client::builder().api_key(bad).build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{bad:?}");
        assert!(bad.trim().is_empty() || !err.to_string().contains(bad));
    }
}
