//! Load: many `list_phone_numbers` calls at once against a local HTTP/1.1 server, the generated
//! method next to plain `reqwest` + `serde_json`, and 429 storms.
//!
//! ```text
//! cargo bench -p telnyx-api --bench load --no-default-features --features numbers
//! LOAD_BENCH_REQUESTS=500 LOAD_BENCH_CONCURRENCY=32 cargo bench ... # a quick run
//! ```
//!
//! The server (hyper, HTTP/1.1 keep-alive, on 127.0.0.1) runs on its own thread and answers
//! `GET /phone_numbers` with one page of 20 `PhoneNumberDetailed` records and `meta` paging
//! fields, a valid `ListPhoneNumbersResponse` (checked by decoding it before the run). The
//! clients run on a runtime of their own with the other CPUs, so that on a small machine the
//! server and the client do not take turns on one core.
//!
//! - Throughput: `LOAD_BENCH_REQUESTS` calls (default 20 000) with `LOAD_BENCH_CONCURRENCY` in
//!   flight (default 256), in `LOAD_BENCH_ROUNDS` rounds (default 3) that alternate between
//!   (a) `client.phone_number_configurations().list_phone_numbers(&params)` and (b) the same
//!   request with plain reqwest (same query, `Authorization`, `Accept` and `User-Agent`),
//!   decoded with `Response::json` into the same generated type. Requests/s, p50/p99 latency,
//!   client CPU per call (process CPU less the server thread's), allocations per call
//!   (process-wide: the server's share is the same for both), connections the server accepted,
//!   and open file descriptors and RSS before, during (client alive) and after (client dropped)
//!   each phase.
//! - 429 storms: every call's first attempt gets 429; the server counts attempts per call (the
//!   call's number travels in `filter[tag]`) and measures the gap between attempts. One storm
//!   asks for `retry-after-ms: 20` and refuses every 10th call on each attempt (so those must
//!   stop after `max_retries + 1`); one sends `Retry-After: 0`.
//!
//! It prints figures and asserts nothing about time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use telnyx_api::apis::phone_number_configurations::ListPhoneNumbersParams;
use telnyx_api::types::{ListPhoneNumbersFilter, ListPhoneNumbersResponse, NumbersPageConsolidated};

