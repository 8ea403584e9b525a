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
//!   (a) `client.phone_numbers().list(&params)` and (b) the same
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
mod phase;
mod probe;
mod report;
mod server;

use phase::*;
use probe::*;
use report::*;
use server::*;
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
