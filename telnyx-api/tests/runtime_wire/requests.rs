//! Building and sending requests: authorization, percent-encoding of path and query, headers,
//! invalid requests, JSON, raw, form and multipart bodies (including streamed uploads).

use super::*;

#[tokio::test]
async fn json_response_and_auth_header() {
    let server =
        Server::always(Reply::json(200, json!({"data": {"balance": "1.00"}})).header("x-request-id", "r-1")).await;
    let client = builder(&server).build().unwrap();
    let resp = call(&client, get("/balance")).with_response().await.unwrap();
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.request_id(), Some("r-1"));
    assert_eq!(resp.data["data"]["balance"], "1.00");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].target, "/v2/balance");
    assert_eq!(reqs[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert!(reqs[0].header("user-agent").unwrap().starts_with("telnyx-api-rust/"));
}

#[tokio::test]
async fn no_auth_sends_no_authorization_header() {
    let server = Server::always(Reply::json(200, json!({}))).await;
    let client = builder(&server).build().unwrap();
    let mut req = get("/public");
    req.no_auth();
    assert!(!req.sends_auth());
    call(&client, req).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("authorization"), None);
    assert!(!r.all_headers_text().contains(KEY));

    // A client without a key sends no header either.
    let anonymous = Client::builder().base_url(server.url()).build().unwrap();
    call(&anonymous, get("/public")).await.unwrap();
    assert_eq!(server.requests()[1].header("authorization"), None);
}

#[tokio::test]
async fn query_and_path_are_percent_encoded_exactly() {
    let server = Server::always(Reply::json(200, json!({}))).await;
    let client = builder(&server).build().unwrap();
    let mut req = Request::new(Method::GET, "listThings", "/things/{id}", format!("/things/{}", path_arg("a b/c?#")));
    req.query("filter[status][eq]", &"sent", QueryStyle::FormExplode);
    req.query("page[number]", &Some(2), QueryStyle::FormExplode);
    req.query("page[size]", &None::<u32>, QueryStyle::FormExplode);
    req.query("filter", &json!({"n": {"gt": 1}}), QueryStyle::DeepObject);
    req.query("created_at", &json!({"gte": "2024-01-01T00:00:00Z"}), QueryStyle::DeepObject);
    req.query("ids", &[1, 2], QueryStyle::FormComma);
    req.query("id[]", &["p", "q"], QueryStyle::FormExplode);
    req.query("text", &"a+b&c=d", QueryStyle::FormExplode);
    call(&client, req).await.unwrap();
    assert_eq!(
        server.requests()[0].target,
        "/v2/things/a%20b%2Fc%3F%23\
         ?filter%5Bstatus%5D%5Beq%5D=sent\
         &page%5Bnumber%5D=2\
         &filter%5Bn%5D%5Bgt%5D=1\
         &created_at%5Bgte%5D=2024-01-01T00%3A00%3A00Z\
         &ids=1%2C2\
         &id%5B%5D=p&id%5B%5D=q\
         &text=a%2Bb%26c%3Dd"
    );
}

#[tokio::test]
async fn extra_headers_are_sent_and_names_normalised() {
    let server = Server::always(Reply::json(200, json!({}))).await;
    let client = builder(&server).build().unwrap();
    let mut req = get("/h");
    // Spec header names come with capitals; they must not panic (HeaderName::from_static would).
    req.header("X-Telnyx-Thing", &"v1");
    req.header("x-list", &["a", "b"]);
    req.header("x-absent", &None::<String>);
    call(&client, req).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("x-telnyx-thing"), Some("v1"));
    assert_eq!(r.header("x-list"), Some("a,b"));
    assert_eq!(r.header("x-absent"), None);
}