/// The system allocator, counting allocations and allocated bytes.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A growing buffer counts once per step, as the allocator sees it.
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(new_size.saturating_sub(layout.size()) as u64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const API_KEY: &str = "KEY0123456789ABCDEF_load_bench";
const USER_AGENT_VALUE: &str = concat!("telnyx-api-rust/", env!("CARGO_PKG_VERSION"));
const PAGE_SIZE: usize = 20;
/// The delay the first storm asks for (`retry-after-ms`).
const STORM_DELAY_MS: &str = "20";
/// In the first storm every this-many-th call is refused on every attempt.
const PERSISTENT_EVERY: usize = 10;

struct Config {
    requests: usize,
    concurrency: usize,
    rounds: usize,
}

impl Config {
    fn from_env() -> Config {
        let get = |name: &str, default: usize| match std::env::var(name) {
            Ok(v) => v.trim().parse().ok().filter(|&n: &usize| n > 0).unwrap_or_else(|| {
                eprintln!("{name}={v:?} is not a positive number; using {default}");
                default
            }),
            Err(_) => default,
        };
        Config {
            requests: get("LOAD_BENCH_REQUESTS", 20_000),
            concurrency: get("LOAD_BENCH_CONCURRENCY", 256),
            rounds: get("LOAD_BENCH_ROUNDS", 3),
        }
    }
}

/// One list page as the API sends it: 20 phone numbers and the paging fields.
fn list_page() -> Value {
    let statuses = ["active", "active", "active", "port-pending", "emergency-only"];
    let types = ["local", "local", "toll_free", "mobile"];
    let data: Vec<Value> = (0..PAGE_SIZE)
        .map(|i| {
            json!({
                "id": format!("1293384261075731{i:03}"),
                "record_type": "phone_number",
                "phone_number": format!("+1919555{:04}", 1000 + i),
                "status": statuses[i % statuses.len()],
                "tags": ["bench", format!("batch-{}", i / 5)],
                "external_pin": if i % 3 == 0 { Value::Null } else { json!("1234") },
                "connection_id": "1293384261075731499",
                "connection_name": "connection-name",
                "customer_reference": format!("customer-{i}"),
                "messaging_profile_id": "abc85f64-5717-4562-b3fc-2c9600000000",
                "messaging_profile_name": "regional-customers",
                "billing_group_id": "62e4bf2e-c278-4282-b524-488d9c9c43b2",
                "emergency_enabled": i % 2 == 0,
                "emergency_address_id": "1315261609962112019",
                "emergency_status": if i % 2 == 0 { "active" } else { "disabled" },
                "call_forwarding_enabled": true,
                "cnam_listing_enabled": false,
                "caller_id_name_enabled": true,
                "call_recording_enabled": false,
                "t38_fax_gateway_enabled": true,
                "hd_voice_enabled": false,
                "deletion_lock_enabled": false,
                "inbound_call_screening": "disabled",
                "source_type": if i % 4 == 0 { "port_request" } else { "number_order" },
                "phone_number_type": types[i % types.len()],
                "country_iso_alpha2": "US",
                "purchased_at": "2019-10-23T18:10:00.000Z",
                "activated_at": "2019-10-23T18:12:00.000Z",
                "created_at": "2019-10-23T18:10:00.000Z",
                "updated_at": "2019-10-24T18:10:00.000Z",
            })
        })
        .collect();
    json!({
        "data": data,
        "meta": {"page_number": 1, "page_size": PAGE_SIZE, "total_pages": 50, "total_results": 50 * PAGE_SIZE},
    })
}

/// The page's bytes, after checking that it is a valid `ListPhoneNumbersResponse` that keeps
/// every field it sends.
fn page_body() -> Bytes {
    let page = list_page();
    let bytes = serde_json::to_vec(&page).expect("a JSON value serializes");
    let typed: ListPhoneNumbersResponse =
        serde_json::from_slice(&bytes).expect("the page is a valid ListPhoneNumbersResponse");
    assert_eq!(typed.data.len(), PAGE_SIZE);
    let back = serde_json::to_value(&typed).expect("the typed page serializes");
    if back != page {
        eprintln!("note: the page does not round-trip through ListPhoneNumbersResponse (a field the type lacks?)");
    }
    Bytes::from(bytes)
}

/// What the server does with a storm call.
#[derive(Clone, Copy)]
struct Storm {
    header: (&'static str, &'static str),
    /// Refuse every this-many-th call on every attempt (0: none).
    persistent_every: usize,
}

/// The attempts of one storm call as the server saw them.
struct Call {
    attempts: u32,
    last: Instant,
    /// Time from each attempt's arrival to the next one's.
    gaps: Vec<Duration>,
}

struct Server {
    body: Bytes,
    bearer: HeaderValue,
    accepted: AtomicUsize,
    live: AtomicUsize,
    requests: AtomicUsize,
    /// Requests without the expected `Authorization`, `Accept` or `User-Agent`.
    unexpected: AtomicUsize,
    /// The first request of the phase: method, target and headers (authorization redacted).
    sample: Mutex<Option<String>>,
    storm: Mutex<(Option<Storm>, HashMap<usize, Call>)>,
}

impl Server {
    fn handle(&self, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let h = req.headers();
        let expected = h.get(AUTHORIZATION) == Some(&self.bearer)
            && h.get(ACCEPT).is_some_and(|v| v == "application/json")
            && h.get(USER_AGENT).is_some_and(|v| v == USER_AGENT_VALUE);
        if !expected {
            self.unexpected.fetch_add(1, Ordering::Relaxed);
        }
        {
            let mut sample = self.sample.lock().unwrap_or_else(|e| e.into_inner());
            if sample.is_none() {
                let mut names: Vec<String> = h
                    .iter()
                    .map(|(k, v)| {
                        let v = if k == AUTHORIZATION { "Bearer <key>" } else { v.to_str().unwrap_or("<binary>") };
                        format!("{k}: {v}")
                    })
                    .collect();
                names.sort();
                *sample = Some(format!("{} {} | {}", req.method(), req.uri(), names.join(" | ")));
            }
        }
        let call = req.uri().query().and_then(|q| q.split_once("storm-")).and_then(|(_, rest)| {
            rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse::<usize>().ok())
        });
        if let Some(n) = call {
            let now = Instant::now();
            let mut guard = self.storm.lock().unwrap_or_else(|e| e.into_inner());
            let (storm, calls) = &mut *guard;
            if let Some(storm) = *storm {
                let entry = calls.entry(n).or_insert(Call { attempts: 0, last: now, gaps: Vec::new() });
                if entry.attempts > 0 {
                    let gap = now - entry.last;
                    entry.gaps.push(gap);
                }
                entry.attempts += 1;
                entry.last = now;
                let refuse = entry.attempts == 1 || (storm.persistent_every > 0 && n % storm.persistent_every == 0);
                if refuse {
                    return hyper::Response::builder()
                        .status(429)
                        .header(CONTENT_TYPE, "application/json")
                        .header(storm.header.0, storm.header.1)
                        .body(Full::new(Bytes::from_static(
                            br#"{"errors":[{"code":"10011","title":"Too many requests","detail":"Slow down."}]}"#,
                        )))
                        .unwrap_or_default();
                }
            }
        }
        let mut resp = hyper::Response::new(Full::new(self.body.clone()));
        resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        resp
    }
}

