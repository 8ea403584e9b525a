//! Wire tests of the hand-written request path against a real HTTP server on 127.0.0.1:
//! requests are built by hand (not through generated operations) and sent with [`ApiCall`].

mod runtime_support;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use telnyx_api::request::{decode_bytes, decode_empty, decode_json, decode_text, path_arg, QueryStyle};
use telnyx_api::{ApiCall, Client, ClientBuilder, Error, Multipart, Request, RetryPolicy, UploadFile};

use runtime_support::{parse_multipart, Reply, Server, Sleeps};

const KEY: &str = "KEYsecret0123456789";

/// A retry policy without jitter so that delays are exact.
fn exact_policy() -> RetryPolicy {
    RetryPolicy { jitter: 0.0, ..RetryPolicy::default() }
}

fn builder(server: &Server) -> ClientBuilder {
    Client::builder().api_key(KEY).base_url(server.url())
}

/// A client whose retry waits are recorded instead of slept.
fn client_with_sleeps(server: &Server, policy: RetryPolicy) -> (Client, Sleeps) {
    let sleeps = Sleeps::default();
    let client = sleeps.install(builder(server).retry_policy(policy)).build().unwrap();
    (client, sleeps)
}

fn get(path: &'static str) -> Request {
    Request::new(Method::GET, "testOp", path, path.to_owned())
}

fn call(client: &Client, req: Request) -> ApiCall<Value> {
    ApiCall::new(client, req, decode_json::<Value>)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---------------------------------------------------------------- basics, auth, encoding

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
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
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

// ---------------------------------------------------------------- decoding

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
    let err = ApiCall::new(&client, get("/json"), decode_json::<Envelope>).await.unwrap_err();
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

// ---------------------------------------------------------------- errors

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

// ---------------------------------------------------------------- retries

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
    let policy = RetryPolicy { max_retries: 6, initial_delay: ms(100), max_delay: ms(1000), jitter: 0.0 };
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
    let policy = RetryPolicy { max_retries: 1, initial_delay: ms(7), max_delay: ms(7), jitter: 0.0 };
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

/// A URL on which nothing listens.
async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/v2")
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
    assert_eq!(server.count(), 3);
    assert_eq!(sleeps.taken().len(), 2);

    let server = Server::sequence(vec![Reply::Close, Reply::json(200, json!({"ok": 1}))]).await;
    let (client, _) = client_with_sleeps(&server, exact_policy());
    assert_eq!(call(&client, get("/r")).await.unwrap(), json!({"ok": 1}));
}

// ---------------------------------------------------------------- timeouts

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

// ---------------------------------------------------------------- streaming downloads

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
