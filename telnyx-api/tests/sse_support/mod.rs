//! The scripted HTTP/1.1 server of the SSE wire tests (`tests/sse.rs`, `tests/anthropic_sse.rs`):
//! one scripted response per connection, written step by step (chunked or connection-close
//! bodies, delays, gates, waiting for the client to close), and helpers to run the
//! `chat_stream` example against it (and other examples against other servers: `tests/ws.rs`).

#![allow(dead_code)] // each test binary uses a different part of it

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

/// One step of a scripted response body.
pub enum Step {
    /// Write these bytes (one HTTP chunk when chunked) and flush.
    Bytes(Vec<u8>),
    /// Wait.
    Sleep(Duration),
    /// Wait until the test says go.
    Gate(oneshot::Receiver<()>),
    /// Stop writing and wait until the client closes the connection; report on the channel.
    AwaitClose(oneshot::Sender<bool>),
}

#[derive(Clone, Copy, PartialEq)]
pub enum Framing {
    /// `Transfer-Encoding: chunked`, terminated properly.
    Chunked,
    /// `Transfer-Encoding: chunked`, connection dropped without the final chunk.
    ChunkedAbort,
    /// No length: the body ends when the server closes the connection.
    Close,
}

pub struct Script {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub framing: Framing,
    pub steps: Vec<Step>,
}

impl Script {
    /// A 200 `text/event-stream` response.
    pub fn sse(framing: Framing, steps: Vec<Step>) -> Script {
        Script { status: 200, headers: vec![("content-type".into(), "text/event-stream".into())], framing, steps }
    }

    /// A JSON response with this status and extra headers (connection-close body).
    pub fn json(status: u16, extra_headers: &[(&str, &str)], body: &serde_json::Value) -> Script {
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        headers.extend(extra_headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Script { status, headers, framing: Framing::Close, steps: vec![Step::Bytes(body.to_string().into_bytes())] }
    }
}

/// A request as the server saw it.
#[derive(Debug)]
pub struct Seen {
    pub head: String,
    pub body: Vec<u8>,
}

/// Serve one scripted response per connection, in order; report each request.
pub async fn serve(scripts: Vec<Script>) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        for script in scripts {
            let Ok((sock, _)) = listener.accept().await else { return };
            let tx = tx.clone();
            tokio::spawn(async move {
                let _ = respond(sock, script, tx).await;
            });
        }
    });
    (format!("http://{addr}/v2"), rx)
}

async fn respond(mut sock: TcpStream, script: Script, tx: mpsc::UnboundedSender<Seen>) -> std::io::Result<()> {
    // Read the head and a Content-Length body.
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    let _ = tx.send(Seen { head, body: buf[head_end..].to_vec() });

    let mut out = format!("HTTP/1.1 {} X\r\n", script.status);
    for (k, v) in &script.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    match script.framing {
        Framing::Chunked | Framing::ChunkedAbort => out.push_str("transfer-encoding: chunked\r\n"),
        Framing::Close => out.push_str("connection: close\r\n"),
    }
    out.push_str("\r\n");
    sock.write_all(out.as_bytes()).await?;
    sock.flush().await?;
    let chunked = script.framing != Framing::Close;
    for step in script.steps {
        match step {
            Step::Bytes(b) if b.is_empty() => {}
            Step::Bytes(b) => {
                if chunked {
                    sock.write_all(format!("{:x}\r\n", b.len()).as_bytes()).await?;
                    sock.write_all(&b).await?;
                    sock.write_all(b"\r\n").await?;
                } else {
                    sock.write_all(&b).await?;
                }
                sock.flush().await?;
            }
            Step::Sleep(d) => tokio::time::sleep(d).await,
            Step::Gate(rx) => {
                let _ = rx.await;
            }
            Step::AwaitClose(report) => {
                let closed = tokio::time::timeout(Duration::from_secs(5), async {
                    let mut b = [0u8; 64];
                    loop {
                        match sock.read(&mut b).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                    }
                })
                .await
                .is_ok();
                let _ = report.send(closed);
                return Ok(());
            }
        }
    }
    if script.framing == Framing::Chunked {
        sock.write_all(b"0\r\n\r\n").await?;
        sock.flush().await?;
        // Keep the connection open for a while: the client must not depend on it closing.
        let mut b = [0u8; 64];
        let _ = tokio::time::timeout(Duration::from_secs(2), sock.read(&mut b)).await;
    } else {
        sock.shutdown().await?;
    }
    Ok(())
}

/// Every byte in its own TCP write with a pause, so that reads split UTF-8 characters, CRLF
/// pairs and lines.
pub fn byte_by_byte(bytes: &[u8]) -> Vec<Step> {
    bytes.iter().flat_map(|&b| [Step::Bytes(vec![b]), Step::Sleep(std::time::Duration::from_micros(50))]).collect()
}

/// `bytes` cut at the given offsets (taken modulo its length + 1, in any order).
pub fn split_at(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut last = 0;
    for c in cuts {
        out.push(bytes[last..c].to_vec());
        last = c;
    }
    out.push(bytes[last..].to_vec());
    out
}

/// Bound every await on the network, so a regression fails instead of hanging.
pub async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(10), f).await.expect("timed out")
}

/// `target/<profile>/examples/<name>`, which `cargo test` builds next to the test binaries
/// (`target/<profile>/deps/`); `None` when it is not built (`cargo test --test …` builds no
/// examples).
pub fn example_binary(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    path.is_file().then_some(path)
}

/// What an example run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The API key the examples run with (`TELNYX_API_KEY`): no output may contain it.
pub const EXAMPLE_KEY: &str = "KEYexample0123456789";

/// Run the `chat_stream` example with `args` against the server at `base_url` (on a blocking
/// thread, so the test's server keeps running).
pub async fn run_chat_stream(bin: PathBuf, base_url: String, args: &[&str]) -> Run {
    run_example(bin, base_url, args, &["TELNYX_CHAT_MODEL"]).await
}

/// Run an example binary with `args` against the server at `base_url`, with [`EXAMPLE_KEY`]
/// and without the variables `unset` (on a blocking thread, so the test's server keeps running).
pub async fn run_example(bin: PathBuf, base_url: String, args: &[&str], unset: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let unset: Vec<String> = unset.iter().map(|a| (*a).to_owned()).collect();
    let out = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(bin);
        command.args(args).env("TELNYX_API_KEY", EXAMPLE_KEY).env("TELNYX_BASE_URL", base_url).stdin(Stdio::null());
        for name in unset {
            command.env_remove(name);
        }
        command.output().expect("run the example")
    });
    let out = within(out).await.expect("the example's thread");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