#[tokio::test]
async fn invalid_requests_fail_before_sending() {
    let server = Server::always(Reply::json(200, json!({}))).await;
    let client = builder(&server).build().unwrap();
    let mut req = get("/h");
    req.header("x-bad", &"line\nbreak");
    let err = call(&client, req).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest { operation: "testOp", .. }), "{err:?}");

    let mut req = get("/h");
    req.header("bad header name", &"v");
    assert!(matches!(call(&client, req).await, Err(Error::InvalidRequest { .. })));

    let mut req = Request::new(Method::POST, "testOp", "/f", "/f".into());
    req.form(&[1, 2]);
    assert!(matches!(call(&client, req).await, Err(Error::InvalidRequest { .. })));

    let mut form = Multipart::new();
    form.file("f", &UploadFile::from_path("/definitely/not/here.bin"));
    let mut req = Request::new(Method::POST, "testOp", "/m", "/m".into());
    req.multipart(form);
    let err = call(&client, req).await.unwrap_err();
    assert!(err.to_string().contains("/definitely/not/here.bin"), "{err}");

    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn json_and_raw_bodies() {
    let server = Server::always(Reply::json(200, json!({}))).await;
    let client = builder(&server).build().unwrap();
    let mut req = Request::new(Method::POST, "send", "/messages", "/messages".into());
    req.json(&json!({"to": "+15551234567", "text": "hi"}));
    call(&client, req).await.unwrap();
    let mut req = Request::new(Method::PUT, "upload", "/raw", "/raw".into());
    req.raw("text/xml", Bytes::from_static(b"<Response/>"));
    call(&client, req).await.unwrap();

    let reqs = server.requests();
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert_eq!(serde_json::from_slice::<Value>(&reqs[0].body).unwrap(), json!({"to": "+15551234567", "text": "hi"}));
    assert_eq!(reqs[1].method, "PUT");
    assert_eq!(reqs[1].header("content-type"), Some("text/xml"));
    assert_eq!(reqs[1].body, b"<Response/>");
}

#[tokio::test]
async fn form_urlencoded_body() {
    let server = Server::always(Reply::json(200, json!({}))).await;
    let client = builder(&server).build().unwrap();
    let mut req = Request::new(Method::POST, "texml", "/texml", "/texml".into());
    req.form(&json!({"To": "+1 555 0100", "Say": "a&b=c", "Tags": ["x", "y"], "Record": true, "Skip": null}));
    call(&client, req).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
    let body = String::from_utf8(r.body.clone()).unwrap();
    let mut pairs: Vec<&str> = body.split('&').collect();
    pairs.sort();
    assert_eq!(pairs, ["Record=true", "Say=a%26b%3Dc", "Tags=x", "Tags=y", "To=%2B1+555+0100"], "{body}");
}

/// (name, file name, content type, content) of one part.
type PartSummary<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

