//! Maintainer commands. Run `cargo xtask help`.
//!
//! No generator logic lives here: this finds and pins the spec, calls `codegen` (including
//! `codegen::diff` for the spec diff), writes files and prints timings and reports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use sha2::{Digest, Sha256};

mod bench;
mod corpus;

const USAGE: &str = "\
cargo xtask <command> [options]

Commands:
  regenerate [--spec PATH] [--timings]   regenerate telnyx-api/src/generated (and tests/generated) from the spec
  check      [--spec PATH]               fail (naming the files) when the committed generated code is stale
  diff OLD NEW [--json] [--fail-on-breaking]
                                         what changed between two spec files for users of the generated
                                         crate, each change marked breaking or not; ends with
                                         `breaking: N, non-breaking: M`. Exit code 0 unless
                                         --fail-on-breaking is given and N > 0
  update-spec PATH [--source URL] [--commit SHA] [--report FILE] [--timings]
                                         pin PATH (sha256, file name, source, upstream commit) in
                                         spec/pin.toml, copy it to spec/cache/, regenerate, and print the
                                         diff against the previously pinned spec (--report FILE also
                                         writes it as Markdown, for a pull request body)
  bench [--runs N] [--build-runs M] [--group A,B] [--all-groups] [--baseline REV] [--no-builds] [--no-sse]
                                         performance figures in one run: regeneration with a
                                         release-built generator by phase, best of N (default 5),
                                         against parsing the spec alone; clean debug builds of
                                         telnyx-api (all features, each --group alone (default:
                                         the largest group and messaging; --all-groups: every
                                         group of the [features] block), none: wall and CPU
                                         seconds, share of full, peak rustc memory, best of M
                                         rounds (default 1)); --baseline REV also builds the full
                                         crate as of git revision REV (a temporary worktree) and
                                         prints new/baseline; the build-cost budget (full ≤ 1.5×
                                         baseline, each group ≤ 15 % of full, rustc ≤ 2.5 GiB),
                                         pass or miss; generated lines; `cargo bench --bench sse`.
                                         Builds go to target/bench. Takes several minutes
  corpus [DIR|FILE…] [--compile] [--json]
                                         generate in memory from every spec of a corpus (default:
                                         ../shared/spec/history/ and ../shared/spec/), one row per spec:
                                         OpenAPI version, operations, types, warnings, seconds, status
                                         (ok / error with pointer / panic); then warnings by kind and
                                         spec; ends with `corpus: G/N generate, C/N compile, P panics`.
                                         --compile also regenerates each into a scratch copy of the
                                         workspace (temporary directory, one shared target directory)
                                         and runs `cargo clippy -p telnyx-api --all-features -- -D
                                         warnings`. Exit code 1 on any error, panic or failed compile
  help                                   this text

The spec is found by --spec PATH, then $TELNYX_OPENAPI_SPEC, then spec/cache/<file> if present,
then ../shared/spec/<file> (file name and sha256 pinned in spec/pin.toml). The pinned sha256 is
checked unless --spec is given. spec/cache/ is git-ignored: the spec is third-party data.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((cmd, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    };
    match cmd.as_str() {
        "regenerate" => {
            let a = Args::parse(rest, 0, &["--timings"], &["--spec"])?;
            regenerate(&Options::from(&a), Mode::Write)
        }
        "check" => {
            let a = Args::parse(rest, 0, &[], &["--spec"])?;
            regenerate(&Options::from(&a), Mode::Check)
        }
        "diff" => {
            let a = Args::parse(rest, 2, &["--json", "--fail-on-breaking"], &[])?;
            diff(&a)
        }
        "update-spec" => {
            let a = Args::parse(rest, 1, &["--timings"], &["--source", "--commit", "--report"])?;
            let opts = UpdateOptions {
                spec: PathBuf::from(&a.positional[0]),
                source: a.value("--source").map(str::to_owned),
                commit: a.value("--commit").map(str::to_owned),
                report: a.value("--report").map(PathBuf::from),
                timings: a.flag("--timings"),
            };
            update_spec(&root(), &opts, std::env::var_os("TELNYX_OPENAPI_SPEC").map(PathBuf::from))
        }
        "bench" => {
            let a = Args::parse(
                rest,
                0,
                &["--no-builds", "--no-sse", "--all-groups"],
                &["--runs", "--build-runs", "--group", "--baseline"],
            )?;
            let opts = bench::BenchOptions {
                runs: runs(&a, "--runs", 5)?,
                build_runs: runs(&a, "--build-runs", 1)?,
                groups: a.value("--group").map(|g| g.split(',').map(str::to_owned).collect()).unwrap_or_default(),
                all_groups: a.flag("--all-groups"),
                baseline: a.value("--baseline").map(str::to_owned),
                builds: !a.flag("--no-builds"),
                sse: !a.flag("--no-sse"),
            };
            bench::bench(&opts)
        }
        "corpus" => {
            let a = Args::parse_any(rest, &["--compile", "--json"], &[])?;
            let opts = corpus::CorpusOptions {
                inputs: a.positional.iter().map(PathBuf::from).collect(),
                compile: a.flag("--compile"),
                json: a.flag("--json"),
            };
            corpus::corpus(&opts)
        }
        // What `bench` runs in a release build of this program; prints JSON.
        "bench-regen" => bench::bench_regen(runs(&Args::parse(rest, 0, &[], &["--runs"])?, "--runs", 5)?),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    }
}

/// A count option (`--runs N`), `default` when absent.
fn runs(a: &Args, option: &str, default: usize) -> Result<usize, String> {
    match a.value(option) {
        None => Ok(default),
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{option} {n:?}: expected a positive number")),
    }
}

