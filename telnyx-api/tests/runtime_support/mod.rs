//! A tiny HTTP/1.1 server on 127.0.0.1 for wire tests of the request path: it records every
//! request exactly as it arrived (raw request target, headers, de-chunked body) and answers
//! with whatever the test's responder returns. One request per connection (`connection: close`),
//! which keeps the server simple and makes "one connection = one attempt" — except for
//! [`Reply::KeepAlive`], which keeps its connection open until the test closes it.

#![allow(dead_code)] // each test binary uses a different part of it

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use telnyx_api::request::decode_json;
use telnyx_api::{ApiCall, Client, Request, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A retry policy without jitter so that delays are exact.
pub fn exact_policy() -> RetryPolicy {
    RetryPolicy { jitter: 0.0, ..RetryPolicy::default() }
}

/// A hand-built `GET` of `path` (operation `testOp`), not a generated operation.
pub fn get(path: &'static str) -> Request {
    Request::new(Method::GET, "testOp", path, path.to_owned())
}

/// `req` sent by `client`, its body decoded as untyped JSON.
pub fn call(client: &Client, req: Request) -> ApiCall<Value> {
    ApiCall::new(client, req, decode_json::<Value>)
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The request target exactly as sent (path and percent-encoded query).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// First value of a header (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// All header lines, for "the key never appears anywhere" checks.
    pub fn all_headers_text(&self) -> String {
        self.headers.iter().map(|(n, v)| format!("{n}: {v}\n")).collect()
    }
}

/// What to do with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete response with `content-length`.
    Http { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Send the headers and part of the body, then go silent (idle-timeout tests).
    Stall { status: u16, declared_len: usize, partial: Vec<u8> },
    /// Close the connection without answering.
    Close,
    /// Never answer.
    Hang,
    /// Wait, then answer.
    After(Duration, Box<Reply>),
    /// Read the request, then reset the connection (RST, no response at all).
    Reset,
    /// Send the headers and the first bytes of the body, then end the connection as `then`
    /// says. `declared_len: None` sends no `content-length` (a body delimited by the close, as
    /// an SSE stream is).
    Partial { status: u16, headers: Vec<(String, String)>, declared_len: Option<usize>, partial: Vec<u8>, then: End },
    /// A complete response with `content-length`, its body written one byte every `every`.
    Drip { status: u16, headers: Vec<(String, String)>, body: Vec<u8>, every: Duration },
    /// `chunk` written again and again (every `every`, or as fast as the client reads) until
    /// `declared_len` bytes are out or the client goes away; the bytes written are recorded
    /// ([`Server::written`]). Nothing larger than `chunk` is ever held in memory.
    Endless {
        status: u16,
        headers: Vec<(String, String)>,
        declared_len: Option<u64>,
        chunk: Vec<u8>,
        every: Option<Duration>,
    },
    /// A complete response without `connection: close`: the connection stays open (idle, for
    /// the client's pool) until `close` is notified; then it is closed and `closed` notified.
    KeepAlive {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        close: Arc<tokio::sync::Notify>,
        closed: Arc<tokio::sync::Notify>,
    },
}

/// How a [`Reply::Partial`] ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Close the connection normally (FIN).
    Close,
    /// Reset it (RST).
    Reset,
    /// Keep it open and silent.
    Hang,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply::Http { status, headers: Vec::new(), body: Vec::new() }
    }

    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply::Http {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply::Http { status, headers: vec![("content-type".into(), content_type.into())], body }
    }

    /// Add a response header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        match &mut self {
            Reply::Http { headers, .. }
            | Reply::Partial { headers, .. }
            | Reply::Drip { headers, .. }
            | Reply::Endless { headers, .. }
            | Reply::KeepAlive { headers, .. } => headers.push((name.into(), value.into())),
            Reply::Stall { .. } | Reply::Close | Reply::Hang | Reply::After(..) | Reply::Reset => {}
        }
        self
    }
}

type Responder = Arc<dyn Fn(usize, &Recorded) -> Reply + Send + Sync>;

/// A running server; stops accepting when dropped.
pub struct Server {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<Mutex<usize>>,
    written: Written,
    accept: tokio::task::JoinHandle<()>,
}

/// Bytes written by each finished [`Reply::Endless`], in the order they finished.
#[derive(Clone, Default)]
struct Written {
    counts: Arc<Mutex<Vec<u64>>>,
    changed: Arc<tokio::sync::Notify>,
}

