//! Rows where the body is wrong: truncated or mis-shaped JSON, a wrong content type, invalid
//! UTF-8, an empty or HTML 200.

use super::*;

pub async fn truncated_json() -> String {
    let body = br#"{"data": {"balance": "1.0"#.to_vec();
    let server = Server::always(Reply::bytes(200, "application/json", body.clone())).await;
    let client = builder(&server.url()).build().unwrap();
    let err = call(&client, get("/r")).await.unwrap_err();
    let (_, status, path, message, kept) = decode_parts(&err);
    assert_eq!(status, StatusCode::OK);
    assert!(message.contains("EOF"), "{message}");
    assert_eq!(path, "data.balance", "{err}");
    assert_eq!(kept, body.as_slice());
    format!("Decode at `{path}`: {message}")
}

pub async fn valid_json_wrong_shape() -> String {
    let body = json!({"data": {"balance": 1.5, "currency": "USD"}}).to_string().into_bytes();
    let server = Server::always(Reply::bytes(200, "application/json", body.clone())).await;
    // Decoded leniently: the member that does not fit is empty and reported, the rest kept.
    let client = builder(&server.url()).build().unwrap();
    let resp = ApiCall::new(&client, get("/balance"), decode_json::<Balance>).with_response().await.unwrap();
    assert_eq!((resp.data.data.balance.as_str(), resp.data.data.currency.as_str()), ("", "USD"));
    let [deviation] = resp.deviations.as_slice() else { panic!("{:?}", resp.deviations) };
    assert_eq!((deviation.path.as_str(), deviation.found.clone()), ("data.balance", Some(json!(1.5))));
    assert_eq!(resp.body, body.as_slice());
    // Strictly: the error of 0.2.
    let client = builder(&server.url()).strict_decoding(true).build().unwrap();
    let err = ApiCall::new(&client, get("/balance"), decode_json::<Balance>).await.unwrap_err();
    let (type_name, _, path, message, kept) = decode_parts(&err);
    assert!(type_name.ends_with("Balance"), "{type_name}");
    assert_eq!(path, "data.balance");
    assert!(message.contains("expected a string"), "{message}");
    assert_eq!(kept, body.as_slice());
    let text = err.to_string();
    assert!(text.contains("Balance") && text.contains("data.balance"), "{text}");
    format!("{deviation}; strict: Decode as {} at `{path}`", type_name.rsplit("::").next().unwrap_or(type_name))
}

pub async fn wrong_content_type() -> String {
    // The declared type decides the decoding; a mislabelled JSON body is still read.
    let server = Server::always(Reply::bytes(200, "text/plain", br#"{"ok": true}"#.to_vec())).await;
    let client = builder(&server.url()).build().unwrap();
    let v = call(&client, get("/r")).await.unwrap();
    assert_eq!(v, json!({"ok": true}));
    format!("decoded {v}")
}

pub async fn invalid_utf8_in_json_string() -> String {
    let body = b"{\"data\": {\"balance\": \"1\xff\xfe0\", \"currency\": \"USD\"}}".to_vec();
    let server = Server::always(Reply::bytes(200, "application/json", body.clone())).await;
    let client = builder(&server.url()).build().unwrap();
    let err = ApiCall::new(&client, get("/r"), decode_json::<Balance>).await.unwrap_err();
    let (_, _, path, message, kept) = decode_parts(&err);
    assert_eq!(path, "data.balance", "{err}");
    assert!(message.contains("unicode"), "{message}");
    assert_eq!(kept, body.as_slice());
    format!("Decode at `{path}`: {message}")
}

pub async fn empty_200_for_typed_response() -> String {
    let server = Server::always(Reply::bytes(200, "application/json", Vec::new())).await;
    let client = builder(&server.url()).build().unwrap();
    let err = ApiCall::new(&client, get("/r"), decode_json::<Balance>).await.unwrap_err();
    let (_, status, _, message, kept) = decode_parts(&err);
    assert_eq!((status, kept), (StatusCode::OK, &b""[..]));
    assert!(message.contains("empty"), "{message}");
    format!("Decode: {message}")
}

pub async fn html_200_from_a_proxy() -> String {
    let page = b"<html><head><title>Gateway</title></head><body><h1>Please log in</h1></body></html>".to_vec();
    let server = Server::always(Reply::bytes(200, "text/html", page.clone())).await;
    let client = builder(&server.url()).build().unwrap();
    let err = ApiCall::new(&client, get("/r"), decode_json::<Balance>).await.unwrap_err();
    let (type_name, status, _, message, kept) = decode_parts(&err);
    assert!(type_name.ends_with("Balance"), "{type_name}");
    assert_eq!(status, StatusCode::OK);
    assert!(kept.starts_with(b"<html>"), "{kept:?}");
    assert_eq!(kept, page.as_slice());
    format!("Decode: {message}; body {:?}…", String::from_utf8_lossy(&kept[..12]))
}
