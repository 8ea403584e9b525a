//! `cargo xtask fuzz`: build the fuzz targets of `fuzz/` with libFuzzer and run them.
//!
//! What `cargo fuzz` does, on the stable toolchain: the targets link libFuzzer through the
//! `libfuzzer-sys` crate (built from its C++ sources with the system compiler), and rustc adds
//! SanitizerCoverage instrumentation through `-Cpasses=sancov-module` and LLVM options, all
//! stable flags. No sanitizer (`-Zsanitizer` is nightly-only): a fuzz failure is a panic, an
//! abort, a timeout or running out of memory. Debug assertions and overflow checks are on
//! (`[profile.release]` of `fuzz/Cargo.toml`).
//!
//! The build passes `--target HOST` so that the flags reach only the code that runs under the
//! fuzzer, not build scripts and proc macros, and goes to `target/fuzz` because the flags differ
//! from every other build's. Each run reads the committed seeds in `fuzz/corpus/TARGET` and
//! writes what it learns to `target/fuzz/corpus/TARGET` (kept between runs, never committed),
//! crash inputs to `target/fuzz/artifacts/TARGET/`, and libFuzzer's output to
//! `target/fuzz/logs/TARGET.log`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

pub const USAGE: &str = "\
cargo xtask fuzz --list
cargo xtask fuzz TARGET|all [--seconds N] [-- LIBFUZZER-ARGS…]";

/// Where the instrumented builds and the runs' files go, under the workspace root.
const TARGET_DIR: &str = "target/fuzz";

/// The flags `cargo fuzz` gives rustc (coverage level 4: edges; 8-bit counters and a PC table
/// for libFuzzer's coverage; comparison tracing so it can solve `==` on bytes and integers;
/// stack depth, as it adds on Linux), minus the nightly-only sanitizer, and `--cfg fuzzing`.
const RUSTFLAGS: &[&str] = &[
    "--cfg",
    "fuzzing",
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "-Cllvm-args=-sanitizer-coverage-stack-depth",
];

/// Seconds per target when `--seconds` is not given.
const DEFAULT_SECONDS: u64 = 10;

struct Options {
    list: bool,
    target: Option<String>,
    seconds: u64,
    /// Given to libFuzzer after ours (a crash file to reproduce it, `-max_len=…`).
    extra: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut opts = Options { list: false, target: None, seconds: DEFAULT_SECONDS, extra: Vec::new() };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--list" => opts.list = true,
            "--seconds" => {
                let v = it.next().ok_or("--seconds needs a value")?;
                opts.seconds = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--seconds {v:?}: expected a positive number"))?;
            }
            "--" => {
                opts.extra = it.by_ref().cloned().collect();
            }
            other if other.starts_with('-') => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
            other if opts.target.is_none() => opts.target = Some(other.to_owned()),
            other => return Err(format!("one target at a time (or `all`), got another: {other:?}\n\n{USAGE}")),
        }
    }
    if !opts.list && opts.target.is_none() {
        return Err(format!("name a target, `all` or --list\n\n{USAGE}"));
    }
    Ok(opts)
}

/// The `[[bin]]` names of a fuzz crate's manifest, in file order: the targets.
fn targets_of(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if let (true, Some(v)) = (in_bin, line.strip_prefix("name").map(str::trim_start)) {
            if let Some(v) = v.strip_prefix('=') {
                out.push(v.trim().trim_matches('"').to_owned());
            }
        }
    }
    out
}

/// What one run of a target printed in its final stats.
#[derive(Debug, Default, PartialEq)]
struct Stats {
    executions: Option<u64>,
    per_second: Option<u64>,
    new_units: Option<u64>,
    peak_rss_mb: Option<u64>,
}

/// The `stat::NAME: VALUE` lines libFuzzer prints with `-print_final_stats=1`.
fn final_stats(log: &str) -> Stats {
    let mut s = Stats::default();
    for line in log.lines() {
        let Some((name, value)) = line.strip_prefix("stat::").and_then(|l| l.split_once(':')) else { continue };
        let value = value.trim().parse().ok();
        match name {
            "number_of_executed_units" => s.executions = value,
            "average_exec_per_sec" => s.per_second = value,
            "new_units_added" => s.new_units = value,
            "peak_rss_mb" => s.peak_rss_mb = value,
            _ => {}
        }
    }
    s
}

fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let out = Command::new(&rustc).arg("-vV").output().map_err(|e| format!("cannot run {rustc}: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| format!("`{rustc} -vV` names no host"))
}

fn build(root: &Path, host: &str, bins: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    // Not `--locked`: the generated types crates telnyx-api depends on come and go with the
    // spec's groups, and cargo adds or drops those path packages in fuzz/Cargo.lock while
    // keeping every registry package at its locked version.
    cmd.args(["build", "--release", "--manifest-path", "fuzz/Cargo.toml", "--target", host])
        .args(["--target-dir", TARGET_DIR])
        .current_dir(root)
        // The encoded form wins over RUSTFLAGS and any `build.rustflags`; these are the only flags.
        .env("CARGO_ENCODED_RUSTFLAGS", RUSTFLAGS.join("\x1f"))
        .env_remove("RUSTFLAGS");
    for b in bins {
        cmd.args(["--bin", b]);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the fuzz targets failed ({status})"));
    }
    println!("fuzz: built {} target(s) in {:.1} s", bins.len(), started.elapsed().as_secs_f64());
    Ok(())
}

/// The result of one target's run.
struct Run {
    stats: Stats,
    seconds: f64,
    /// Crash, timeout, out-of-memory and leak inputs this run wrote.
    artifacts: Vec<PathBuf>,
    /// libFuzzer exited with an error without writing an artifact (bad arguments, …).
    failed: Option<String>,
    log: PathBuf,
}

fn list_dir(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.sort();
    v
}

fn run_target(root: &Path, host: &str, target: &str, opts: &Options) -> Result<Run, String> {
    let dir = root.join(TARGET_DIR);
    let exe = dir.join(host).join("release").join(target);
    let seeds = root.join("fuzz/corpus").join(target);
    let corpus = dir.join("corpus").join(target);
    let artifacts = dir.join("artifacts").join(target);
    let logs = dir.join("logs");
    for d in [&corpus, &artifacts, &logs] {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    let log = logs.join(format!("{target}.log"));
    let before = list_dir(&artifacts);
    let file = std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;

    let mut cmd = Command::new(&exe);
    cmd.arg(format!("-max_total_time={}", opts.seconds))
        .arg("-print_final_stats=1")
        .arg("-timeout=30")
        .arg(format!("-artifact_prefix={}/", artifacts.display()));
    // Given inputs to run (reproducing a crash), libFuzzer runs those instead of fuzzing. Else
    // new inputs go to the first corpus directory; the committed seeds are only read.
    if !opts.extra.iter().any(|a| !a.starts_with('-')) {
        cmd.arg(&corpus).arg(&seeds);
    }
    cmd.args(&opts.extra).current_dir(root).stdout(Stdio::null()).stderr(file);
    let started = Instant::now();
    let status = cmd.status().map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let new: Vec<PathBuf> = list_dir(&artifacts).into_iter().filter(|p| !before.contains(p)).collect();
    let failed = (!status.success() && new.is_empty()).then(|| format!("libFuzzer exited with {status}"));
    Ok(Run { stats: final_stats(&text), seconds, artifacts: new, failed, log })
}

/// The lines worth seeing of a failed run: from libFuzzer's crash report (or the panic) on.
fn report_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("panicked at") || l.starts_with("==") || l.contains("ERROR: libFuzzer"))
        .unwrap_or(lines.len().saturating_sub(40));
    lines[start..].iter().take(80).copied().collect::<Vec<_>>().join("\n")
}

pub fn fuzz(root: &Path, args: &[String]) -> Result<ExitCode, String> {
    let opts = parse(args)?;
    let manifest = root.join("fuzz/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let all = targets_of(&text);
    if opts.list {
        for t in &all {
            println!("{t}");
        }
        if opts.target.is_none() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let chosen: Vec<String> = match opts.target.as_deref() {
        Some("all") => all.clone(),
        Some(t) if all.iter().any(|a| a == t) => vec![t.to_owned()],
        Some(t) => return Err(format!("no fuzz target {t:?}; the targets are {}", all.join(", "))),
        None => Vec::new(),
    };
    let host = host_triple()?;
    build(root, &host, &chosen)?;

    let mut failures = 0;
    for target in &chosen {
        let run = run_target(root, &host, target, &opts)?;
        let s = &run.stats;
        let n = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
        println!(
            "fuzz: {target}: {} executions in {:.1} s ({}/s), {} crashes, {} new inputs, peak RSS {} MiB",
            n(s.executions),
            run.seconds,
            n(s.per_second),
            run.artifacts.len(),
            n(s.new_units),
            n(s.peak_rss_mb),
        );
        for a in &run.artifacts {
            println!("fuzz: {target}: crash input {}", a.display());
        }
        if let Some(why) = &run.failed {
            println!("fuzz: {target}: {why}");
        }
        if !run.artifacts.is_empty() || run.failed.is_some() {
            failures += 1;
            println!("{}\n(whole output: {})", report_tail(&run.log), run.log.display());
            if let Some(a) = run.artifacts.first() {
                println!("reproduce: cargo xtask fuzz {target} -- {}", a.display());
            }
        }
    }
    println!("fuzz: {} target(s), {failures} failed", chosen.len());
    Ok(if failures == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_the_bin_sections() {
        let manifest = "[package]\nname = \"telnyx-api-fuzz\"\n\n[[bin]]\nname = \"sse\"\npath = \"a.rs\"\n\n[profile.release]\n\n[[bin]]\nname = \"xml\"\n";
        assert_eq!(targets_of(manifest), ["sse", "xml"]);
    }

    #[test]
    fn the_committed_fuzz_crate_has_targets_and_seeds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let targets = targets_of(&std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap());
        assert!(!targets.is_empty());
        for t in targets {
            assert!(root.join("fuzz/fuzz_targets").join(format!("{t}.rs")).is_file(), "{t}: no source");
            assert!(!list_dir(&root.join("fuzz/corpus").join(&t)).is_empty(), "{t}: no seeds");
        }
    }

    #[test]
    fn final_stats_are_read() {
        let log = "#1024\tpulse  cov: 10\nDone 5 runs in 1 second(s)\nstat::number_of_executed_units: 123456\nstat::average_exec_per_sec:     61728\nstat::new_units_added:          7\nstat::slowest_unit_time_sec:    0\nstat::peak_rss_mb:              42\n";
        assert_eq!(
            final_stats(log),
            Stats { executions: Some(123456), per_second: Some(61728), new_units: Some(7), peak_rss_mb: Some(42) }
        );
        assert_eq!(final_stats("no stats"), Stats::default());
    }

    #[test]
    fn options() {
        let args = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let o = parse(&args("sse --seconds 5 -- -max_len=100 crash")).unwrap();
        assert_eq!((o.target.as_deref(), o.seconds, o.extra), (Some("sse"), 5, args("-max_len=100 crash")));
        assert!(parse(&args("--list")).unwrap().list);
        assert!(parse(&args("sse --seconds 0")).is_err());
        assert!(parse(&args("")).is_err());
        assert!(parse(&args("sse xml")).is_err());
    }
}