impl Written {
    fn push(&self, n: u64) {
        self.counts.lock().unwrap().push(n);
        self.changed.notify_waiters();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Server {
    /// Start a server whose responder gets the 0-based index of each request.
    pub async fn start(responder: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_at(0, responder).await
    }

    /// [`Server::start`] on a given port of 127.0.0.1 (0: any free one).
    pub async fn start_at(port: u16, responder: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let responder: Responder = Arc::new(responder);
        let written = Written::default();
        let accept = {
            let requests = requests.clone();
            let connections = connections.clone();
            let written = written.clone();
            tokio::spawn(async move {
                while let Ok((socket, _)) = listener.accept().await {
                    *connections.lock().unwrap() += 1;
                    let requests = requests.clone();
                    let responder = responder.clone();
                    let written = written.clone();
                    tokio::spawn(async move {
                        let _ = serve(socket, requests, responder, written).await;
                    });
                }
            })
        };
        Server { addr, requests, connections, written, accept }
    }

    /// Always answer with the same reply.
    pub async fn always(reply: Reply) -> Server {
        Server::start(move |_, _| reply.clone()).await
    }

    /// Answer with `replies` in order, repeating the last one.
    pub async fn sequence(replies: Vec<Reply>) -> Server {
        Server::start(move |i, _| replies[i.min(replies.len() - 1)].clone()).await
    }

    /// Base URL with the `/v2` prefix the real API uses.
    pub fn url(&self) -> String {
        format!("http://{}/v2", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// Accepted TCP connections (an attempt that dies before sending counts here only).
    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Bytes written by each [`Reply::Endless`] that has finished (one entry per connection).
    pub fn written(&self) -> Vec<u64> {
        self.written.counts.lock().unwrap().clone()
    }

    /// Wait until `n` [`Reply::Endless`] responses have finished and return what each wrote;
    /// `None` if that does not happen within `limit`.
    pub async fn wait_written(&self, n: usize, limit: Duration) -> Option<Vec<u64>> {
        tokio::time::timeout(limit, async {
            loop {
                // Created before the check, so a push between the check and the await still wakes it.
                let changed = self.written.changed.notified();
                let counts = self.written();
                if counts.len() >= n {
                    return counts;
                }
                changed.await;
            }
        })
        .await
        .ok()
    }
}

fn head(status: u16, headers: &[(String, String)], content_length: Option<u64>, close: bool) -> String {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(len) = content_length {
        head.push_str(&format!("content-length: {len}\r\n"));
    }
    if close {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    head
}

/// Write `chunk` repeatedly; the bytes actually written, however the loop ended.
async fn write_endless(
    socket: &mut TcpStream,
    chunk: &[u8],
    declared_len: Option<u64>,
    every: Option<Duration>,
) -> u64 {
    let mut written = 0u64;
    loop {
        let want = match declared_len {
            Some(total) if written >= total => return written,
            Some(total) => chunk.len().min(usize::try_from(total - written).unwrap_or(usize::MAX)),
            None => chunk.len(),
        };
        let mut piece = &chunk[..want];
        while !piece.is_empty() {
            match socket.write(piece).await {
                Ok(0) | Err(_) => return written,
                Ok(n) => {
                    written += n as u64;
                    piece = &piece[n..];
                }
            }
        }
        if let Some(every) = every {
            if socket.flush().await.is_err() {
                return written;
            }
            tokio::time::sleep(every).await;
        }
    }
}

async fn serve(
    mut socket: TcpStream,
    requests: Arc<Mutex<Vec<Recorded>>>,
    responder: Responder,
    written: Written,
) -> std::io::Result<()> {
    let Some(recorded) = read_request(&mut socket).await? else {
        return Ok(());
    };
    let index = {
        let mut all = requests.lock().unwrap();
        all.push(recorded.clone());
        all.len() - 1
    };
    let mut reply = responder(index, &recorded);
    while let Reply::After(delay, next) = reply {
        tokio::time::sleep(delay).await;
        reply = *next;
    }
    match reply {
        Reply::After(..) => unreachable!("unwrapped above"),
        Reply::Http { status, headers, body } => {
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (n, v) in &headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", body.len()));
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body).await?;
            socket.flush().await?;
            socket.shutdown().await?;
        }
        Reply::Stall { status, declared_len, partial } => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-length: {declared_len}\r\nconnection: close\r\n\r\n",
                reason(status)
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&partial).await?;
            socket.flush().await?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Reply::Close => drop(socket),
        Reply::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
        Reply::Reset => {
            socket.set_zero_linger()?;
            drop(socket);
        }
        Reply::Partial { status, headers, declared_len, partial, then } => {
            let len = declared_len.map(|n| n as u64);
            socket.write_all(head(status, &headers, len, true).as_bytes()).await?;
            socket.write_all(&partial).await?;
            socket.flush().await?;
            match then {
                End::Close => socket.shutdown().await?,
                End::Reset => {
                    socket.set_zero_linger()?;
                    drop(socket);
                }
                End::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
            }
        }
        Reply::Drip { status, headers, body, every } => {
            socket.write_all(head(status, &headers, Some(body.len() as u64), true).as_bytes()).await?;
            socket.flush().await?;
            for byte in body {
                tokio::time::sleep(every).await;
                socket.write_all(&[byte]).await?;
                socket.flush().await?;
            }
            socket.shutdown().await?;
        }
        Reply::Endless { status, headers, declared_len, chunk, every } => {
            socket.write_all(head(status, &headers, declared_len, true).as_bytes()).await?;
            let n = write_endless(&mut socket, &chunk, declared_len, every).await;
            written.push(n);
            let _ = socket.shutdown().await;
        }
        Reply::KeepAlive { status, headers, body, close, closed } => {
            socket.write_all(head(status, &headers, Some(body.len() as u64), false).as_bytes()).await?;
            socket.write_all(&body).await?;
            socket.flush().await?;
            close.notified().await;
            let _ = socket.shutdown().await;
            drop(socket);
            closed.notify_one();
        }
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn read_more(socket: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 8192];
    let n = socket.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn read_request(socket: &mut TcpStream) -> std::io::Result<Option<Recorded>> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if !read_more(socket, &mut buf).await? {
            return Ok(None);
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut rest = buf[head_end + 4..].to_vec();
    let get = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let body = if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while rest.len() < len {
            if !read_more(socket, &mut rest).await? {
                break;
            }
        }
        rest.truncate(len);
        rest
    } else if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(&rest, b"\r\n") {
                    break i;
                }
                if !read_more(socket, &mut rest).await? {
                    return Ok(None);
                }
            };
            let size_text = String::from_utf8_lossy(&rest[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16).unwrap_or(0);
            rest.drain(..line_end + 2);
            while rest.len() < size + 2 {
                if !read_more(socket, &mut rest).await? {
                    return Ok(None);
                }
            }
            if size == 0 {
                break;
            }
            body.extend_from_slice(&rest[..size]);
            rest.drain(..size + 2);
        }
        body
    } else {
        Vec::new()
    };
    Ok(Some(Recorded { method, target, headers, body }))
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq)]
pub struct FormPart {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// Parse a `multipart/form-data` body (what a server would do).
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Vec<FormPart> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .expect("boundary in content type")
        .trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = body;
    let first = find(rest, &delimiter).expect("first boundary");
    rest = &rest[first + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").expect("CRLF after boundary");
        let next = find(rest, &delimiter).expect("closing boundary");
        let part = &rest[..next - 2]; // drop the CRLF before the delimiter
        let head_end = find(part, b"\r\n\r\n").expect("part headers");
        let head = String::from_utf8_lossy(&part[..head_end]).into_owned();
        let data = part[head_end + 4..].to_vec();
        let mut name = String::new();
        let mut file_name = None;
        let mut content_type = None;
        for line in head.split("\r\n") {
            let Some((n, v)) = line.split_once(':') else {
                continue;
            };
            if n.eq_ignore_ascii_case("content-disposition") {
                for attr in v.split(';').map(str::trim) {
                    if let Some(x) = attr.strip_prefix("name=") {
                        name = x.trim_matches('"').to_owned();
                    } else if let Some(x) = attr.strip_prefix("filename=") {
                        file_name = Some(x.trim_matches('"').to_owned());
                    }
                }
            } else if n.eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_owned());
            }
        }
        parts.push(FormPart { name, file_name, content_type, data });
        rest = &rest[next + delimiter.len()..];
    }
    parts
}

/// A sleep function for `ClientBuilder::retry_sleep` that records the delays and returns at
/// once, so retry tests take no wall-clock time and can assert exact delays.
#[derive(Clone, Default)]
pub struct Sleeps(pub Arc<Mutex<Vec<Duration>>>);

impl Sleeps {
    pub fn install(&self, builder: telnyx_api::ClientBuilder) -> telnyx_api::ClientBuilder {
        let seen = self.0.clone();
        builder.retry_sleep(move |d| {
            seen.lock().unwrap().push(d);
            async {}
        })
    }

    pub fn taken(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}