#[tokio::test]
async fn multipart_body_as_the_server_parses_it() {
    let dir = std::env::temp_dir().join(format!("telnyx-api-wire-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let on_disk = dir.join("recording.wav");
    std::fs::write(&on_disk, b"RIFF....WAVE").unwrap();

    let server = Server::always(Reply::json(200, json!({"data": {"id": "doc-1"}}))).await;
    let client = builder(&server).build().unwrap();
    let mut form = Multipart::new();
    form.text("customer_reference", &"ref 1");
    form.text("count", &3);
    form.text("tags", &["a", "b"]);
    form.text("absent", &None::<String>);
    form.text("meta", &json!({"k": "v"}));
    form.file("file", &UploadFile::from_bytes("hello.pdf", b"%PDF-1.7 \x00\xff".to_vec()).mime_type("application/pdf"));
    form.file_opt("media", &Some(UploadFile::from_path(&on_disk).mime_type("audio/wav")));
    form.file_opt("none", &None);
    form.file("plain", &UploadFile::from_bytes("data.bin", vec![1, 2, 3]));
    assert_eq!(form.part_names(), ["customer_reference", "count", "tags", "tags", "meta", "file", "media", "plain"]);
    let mut req = Request::new(Method::POST, "createDocument", "/documents", "/documents".into());
    req.multipart(form);
    let data = call(&client, req).await.unwrap();
    assert_eq!(data["data"]["id"], "doc-1");

    let r = &server.requests()[0];
    let ct = r.header("content-type").unwrap();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    assert_eq!(r.header("content-length"), Some(r.body.len().to_string().as_str()), "sent with a length");
    let parts = parse_multipart(ct, &r.body);
    let summary: Vec<PartSummary<'_>> = parts
        .iter()
        .map(|p| (p.name.as_str(), p.file_name.as_deref(), p.content_type.as_deref(), p.data.as_slice()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("customer_reference", None, None, &b"ref 1"[..]),
            ("count", None, None, &b"3"[..]),
            ("tags", None, None, &b"a"[..]),
            ("tags", None, None, &b"b"[..]),
            ("meta", None, None, &br#"{"k":"v"}"#[..]),
            ("file", Some("hello.pdf"), Some("application/pdf"), &b"%PDF-1.7 \x00\xff"[..]),
            ("media", Some("recording.wav"), Some("audio/wav"), &b"RIFF....WAVE"[..]),
            ("plain", Some("data.bin"), Some("application/octet-stream"), &[1u8, 2, 3][..]),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn multipart_body_is_rebuilt_for_each_attempt() {
    let server = Server::sequence(vec![Reply::status(503), Reply::json(200, json!({}))]).await;
    let (client, _) = client_with_sleeps(&server, exact_policy());
    let mut form = Multipart::new();
    form.file("file", &UploadFile::from_bytes("a.txt", "content").mime_type("text/plain"));
    let mut req = Request::new(Method::POST, "upload", "/u", "/u".into());
    req.multipart(form);
    call(&client, req).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        let parts = parse_multipart(r.header("content-type").unwrap(), &r.body);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].data, b"content");
        assert_eq!(parts[0].file_name.as_deref(), Some("a.txt"));
    }
}

#[tokio::test]
async fn multipart_file_from_a_stream_is_sent_chunk_by_chunk() {
    let server = Server::always(Reply::json(200, json!({}))).await;
    let client = builder(&server).build().unwrap();
    for length in [Some(11), None] {
        let chunks = futures::stream::iter(["hello", " ", "world"].map(|c| Ok(Bytes::from(c))));
        let file = UploadFile::from_stream("greeting.txt", chunks, length).mime_type("text/plain");
        assert!(!file.is_replayable());
        let mut form = Multipart::new();
        form.text("purpose", &"test");
        form.file("file", &file);
        assert!(!form.is_replayable());
        let mut req = Request::new(Method::POST, "upload", "/u", "/u".into());
        req.multipart(form);
        call(&client, req).await.unwrap();
        let r = server.requests().pop().unwrap();
        // Without a length the body goes out chunked; with one, with content-length.
        assert_eq!(r.header("transfer-encoding").is_some(), length.is_none(), "{length:?}");
        let parts = parse_multipart(r.header("content-type").unwrap(), &r.body);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].data, b"hello world");
        assert_eq!(parts[1].file_name.as_deref(), Some("greeting.txt"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/plain"));
    }
}

#[tokio::test]
async fn a_streamed_upload_is_never_retried_nor_sent_twice() {
    let server = Server::always(Reply::status(503)).await;
    let (client, sleeps) = client_with_sleeps(&server, exact_policy());
    let chunks = futures::stream::iter([Ok(Bytes::from_static(b"data"))]);
    let file = UploadFile::from_stream("a.bin", chunks, None);
    let mut form = Multipart::new();
    form.file("file", &file);
    let mut req = Request::new(Method::POST, "upload", "/u", "/u".into());
    req.multipart(form);
    let again = req.clone();
    let err = call(&client, req).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.count(), 1, "503 is retryable, but the stream is gone after the first attempt");
    assert!(sleeps.taken().is_empty());
    // A clone of the request shares the (consumed) stream: a clear error, nothing sent.
    let err = call(&client, again).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest { message, .. } if message.contains("only once")), "{err:?}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_stream_error_fails_the_upload() {
    let server = Server::always(Reply::json(200, json!({}))).await;
    let client = builder(&server).build().unwrap();
    let chunks =
        futures::stream::iter([Ok(Bytes::from_static(b"partial")), Err(std::io::Error::other("disk on fire"))]);
    let mut form = Multipart::new();
    form.file("file", &UploadFile::from_stream("a.bin", chunks, None));
    let mut req = Request::new(Method::POST, "upload", "/u", "/u".into());
    req.multipart(form);
    let err = call(&client, req).await.unwrap_err();
    // A POST without a dedup key whose body failed on the way: whether the server acted on the
    // part it got is unknown, so it is not retried and says so.
    match &err {
        Error::MaybeCarriedOut { source, .. } => assert!(matches!(**source, Error::Transport { .. }), "{err:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn multipart_field_that_cannot_serialize_is_an_error() {
    struct Bad;
    impl serde::Serialize for Bad {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("nope"))
        }
    }
    let server = Server::always(Reply::json(200, json!({}))).await;
    let client = builder(&server).build().unwrap();
    let mut form = Multipart::new();
    form.text("bad", &Bad);
    let mut req = Request::new(Method::POST, "upload", "/u", "/u".into());
    req.multipart(form);
    let err = call(&client, req).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest { message, .. } if message.contains("bad")), "{err:?}");
    assert_eq!(server.count(), 0);
}
