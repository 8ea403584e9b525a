//! `cargo xtask bench`: the performance figures of the generator and the crate, measured in one
//! run so that their ratios hold on a noisy machine.
//!
//! - regeneration with a release-built generator (this program, built with `--release` into
//!   `target/bench` unless it already is one), best of N, by phase, against the floor of
//!   parsing the spec straight into `openapiv3`;
//! - clean debug builds of `telnyx-api` (dependencies already built) with all features, with
//!   single groups and with none: wall and CPU time (user + system of the build's processes);
//! - the size of the generated code;
//! - the SSE decoding benchmark (`cargo bench -p telnyx-api --bench sse`).
//!
//! Everything is built in `target/bench`, so normal builds keep their artifacts.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{find_spec, read_config, root, sync_generated, Mode, Options};

/// Where the benchmark builds go, relative to the workspace root.
const TARGET_DIR: &str = "target/bench";

pub struct BenchOptions {
    /// Regeneration runs (the best counts).
    pub runs: usize,
    /// Groups to build alone; empty: the group of tags with the most operations, and `messaging`.
    pub groups: Vec<String>,
    /// Rounds of builds (each builds every feature set once; the best of each counts).
    pub build_runs: usize,
    pub builds: bool,
    pub sse: bool,
}

/// `cargo xtask bench`.
pub fn bench(opts: &BenchOptions) -> Result<ExitCode, String> {
    let root = root();
    let target = root.join(TARGET_DIR);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("cargo xtask bench: {threads} CPUs, builds in {TARGET_DIR}\n");

    eprintln!("bench: regenerating {} times with a release-built generator …", opts.runs);
    let regen = if cfg!(debug_assertions) {
        cargo(&root, &["build", "--release", "-q", "-p", "xtask", "--target-dir", TARGET_DIR])?;
        let exe = target.join("release").join(format!("xtask{}", std::env::consts::EXE_SUFFIX));
        let out = Command::new(&exe)
            .args(["bench-regen", "--runs", &opts.runs.to_string()])
            .current_dir(&root)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        if !out.status.success() {
            return Err(format!("{} bench-regen failed", exe.display()));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("bench-regen printed no JSON: {e}"))?
    } else {
        regen_figures(opts.runs)?
    };
    print_regen(&regen);

    if opts.builds {
        let groups = if opts.groups.is_empty() { default_groups(&regen) } else { opts.groups.clone() };
        print_builds(&builds(&root, &groups, opts.build_runs)?, opts.build_runs);
    }
    print_size(&regen);
    if opts.sse {
        eprintln!("bench: cargo bench -p telnyx-api --bench sse …");
        let args = ["bench", "-q", "-p", "telnyx-api", "--bench", "sse", "--no-default-features"];
        let out = Command::new("cargo")
            .args(args)
            .args(["--target-dir", TARGET_DIR])
            .current_dir(&root)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !out.status.success() {
            return Err("cargo bench --bench sse failed".to_owned());
        }
        println!("\nSSE decoding (cargo {}):", args.join(" "));
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            println!("  {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask bench-regen --runs N` (what `bench` runs in a release build): regenerate in
/// memory `runs` times and print the best figures as JSON.
pub fn bench_regen(runs: usize) -> Result<ExitCode, String> {
    println!("{}", regen_figures(runs)?);
    Ok(ExitCode::SUCCESS)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Regenerate `runs` times as `cargo xtask check` does (find and hash the spec, load, lower,
/// emit, format, compare with the files), and parse the spec into `openapiv3` as often; the
/// minimum of each phase and of the totals.
fn regen_figures(runs: usize) -> Result<Value, String> {
    let root = root();
    let env = std::env::var_os("TELNYX_OPENAPI_SPEC").map(PathBuf::from);
    let config = read_config(&root)?;
    let mut best: Option<[Duration; 7]> = None;
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let spec = find_spec(&root, &Options::default(), env.as_deref())?;
        let at = |e: codegen::GenError| format!("{}: {e}", spec.path.display());
        let t = Instant::now();
        let loaded = codegen::load::load_with(&spec.text, &config.overlays).map_err(at)?;
        let generated = codegen::generate_loaded(loaded, &config.overrides, config.features.as_ref(), t).map_err(at)?;
        let t_write = Instant::now();
        let (changed, stale) = sync_generated(&root, &generated, &Mode::Check)?;
        let write = t_write.elapsed();
        let total = started.elapsed();
        let t = Instant::now();
        codegen::load::parse_only(&spec.text).map_err(at)?;
        let parse = t.elapsed();
        let g = &generated.timings;
        let run = [total, parse, g.load, g.lower, g.emit, g.format, write];
        best = Some(match best {
            None => run,
            Some(b) => std::array::from_fn(|i| b[i].min(run[i])),
        });
        last = Some((generated, changed.len() + stale.len()));
    }
    let (Some(b), Some((generated, stale))) = (best, last) else { return Err("no runs".to_owned()) };
    let mut files: Vec<(&String, usize)> = generated.files.iter().map(|(k, v)| (k, v.lines().count())).collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let groups: Vec<Value> = generated
        .ir
        .features
        .iter()
        .map(|f| json!({"name": f.name, "operations": f.operations, "umbrella": !f.includes.is_empty()}))
        .collect();
    Ok(json!({
        "runs": runs.max(1),
        "threads": generated.timings.threads,
        "total": secs(b[0]), "parse": secs(b[1]), "load": secs(b[2]), "lower": secs(b[3]),
        "emit": secs(b[4]), "format": secs(b[5]), "write": secs(b[6]),
        "stale": stale,
        "operations": generated.ir.operations.len(),
        "types": generated.ir.types.len(),
        "files": files.len(),
        "lines": files.iter().map(|f| f.1).sum::<usize>(),
        "largest": files.iter().take(5).map(|(k, n)| json!([k, n])).collect::<Vec<_>>(),
        "groups": groups,
    }))
}

fn print_regen(r: &Value) {
    let f = |k: &str| r[k].as_f64().unwrap_or(0.0);
    println!(
        "regeneration, release-built generator, best of {} ({} operations, {} types; emit and format on {} threads)",
        r["runs"], r["operations"], r["types"], r["threads"]
    );
    println!("  {:<36} {:>8}", "phase", "seconds");
    println!("  {:<36} {:>8.3}", "parse only: YAML → openapiv3 (floor)", f("parse"));
    for phase in ["load", "lower", "emit", "format"] {
        println!("  {phase:<36} {:>8.3}", f(phase));
    }
    println!("  {:<36} {:>8.3}", "write (compare with the files)", f("write"));
    println!(
        "  {:<36} {:>8.3}   = {:.1}× parse only",
        "total (with finding the spec)",
        f("total"),
        f("total") / f("parse")
    );
    if r["stale"].as_u64().unwrap_or(0) > 0 {
        println!("  note: {} generated files are stale; run `cargo xtask regenerate`", r["stale"]);
    }
}

/// The group with the most operations, and `messaging` when there is one.
fn default_groups(r: &Value) -> Vec<String> {
    // Umbrella features (`voice`) enable groups; the largest group of tags is what counts.
    let groups: Vec<Value> =
        r["groups"].as_array().into_iter().flatten().filter(|g| g["umbrella"] != true).cloned().collect();
    let name = |g: &Value| g["name"].as_str().unwrap_or_default().to_owned();
    let mut out: Vec<String> = groups.iter().max_by_key(|g| g["operations"].as_u64()).map(name).into_iter().collect();
    if groups.iter().any(|g| g["name"] == "messaging") && !out.iter().any(|g| g == "messaging") {
        out.push("messaging".to_owned());
    }
    out
}

struct Build {
    label: String,
    wall: Duration,
    cpu: Option<Duration>,
}

/// Clean builds of `telnyx-api` per feature set, after one build that brings the dependencies
/// up to date. With several rounds the feature sets take turns (so a load that comes and goes
/// spreads over all of them) and each keeps its best wall and CPU time.
fn builds(root: &Path, groups: &[String], rounds: usize) -> Result<Vec<Build>, String> {
    // The features of telnyx-api do not change its dependencies' features, so the smallest
    // build brings them up to date.
    eprintln!("bench: building the dependencies of telnyx-api …");
    cargo(root, &["build", "-q", "-p", "telnyx-api", "--no-default-features", "--target-dir", TARGET_DIR])?;
    let mut sets: Vec<(String, Vec<String>)> = vec![("full (default)".to_owned(), Vec::new())];
    for g in groups {
        let flags = vec!["--no-default-features".to_owned(), "--features".to_owned(), g.clone()];
        sets.push((format!("{g} only"), flags));
    }
    sets.push(("--no-default-features (runtime only)".to_owned(), vec!["--no-default-features".to_owned()]));
    let mut out: Vec<Build> = Vec::new();
    for round in 1..=rounds.max(1) {
        for (i, (label, flags)) in sets.iter().enumerate() {
            eprintln!("bench: clean build of telnyx-api, {label} (round {round}) …");
            cargo(root, &["clean", "-q", "-p", "telnyx-api", "--target-dir", TARGET_DIR])?;
            let mut args = vec!["build", "-q", "-p", "telnyx-api", "--target-dir", TARGET_DIR];
            args.extend(flags.iter().map(String::as_str));
            let cpu_before = children_cpu();
            let t = Instant::now();
            cargo(root, &args)?;
            let wall = t.elapsed();
            let cpu = children_cpu().zip(cpu_before).map(|(a, b)| a.saturating_sub(b));
            match out.get_mut(i) {
                Some(b) => {
                    b.wall = b.wall.min(wall);
                    b.cpu = match (b.cpu, cpu) {
                        (Some(x), Some(y)) => Some(x.min(y)),
                        (x, y) => x.or(y),
                    };
                }
                None => out.push(Build { label: label.clone(), wall, cpu }),
            }
        }
    }
    Ok(out)
}

fn print_builds(builds: &[Build], rounds: usize) {
    println!(
        "\nclean debug build of telnyx-api (dependencies built; cargo clean -p telnyx-api, then cargo build), best of {}",
        rounds.max(1)
    );
    println!("  {:<40} {:>8} {:>8} {:>13}", "features", "wall s", "cpu s", "of full wall/cpu");
    let full = &builds[0];
    for b in builds {
        let pct = |a: f64, f: f64| if f > 0.0 { format!("{:.1}%", 100.0 * a / f) } else { "-".to_owned() };
        let cpu = b.cpu.map_or("-".to_owned(), |c| format!("{:.1}", secs(c)));
        let cpu_pct = match (b.cpu, full.cpu) {
            (Some(c), Some(f)) => pct(secs(c), secs(f)),
            _ => "-".to_owned(),
        };
        println!(
            "  {:<40} {:>8.1} {:>8} {:>7} / {}",
            b.label,
            secs(b.wall),
            cpu,
            pct(secs(b.wall), secs(full.wall)),
            cpu_pct
        );
    }
}

fn print_size(r: &Value) {
    println!("\ngenerated code: {} files, {} lines; largest:", r["files"], r["lines"]);
    for f in r["largest"].as_array().into_iter().flatten() {
        println!("  {:<60} {:>7}", f[0].as_str().unwrap_or_default(), f[1]);
    }
}

/// Run cargo in the workspace; its output goes to the terminal.
fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({status})", args.join(" ")))
    }
}

/// User + system time of this process's waited-for children so far (Linux: `/proc/self/stat`);
/// `None` elsewhere.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces), from field 3 on.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17.
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    let hz = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<u64>().ok())
        .filter(|&hz| hz > 0)
        .unwrap_or(100);
    Some(Duration::from_millis(ticks * 1000 / hz))
}
