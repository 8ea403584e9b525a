//! SSE decode throughput and peak memory on a synthetic recorded chat stream.
//!
//! ```text
//! cargo bench -p telnyx-api --bench sse
//! ```
//!
//! Decodes 100 000 `chat.completion.chunk` events, delivered in network-sized reads, four ways:
//! framing only with `eventsource-stream` and with our [`EventParser`], and framing plus typed
//! decoding into `ChatCompletionChunk` (`eventsource-stream` + `serde_json`, and our
//! [`SseStream`]). Prints MB/s, events/s and the peak heap growth during each run (a counting
//! global allocator). Takes a few seconds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt as _;
use telnyx_api::chat::ChatCompletionChunk;
use telnyx_api::sse::{EventParser, SseStream};

/// The system allocator, counting live bytes and their high-water mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const CHUNKS: usize = 100_000;

/// A stream shaped like a real one: role chunk, content chunks, finish chunk, usage, `[DONE]`.
fn recorded_stream(n: usize) -> Vec<u8> {
    let words = ["Hello", " world", ",", " this", " is", " a", " streamed", " answer", " 👋", " über"];
    let head = r#"{"id":"chatcmpl-8f3a9c2e","object":"chat.completion.chunk","created":1718000000,"model":"meta-llama/Meta-Llama-3.1-8B-Instruct","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":"#;
    let mut out = Vec::with_capacity(n * 260);
    out.extend_from_slice(
        format!(
            "data: {head}{{\"role\":\"assistant\",\"content\":\"\"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n"
        )
        .as_bytes(),
    );
    for i in 0..n {
        let w = serde_json::to_string(words[i % words.len()]).unwrap_or_default();
        out.extend_from_slice(
            format!("data: {head}{{\"content\":{w}}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n").as_bytes(),
        );
    }
    out.extend_from_slice(format!("data: {head}{{}},\"logprobs\":null,\"finish_reason\":\"stop\"}}]}}\n\n").as_bytes());
    out.extend_from_slice(b"data: {\"id\":\"chatcmpl-8f3a9c2e\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":100000,\"total_tokens\":100012}}\n\n");
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}

fn pieces(bytes: &[u8], read: usize) -> Vec<Bytes> {
    bytes.chunks(read).map(Bytes::copy_from_slice).collect()
}

struct Run {
    events: usize,
    time: Duration,
    peak: usize,
}

/// Best time of `reps` runs, and the peak heap growth over the baseline during them.
fn measure(reps: usize, mut f: impl FnMut() -> usize) -> Run {
    let mut best = Duration::MAX;
    let mut events = 0;
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    for _ in 0..reps {
        let t = Instant::now();
        events = std::hint::black_box(f());
        best = best.min(t.elapsed());
    }
    Run { events, time: best, peak: PEAK.load(Ordering::Relaxed).saturating_sub(base) }
}

fn esource_raw(input: &[Bytes]) -> usize {
    let body = futures::stream::iter(input.iter().cloned().map(Ok::<_, std::convert::Infallible>));
    futures::executor::block_on(
        eventsource_stream::EventStream::new(body).fold(0, |n, e| async move { n + usize::from(e.is_ok()) }),
    )
}

fn esource_typed(input: &[Bytes]) -> usize {
    let body = futures::stream::iter(input.iter().cloned().map(Ok::<_, std::convert::Infallible>));
    futures::executor::block_on(eventsource_stream::EventStream::new(body).fold(0, |n, e| async move {
        match e {
            Ok(e) if e.data != "[DONE]" => {
                n + usize::from(serde_json::from_str::<ChatCompletionChunk>(&e.data).is_ok())
            }
            _ => n,
        }
    }))
}

fn ours_raw(input: &[Bytes]) -> usize {
    let mut p = EventParser::new();
    let mut n = 0;
    for piece in input {
        p.push(piece);
        while let Some(e) = p.next_event() {
            n += usize::from(!e.data.is_empty());
        }
    }
    n
}

fn ours_typed(rt: &tokio::runtime::Runtime, input: Vec<Bytes>) -> usize {
    // `Bytes` clones share the buffer: no copy.
    let body = futures::stream::iter(input.into_iter().map(Ok::<_, telnyx_api::Error>));
    let stream = SseStream::<ChatCompletionChunk>::from_byte_stream(
        "bench",
        reqwest::StatusCode::OK,
        reqwest::header::HeaderMap::new(),
        body,
        Duration::from_secs(60),
    );
    rt.block_on(stream.fold(0, |n, c| async move { n + usize::from(c.is_ok()) }))
}

fn main() {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return;
        }
    };
    let bytes = recorded_stream(CHUNKS);
    let mb = bytes.len() as f64 / 1e6;
    println!("SSE decode of a recorded chat stream: {CHUNKS} chunks + 4 framing events, {mb:.1} MB (best of 3)\n");
    println!("{:<44} {:>6} {:>9} {:>10} {:>12} {:>11}", "path", "read", "time ms", "MB/s", "events/s", "peak heap");
    for read in [4 * 1024, 64 * 1024] {
        let input = pieces(&bytes, read);
        let rows: [(&str, Run); 4] = [
            ("framing: eventsource-stream 0.2", measure(3, || esource_raw(&input))),
            ("framing: sse::EventParser (ours)", measure(3, || ours_raw(&input))),
            ("typed: eventsource-stream + serde_json", measure(3, || esource_typed(&input))),
            ("typed: SseStream<ChatCompletionChunk> (ours)", measure(3, || ours_typed(&rt, input.clone()))),
        ];
        for (name, run) in rows {
            let secs = run.time.as_secs_f64();
            println!(
                "{name:<44} {:>5}K {:>9.1} {:>10.1} {:>12.0} {:>9.1}KB",
                read / 1024,
                secs * 1e3,
                mb / secs,
                run.events as f64 / secs,
                run.peak as f64 / 1024.0,
            );
        }
    }
}