async fn serve(listener: tokio::net::TcpListener, server: Arc<Server>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        server.accepted.fetch_add(1, Ordering::Relaxed);
        server.live.fetch_add(1, Ordering::Relaxed);
        let server = server.clone();
        tokio::spawn(async move {
            let s = server.clone();
            let service = hyper::service::service_fn(move |req| std::future::ready(Ok::<_, Infallible>(s.handle(req))));
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            server.live.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Start the server on its own thread; its address and the thread's id (for its CPU time).
fn start_server(server: Arc<Server>) -> (SocketAddr, Option<String>) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("load-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a server runtime");
            rt.block_on(async move {
                let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
                socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind 127.0.0.1");
                // Room for every connection the clients open at once (the default is 128).
                let listener = socket.listen(4096).expect("listen");
                let addr = listener.local_addr().expect("the bound address");
                // `/proc/thread-self` is `<pid>/task/<tid>`.
                let tid = std::fs::read_link("/proc/thread-self")
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
                let _ = tx.send((addr, tid));
                serve(listener, server).await;
            });
        })
        .expect("a server thread");
    rx.recv().expect("the server starts")
}

/// Process-wide gauges at one moment.
#[derive(Clone, Copy, Default)]
struct Gauges {
    fds: usize,
    rss_kib: u64,
    cpu: Duration,
    server_cpu: Duration,
    allocs: u64,
    alloc_bytes: u64,
}

struct Probe {
    server_tid: Option<String>,
    tick: Duration,
}

impl Probe {
    fn new(server_tid: Option<String>) -> Probe {
        let hz = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<u64>().ok())
            .filter(|&hz| hz > 0)
            .unwrap_or(100);
        Probe { server_tid, tick: Duration::from_secs(1) / hz as u32 }
    }

    /// User + system time from a `stat` file of `/proc`.
    fn cpu(&self, path: &str) -> Duration {
        let ticks = std::fs::read_to_string(path).ok().and_then(|stat| {
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            // utime and stime are fields 14 and 15; the rest starts at field 3.
            Some(fields.get(11)?.parse::<u32>().ok()? + fields.get(12)?.parse::<u32>().ok()?)
        });
        self.tick * ticks.unwrap_or(0)
    }

    fn read(&self) -> Gauges {
        let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
        let rss_kib = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
                line.split_whitespace().nth(1)?.parse().ok()
            })
            .unwrap_or(0);
        let server_cpu =
            self.server_tid.as_ref().map_or(Duration::ZERO, |tid| self.cpu(&format!("/proc/self/task/{tid}/stat")));
        Gauges {
            fds,
            rss_kib,
            cpu: self.cpu("/proc/self/stat"),
            server_cpu,
            allocs: ALLOCS.load(Ordering::Relaxed),
            alloc_bytes: ALLOC_BYTES.load(Ordering::Relaxed),
        }
    }
}

/// How one call ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Outcome {
    Ok,
    Status(u16),
    Failed(String),
}

/// The figures of one phase.
struct Phase {
    name: String,
    calls: usize,
    wall: Duration,
    latencies: Vec<Duration>,
    outcomes: Vec<(Outcome, usize)>,
    before: Gauges,
    during: Gauges,
    after: Gauges,
    accepted: usize,
    server_requests: usize,
    unexpected: usize,
    sample: Option<String>,
}

impl Phase {
    fn rps(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64()
    }

