//! `cargo xtask bench`: the performance figures of the generator and the crate, measured in one
//! run so that their ratios hold on a noisy machine.
//!
//! - regeneration with a release-built generator (this program, built with `--release` into
//!   `target/bench` unless it already is one), best of N, by phase, against the floor of
//!   parsing the spec straight into `openapiv3`;
//! - clean debug builds of `telnyx-api` (dependencies already built) with all features, with
//!   single groups (`--group A,B`, or `--all-groups`: every group of the `[features]` block) and
//!   with none: wall and CPU time (user + system of the build's processes) and the peak memory
//!   of the rustc compiling `telnyx_api` (through a `RUSTC_WRAPPER` that runs that one under
//!   `/usr/bin/time`);
//! - with `--baseline REV`, the same full build of the crate as it was at REV (a temporary
//!   `git worktree` under `target/bench`, with its own target directory), taking turns with the
//!   others, so that new/baseline compares builds of one run;
//! - the build-cost budget of a release: full ≤ 1.5× the baseline, every group ≤ 15 % of full,
//!   peak rustc memory ≤ 2.5 GiB, each pass or miss;
//! - the size of the generated code;
//! - the SSE decoding benchmark (`cargo bench -p telnyx-api --bench sse`).
//!
//! Everything is built in `target/bench`, so normal builds keep their artifacts.

use std::ffi::OsStr;
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
    /// Build every group of the `[features]` block alone (and `groups` besides).
    pub all_groups: bool,
    /// A git revision whose full crate is built in the same run, for the new/baseline ratio.
    pub baseline: Option<String>,
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
        cargo(&root, &target, &["build", "--release", "-q", "-p", "xtask"], None)?;
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
        let manifest = root.join("telnyx-api/Cargo.toml");
        let leaves = feature_groups(
            &std::fs::read_to_string(&manifest).map_err(|e| format!("cannot read {}: {e}", manifest.display()))?,
        )?;
        let mut groups = if opts.all_groups {
            leaves.clone()
        } else if opts.groups.is_empty() {
            default_groups(&regen)
        } else {
            Vec::new()
        };
        groups.extend(opts.groups.iter().filter(|g| !groups.contains(g)).cloned().collect::<Vec<_>>());
        let baseline = opts.baseline.as_deref().map(|rev| Worktree::add(&root, &target, rev)).transpose()?;
        let load_before = load_average();
        let built = builds(&root, &groups, &leaves, baseline.as_ref(), opts.build_runs);
        // The worktree goes before anything else can fail.
        drop(baseline);
        let built = built?;
        print_builds(&built, opts.build_runs);
        if let (Some(before), Some(after)) = (load_before, load_average()) {
            println!("load average (1, 5, 15 min) before the builds: {before}; after: {after} ({threads} CPUs)");
        }
        print_budget(&budget(&built, &leaves));
    } else if opts.all_groups || opts.baseline.is_some() {
        return Err("--all-groups and --baseline measure builds: drop --no-builds".to_owned());
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
/// minimum of each phase and of the totals. A spec that `openapiv3` rejects until the load step
/// has repaired it gets the floor of parsing its YAML alone, and a note saying why.
fn regen_figures(runs: usize) -> Result<Value, String> {
    let root = root();
    let env = std::env::var_os("TELNYX_OPENAPI_SPEC").map(PathBuf::from);
    let config = read_config(&root)?;
    let mut best: Option<[Duration; 7]> = None;
    let mut last = None;
    let mut floor_note = None;
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
        let parse = match codegen::load::parse_only(&spec.text) {
            Ok(_) => t.elapsed(),
            Err(e) => {
                // openapiv3 takes this spec only after the load step's repairs.
                floor_note = Some(e.to_string());
                let t = Instant::now();
                codegen::load::parse_value(&spec.text).map_err(at)?;
                t.elapsed()
            }
        };
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
        "floor": if floor_note.is_some() { "YAML → JSON value" } else { "YAML → openapiv3" },
        "floor_note": floor_note,
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
    let floor = format!("parse only: {} (floor)", r["floor"].as_str().unwrap_or("YAML → openapiv3"));
    println!("  {floor:<36} {:>8.3}", f("parse"));
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
    if let Some(note) = r["floor_note"].as_str() {
        println!("  note: the floor parses the YAML alone: openapiv3 rejects the spec before its repairs ({note})");
    }
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

/// What a build measures, for the table and the budget.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// All features, the current tree.
    Full,
    /// All features, the tree at `--baseline REV`.
    Baseline,
    /// One feature alone; `leaf` when it is a group of the `[features]` block (one that enables
    /// nothing else) rather than an umbrella such as `voice`.
    Group { leaf: bool },
    /// No features: the runtime alone.
    Runtime,
}

/// One feature set to build: in which workspace, into which target directory, with which flags.
struct BuildSet {
    label: String,
    kind: Kind,
    workspace: PathBuf,
    target: PathBuf,
    flags: Vec<String>,
}

/// The best figures of one feature set.
#[derive(Debug)]
struct Build {
    label: String,
    kind: Kind,
    wall: Duration,
    cpu: Option<Duration>,
    /// Peak resident set size of the rustc that compiled `telnyx_api`, in KiB (the largest of
    /// the rounds).
    peak_kib: Option<u64>,
}

/// The groups of operations: the features of the generated block of `telnyx-api/Cargo.toml`
/// (between `# BEGIN features` and `# END features`) that enable nothing else, in file order —
/// the same list `.ci/run` derives with `sed`.
fn feature_groups(cargo_toml: &str) -> Result<Vec<String>, String> {
    let mut lines = cargo_toml.lines().skip_while(|l| !l.starts_with("# BEGIN features"));
    if lines.next().is_none() {
        return Err("telnyx-api/Cargo.toml has no line `# BEGIN features`".to_owned());
    }
    let mut groups = Vec::new();
    for line in lines {
        if line.starts_with("# END features") {
            return if groups.is_empty() {
                Err("telnyx-api/Cargo.toml: no feature groups (`name = []`) in the features block".to_owned())
            } else {
                Ok(groups)
            };
        }
        if let Some(name) = line.strip_suffix(" = []") {
            if !name.is_empty() && name.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')) {
                groups.push(name.to_owned());
            }
        }
    }
    Err("telnyx-api/Cargo.toml has no line `# END features` after `# BEGIN features`".to_owned())
}

