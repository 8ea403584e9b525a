//! The printed tables: throughput, resources, the 429 storms.

use super::*;

pub(crate) fn print_throughput(phases: &[Phase]) {
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

pub(crate) fn print_resources(phases: &[Phase]) {
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
pub(crate) fn print_storm(run: &Phase, calls: &HashMap<usize, Call>, cap: u32, asked: Duration, what: &str) {
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
