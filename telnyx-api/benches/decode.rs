//! Decoding cost of lenient decoding (issue 24), against today's strict decoding in the same
//! binary and run: `cargo bench -p telnyx-api --bench decode --no-default-features --features
//! numbers,call-control`.
//!
//! - a 20-record `ListPhoneNumbersResponse` page that conforms, through `telnyx_api::decode`
//!   (what every JSON response goes through) vs `serde_json::from_slice`, which is all 0.2's
//!   decoder did with a body: the target is ≤ 1.05×;
//! - a call webhook that conforms (`call.initiated`, a body the live API sent), through
//!   `Delivery::decode` vs 0.2's `WebhookEvent::from_value(serde_json::from_slice(..))`;
//! - the same page deviating in every record: `created_at`, which the spec requires, left out,
//!   and `connection_id`, an optional string, sent as an integer (40 deviations: an empty
//!   value and a `None`), leniently, against the conforming page: the target is ≤ 3×.
//!
//! Each figure is the median of 31 rounds; the rounds of the two sides alternate, so that a
//! noisy neighbour slows both. For figures the machine's load cannot move, count instructions:
//! `DECODE_BENCH_CASE=page|page-0.2|deviating|webhook|webhook-0.2 DECODE_BENCH_N=100 valgrind
//! --tool=callgrind target/release/deps/decode-…`, minus the same with `DECODE_BENCH_N=0`
//! (`tools/bench/decode-instructions.sh` runs them all and prints the ratios).

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use telnyx_api::types::ListPhoneNumbersResponse;
use telnyx_api::webhooks::Delivery;
use telnyx_api::WebhookEvent;

const ROUNDS: usize = 31;

fn real(file: &str) -> Value {
    let path = format!("{}/tests/wire/real/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).expect("JSON")
}

/// The captured page's record (from 2021: it lacks three members the spec required then and
/// `spec/overlays/real-wire.yaml` makes optional), 20 times with distinct ids and numbers, the
/// three added; `deviating` leaves `created_at` out and sends `connection_id` as an integer.
fn page(deviating: bool) -> Vec<u8> {
    let captured = real("responses/list_phone_numbers_1.json");
    let record = &captured["data"][0];
    let data: Vec<Value> = (0..20)
        .map(|i| {
            let mut r = record.clone();
            r["id"] = json!(format!("15805681750643846{i:02}"));
            r["phone_number"] = json!(format!("+131255501{i:02}"));
            r["country_iso_alpha2"] = json!("US");
            r["phone_number_type"] = json!("local");
            r["deletion_lock_enabled"] = json!(false);
            if deviating {
                r.as_object_mut().unwrap().remove("created_at");
                r["connection_id"] = json!(1_580_568_175_i64 + i);
            }
            r
        })
        .collect();
    serde_json::to_vec(
        &json!({"data": data, "meta": {"total_pages": 1, "total_results": 20, "page_number": 1, "page_size": 20}}),
    )
    .unwrap()
}

/// Median time of one call of `f`, over `ROUNDS` rounds of `n` calls, alternating with `g`.
fn pair(n: usize, mut f: impl FnMut(), mut g: impl FnMut()) -> (Duration, Duration) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        a.push(t.elapsed() / n as u32);
        let t = Instant::now();
        for _ in 0..n {
            g();
        }
        b.push(t.elapsed() / n as u32);
    }
    a.sort();
    b.sort();
    (a[ROUNDS / 2], b[ROUNDS / 2])
}

fn main() {
    let conforming = page(false);
    let deviating = page(true);
    assert!(serde_json::from_slice::<ListPhoneNumbersResponse>(&conforming).is_ok(), "the conforming page conforms");
    let d = telnyx_api::decode::<ListPhoneNumbersResponse>(&deviating).unwrap();
    assert_eq!(d.deviations.len(), 40, "{:?}", d.deviations.first());
    let webhook = serde_json::to_vec(&real("webhooks/call_initiated_incoming_pstn_1.json")).unwrap();
    assert!(Delivery::decode(&webhook, true).is_ok(), "the webhook conforms");
    if let Ok(case) = std::env::var("DECODE_BENCH_CASE") {
        // One case, `DECODE_BENCH_N` times, for an instruction count that the machine's load
        // does not move: `valgrind --tool=callgrind` of this binary, minus a run with N = 0.
        let n: usize = std::env::var("DECODE_BENCH_N").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
        for _ in 0..n {
            match case.as_str() {
                "page" => drop(black_box(telnyx_api::decode::<ListPhoneNumbersResponse>(black_box(&conforming)))),
                "page-0.2" => {
                    drop(black_box(serde_json::from_slice::<ListPhoneNumbersResponse>(black_box(&conforming))))
                }
                "deviating" => drop(black_box(telnyx_api::decode::<ListPhoneNumbersResponse>(black_box(&deviating)))),
                "webhook" => drop(black_box(Delivery::decode(black_box(&webhook), false))),
                "webhook-0.2" => {
                    let value: Value = serde_json::from_slice(black_box(&webhook)).unwrap();
                    drop(black_box(WebhookEvent::from_value(value)))
                }
                other => panic!("unknown case {other}"),
            }
        }
        return;
    }

    println!("{:<58} {:>11} {:>11} {:>7}", "case", "now", "baseline", "ratio");
    let row = |name: &str, now: Duration, base: Duration, target: &str| {
        let ratio = now.as_secs_f64() / base.as_secs_f64();
        println!(
            "{name:<58} {:>9.1}µs {:>9.1}µs {ratio:>6.2}×  (target {target})",
            now.as_secs_f64() * 1e6,
            base.as_secs_f64() * 1e6
        );
    };
    let (now, base) = pair(
        400,
        || drop(black_box(telnyx_api::decode::<ListPhoneNumbersResponse>(black_box(&conforming)).unwrap())),
        || drop(black_box(serde_json::from_slice::<ListPhoneNumbersResponse>(black_box(&conforming)).unwrap())),
    );
    row("conforming 20-record page: decode vs from_slice (0.2)", now, base, "≤ 1.05×");
    let (now, base) = pair(
        2000,
        || drop(black_box(Delivery::decode(black_box(&webhook), false).unwrap())),
        || {
            let value: Value = serde_json::from_slice(black_box(&webhook)).unwrap();
            drop(black_box(WebhookEvent::from_value(value).unwrap()))
        },
    );
    row("conforming call.initiated webhook: Delivery::decode vs 0.2", now, base, "≤ 1.05×");
    let (now, base) = pair(
        100,
        || drop(black_box(telnyx_api::decode::<ListPhoneNumbersResponse>(black_box(&deviating)).unwrap())),
        || drop(black_box(telnyx_api::decode::<ListPhoneNumbersResponse>(black_box(&conforming)).unwrap())),
    );
    row("deviating page (40 deviations) vs the conforming page", now, base, "≤ 3×");
    // Where the time of the deviating page goes.
    let (strict, repair) = pair(
        100,
        || {
            black_box(serde_json::from_slice::<ListPhoneNumbersResponse>(black_box(&deviating)).is_err());
        },
        || {
            drop(black_box(
                telnyx_api_core::lenient::repair_slice::<ListPhoneNumbersResponse>(black_box(&deviating)).unwrap(),
            ))
        },
    );
    println!(
        "  of which: the strict attempt {:.1}µs, the repair (reading the body, writing it along the shape, decoding it) {:.1}µs",
        strict.as_secs_f64() * 1e6,
        repair.as_secs_f64() * 1e6
    );
}