/// Clean builds of `telnyx-api` per feature set, after one build per target directory that
/// brings the dependencies up to date. With several rounds the feature sets take turns (so a
/// load that comes and goes spreads over all of them) and each keeps its best wall and CPU time.
fn builds(
    root: &Path,
    groups: &[String],
    leaves: &[String],
    baseline: Option<&Worktree>,
    rounds: usize,
) -> Result<Vec<Build>, String> {
    let target = root.join(TARGET_DIR);
    let probe = PeakProbe::new(&target)?;
    let set = |label: String, kind, workspace: &Path, target: &Path, flags: &[&str]| BuildSet {
        label,
        kind,
        workspace: workspace.to_path_buf(),
        target: target.to_path_buf(),
        flags: flags.iter().map(|f| (*f).to_owned()).collect(),
    };
    let mut sets = vec![set("full (default)".to_owned(), Kind::Full, root, &target, &[])];
    if let Some(w) = baseline {
        let label = format!("baseline {}: full (default)", w.name());
        sets.push(set(label, Kind::Baseline, &w.dir, &target.join("baseline-target"), &[]));
    }
    for g in groups {
        let leaf = leaves.contains(g);
        let label = if leaf { format!("{g} only") } else { format!("{g} only (umbrella)") };
        sets.push(set(label, Kind::Group { leaf }, root, &target, &["--no-default-features", "--features", g]));
    }
    let runtime = "--no-default-features (runtime only)".to_owned();
    sets.push(set(runtime, Kind::Runtime, root, &target, &["--no-default-features"]));

    // The features of telnyx-api do not change its dependencies' features, so the smallest
    // build brings them up to date (once per workspace and target directory).
    let mut prepared: Vec<(&Path, &Path)> = Vec::new();
    for s in &sets {
        if prepared.contains(&(s.workspace.as_path(), s.target.as_path())) {
            continue;
        }
        eprintln!("bench: building the dependencies of telnyx-api in {} …", s.workspace.display());
        cargo(&s.workspace, &s.target, &["build", "-q", "-p", "telnyx-api", "--no-default-features"], probe.as_ref())?;
        prepared.push((&s.workspace, &s.target));
    }

    let mut out: Vec<Build> = Vec::new();
    for round in 1..=rounds.max(1) {
        for (i, s) in sets.iter().enumerate() {
            eprintln!("bench: clean build of telnyx-api, {} (round {round}) …", s.label);
            cargo(&s.workspace, &s.target, &["clean", "-q", "-p", "telnyx-api"], None)?;
            let mut args = vec!["build", "-q", "-p", "telnyx-api"];
            args.extend(s.flags.iter().map(String::as_str));
            if let Some(p) = &probe {
                p.reset();
            }
            let cpu_before = children_cpu();
            let t = Instant::now();
            cargo(&s.workspace, &s.target, &args, probe.as_ref())?;
            let wall = t.elapsed();
            let cpu = children_cpu().zip(cpu_before).map(|(a, b)| a.saturating_sub(b));
            let peak_kib = probe.as_ref().and_then(PeakProbe::read);
            match out.get_mut(i) {
                Some(b) => {
                    b.wall = b.wall.min(wall);
                    b.cpu = match (b.cpu, cpu) {
                        (Some(x), Some(y)) => Some(x.min(y)),
                        (x, y) => x.or(y),
                    };
                    b.peak_kib = b.peak_kib.max(peak_kib);
                }
                None => out.push(Build { label: s.label.clone(), kind: s.kind, wall, cpu, peak_kib }),
            }
        }
    }
    Ok(out)
}

