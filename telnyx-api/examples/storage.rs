//! Telnyx Cloud Storage from the command line: buckets and objects through the generated,
//! S3-compatible operations (SigV4-signed with the API key, typed XML).
//!
//! ```text
//! cargo run -q -p telnyx-api --example storage -- <command> [args]
//!
//!   list-buckets            bucket names, one per line
//!   create-bucket BUCKET
//!   put BUCKET KEY FILE     upload FILE as KEY
//!   get BUCKET KEY          the object's bytes to stdout
//!   list BUCKET             object keys, one per line
//!   delete BUCKET KEY
//!   delete-bucket BUCKET
//! ```
//!
//! Reads `TELNYX_API_KEY`, `TELNYX_STORAGE_REGION` (the region of the endpoint
//! `https://{region}.telnyxcloudstorage.com`, default `us-central-1`) and `TELNYX_STORAGE_URL`
//! (the whole endpoint instead, e.g. `http://127.0.0.1:5000` for a local S3 server). On an error
//! prints it to stderr, with the S3 error code when the server sent one, and exits 1.

use std::io::Write as _;
use std::process::ExitCode;

use telnyx_api::{Client, Error, RawBody};

const USAGE: &str = "usage: storage list-buckets | create-bucket B | put B KEY FILE | get B KEY | list B | delete B KEY | delete-bucket B";

async fn run(args: &[String]) -> Result<(), String> {
    let client = Client::from_env().map_err(|e| e.to_string())?;
    let (storage, buckets, objects) =
        (client.storage(), client.storage().buckets(), client.storage().buckets().objects());
    let mut out = std::io::stdout().lock();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["list-buckets"] => {
            let listed = storage.list_buckets().await.map_err(describe)?;
            for name in listed.buckets.unwrap_or_default().into_iter().filter_map(|b| b.name) {
                writeln!(out, "{name}").map_err(|e| e.to_string())?;
            }
        }
        ["create-bucket", b] => buckets.create(b).await.map_err(describe)?,
        ["put", b, key, file] => {
            // Streamed from disk: the object is never held in memory whole.
            let f = tokio::fs::File::open(file).await.map_err(|e| format!("cannot read {file}: {e}"))?;
            let length = f.metadata().await.map_err(|e| format!("cannot read {file}: {e}"))?.len();
            let body = RawBody::from_stream(tokio_util::io::ReaderStream::new(f), Some(length));
            objects.update(b, key, body).await.map_err(describe)?;
        }
        ["get", b, key] => {
            let data = objects.retrieve(b, key).await.map_err(describe)?;
            out.write_all(&data).and_then(|()| out.flush()).map_err(|e| e.to_string())?;
        }
        ["list", b] => {
            let listed = buckets.list_objects(b).await.map_err(describe)?;
            for key in listed.contents.unwrap_or_default().into_iter().filter_map(|c| c.key) {
                writeln!(out, "{key}").map_err(|e| e.to_string())?;
            }
        }
        ["delete", b, key] => objects.delete(b, key).await.map_err(describe)?,
        ["delete-bucket", b] => buckets.delete(b).await.map_err(describe)?,
        _ => return Err(USAGE.to_owned()),
    }
    Ok(())
}

/// The error, led by the S3 error code (`NoSuchBucket: …`) when the server sent one.
fn describe(e: Error) -> String {
    match e.codes().first() {
        Some(code) => format!("{code}: {e}"),
        None => e.to_string(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("storage: {e}");
            ExitCode::FAILURE
        }
    }
}