/// A command's arguments: exactly `positional` plain arguments, the given flags and
/// `--option VALUE` pairs, in any order.
#[derive(Debug)]
struct Args {
    positional: Vec<String>,
    flags: BTreeSet<String>,
    values: BTreeMap<String, String>,
}

impl Args {
    fn parse(args: &[String], positional: usize, flags: &[&str], values: &[&str]) -> Result<Self, String> {
        let mut out = Args { positional: Vec::new(), flags: BTreeSet::new(), values: BTreeMap::new() };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if flags.contains(&a.as_str()) {
                out.flags.insert(a.clone());
            } else if values.contains(&a.as_str()) {
                let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
                out.values.insert(a.clone(), v.clone());
            } else if a.starts_with("--") {
                return Err(format!("unknown option {a:?}\n\n{USAGE}"));
            } else {
                out.positional.push(a.clone());
            }
        }
        if out.positional.len() != positional {
            return Err(format!(
                "expected {positional} argument(s), got {}: {:?}\n\n{USAGE}",
                out.positional.len(),
                out.positional
            ));
        }
        Ok(out)
    }

    /// Like [`Args::parse`], with any number of plain arguments.
    fn parse_any(args: &[String], flags: &[&str], values: &[&str]) -> Result<Self, String> {
        let n = args.iter().filter(|a| !a.starts_with("--")).count()
            - values.iter().filter(|v| args.iter().any(|a| a == *v)).count();
        Self::parse(args, n, flags, values)
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.contains(name)
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct Options {
    spec: Option<PathBuf>,
    timings: bool,
}

impl From<&Args> for Options {
    fn from(a: &Args) -> Self {
        Options { spec: a.value("--spec").map(PathBuf::from), timings: a.flag("--timings") }
    }
}

/// The workspace root (this crate's parent directory).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// `spec/pin.toml`.
struct Pin {
    file: String,
    sha256: String,
    /// Every `key = "value"` line, for the keys other commands read (`repository`, `path`).
    values: BTreeMap<String, String>,
}

/// The `key = "value"` lines of a flat TOML file, parsed by hand to keep xtask's dependencies
/// small (and so that `update-spec` can rewrite values while keeping comments and order).
fn pin_values(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.insert(k.trim().to_owned(), v.trim().trim_matches('"').to_owned());
        }
    }
    out
}

fn read_pin(root: &Path) -> Result<Pin, String> {
    let p = root.join("spec/pin.toml");
    let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let values = pin_values(&text);
    let get = |k: &str| values.get(k).cloned().ok_or_else(|| format!("{}: missing `{k}`", p.display()));
    Ok(Pin { file: get("file")?, sha256: get("sha256")?, values })
}

