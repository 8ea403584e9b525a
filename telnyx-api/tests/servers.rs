//! Operations whose path has its own server (Cloud Storage, through `spec/overlays/storage.yaml`)
//! go to that server's endpoint, configured by name, while every other operation keeps the
//! base URL.

mod runtime_support;

use runtime_support::{Reply, Server};
use telnyx_api::servers::SERVERS;
use telnyx_api::Client;

#[tokio::test]
async fn storage_operations_go_to_the_storage_endpoint() {
    let storage = Server::always(Reply::bytes(200, "application/octet-stream", b"hello".to_vec())).await;
    let api = Server::always(Reply::json(200, serde_json::json!({"data": {"balance": "1.00"}}))).await;
    let storage_base = storage.url().trim_end_matches("/v2").to_owned();
    let client =
        Client::builder().api_key("KEY").base_url(api.url()).server_url("storage", &storage_base).build().unwrap();

    let bytes = client.storage().buckets().objects().retrieve("my-bucket", "notes.txt").await.unwrap();
    assert_eq!(&bytes[..], b"hello");
    let seen = storage.requests();
    assert_eq!((seen.len(), seen[0].method.as_str(), seen[0].target.as_str()), (1, "GET", "/my-bucket/notes.txt"));
    assert_eq!(api.count(), 0);

    client.balance().retrieve().await.unwrap();
    assert_eq!((api.count(), storage.count()), (1, 1));
    assert!(api.requests()[0].target.starts_with("/v2/"));
}

#[test]
fn the_storage_server_is_configured_by_region_or_endpoint() {
    let storage = SERVERS.iter().find(|s| s.name == "storage").expect("the storage server of the overlay");
    let region = storage.variables.iter().find(|v| v.name == "region").expect("a region variable");
    let default = Client::builder().api_key("KEY").build().unwrap();
    assert_eq!(default.server_base(storage), storage.url.replace("{region}", region.default));
    let east = Client::builder().api_key("KEY").server_variable("storage", "region", "us-east-1").build().unwrap();
    assert_eq!(east.server_base(storage), "https://us-east-1.telnyxcloudstorage.com");
    let local = Client::builder().api_key("KEY").server_url("storage", "http://127.0.0.1:5000/").build().unwrap();
    assert_eq!(local.server_base(storage), "http://127.0.0.1:5000");
    assert!(Client::builder().api_key("KEY").server_url("storage", "127.0.0.1:5000").build().is_err());
    assert_eq!(
        (storage.env_var("region"), storage.url_env_var()),
        ("TELNYX_STORAGE_REGION".to_owned(), "TELNYX_STORAGE_URL".to_owned())
    );
}

/// Cloud Storage calls carry an AWS Signature Version 4 header with the API key as the access
/// key id (what Telnyx reads), the payload's hash signed; other calls keep the bearer token.
#[tokio::test]
async fn storage_calls_are_signed_with_the_api_key_as_access_key() {
    let storage = Server::always(Reply::status(200)).await;
    let api = Server::always(Reply::json(200, serde_json::json!({"data": {}}))).await;
    let storage_base = storage.url().trim_end_matches("/v2").to_owned();
    let client = Client::builder()
        .api_key("KEYsecret")
        .base_url(api.url())
        .server_url("storage", &storage_base)
        .server_variable("storage", "region", "us-east-1")
        .build()
        .unwrap();
    let body = bytes::Bytes::from_static(b"object bytes");
    client.storage().buckets().objects().update("b", "k", body.clone()).await.unwrap();
    let put = &storage.requests()[0];
    let auth = put.header("authorization").expect("an authorization header");
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=KEYsecret/"), "{auth}");
    assert!(
        auth.contains("/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature="),
        "{auth}"
    );
    assert_eq!(put.header("x-amz-content-sha256"), Some(telnyx_api::sigv4::payload_hash(&body).as_str()));
    assert_eq!(put.header("x-amz-date").map(str::len), Some("20250101T000000Z".len()));
    assert_eq!(put.body, body.to_vec());

    client.balance().retrieve().await.unwrap();
    assert_eq!(api.requests()[0].header("authorization"), Some("Bearer KEYsecret"));
}
