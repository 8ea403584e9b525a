//! Telnyx Cloud Storage through the generated methods against a real S3 implementation: the
//! pinned `moto` server (tools/moto/, installed by `tools/moto/install.sh`, which this test runs
//! when the server is missing) on 127.0.0.1. Create a bucket, put objects (bytes, and a stream),
//! list, get, head,
//! delete several objects with one XML body, delete the bucket — typed XML both ways, the SigV4
//! header, the storage endpoint from `server_url`, and S3 error documents as `Error::Api`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use telnyx_api::types::DeleteObjectsRequestItem;
use telnyx_api::{Client, Error};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A moto server on a free port, stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_moto() -> Moto {
    let tools = repo().join("tools/moto");
    let server = tools.join(".venv/bin/moto_server");
    if !server.is_file() {
        let out = Command::new("bash").arg(tools.join("install.sh")).output().expect("run tools/moto/install.sh");
        assert!(out.status.success(), "tools/moto/install.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let child = Command::new(&server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "moto did not listen on {port} within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_and_object_round_trip() {
    let moto = start_moto();
    let client = Client::builder()
        .api_key("KEYtelnyxStorageTest")
        .server_url("storage", &moto.url)
        .server_variable("storage", "region", "us-east-1")
        .max_retries(0)
        .build()
        .unwrap();
    let (storage_api, storage) = (client.storage(), "telnyx-rust-sdk-test");
    let (buckets, objects) = (storage_api.buckets(), storage_api.buckets().objects());

    buckets.create(storage).await.unwrap();
    let listed = storage_api.list_buckets().await.unwrap();
    let names: Vec<String> = listed.buckets.unwrap_or_default().into_iter().filter_map(|b| b.name).collect();
    assert_eq!(names, [storage]);

    let small = Bytes::from_static(b"hello from Rust");
    let large = Bytes::from(vec![b'x'; 300_000]);
    objects.update(storage, "notes/hello.txt", small.clone()).await.unwrap();
    // Streamed: chunks as they are produced, with the length known up front.
    let chunks: Vec<std::io::Result<Bytes>> = large.chunks(64 * 1024).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let stream = telnyx_api::RawBody::from_stream(futures::stream::iter(chunks), Some(large.len() as u64));
    objects.update(storage, "big.bin", stream).await.unwrap();

    let contents = buckets.list_objects(storage).await.unwrap().contents.unwrap_or_default();
    let mut keys: Vec<(String, f64)> =
        contents.into_iter().map(|c| (c.key.unwrap_or_default(), c.size.unwrap_or(-1.0))).collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(keys, [("big.bin".to_owned(), 300_000.0), ("notes/hello.txt".to_owned(), small.len() as f64)]);

    assert_eq!(objects.retrieve(storage, "notes/hello.txt").await.unwrap(), small);
    assert_eq!(objects.retrieve(storage, "big.bin").await.unwrap(), large);
    let head = objects.head(storage, "big.bin").with_response().await.unwrap();
    assert_eq!(head.headers.get("content-length").and_then(|v| v.to_str().ok()), Some("300000"));

    // An S3 error document becomes Error::Api with its code.
    let missing = objects.retrieve(storage, "nope").await.unwrap_err();
    match &missing {
        Error::Api(e) => {
            assert_eq!(e.status.as_u16(), 404);
            assert_eq!(missing.codes(), ["NoSuchKey"], "{missing}");
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }

    let both = vec![
        DeleteObjectsRequestItem { key: Some("notes/hello.txt".into()) },
        DeleteObjectsRequestItem { key: Some("big.bin".into()) },
    ];
    buckets.delete_objects(storage, true, &both).await.unwrap();
    let left = buckets.list_objects(storage).await.unwrap().contents.unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");

    buckets.delete(storage).await.unwrap();
    let gone = buckets.head(storage).await.unwrap_err();
    assert_eq!(gone.api_error().map(|e| e.status.as_u16()), Some(404), "{gone}");
}
