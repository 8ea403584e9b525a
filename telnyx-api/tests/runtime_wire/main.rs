//! Wire tests of the hand-written request path against a real HTTP server on 127.0.0.1:
//! requests are built by hand (not through generated operations) and sent with [`ApiCall`].

#[path = "../runtime_support/mod.rs"]
mod runtime_support;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use telnyx_api::request::{decode_bytes, decode_empty, decode_json, decode_text, path_arg, QueryStyle};
use telnyx_api::{ApiCall, Client, ClientBuilder, Error, Multipart, Request, RetryPolicy, UploadFile};

mod downloads;
mod requests;
mod responses;
mod retries;
mod timeouts;

use runtime_support::{call, exact_policy, get, ms, parse_multipart, Reply, Server, Sleeps};

const KEY: &str = "KEYsecret0123456789";

fn builder(server: &Server) -> ClientBuilder {
    Client::builder().api_key(KEY).base_url(server.url())
}

/// A client whose retry waits are recorded instead of slept.
fn client_with_sleeps(server: &Server, policy: RetryPolicy) -> (Client, Sleeps) {
    let sleeps = Sleeps::default();
    let client = sleeps.install(builder(server).retry_policy(policy)).build().unwrap();
    (client, sleeps)
}

/// A URL on which nothing listens.
async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/v2")
}