/// A detached `git worktree` of the baseline revision under `target/bench`, removed on drop.
struct Worktree {
    repo: PathBuf,
    dir: PathBuf,
    /// The revision as given (`02402df`, `HEAD~3`).
    rev: String,
    commit: String,
}

impl Worktree {
    fn add(repo: &Path, parent: &Path, rev: &str) -> Result<Self, String> {
        let commit = git(repo, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .map_err(|_| format!("--baseline {rev:?}: not a commit of this repository"))?;
        let dir = parent.join(format!("baseline-{}", &commit[..commit.len().min(12)]));
        if dir.exists() {
            // Left by an interrupted run.
            let _ = git(repo, &[OsStr::new("worktree"), "remove".as_ref(), "--force".as_ref(), dir.as_os_str()]);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
            }
            let _ = git(repo, &["worktree", "prune"]);
        }
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        eprintln!("bench: git worktree add --detach {} {commit} …", dir.display());
        git(repo, &[OsStr::new("worktree"), "add".as_ref(), "--detach".as_ref(), dir.as_os_str(), commit.as_ref()])?;
        Ok(Worktree { repo: repo.to_path_buf(), dir, rev: rev.to_owned(), commit })
    }

    /// `02402df`, or `HEAD~3 (02402df)` when the revision is not an abbreviated commit.
    fn name(&self) -> String {
        let short = &self.commit[..self.commit.len().min(7)];
        if self.commit.starts_with(&self.rev) {
            self.rev.clone()
        } else {
            format!("{} ({short})", self.rev)
        }
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let args = [OsStr::new("worktree"), "remove".as_ref(), "--force".as_ref(), self.dir.as_os_str()];
        match git(&self.repo, &args) {
            Ok(_) => eprintln!("bench: removed the worktree {}", self.dir.display()),
            Err(e) => eprintln!("bench: {e}; remove it with `git worktree remove --force {}`", self.dir.display()),
        }
    }
}

/// Run git in `repo`; its standard output, trimmed.
fn git<S: AsRef<OsStr>>(repo: &Path, args: &[S]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(repo)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let shown = || args.iter().map(|a| a.as_ref().to_string_lossy()).collect::<Vec<_>>().join(" ");
    if !out.status.success() {
        return Err(format!("git {} failed ({})", shown(), out.status));
    }
    String::from_utf8(out.stdout).map(|s| s.trim().to_owned()).map_err(|_| format!("git {}: output not UTF-8", shown()))
}

/// Where `/usr/bin/time` is: GNU time, whose `-f %M` is the peak resident set size in KiB.
const TIME: &str = "/usr/bin/time";

/// The variable that tells the wrapper script where to write the peak.
const PEAK_FILE_VAR: &str = "XTASK_BENCH_PEAK_FILE";