/// `text` (a pin file) with `key = "value"` lines replaced, removed (`None`), or appended when
/// missing; comments, other keys and their order are kept.
fn rewrite_pin(text: &str, updates: &[(&str, Option<&str>)]) -> String {
    let mut out = String::new();
    let mut done = BTreeSet::new();
    for line in text.lines() {
        let key = line.split_once('=').map(|(k, _)| k.trim()).filter(|_| !line.trim_start().starts_with('#'));
        match key.and_then(|k| updates.iter().find(|(u, _)| *u == k)) {
            Some((k, Some(v))) => {
                if done.insert(*k) {
                    out.push_str(&format!("{k} = \"{v}\"\n"));
                }
            }
            Some((k, None)) => {
                done.insert(*k);
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (k, v) in updates {
        if let (false, Some(v)) = (done.contains(k), v) {
            out.push_str(&format!("{k} = \"{v}\"\n"));
        }
    }
    out
}

struct Spec {
    path: PathBuf,
    text: String,
}

/// The spec by the documented lookup; `env` is `$TELNYX_OPENAPI_SPEC` (a parameter so tests do
/// not depend on the environment).
fn find_spec(root: &Path, opts: &Options, env: Option<&Path>) -> Result<Spec, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("cannot read spec {}: {e}", p.display()));
    if let Some(p) = &opts.spec {
        return Ok(Spec { path: p.clone(), text: read(p)? });
    }
    let pin = read_pin(root)?;
    let candidates: Vec<PathBuf> = match env {
        Some(p) => vec![p.to_path_buf()],
        None => vec![root.join("spec/cache").join(&pin.file), root.join("../shared/spec").join(&pin.file)],
    };
    let path = candidates
        .iter()
        .find(|p| p.is_file())
        .ok_or_else(|| format!("spec not found; looked at {candidates:?}; pass --spec PATH"))?
        .clone();
    let text = read(&path)?;
    let sha = sha256(&text);
    if sha != pin.sha256 {
        return Err(format!(
            "{} has sha256 {sha}, but spec/pin.toml pins {}; pass --spec to use it anyway",
            path.display(),
            pin.sha256
        ));
    }
    Ok(Spec { path, text })
}

fn sha256(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn read_overrides(root: &Path) -> Result<codegen::naming::Overrides, String> {
    let p = root.join("spec/overrides.toml");
    match std::fs::read_to_string(&p) {
        Ok(text) => codegen::naming::Overrides::from_toml(&text).map_err(|e| format!("{}: {e}", p.display())),
        Err(_) => Ok(codegen::naming::Overrides::default()),
    }
}

#[derive(PartialEq)]
enum Mode {
    Write,
    Check,
}

/// `spec/features.toml`, the Cargo feature groups; `None` (nothing gated) when there is none.
fn read_features(root: &Path) -> Result<Option<codegen::features::Groups>, String> {
    let p = root.join("spec/features.toml");
    match std::fs::read_to_string(&p) {
        Ok(text) => codegen::features::Groups::from_toml(&text).map(Some).map_err(|e| format!("{}: {e}", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("warning: {} not found: no Cargo features, nothing is gated", p.display());
            Ok(None)
        }
        Err(e) => Err(format!("cannot read {}: {e}", p.display())),
    }
}

/// What generation reads from `spec/` besides the spec.
#[derive(Default)]
struct Config {
    overrides: codegen::naming::Overrides,
    features: Option<codegen::features::Groups>,
    /// `spec/overlays/*.yaml`, in file-name order.
    overlays: Vec<codegen::overlay::Overlay>,
}

fn read_config(root: &Path) -> Result<Config, String> {
    Ok(Config { overrides: read_overrides(root)?, features: read_features(root)?, overlays: read_overlays(root)? })
}

/// The corrections to the spec in `spec/overlays/` (OpenAPI Overlay documents), sorted by name.
fn read_overlays(root: &Path) -> Result<Vec<codegen::overlay::Overlay>, String> {
    codegen::overlay::read_dir(&root.join("spec/overlays"), "spec/overlays")
}

fn regenerate(opts: &Options, mode: Mode) -> Result<ExitCode, String> {
    let started = Instant::now();
    let root = root();
    let env = std::env::var_os("TELNYX_OPENAPI_SPEC").map(PathBuf::from);
    let spec = find_spec(&root, opts, env.as_deref())?;
    let config = read_config(&root)?;
    let generated = generate(&spec, &config)?;
    write_generated(&root, &spec.path, &generated, mode, opts.timings, started)
}

/// Generate from spec text; errors name the file and the JSON pointer.
fn generate(spec: &Spec, config: &Config) -> Result<codegen::Generated, String> {
    let at = |e: codegen::GenError| format!("{}: {e}", spec.path.display());
    let started = Instant::now();
    let loaded = codegen::load::load_with(&spec.text, &config.overlays).map_err(at)?;
    let generated =
        codegen::generate_loaded(loaded, &config.overrides, config.features.as_ref(), started).map_err(at)?;
    for w in &generated.warnings {
        eprintln!("warning: {}: {w}", spec.path.display());
    }
    Ok(generated)
}

/// `text` with the lines between the section's marker lines replaced by its content.
fn splice(text: &str, section: &codegen::emit::features::Section) -> Result<String, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let find =
        |from: usize, marker: &str| {
            lines[from..].iter().position(|l| l.trim_end() == marker).map(|i| i + from).ok_or_else(|| {
                format!("no line `{marker}`: put the begin and end markers where the generated part goes")
            })
        };
    let begin = find(0, &section.begin)?;
    let end = find(begin + 1, &section.end)?;
    Ok([lines[..=begin].concat(), section.content.clone(), lines[end..].concat()].concat())
}

/// Compare (and in write mode, write) the generated files and sections under `root`; returns
/// the files that differed and the stale files (generated no more).
fn sync_generated(
    root: &Path,
    generated: &codegen::Generated,
    mode: &Mode,
) -> Result<(Vec<String>, Vec<String>), String> {
    let existing: Vec<String> = [codegen::emit::CRATE_DIR, codegen::emit::TESTS_DIR]
        .iter()
        .flat_map(|d| list_rs(&root.join(d)).into_iter().map(move |f| format!("{d}/{f}")))
        .collect();
    let mut changed = Vec::new();
    for (rel, content) in &generated.files {
        let path = root.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            changed.push(rel.clone());
            if *mode == Mode::Write {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                std::fs::write(&path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
        }
    }
    for section in &generated.sections {
        let path = root.join(&section.path);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let new = splice(&text, section).map_err(|e| format!("{}: {e}", path.display()))?;
        if new != text {
            changed.push(format!("{} (between `{}` and `{}`)", section.path, section.begin, section.end));
            if *mode == Mode::Write {
                std::fs::write(&path, new).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
        }
    }
    let wanted: BTreeSet<&String> = generated.files.keys().collect();
    let stale: Vec<String> = existing.into_iter().filter(|f| !wanted.contains(f)).collect();
    if *mode == Mode::Write {
        for rel in &stale {
            let path = root.join(rel);
            std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    Ok((changed, stale))
}

/// Write (or, in check mode, compare) the generated files under `root` and print the summary.
fn write_generated(
    root: &Path,
    spec_path: &Path,
    generated: &codegen::Generated,
    mode: Mode,
    timings: bool,
    started: Instant,
) -> Result<ExitCode, String> {
    let t_write = Instant::now();
    let (changed, stale) = sync_generated(root, generated, &mode)?;
    let write = t_write.elapsed();
    let ir = &generated.ir;
    let lines: usize = generated.files.values().map(|c| c.lines().count()).sum();
    let total = started.elapsed();
    if timings {
        let t = &generated.timings;
        println!(
            "timings: load {:.3}s, lower {:.3}s, emit {:.3}s, format {:.3}s, write {:.3}s (emit and format on {} threads)",
            t.load.as_secs_f64(),
            t.lower.as_secs_f64(),
            t.emit.as_secs_f64(),
            t.format.as_secs_f64(),
            write.as_secs_f64(),
            t.threads
        );
    }
    match mode {
        Mode::Write => {
            println!(
                "regenerated from {}: {} operations, {} types, {} files ({} lines), {} changed, {} removed, {:.2}s",
                spec_path.display(),
                ir.operations.len(),
                ir.types.len(),
                generated.files.len(),
                lines,
                changed.len(),
                stale.len(),
                total.as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Mode::Check => {
            if changed.is_empty() && stale.is_empty() {
                println!(
                    "generated code is up to date ({} operations, {} types, {} files, {:.2}s)",
                    ir.operations.len(),
                    ir.types.len(),
                    generated.files.len(),
                    total.as_secs_f64()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("generated code is stale; run `cargo xtask regenerate`:");
                for f in &changed {
                    eprintln!("  differs: {f}");
                }
                for f in &stale {
                    eprintln!("  not generated any more: {f}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

/// Load and lower one spec file; errors name the file and the JSON pointer.
fn lower_spec(path: &Path, text: &str, config: &Config) -> Result<codegen::ir::Ir, String> {
    let at = |e: codegen::GenError| format!("{}: {e}", path.display());
    let loaded = codegen::load::load_with(text, &config.overlays).map_err(at)?;
    for w in &loaded.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
    codegen::lower::lower_with_webhooks(&loaded.openapi, &loaded.webhooks, &config.overrides).map_err(at)
}

fn read_spec(path: &Path) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read spec {}: {e}", path.display()))?;
    Ok(Spec { path: path.to_path_buf(), text })
}

/// `cargo xtask diff OLD NEW`.
fn diff(a: &Args) -> Result<ExitCode, String> {
    let started = Instant::now();
    let config = read_config(&root())?;
    let (old, new) = (read_spec(Path::new(&a.positional[0]))?, read_spec(Path::new(&a.positional[1]))?);
    // Two independent load + lower runs: one thread each.
    let (old_ir, new_ir) = std::thread::scope(|s| {
        let o = s.spawn(|| lower_spec(&old.path, &old.text, &config));
        let n = lower_spec(&new.path, &new.text, &config);
        let o = o.join().unwrap_or_else(|_| Err(format!("{}: internal error: lowering panicked", old.path.display())));
        (o, n)
    });
    let (old_ir, new_ir) = (old_ir?, new_ir?);
    let lowered = started.elapsed();
    let mut report = codegen::diff::diff(&old_ir, &new_ir);
    report.old.label = old.path.display().to_string();
    report.new.label = new.path.display().to_string();
    if a.flag("--json") {
        let json = serde_json::to_string_pretty(&report.to_json()).map_err(|e| format!("cannot render JSON: {e}"))?;
        println!("{json}");
    } else {
        print!("{}", report.to_text());
    }
    eprintln!(
        "diff: load + lower {:.2}s, compare {:.2}s",
        lowered.as_secs_f64(),
        (started.elapsed() - lowered).as_secs_f64()
    );
    if a.flag("--fail-on-breaking") && report.breaking() > 0 {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

struct UpdateOptions {
    spec: PathBuf,
    source: Option<String>,
    commit: Option<String>,
    report: Option<PathBuf>,
    timings: bool,
}

/// The most a pull request body may hold (GitHub's limit is 65 536 characters).
const REPORT_LIMIT: usize = 60_000;

/// The name the spec is pinned and cached under.
fn spec_file_name(path: &Path) -> Result<String, String> {
    let name =
        path.file_name().and_then(|n| n.to_str()).ok_or_else(|| format!("{}: not a file name", path.display()))?;
    if name.is_empty() || name.starts_with('.') || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(format!(
            "{}: the spec's file name {name:?} becomes spec/cache/<file> and `file` in spec/pin.toml; \
             use letters, digits, `.`, `_` and `-` only",
            path.display()
        ));
    }
    Ok(name.to_owned())
}

/// Copy the spec text into the git-ignored cache, where the lookup finds it after re-pinning.
fn copy_to_cache(root: &Path, file: &str, text: &str) -> Result<PathBuf, String> {
    let dir = root.join("spec/cache");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(file);
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// What `spec/pin.toml` records for the new spec: `(key, value)`, `None` to drop a key that
/// would be false now (the previous upstream commit).
fn pin_updates(
    pin: &Pin,
    opts: &UpdateOptions,
    file: &str,
    sha: &str,
) -> Result<Vec<(&'static str, Option<String>)>, String> {
    let plain = |what: &str, v: &str| {
        if v.is_empty() || v.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
            Err(format!("{what} {v:?}: must be non-empty, without quotes, backslashes or control characters"))
        } else {
            Ok(v.to_owned())
        }
    };
    let commit = match &opts.commit {
        Some(c) if c.len() >= 7 && c.len() <= 64 && c.chars().all(|x| x.is_ascii_hexdigit()) => {
            Some(c.to_ascii_lowercase())
        }
        Some(c) => return Err(format!("--commit {c:?}: expected a hexadecimal git commit id")),
        None => None,
    };
    let source = match (&opts.source, &commit, pin.values.get("repository"), pin.values.get("path")) {
        (Some(s), _, _, _) => plain("--source", s)?,
        // The same shape as the pinned URL: raw file at that commit.
        (None, Some(c), Some(repo), Some(path)) => format!("https://raw.githubusercontent.com/{repo}/{c}/{path}"),
        (None, _, _, _) => {
            let abs = std::path::absolute(&opts.spec).unwrap_or_else(|_| opts.spec.clone());
            let s = abs.display().to_string();
            eprintln!("warning: no --source or --commit: spec/pin.toml records the local path {s} as the source");
            plain("spec path", &s)?
        }
    };
    Ok(vec![
        ("source", Some(source)),
        ("commit", commit),
        ("file", Some(file.to_owned())),
        ("sha256", Some(sha.to_owned())),
    ])
}

/// The currently pinned spec, found by the normal lookup, lowered; `Err` says why there is none.
fn previous_ir(root: &Path, pin: &Pin, env: Option<&Path>, config: &Config) -> Result<codegen::ir::Ir, String> {
    let old = find_spec(root, &Options::default(), env)
        .map_err(|e| format!("the previously pinned spec ({}) is not available: {e}", pin.file))?;
    lower_spec(&old.path, &old.text, config).map_err(|e| format!("the previously pinned spec does not lower: {e}"))
}

/// `cargo xtask update-spec PATH`: pin, cache, regenerate, report. `env` is
/// `$TELNYX_OPENAPI_SPEC`, used to find the previously pinned spec.
fn update_spec(root: &Path, opts: &UpdateOptions, env: Option<PathBuf>) -> Result<ExitCode, String> {
    let started = Instant::now();
    let new = read_spec(&opts.spec)?;
    let file = spec_file_name(&opts.spec)?;
    let sha = sha256(&new.text);
    let pin_path = root.join("spec/pin.toml");
    let pin_text =
        std::fs::read_to_string(&pin_path).map_err(|e| format!("cannot read {}: {e}", pin_path.display()))?;
    let pin = read_pin(root)?;
    let updates = pin_updates(&pin, opts, &file, &sha)?;
    let config = read_config(root)?;

    // Everything that can fail on the new spec happens before anything is written: a spec the
    // generator cannot handle is never pinned. The previous spec is lowered meanwhile, for the
    // diff, on the other thread.
    let (generated, previous) = std::thread::scope(|s| {
        let previous = s.spawn(|| previous_ir(root, &pin, env.as_deref(), &config));
        let generated = generate(&new, &config);
        (generated, previous.join().unwrap_or_else(|_| Err("internal error: lowering panicked".to_owned())))
    });
    let generated = generated?;
    // Labelled by the pinned file names: where the files happen to sit means nothing in a PR.
    let report = previous.map(|old_ir| {
        let mut r = codegen::diff::diff(&old_ir, &generated.ir);
        r.old.label = pin.file.clone();
        r.new.label = file.clone();
        r
    });

    let cached = copy_to_cache(root, &file, &new.text)?;
    let updates: Vec<(&str, Option<&str>)> = updates.iter().map(|(k, v)| (*k, v.as_deref())).collect();
    std::fs::write(&pin_path, rewrite_pin(&pin_text, &updates))
        .map_err(|e| format!("cannot write {}: {e}", pin_path.display()))?;
    if pin.sha256 == sha {
        println!("{file} (sha256 {sha}) was already pinned; regenerating anyway");
    } else {
        println!("pinned {file} (sha256 {sha}), was {} (sha256 {})", pin.file, pin.sha256);
    }
    write_generated(root, &cached, &generated, Mode::Write, opts.timings, started)?;

    let notes = feature_notes(&generated.ir);
    if !notes.is_empty() {
        print!("\n{notes}");
    }
    let markdown = match &report {
        Ok(r) => {
            print!("\n{}", r.to_text());
            r.to_markdown(REPORT_LIMIT.saturating_sub(notes.len()))
        }
        Err(e) => {
            println!("\nno diff: {e}");
            format!("### API diff\n\nNo diff: {e}\n")
        }
    };
    let markdown = if notes.is_empty() { markdown } else { format!("{notes}\n{markdown}") };
    if let Some(path) = &opts.report {
        std::fs::write(path, markdown).map_err(|e| format!("cannot write report {}: {e}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What a maintainer should do to `spec/features.toml` after a spec update: the tags in no group
/// (generated into the catch-all feature), and the groups left with no operations. Markdown (it
/// reads as text too); empty when there is nothing to do.
fn feature_notes(ir: &codegen::ir::Ir) -> String {
    let mut out = String::new();
    if let Some(other) = ir.features.iter().find(|f| f.catch_all) {
        out.push_str(&format!(
            "### New tags to place in a group of spec/features.toml\n\nThey are in the catch-all feature `{}` \
             for now ({} operations):\n\n",
            other.name, other.operations
        ));
        for tag in &other.tags {
            let n = ir.operations.iter().filter(|op| &op.tag == tag).count();
            out.push_str(&format!("- {tag} ({n} operations)\n"));
        }
    }
    let empty: Vec<&str> = ir
        .features
        .iter()
        .filter(|f| !f.catch_all && f.includes.is_empty() && f.operations == 0)
        .map(|f| f.name.as_str())
        .collect();
    if !empty.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("### Groups of spec/features.toml with no operations any more (kept as empty features)\n\n");
        for name in empty {
            out.push_str(&format!("- `{name}`\n"));
        }
    }
    out
}

/// `.rs` files under `dir`, relative, with `/` separators.
fn list_rs(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                if let Ok(rel) = p.strip_prefix(base) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        root().join("codegen/tests/specs/diff").join(name)
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    const PIN: &str = "\
# The Telnyx OpenAPI spec this crate is generated from.
source = \"https://raw.githubusercontent.com/team-telnyx/openapi/aaaaaaa/openapi/spec3.yml\"
repository = \"team-telnyx/openapi\"
path = \"openapi/spec3.yml\"
commit = \"aaaaaaa\"
file = \"old.yaml\"
sha256 = \"0000\"
";

    /// A workspace layout in a temporary directory: `spec/pin.toml` pinning `old.yaml` (the diff
    /// fixture), which sits in `spec/cache/` when `cached`.
    fn workspace(cached: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("spec/cache")).unwrap();
        let old = std::fs::read_to_string(fixture("old.yaml")).unwrap();
        let pin = PIN.replace("0000", &sha256(&old));
        std::fs::write(dir.path().join("spec/pin.toml"), pin).unwrap();
        if cached {
            std::fs::write(dir.path().join("spec/cache/old.yaml"), old).unwrap();
        }
        dir
    }

    fn options(spec: PathBuf, report: Option<PathBuf>) -> UpdateOptions {
        UpdateOptions { spec, source: None, commit: Some("b".repeat(40)), report, timings: false }
    }

    #[test]
    fn arguments() {
        let a = Args::parse(&strings(&["a.yml", "--json", "b.yml"]), 2, &["--json"], &[]).unwrap();
        assert_eq!(a.positional, ["a.yml", "b.yml"]);
        assert!(a.flag("--json") && !a.flag("--fail-on-breaking"));
        assert!(Args::parse(&strings(&["a.yml"]), 2, &[], &[]).unwrap_err().contains("expected 2 argument(s), got 1"));
        assert!(Args::parse(&strings(&["--jsn"]), 0, &["--json"], &[])
            .unwrap_err()
            .contains("unknown option \"--jsn\""));
        assert!(Args::parse(&strings(&["--source"]), 0, &[], &["--source"])
            .unwrap_err()
            .contains("--source needs a value"));
    }

    #[test]
    fn rewriting_the_pin_keeps_comments_order_and_other_keys() {
        let out = rewrite_pin(
            PIN,
            &[("commit", None), ("sha256", Some("ffff")), ("file", Some("new.yml")), ("extra", Some("x"))],
        );
        let expected = PIN
            .replace("commit = \"aaaaaaa\"\n", "")
            .replace("file = \"old.yaml\"", "file = \"new.yml\"")
            .replace("sha256 = \"0000\"", "sha256 = \"ffff\"")
            + "extra = \"x\"\n";
        assert_eq!(out, expected);
        let values = pin_values(&out);
        assert_eq!(values.get("sha256").map(String::as_str), Some("ffff"));
        assert_eq!(values.get("extra").map(String::as_str), Some("x"));
        assert!(!values.contains_key("commit"));
        assert_eq!(values.get("repository").map(String::as_str), Some("team-telnyx/openapi"));
        // The repository's own pin has the keys `read_pin` needs, and survives a rewrite.
        let real = std::fs::read_to_string(root().join("spec/pin.toml")).unwrap();
        assert_eq!(pin_values(&rewrite_pin(&real, &[])), pin_values(&real));
    }

    #[test]
    fn the_source_comes_from_the_flag_or_from_the_commit() {
        let dir = workspace(false);
        let pin = read_pin(dir.path()).unwrap();
        let sha = "b".repeat(40);
        let updates = pin_updates(&pin, &options(fixture("new.yaml"), None), "new.yaml", "ff").unwrap();
        let get = |k: &str| updates.iter().find(|(u, _)| *u == k).and_then(|(_, v)| v.clone());
        assert_eq!(
            get("source"),
            Some(format!("https://raw.githubusercontent.com/team-telnyx/openapi/{sha}/openapi/spec3.yml"))
        );
        assert_eq!(get("commit"), Some(sha));
        let mut given = options(fixture("new.yaml"), None);
        given.source = Some("https://example.com/spec.yml".into());
        given.commit = None;
        let updates = pin_updates(&pin, &given, "new.yaml", "ff").unwrap();
        assert!(updates.contains(&("source", Some("https://example.com/spec.yml".into()))));
        assert!(updates.contains(&("commit", None)), "a stale commit is dropped");
        given.commit = Some("not-hex".into());
        assert!(pin_updates(&pin, &given, "new.yaml", "ff").unwrap_err().contains("--commit"));
        given.commit = None;
        given.source = Some("https://example.com/\"x".into());
        assert!(pin_updates(&pin, &given, "new.yaml", "ff").is_err());
    }

    #[test]
    fn sections_are_spliced_between_their_markers() {
        let section = codegen::emit::features::Section {
            path: "Cargo.toml".into(),
            begin: "# BEGIN".into(),
            end: "# END".into(),
            content: "a = []\n".into(),
        };
        let text = "[features]\n# BEGIN\nold = []\n# END\ntracing = []\n";
        let out = splice(text, &section).unwrap();
        assert_eq!(out, "[features]\n# BEGIN\na = []\n# END\ntracing = []\n");
        assert_eq!(splice(&out, &section).unwrap(), out);
        assert!(splice("[features]\n# END\n", &section).unwrap_err().contains("no line `# BEGIN`"));
        assert!(splice("# BEGIN\n", &section).unwrap_err().contains("no line `# END`"));
    }

    #[test]
    fn spec_file_names() {
        assert_eq!(spec_file_name(Path::new("/tmp/telnyx-2025-08-27.yml")).unwrap(), "telnyx-2025-08-27.yml");
        assert!(spec_file_name(Path::new("/tmp/spec 3.yml")).is_err());
        assert!(spec_file_name(Path::new("/")).is_err());
        assert!(spec_file_name(Path::new("/tmp/.hidden.yml")).is_err());
        assert!(spec_file_name(Path::new("/tmp/a\"b.yml")).is_err());
    }

    #[test]
    fn the_cache_copy_lands_where_the_lookup_looks() {
        let dir = workspace(false);
        let path = copy_to_cache(dir.path(), "x.yml", "openapi: 3.0.0\n").unwrap();
        assert_eq!(path, dir.path().join("spec/cache/x.yml"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "openapi: 3.0.0\n");
        // Re-pinning the same file again overwrites it.
        copy_to_cache(dir.path(), "x.yml", "openapi: 3.0.1\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "openapi: 3.0.1\n");
    }

    #[test]
    fn update_spec_pins_caches_regenerates_and_reports() {
        let dir = workspace(true);
        let report = dir.path().join("report.md");
        update_spec(dir.path(), &options(fixture("new.yaml"), Some(report.clone())), None).unwrap();

        let new = std::fs::read_to_string(fixture("new.yaml")).unwrap();
        let pin = read_pin(dir.path()).unwrap();
        assert_eq!((pin.file.as_str(), pin.sha256.as_str()), ("new.yaml", sha256(&new).as_str()));
        assert_eq!(pin.values.get("commit"), Some(&"b".repeat(40)));
        assert_eq!(std::fs::read_to_string(dir.path().join("spec/cache/new.yaml")).unwrap(), new);
        // The normal lookup now finds the new spec.
        assert_eq!(find_spec(dir.path(), &Options::default(), None).unwrap().text, new);
        assert!(dir.path().join(codegen::emit::CRATE_DIR).join("mod.rs").is_file());

        let old = std::fs::read_to_string(fixture("old.yaml")).unwrap();
        let expected = codegen::diff::diff(
            &lower_spec(Path::new("old"), &old, &Config::default()).unwrap(),
            &lower_spec(Path::new("new"), &new, &Config::default()).unwrap(),
        );
        let markdown = std::fs::read_to_string(&report).unwrap();
        assert!(expected.breaking() > 0);
        assert_eq!(markdown.lines().last(), Some(expected.summary_line().as_str()));
    }

    /// The real flow: from the pinned spec to the newest spec of the history sample, in a copy of
    /// the workspace's spec tables, README and Cargo.toml, with no manual step; the report lists
    /// the tags the feature table does not place.
    #[test]
    fn update_spec_from_the_pinned_spec_to_the_newest_history_spec() {
        let repo = root();
        let history = repo.join("../shared/spec/history");
        let mut specs = corpus::spec_files(&[history]).expect("the spec history sample beside the repo");
        specs.sort();
        let newest = specs.last().unwrap().clone();
        let pinned = find_spec(&repo, &Options::default(), None).expect("the pinned spec");

        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        for f in ["spec/pin.toml", "spec/features.toml", "spec/overrides.toml", "README.md", "telnyx-api/Cargo.toml"] {
            std::fs::create_dir_all(ws.join(f).parent().unwrap()).unwrap();
            std::fs::copy(repo.join(f), ws.join(f)).unwrap();
        }
        for o in read_overlays(&repo).unwrap() {
            let f = ws.join(&o.source);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::copy(repo.join(&o.source), f).unwrap();
        }
        // The table places every tag of the specs so far; without two of its groups, the new
        // spec has tags to place, as a spec update that adds tags does.
        let table_path = ws.join("spec/features.toml");
        let table_text = std::fs::read_to_string(&table_path).unwrap();
        let without = ["email", "oauth"].iter().fold(table_text, |text, group| {
            let start = text.find(&format!("\n[{group}]\n")).unwrap_or_else(|| panic!("no [{group}] in the table"));
            let end = text[start + 1..].find("\n[").map_or(text.len(), |e| start + 1 + e);
            format!("{}{}", &text[..start], &text[end..])
        });
        std::fs::write(&table_path, without).unwrap();
        let report = ws.join("report.md");
        let opts = UpdateOptions {
            spec: newest.clone(),
            source: None,
            commit: Some("07fd7a9ab49d1893586d9c0e2e0f98db25a4e6f6".into()),
            report: Some(report.clone()),
            timings: false,
        };
        update_spec(ws, &opts, Some(pinned.path.clone())).unwrap();

        let new_text = std::fs::read_to_string(&newest).unwrap();
        let pin = read_pin(ws).unwrap();
        assert_eq!(pin.sha256, sha256(&new_text));
        assert!(ws.join(codegen::emit::CRATE_DIR).join("apis/mod.rs").is_file());

        // The tags of the new spec that no group has, derived from the spec and the table.
        let table = codegen::features::Groups::from_toml(&std::fs::read_to_string(&table_path).unwrap()).unwrap();
        let placed: BTreeSet<&str> = table.groups.iter().flat_map(|g| g.tags.iter().map(String::as_str)).collect();
        let config = read_config(ws).unwrap();
        let ir = lower_spec(&newest, &new_text, &config).unwrap();
        let new_tags: BTreeSet<&str> =
            ir.operations.iter().map(|op| op.tag.as_str()).filter(|t| !placed.contains(t)).collect();
        assert!(!new_tags.is_empty(), "the newest history spec adds tags");

        let markdown = std::fs::read_to_string(&report).unwrap();
        assert!(markdown.contains("### New tags to place in a group of spec/features.toml"), "{markdown}");
        for tag in &new_tags {
            assert!(markdown.contains(&format!("- {tag} (")), "{tag} is not listed:\n{markdown}");
        }
        let old = lower_spec(&pinned.path, &pinned.text, &config).unwrap();
        assert_eq!(markdown.lines().last(), Some(codegen::diff::diff(&old, &ir).summary_line().as_str()));
        // The catch-all feature is in the [features] block and in `full`, and in the README table.
        let cargo = std::fs::read_to_string(ws.join("telnyx-api/Cargo.toml")).unwrap();
        assert!(cargo.lines().any(|l| l == "other = []"), "{cargo}");
        assert!(cargo.lines().any(|l| l.starts_with("full = [") && l.contains("\"other\"")), "{cargo}");
        let readme = std::fs::read_to_string(ws.join("README.md")).unwrap();
        assert!(readme.contains("| `other` |"), "the README table has no `other` row");
    }

    #[test]
    fn update_spec_without_the_previous_spec_skips_the_diff() {
        let dir = workspace(false);
        let report = dir.path().join("report.md");
        update_spec(dir.path(), &options(fixture("new.yaml"), Some(report.clone())), None).unwrap();
        assert_eq!(read_pin(dir.path()).unwrap().file, "new.yaml");
        let markdown = std::fs::read_to_string(&report).unwrap();
        assert!(markdown.contains("No diff") && markdown.contains("old.yaml"), "{markdown}");
    }

    #[test]
    fn a_spec_the_generator_rejects_is_not_pinned() {
        let dir = workspace(true);
        let bad = dir.path().join("bad.yaml");
        std::fs::write(
            &bad,
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Missing'}\n",
        )
        .unwrap();
        let pin_before = std::fs::read_to_string(dir.path().join("spec/pin.toml")).unwrap();
        let e = update_spec(dir.path(), &options(bad.clone(), None), None).unwrap_err();
        assert!(e.contains(&bad.display().to_string()), "{e}");
        assert!(e.contains("#/paths/~1a/get/responses/200/content/application~1json/schema"), "{e}");
        assert_eq!(std::fs::read_to_string(dir.path().join("spec/pin.toml")).unwrap(), pin_before);
        assert!(!dir.path().join("spec/cache/bad.yaml").exists());
        let missing = update_spec(dir.path(), &options(dir.path().join("nope.yaml"), None), None).unwrap_err();
        assert!(missing.contains("nope.yaml"), "{missing}");
    }

    /// The Cloud Storage operations that `spec/overlays/storage.yaml` defines where a spec lacks
    /// them come out of the pinned spec (which lacks them) exactly as out of each spec beside the
    /// repo that has its own: `codegen::diff` finds no change to them or their types (so no
    /// method, parameter, body, response or type of users changes), and on both sides each is
    /// SigV4-signed and sent to the storage server. What is compared is read from the overlay.
    #[test]
    fn the_storage_overlay_restores_the_operations_as_the_specs_that_had_them() {
        let repo = root();
        let config = read_config(&repo).unwrap();
        let overlay =
            config.overlays.iter().find(|o| o.source.ends_with("/storage.yaml")).expect("the storage overlay");
        let defined = |target: &str| -> Vec<String> {
            let action = overlay.actions.iter().find(|a| a.if_absent && a.target == target).expect(target);
            action
                .update
                .as_ref()
                .and_then(serde_json::Value::as_object)
                .expect("an object update")
                .keys()
                .cloned()
                .collect()
        };
        let (paths, schemas) = (defined("$.paths"), defined("$.components.schemas"));
        let has_paths = |text: &str| {
            let doc = codegen::load::parse_value(text).unwrap();
            paths.iter().all(|p| doc["paths"].get(p).is_some())
        };
        let pinned = find_spec(&repo, &Options::default(), None).expect("the pinned spec");
        assert!(!has_paths(&pinned.text), "the pinned spec has the S3 paths again: delete the overlay's definitions");
        let new = lower_spec(&pinned.path, &pinned.text, &config).unwrap();
        let storage_ops = |ir: &codegen::ir::Ir| -> Vec<String> {
            let ops: Vec<&codegen::ir::Operation> =
                ir.operations.iter().filter(|op| paths.contains(&op.path)).collect();
            for op in &ops {
                assert_eq!(op.auth, codegen::ir::Auth::AwsSigV4, "{} {}", op.method, op.path);
                assert_eq!(op.server.as_deref(), Some("storage"), "{} {}", op.method, op.path);
            }
            let mut ids: Vec<String> = ops.iter().map(|op| format!("{} {} {}", op.method, op.path, op.id)).collect();
            ids.sort();
            ids
        };
        let restored = storage_ops(&new);
        let mut compared = 0;
        for old_path in corpus::spec_files(&[repo.join("../shared/spec")]).unwrap() {
            let old_text = std::fs::read_to_string(&old_path).unwrap();
            if !has_paths(&old_text) {
                continue;
            }
            let old = lower_spec(&old_path, &old_text, &config).unwrap();
            assert_eq!(storage_ops(&old), restored, "{}", old_path.display());
            let report = codegen::diff::diff(&old, &new);
            let storage: Vec<&codegen::diff::Change> = report
                .changes
                .iter()
                .filter(|c| {
                    paths.iter().any(|p| c.subject.ends_with(&format!(" {p}")))
                        || schemas.iter().any(|s| c.pointer.starts_with(&format!("#/components/schemas/{s}")))
                })
                .collect();
            assert!(storage.is_empty(), "{} → {}: {storage:#?}", old_path.display(), pinned.path.display());
            compared += 1;
        }
        assert!(compared > 0, "no spec beside the repo has the S3 paths to compare with");
    }

    #[test]
    fn diff_exits_nonzero_on_breaking_changes_only_when_asked() {
        let paths = [fixture("old.yaml").display().to_string(), fixture("new.yaml").display().to_string()];
        let plain = Args::parse(&strings(&[&paths[0], &paths[1], "--json"]), 2, &["--json", "--fail-on-breaking"], &[])
            .unwrap();
        assert_eq!(diff(&plain).unwrap(), ExitCode::SUCCESS);
        let strict = Args::parse(
            &strings(&[&paths[0], &paths[1], "--fail-on-breaking"]),
            2,
            &["--json", "--fail-on-breaking"],
            &[],
        )
        .unwrap();
        assert_eq!(diff(&strict).unwrap(), ExitCode::FAILURE);
        let same = Args::parse(
            &strings(&[&paths[0], &paths[0], "--fail-on-breaking"]),
            2,
            &["--json", "--fail-on-breaking"],
            &[],
        )
        .unwrap();
        assert_eq!(diff(&same).unwrap(), ExitCode::SUCCESS);
        let missing = Args::parse(&strings(&[&paths[0], "/nonexistent/spec.yml"]), 2, &[], &[]).unwrap();
        assert!(diff(&missing).unwrap_err().contains("/nonexistent/spec.yml"));
    }
}
