//! A tiny HTTP/1.1 server on 127.0.0.1 for wire tests of the request path: it records every
//! request exactly as it arrived (raw request target, headers, de-chunked body) and answers
//! with whatever the test's responder returns. One request per connection (`connection: close`),
//! which keeps the server simple and makes "one connection = one attempt".

#![allow(dead_code)] // each test binary uses a different part of it

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
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
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Server {
    /// Start a server whose responder gets the 0-based index of each request.
    pub async fn start(responder: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let responder: Responder = Arc::new(responder);
        let accept = {
            let requests = requests.clone();
            let connections = connections.clone();
            tokio::spawn(async move {
                while let Ok((socket, _)) = listener.accept().await {
                    *connections.lock().unwrap() += 1;
                    let requests = requests.clone();
                    let responder = responder.clone();
                    tokio::spawn(async move {
                        let _ = serve(socket, requests, responder).await;
                    });
                }
            })
        };
        Server { addr, requests, connections, accept }
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
}

async fn serve(
    mut socket: TcpStream,
    requests: Arc<Mutex<Vec<Recorded>>>,
    responder: Responder,
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
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
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