/// The `RUSTC_WRAPPER` of the builds. Cargo runs `wrapper rustc ARGS…` (with
/// `RUSTC_WORKSPACE_WRAPPER`, if any, between them); timing all of `"$@"` is right either way,
/// since time reports the largest of the processes it waited for.
const WRAPPER_SCRIPT: &str = r#"#!/bin/sh
# Written by `cargo xtask bench` (xtask/src/bench.rs): cargo's RUSTC_WRAPPER for its builds.
# The rustc that compiles telnyx_api runs under /usr/bin/time, which writes its peak resident
# set size (KiB) to $XTASK_BENCH_PEAK_FILE; every other rustc runs as is.
prev=
for arg in "$@"; do
    if [ "$prev" = --crate-name ] && [ "$arg" = telnyx_api ] && [ -n "$XTASK_BENCH_PEAK_FILE" ]; then
        exec /usr/bin/time -f %M -o "$XTASK_BENCH_PEAK_FILE" "$@"
    fi
    prev=$arg
done
exec "$@"
"#;

/// How the builds learn the peak memory of the rustc compiling `telnyx_api`: cargo runs every
/// rustc through [`WRAPPER_SCRIPT`] (written into `target/bench`), and the figure of the last
/// build is read back from a file.
struct PeakProbe {
    script: PathBuf,
    out: PathBuf,
}