    fn quantile(&self, q: f64) -> Duration {
        quantile(&self.latencies, q)
    }

    /// Client CPU per call: the process's CPU time less the server thread's, while the calls ran.
    fn client_cpu_us(&self) -> f64 {
        let all = self.during.cpu.saturating_sub(self.before.cpu);
        let server = self.during.server_cpu.saturating_sub(self.before.server_cpu);
        all.saturating_sub(server).as_secs_f64() * 1e6 / self.calls as f64
    }

    fn allocs_per_call(&self) -> f64 {
        (self.during.allocs - self.before.allocs) as f64 / self.calls as f64
    }

    fn kib_per_call(&self) -> f64 {
        (self.during.alloc_bytes - self.before.alloc_bytes) as f64 / 1024.0 / self.calls as f64
    }

    /// `19000 ok, 1000 HTTP 429`.
    fn outcomes_text(&self) -> String {
        let parts: Vec<String> = self
            .outcomes
            .iter()
            .map(|(o, n)| match o {
                Outcome::Ok => format!("{n} ok"),
                Outcome::Status(s) => format!("{n} HTTP {s}"),
                Outcome::Failed(e) => format!("{n} failed: {e}"),
            })
            .collect();
        parts.join(", ")
    }
}

/// Sorted input.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Run `calls` calls of `call` with `concurrency` in flight, between gauge readings; `client`
/// is what the calls share, dropped before the last reading (after the server has seen every
/// connection close, or 5 s).
async fn phase<C, F, Fut>(
    name: String,
    server: &Server,
    probe: &Probe,
    cfg: (usize, usize),
    client: C,
    call: F,
) -> Phase
where
    C: Clone + Send + Sync + 'static,
    F: Fn(C, usize) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Outcome> + Send,
{
    let (calls, concurrency) = cfg;
    *server.sample.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let accepted = server.accepted.load(Ordering::Relaxed);
    let requests = server.requests.load(Ordering::Relaxed);
    let unexpected = server.unexpected.load(Ordering::Relaxed);
    let next = Arc::new(AtomicUsize::new(0));
    let before = probe.read();
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency.min(calls))
        .map(|_| {
            let (next, client) = (next.clone(), client.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(calls / concurrency + 1);
                let mut outcomes: HashMap<Outcome, usize> = HashMap::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= calls {
                        break;
                    }
                    let t = Instant::now();
                    let outcome = call(client.clone(), i).await;
                    latencies.push(t.elapsed());
                    *outcomes.entry(outcome).or_default() += 1;
                }
                (latencies, outcomes)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(calls);
    let mut outcomes: HashMap<Outcome, usize> = HashMap::new();
    for w in workers {
        match w.await {
            Ok((l, o)) => {
                latencies.extend(l);
                for (k, n) in o {
                    *outcomes.entry(k).or_default() += n;
                }
            }
            Err(e) => *outcomes.entry(Outcome::Failed(format!("worker: {e}"))).or_default() += 1,
        }
    }
    let wall = started.elapsed();
    let during = probe.read();
    drop(client);
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.live.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let after = probe.read();
    latencies.sort_unstable();
    let mut outcomes: Vec<(Outcome, usize)> = outcomes.into_iter().collect();
    outcomes.sort();
    Phase {
        name,
        calls,
        wall,
        latencies,
        outcomes,
        before,
        during,
        after,
        accepted: server.accepted.load(Ordering::Relaxed) - accepted,
        server_requests: server.requests.load(Ordering::Relaxed) - requests,
        unexpected: server.unexpected.load(Ordering::Relaxed) - unexpected,
        sample: server.sample.lock().unwrap_or_else(|e| e.into_inner()).take(),
    }
}

fn generated_client(base: &str) -> telnyx_api::Client {
    telnyx_api::Client::builder().base_url(base).api_key(API_KEY).build().expect("a client")
}

/// The parameters both clients send: the first page of 20, and for storm calls the call's number.
fn params(storm_call: Option<usize>) -> ListPhoneNumbersParams {
    ListPhoneNumbersParams {
        page: Some(NumbersPageConsolidated { number: Some(1), size: Some(PAGE_SIZE as i64) }),
        filter: storm_call
            .map(|n| ListPhoneNumbersFilter { tag: Some(format!("storm-{n}")), ..ListPhoneNumbersFilter::default() }),
        ..ListPhoneNumbersParams::default()
    }
}

fn outcome_of(result: telnyx_api::Result<ListPhoneNumbersResponse>) -> Outcome {
    match result {
        Ok(page) if page.data.len() == PAGE_SIZE => Outcome::Ok,
        Ok(page) => Outcome::Failed(format!("{} records", page.data.len())),
        Err(telnyx_api::Error::Api(e)) => Outcome::Status(e.status.as_u16()),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

async fn generated_phase(name: String, server: &Server, probe: &Probe, cfg: (usize, usize), base: &str) -> Phase {
    let shared = Arc::new((generated_client(base), params(None)));
    phase(name, server, probe, cfg, shared, |s: Arc<(telnyx_api::Client, ListPhoneNumbersParams)>, _| async move {
        outcome_of(s.0.phone_number_configurations().list_phone_numbers(&s.1).await)
    })
    .await
}

/// What a plain reqwest user writes; the client is built as `Client::builder().build()` builds
/// its own.
async fn plain_phase(name: String, server: &Server, probe: &Probe, cfg: (usize, usize), base: &str) -> Phase {
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .user_agent(USER_AGENT_VALUE)
        .build()
        .expect("a reqwest client");
    let shared = Arc::new((http, format!("{base}/phone_numbers")));
    phase(name, server, probe, cfg, shared, |s: Arc<(reqwest::Client, String)>, _| async move {
        let sent =
            s.0.get(&s.1)
                .query(&[("page[number]", "1"), ("page[size]", "20")])
                .bearer_auth(API_KEY)
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(Duration::from_secs(60))
                .send()
                .await;
        let resp = match sent {
            Ok(r) if r.status().is_success() => r,
            Ok(r) => return Outcome::Status(r.status().as_u16()),
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        match resp.json::<ListPhoneNumbersResponse>().await {
            Ok(page) if page.data.len() == PAGE_SIZE => Outcome::Ok,
            Ok(page) => Outcome::Failed(format!("{} records", page.data.len())),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    })
    .await
}

/// A storm: every call carries its number; the server's records of it are taken afterwards.
async fn storm_phase(
    name: String,
    server: &Server,
    probe: &Probe,
    cfg: (usize, usize),
    base: &str,
    storm: Storm,
) -> (Phase, HashMap<usize, Call>) {
    *server.storm.lock().unwrap_or_else(|e| e.into_inner()) = (Some(storm), HashMap::new());
    let client = Arc::new(generated_client(base));
    let run = phase(name, server, probe, cfg, client, |c: Arc<telnyx_api::Client>, i| async move {
        outcome_of(c.phone_number_configurations().list_phone_numbers(&params(Some(i))).await)
    })
    .await;
    let calls = std::mem::take(&mut server.storm.lock().unwrap_or_else(|e| e.into_inner()).1);
    *server.storm.lock().unwrap_or_else(|e| e.into_inner()) = (None, HashMap::new());
    (run, calls)
}

fn print_throughput(phases: &[Phase]) {
    println!(
        "| {:<26} | {:>8} | {:>7} | {:>7} | {:>7} | {:>11} | {:>10} | {:>11} | {:>5} |",
        "phase", "req/s", "p50 ms", "p99 ms", "max ms", "client µs/c", "allocs/c", "alloc KiB/c", "conns"
    );
    println!(
        "|{:-<28}|{:->9}:|{:->8}:|{:->8}:|{:->8}:|{:->12}:|{:->11}:|{:->12}:|{:->6}:|",
        "", "", "", "", "", "", "", "", ""
    );
    for p in phases {
        println!(
            "| {:<26} | {:>8.0} | {:>7.2} | {:>7.2} | {:>7.2} | {:>11.1} | {:>10.1} | {:>11.1} | {:>5} |",
            p.name,
            p.rps(),
            ms(p.quantile(0.5)),
            ms(p.quantile(0.99)),
            ms(p.latencies.last().copied().unwrap_or_default()),
            p.client_cpu_us(),
            p.allocs_per_call(),
            p.kib_per_call(),
            p.accepted,
        );
    }
}

fn print_resources(phases: &[Phase]) {
    println!(
        "| {:<26} | {:>18} | {:>26} | {:>14} | {:<30} |",
        "phase", "fds before/in/after", "RSS MiB before/in/after", "RSS after-bef.", "calls: outcome"
    );
    println!("|{:-<28}|{:->19}:|{:->27}:|{:->15}:|{:-<32}|", "", "", "", "", "");
    let mib = |kib: u64| kib as f64 / 1024.0;
    for p in phases {
        println!(
            "| {:<26} | {:>18} | {:>26} | {:>+11.1} MiB | {:<30} |",
            p.name,
            format!("{}/{}/{}", p.before.fds, p.during.fds, p.after.fds),
            format!("{:.1}/{:.1}/{:.1}", mib(p.before.rss_kib), mib(p.during.rss_kib), mib(p.after.rss_kib)),
            mib(p.after.rss_kib) - mib(p.before.rss_kib),
            p.outcomes_text(),
        );
    }
}

/// The storm's table row from the server's records.
fn print_storm(run: &Phase, calls: &HashMap<usize, Call>, cap: u32, asked: Duration, what: &str) {
    let attempts: usize = calls.values().map(|c| c.attempts as usize).sum();
    let max = calls.values().map(|c| c.attempts).max().unwrap_or(0);
    let over = calls.values().filter(|c| c.attempts > cap).count();
    let mut histogram: Vec<(u32, usize)> = calls
        .values()
        .fold(HashMap::new(), |mut m: HashMap<u32, usize>, c| {
            *m.entry(c.attempts).or_default() += 1;
            m
        })
        .into_iter()
        .collect();
    histogram.sort();
    let gaps = |k: usize| {
        let mut g: Vec<Duration> = calls.values().filter_map(|c| c.gaps.get(k).copied()).collect();
        g.sort_unstable();
        g
    };
    println!("{what}");
    println!("  calls {}; server saw {} requests for them (attempts: {})", run.calls, attempts, {
        let h: Vec<String> = histogram.iter().map(|(a, n)| format!("{n} calls × {a}")).collect();
        h.join(", ")
    });
    println!(
        "  attempts per call: at most {max} (cap: max_retries + 1 = {cap}); calls over the cap: {over}; calls the server never saw: {}",
        run.calls.saturating_sub(calls.len())
    );
    for (k, label) in [(0, "1st → 2nd"), (1, "2nd → 3rd")] {
        let g = gaps(k);
        if g.is_empty() {
            continue;
        }
        let early = g.iter().filter(|d| **d < asked).count();
        println!(
            "  gap {label} attempt, server-side ({} calls): min {:.1} ms, p50 {:.1}, p99 {:.1}, max {:.1}; shorter than {:.0} ms: {early}",
            g.len(),
            ms(g[0]),
            ms(quantile(&g, 0.5)),
            ms(quantile(&g, 0.99)),
            ms(g[g.len() - 1]),
            ms(asked),
        );
    }
    println!(
        "  client: {}; {:.2} s wall, call latency p50 {:.1} ms, p99 {:.1} ms",
        run.outcomes_text(),
        run.wall.as_secs_f64(),
        ms(run.quantile(0.5)),
        ms(run.quantile(0.99))
    );
}

fn main() {
    let cfg = Config::from_env();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let client_threads = cpus.saturating_sub(1).max(1);
    let bearer = HeaderValue::from_str(&format!("Bearer {API_KEY}")).expect("a header value");
    let server = Arc::new(Server {
        body: page_body(),
        bearer,
        accepted: AtomicUsize::new(0),
        live: AtomicUsize::new(0),
        requests: AtomicUsize::new(0),
        unexpected: AtomicUsize::new(0),
        sample: Mutex::new(None),
        storm: Mutex::new((None, HashMap::new())),
    });
    let body_len = server.body.len();
    let (addr, tid) = start_server(server.clone());
    let probe = Probe::new(tid);
    let base = format!("http://{addr}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(client_threads)
        .enable_all()
        .build()
        .expect("a client runtime");
    let (n, c) = (cfg.requests, cfg.concurrency);
    println!(
        "load: GET /phone_numbers (ListPhoneNumbersResponse, {PAGE_SIZE} records, {body_len} bytes) on {base}, HTTP/1.1 keep-alive"
    );
    println!(
        "  {n} calls a phase, {c} in flight, {} rounds; {cpus} CPUs: server on 1 thread, clients on {client_threads}\n",
        cfg.rounds
    );

    rt.block_on(async {
        // Warm-up (not reported): first connections, allocator arenas, lazy statics.
        let warm = (n.min(2000), c);
        generated_phase("warm-up".into(), &server, &probe, warm, &base).await;
        plain_phase("warm-up".into(), &server, &probe, warm, &base).await;

        let mut phases = Vec::new();
        for round in 1..=cfg.rounds {
            phases.push(generated_phase(format!("(a) generated, round {round}"), &server, &probe, (n, c), &base).await);
            phases.push(plain_phase(format!("(b) plain reqwest, round {round}"), &server, &probe, (n, c), &base).await);
        }
        println!("throughput (c = per call; client µs = process CPU less the server thread's; allocs are process-wide, the server's share is the same in both):");
        print_throughput(&phases);
        let best = |prefix: &str| {
            phases.iter().filter(|p| p.name.starts_with(prefix)).max_by(|a, b| a.rps().total_cmp(&b.rps()))
        };
        if let (Some(a), Some(b)) = (best("(a)"), best("(b)")) {
            println!(
                "\ngenerated / plain, best round of each: {:.3}× req/s ({:+.1} %), p50 {:.2}×, p99 {:.2}×, client CPU/call {:.2}×, allocs/call {:.2}× ({:+.1})",
                a.rps() / b.rps(),
                100.0 * (a.rps() / b.rps() - 1.0),
                ms(a.quantile(0.5)) / ms(b.quantile(0.5)),
                ms(a.quantile(0.99)) / ms(b.quantile(0.99)),
                a.client_cpu_us() / b.client_cpu_us(),
                a.allocs_per_call() / b.allocs_per_call(),
                a.allocs_per_call() - b.allocs_per_call(),
            );
            let goal = if a.rps() >= 0.9 * b.rps() { "met" } else { "MISSED" };
            println!("goal (generated within 10 % of plain reqwest in req/s): {goal}");
        }
        let seen = |prefix: &str| phases.iter().find(|p| p.name.starts_with(prefix)).and_then(|p| p.sample.clone());
        println!("\nwhat the server saw first in each kind of phase:");
        println!("  (a) {}", seen("(a)").unwrap_or_default());
        println!("  (b) {}", seen("(b)").unwrap_or_default());
        let unexpected: usize = phases.iter().map(|p| p.unexpected).sum();
        let served: usize = phases.iter().map(|p| p.server_requests).sum();
        println!("  requests without the expected Authorization/Accept/User-Agent: {unexpected} of {served}");

        let policy = generated_client(&base).retry_policy().clone();
        let cap = policy.max_retries + 1;
        let asked = Duration::from_millis(STORM_DELAY_MS.parse().expect("a number of milliseconds"));
        let (storm1, calls1) = storm_phase(
            "429 storm, retry-after-ms".into(),
            &server,
            &probe,
            (n, c),
            &base,
            Storm { header: ("retry-after-ms", STORM_DELAY_MS), persistent_every: PERSISTENT_EVERY },
        )
        .await;
        let small = (n / 10).max(1);
        let (storm2, calls2) = storm_phase(
            "429 storm, Retry-After: 0".into(),
            &server,
            &probe,
            (small, c),
            &base,
            Storm { header: ("retry-after", "0"), persistent_every: 0 },
        )
        .await;
        println!("\nresources (fds: /proc/self/fd, client and server; in = the phase's client still alive):");
        let mut all = phases;
        all.push(storm1);
        all.push(storm2);
        print_resources(&all);
        let storm2 = all.pop().expect("pushed");
        let storm1 = all.pop().expect("pushed");

        println!("\n429 storms (generated client, default policy: max_retries {}, backoff {:?} ×(1 - {} × random), capped at {:?}):", policy.max_retries, policy.initial_delay, policy.jitter, policy.max_delay);
        print_storm(
            &storm1,
            &calls1,
            cap,
            asked,
            &format!(
                "- `retry-after-ms: {STORM_DELAY_MS}` on every first attempt; every {PERSISTENT_EVERY}th call refused on every attempt (expect 429 after {cap} attempts)"
            ),
        );
        let backoff_floor = policy.initial_delay.mul_f64(1.0 - policy.jitter.clamp(0.0, 1.0));
        print_storm(
            &storm2,
            &calls2,
            cap,
            backoff_floor,
            "- `Retry-After: 0` on every first attempt (a zero delay is not a request to wait: the client takes its own backoff)",
        );
    });
}