impl PeakProbe {
    /// `None` (and a note) where there is no `/usr/bin/time` or no `sh`.
    fn new(dir: &Path) -> Result<Option<Self>, String> {
        if !cfg!(unix) || !Path::new(TIME).is_file() {
            eprintln!("bench: no {TIME}: the peak memory of rustc is not measured");
            return Ok(None);
        }
        if let Some(w) = std::env::var_os("RUSTC_WRAPPER").filter(|w| !w.is_empty()) {
            // A caching wrapper (sccache) would turn the clean builds into cache hits.
            eprintln!("bench: RUSTC_WRAPPER={} is replaced by the bench's own for the builds", w.to_string_lossy());
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let script = dir.join("rustc-peak.sh");
        std::fs::write(&script, WRAPPER_SCRIPT).map_err(|e| format!("cannot write {}: {e}", script.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("cannot make {} executable: {e}", script.display()))?;
        }
        Ok(Some(PeakProbe { script, out: dir.join("rustc-peak.kib") }))
    }

    fn apply(&self, cmd: &mut Command) {
        cmd.env("RUSTC_WRAPPER", &self.script).env(PEAK_FILE_VAR, &self.out);
    }

    fn reset(&self) {
        let _ = std::fs::remove_file(&self.out);
    }

    /// The peak of the last build, KiB; `None` when no rustc compiled `telnyx_api`.
    fn read(&self) -> Option<u64> {
        parse_peak_kib(&std::fs::read_to_string(&self.out).ok()?)
    }
}

/// What `/usr/bin/time -f %M -o FILE` wrote: the peak in KiB on the last line (a failed command
/// gets a line `Command exited with non-zero status N` before it).
fn parse_peak_kib(text: &str) -> Option<u64> {
    text.lines().map(str::trim).rfind(|l| !l.is_empty())?.parse().ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// `part` as a percentage of `whole`.
fn share(part: Duration, whole: Duration) -> Option<f64> {
    (!whole.is_zero()).then(|| 100.0 * secs(part) / secs(whole))
}

fn print_builds(builds: &[Build], rounds: usize) {
    println!(
        "\nclean debug builds of telnyx-api (dependencies built; cargo clean -p telnyx-api, then cargo build), best of {}",
        rounds.max(1)
    );
    let Some(full) = builds.iter().find(|b| b.kind == Kind::Full) else { return };
    let header = ["build", "wall s", "CPU s", "share of full (wall / CPU)", "peak rustc MiB"];
    let rows: Vec<[String; 5]> = builds
        .iter()
        .map(|b| {
            let cpu_share = b.cpu.zip(full.cpu).and_then(|(c, f)| share(c, f));
            let wall_share = share(b.wall, full.wall);
            let share = match (b.kind, wall_share) {
                (Kind::Full, _) => "100 %".to_owned(),
                (Kind::Baseline, _) | (_, None) => "–".to_owned(),
                (kind, Some(w)) => {
                    let cpu = cpu_share.map_or("–".to_owned(), |c| format!("{c:.1} %"));
                    let over = kind == Kind::Group { leaf: true } && w > 100.0 * GROUP_SHARE_MAX;
                    let mark = if over { format!(" over {:.0} %", 100.0 * GROUP_SHARE_MAX) } else { String::new() };
                    format!("{w:.1} % / {cpu}{mark}")
                }
            };
            [
                b.label.clone(),
                format!("{:.1}", secs(b.wall)),
                b.cpu.map_or("–".to_owned(), |c| format!("{:.1}", secs(c))),
                share,
                b.peak_kib.map_or("–".to_owned(), |k| format!("{:.0}", mib(k))),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // The first column is text (left), the others figures (right).
    let line = |cells: [&str; 5]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| if i == 0 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        println!("| {} |", padded.join(" | "));
    };
    line(header);
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(i, &w)| if i == 0 { "-".repeat(w) } else { format!("{}:", "-".repeat(w - 1)) })
        .collect();
    println!("| {} |", rule.join(" | "));
    for row in &rows {
        line(row.each_ref().map(String::as_str));
    }
    // A build alone on the machine keeps a CPU busy nearly all along (rustc's front end is one
    // thread, code generation more); much less CPU than wall means it waited for the CPUs.
    let waited: Vec<String> = builds
        .iter()
        .filter_map(|b| {
            let cpu = secs(b.cpu?);
            (cpu < 0.9 * secs(b.wall)).then(|| format!("{} ({:.0} %)", b.label, 100.0 * cpu / secs(b.wall)))
        })
        .collect();
    if !waited.is_empty() {
        println!(
            "note: CPU time below 90 % of wall time, so these builds waited for the CPUs (another load on the \
             machine), and their wall figures are high by about that much: {}",
            waited.join(", ")
        );
    }
}

/// `/proc/loadavg`'s 1, 5 and 15 minute load averages; `None` elsewhere.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// The build-cost budget of a release: the full build within this factor of the previously
/// pinned crate's (wall time, same run) …
const BASELINE_RATIO_MAX: f64 = 1.5;
/// … every group alone within this share of the full build (wall) …
const GROUP_SHARE_MAX: f64 = 0.15;
/// … and the rustc compiling `telnyx_api` within this peak resident set size (2.5 GiB).
const PEAK_KIB_MAX: u64 = 5 * 1024 * 1024 / 2;

#[derive(Debug, PartialEq)]
enum Verdict {
    Pass,
    Miss,
    /// No group over the limit, but not every group was built.
    Incomplete,
    NotMeasured,
}

#[derive(Debug)]
struct Check {
    what: String,
    verdict: Verdict,
    detail: String,
}

/// The three budget checks over the builds of one run; `leaves` are the groups of the
/// `[features]` block.
fn budget(builds: &[Build], leaves: &[String]) -> Vec<Check> {
    let full = builds.iter().find(|b| b.kind == Kind::Full);
    let mut checks = Vec::new();

    let what = format!("full build ≤ {BASELINE_RATIO_MAX}× the baseline's (wall)");
    checks.push(match (full, builds.iter().find(|b| b.kind == Kind::Baseline)) {
        (Some(f), Some(b)) if !b.wall.is_zero() => {
            let ratio = secs(f.wall) / secs(b.wall);
            let cpu = match (f.cpu, b.cpu) {
                (Some(fc), Some(bc)) if !bc.is_zero() => {
                    format!("{:.2}× CPU ({:.1} s / {:.1} s)", secs(fc) / secs(bc), secs(fc), secs(bc))
                }
                _ => "CPU not measured".to_owned(),
            };
            Check {
                what,
                verdict: if ratio <= BASELINE_RATIO_MAX { Verdict::Pass } else { Verdict::Miss },
                detail: format!("new/baseline {ratio:.2}× wall ({:.1} s / {:.1} s), {cpu}", secs(f.wall), secs(b.wall)),
            }
        }
        _ => Check { what, verdict: Verdict::NotMeasured, detail: "no baseline (--baseline REV)".to_owned() },
    });

    let what = format!("every group ≤ {:.0} % of full (wall)", 100.0 * GROUP_SHARE_MAX);
    let groups: Vec<(&str, f64)> = builds
        .iter()
        .filter(|b| b.kind == Kind::Group { leaf: true })
        .filter_map(|b| Some((b.label.strip_suffix(" only").unwrap_or(&b.label), share(b.wall, full?.wall)?)))
        .collect();
    // CPU shares as a cross-check: a busy machine stretches the long full build's wall time more
    // than the short ones', which lowers every wall share.
    let cpu_shares: Vec<f64> = builds
        .iter()
        .filter(|b| b.kind == Kind::Group { leaf: true })
        .filter_map(|b| share(b.cpu?, full?.cpu?))
        .collect();
    checks.push(if groups.is_empty() {
        Check { what, verdict: Verdict::NotMeasured, detail: "no group built (--all-groups)".to_owned() }
    } else {
        let mut over: Vec<&(&str, f64)> = groups.iter().filter(|g| g.1 > 100.0 * GROUP_SHARE_MAX).collect();
        over.sort_by(|a, b| b.1.total_cmp(&a.1));
        let largest = groups.iter().filter(|g| g.1 <= 100.0 * GROUP_SHARE_MAX).max_by(|a, b| a.1.total_cmp(&b.1));
        let mut detail = Vec::new();
        if !over.is_empty() {
            let list: Vec<String> = over.iter().map(|(g, s)| format!("{g} {s:.1} %")).collect();
            detail.push(format!("over: {}", list.join(", ")));
        }
        if let Some((g, s)) = largest {
            detail.push(format!("largest within: {g} {s:.1} %"));
        }
        let built = groups.len();
        let verdict = if !over.is_empty() {
            Verdict::Miss
        } else if built < leaves.len() {
            Verdict::Incomplete
        } else {
            Verdict::Pass
        };
        detail.push(format!("{built} of {} groups built", leaves.len()));
        if let Some(max) = cpu_shares.iter().copied().max_by(f64::total_cmp) {
            let n = cpu_shares.iter().filter(|&&c| c > 100.0 * GROUP_SHARE_MAX).count();
            detail.push(format!("by CPU (a cross-check): {n} over, largest {max:.1} %"));
        }
        Check { what, verdict, detail: detail.join("; ") }
    });

    let what = format!("peak rustc memory ≤ {:.1} GiB", mib(PEAK_KIB_MAX) / 1024.0);
    let peak = builds
        .iter()
        .filter(|b| b.kind != Kind::Baseline)
        .filter_map(|b| Some((b, b.peak_kib?)))
        .max_by_key(|(_, kib)| *kib);
    checks.push(match peak {
        Some((b, kib)) => Check {
            what,
            verdict: if kib <= PEAK_KIB_MAX { Verdict::Pass } else { Verdict::Miss },
            detail: format!("{:.0} MiB ({})", mib(kib), b.label),
        },
        None => Check { what, verdict: Verdict::NotMeasured, detail: format!("not measured (needs {TIME})") },
    });
    checks
}

fn print_budget(checks: &[Check]) {
    println!("\nbuild-cost budget:");
    for c in checks {
        let verdict = match c.verdict {
            Verdict::Pass => "pass",
            Verdict::Miss => "MISS",
            Verdict::Incomplete => "incomplete",
            Verdict::NotMeasured => "not measured",
        };
        println!("  - {verdict}: {}: {}", c.what, c.detail);
    }
}

fn print_size(r: &Value) {
    println!("\ngenerated code: {} files, {} lines; largest:", r["files"], r["lines"]);
    for f in r["largest"].as_array().into_iter().flatten() {
        println!("  {:<60} {:>7}", f[0].as_str().unwrap_or_default(), f[1]);
    }
}

/// Run cargo in `workspace` with target directory `target` (and the peak probe's wrapper, when
/// given); its output goes to the terminal.
fn cargo(workspace: &Path, target: &Path, args: &[&str], probe: Option<&PeakProbe>) -> Result<(), String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.args(args).env("CARGO_TARGET_DIR", target).current_dir(workspace);
    if let Some(p) = probe {
        p.apply(&mut cmd);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} (in {}) failed ({status})", args.join(" "), workspace.display()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_the_features_of_the_block_that_enable_nothing() {
        let text = "\
[features]
tracing = []
# BEGIN features generated by `cargo xtask regenerate` from spec/features.toml
default = [\"full\"]
full = [\"10dlc\", \"call-control\", \"voice_x\"]
# 10DLC registration
10dlc = []
call-control = []
voice = [\"call-control\"]
voice_x = []
Not-A-Group = []
# END features
after = []
";
        assert_eq!(feature_groups(text).unwrap(), ["10dlc", "call-control", "voice_x"]);
        assert!(feature_groups("[features]\na = []\n").unwrap_err().contains("# BEGIN features"));
        assert!(feature_groups("# BEGIN features\na = []\n").unwrap_err().contains("# END features"));
        assert!(feature_groups("# BEGIN features\nfull = [\"a\"]\n# END features\n")
            .unwrap_err()
            .contains("no feature groups"));
    }

    /// The crate's own block: its groups are exactly what `full` enables.
    #[test]
    fn the_groups_of_the_crate_are_what_full_enables() {
        let text = std::fs::read_to_string(root().join("telnyx-api/Cargo.toml")).unwrap();
        let mut groups = feature_groups(&text).unwrap();
        let full = text.lines().find_map(|l| l.strip_prefix("full = [")?.strip_suffix(']')).unwrap();
        let mut enabled: Vec<String> = full.split(',').map(|f| f.trim().trim_matches('"').to_owned()).collect();
        groups.sort();
        enabled.sort();
        assert_eq!(groups, enabled);
    }

    #[test]
    fn the_peak_is_the_last_line_of_the_time_output() {
        assert_eq!(parse_peak_kib("2345678\n"), Some(2_345_678));
        assert_eq!(parse_peak_kib("Command exited with non-zero status 1\n812344\n\n"), Some(812_344));
        assert_eq!(parse_peak_kib("Command terminated by signal 9\n"), None);
        assert_eq!(parse_peak_kib(""), None);
    }

    /// The wrapper times the rustc of `telnyx_api` and no other (`true` stands in for rustc).
    #[cfg(unix)]
    #[test]
    fn the_wrapper_times_only_telnyx_api() {
        if !Path::new(TIME).is_file() {
            eprintln!("no {TIME}; skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let probe = PeakProbe::new(dir.path()).unwrap().unwrap();
        let run = |crate_name: &str| {
            probe.reset();
            let status = Command::new(&probe.script)
                .args(["true", "--edition=2021", "--crate-name", crate_name, "--crate-type", "lib"])
                .env(PEAK_FILE_VAR, &probe.out)
                .status()
                .unwrap();
            assert!(status.success());
            probe.read()
        };
        assert!(run("telnyx_api").is_some_and(|kib| kib > 0));
        assert_eq!(run("serde"), None);
        assert_eq!(run("telnyx_api_extra"), None);
    }

    fn build(label: &str, kind: Kind, wall: u64, peak_mib: u64) -> Build {
        let wall = Duration::from_secs(wall);
        Build { label: label.to_owned(), kind, wall, cpu: Some(wall * 2), peak_kib: Some(peak_mib * 1024) }
    }

    #[test]
    fn the_budget_names_what_misses() {
        let leaves = ["a".to_owned(), "b".to_owned()];
        let group = Kind::Group { leaf: true };
        let mut builds = vec![
            build("full (default)", Kind::Full, 100, 2000),
            build("baseline x: full (default)", Kind::Baseline, 80, 3000),
            build("a only", group, 10, 500),
            build("voice only (umbrella)", Kind::Group { leaf: false }, 40, 900),
        ];
        let checks = budget(&builds, &leaves);
        let verdicts: Vec<&Verdict> = checks.iter().map(|c| &c.verdict).collect();
        // 100/80 is within 1.5×; `b` was not built; the baseline's peak does not count.
        assert_eq!(verdicts, [&Verdict::Pass, &Verdict::Incomplete, &Verdict::Pass]);
        assert!(checks[0].detail.starts_with("new/baseline 1.25× wall"), "{}", checks[0].detail);
        assert!(checks[2].detail.contains("2000 MiB (full (default))"), "{}", checks[2].detail);

        builds.push(build("b only", group, 16, 2600));
        builds[1].wall = Duration::from_secs(60);
        let checks = budget(&builds, &leaves);
        assert!(checks.iter().all(|c| c.verdict == Verdict::Miss), "{checks:?}");
        assert!(checks[1].detail.starts_with("over: b 16.0 %; largest within: a 10.0 %"), "{}", checks[1].detail);
        assert!(checks[1].detail.ends_with("by CPU (a cross-check): 1 over, largest 16.0 %"), "{}", checks[1].detail);
        assert!(checks[2].detail.contains("b only"), "{}", checks[2].detail);

        let alone = budget(&builds[..1], &leaves);
        assert!(alone.iter().take(2).all(|c| c.verdict == Verdict::NotMeasured), "{alone:?}");
    }
}
