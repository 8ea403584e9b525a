//! Maintainer commands. Run `cargo xtask help`.
//!
//! No generator logic lives here: this finds and pins the spec, calls `codegen`, writes files
//! and prints timings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use sha2::{Digest, Sha256};

const USAGE: &str = "\
cargo xtask <command> [options]

Commands:
  regenerate [--spec PATH] [--timings]   regenerate telnyx-api/src/generated (and tests/generated) from the spec
  check      [--spec PATH]               fail (naming the files) when the committed generated code is stale
  help                                   this text

The spec is found by --spec PATH, then $TELNYX_OPENAPI_SPEC, then spec/cache/<file> if present,
then ../shared/spec/<file> (file name and sha256 pinned in spec/pin.toml). The pinned sha256 is
checked unless --spec is given.";

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
    let opts = Options::parse(rest)?;
    match cmd.as_str() {
        "regenerate" => regenerate(&opts, Mode::Write),
        "check" => regenerate(&opts, Mode::Check),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    }
}

#[derive(Default)]
struct Options {
    spec: Option<PathBuf>,
    timings: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut o = Options::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--spec" => o.spec = Some(it.next().ok_or("--spec needs a path")?.into()),
                "--timings" => o.timings = true,
                other => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
            }
        }
        Ok(o)
    }
}

/// The workspace root (this crate's parent directory).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// `spec/pin.toml`.
#[derive(serde::Deserialize)]
struct Pin {
    file: String,
    sha256: String,
}

fn read_pin(root: &Path) -> Result<Pin, String> {
    let p = root.join("spec/pin.toml");
    let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let mut file = None;
    let mut sha = None;
    // A flat `key = "value"` file; parsed by hand to keep xtask's dependencies small.
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().trim_matches('"').to_owned();
            match k.trim() {
                "file" => file = Some(v),
                "sha256" => sha = Some(v),
                _ => {}
            }
        }
    }
    Ok(Pin {
        file: file.ok_or_else(|| format!("{}: missing `file`", p.display()))?,
        sha256: sha.ok_or_else(|| format!("{}: missing `sha256`", p.display()))?,
    })
}

struct Spec {
    path: PathBuf,
    text: String,
}

fn find_spec(root: &Path, opts: &Options) -> Result<Spec, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("cannot read spec {}: {e}", p.display()));
    if let Some(p) = &opts.spec {
        return Ok(Spec { path: p.clone(), text: read(p)? });
    }
    let pin = read_pin(root)?;
    let candidates: Vec<PathBuf> = match std::env::var_os("TELNYX_OPENAPI_SPEC") {
        Some(p) => vec![PathBuf::from(p)],
        None => vec![root.join("spec/cache").join(&pin.file), root.join("../shared/spec").join(&pin.file)],
    };
    let path = candidates
        .iter()
        .find(|p| p.is_file())
        .ok_or_else(|| format!("spec not found; looked at {candidates:?}; pass --spec PATH"))?
        .clone();
    let text = read(&path)?;
    let sha = hex(&Sha256::digest(text.as_bytes()));
    if sha != pin.sha256 {
        return Err(format!(
            "{} has sha256 {sha}, but spec/pin.toml pins {}; pass --spec to use it anyway",
            path.display(),
            pin.sha256
        ));
    }
    Ok(Spec { path, text })
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

fn regenerate(opts: &Options, mode: Mode) -> Result<ExitCode, String> {
    let started = Instant::now();
    let root = root();
    let spec = find_spec(&root, opts)?;
    let overrides = read_overrides(&root)?;
    let generated = codegen::generate(&spec.text, &overrides).map_err(|e| format!("{}: {e}", spec.path.display()))?;
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    let out_dir = root.clone();
    let t_write = Instant::now();
    let existing: Vec<String> = [codegen::emit::CRATE_DIR, codegen::emit::TESTS_DIR]
        .iter()
        .flat_map(|d| list_rs(&root.join(d)).into_iter().map(move |f| format!("{d}/{f}")))
        .collect();
    let mut changed = Vec::new();
    for (rel, content) in &generated.files {
        let path = out_dir.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            changed.push(rel.clone());
            if mode == Mode::Write {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                std::fs::write(&path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
        }
    }
    let wanted: BTreeSet<&String> = generated.files.keys().collect();
    let stale: Vec<&String> = existing.iter().filter(|f| !wanted.contains(f)).collect();
    if mode == Mode::Write {
        for rel in &stale {
            let path = out_dir.join(rel);
            std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    let write = t_write.elapsed();
    let ir = &generated.ir;
    let lines: usize = generated.files.values().map(|c| c.lines().count()).sum();
    let total = started.elapsed();
    if opts.timings {
        let t = &generated.timings;
        println!(
            "timings: load {:.3}s, lower {:.3}s, emit {:.3}s, format {:.3}s, write {:.3}s",
            t.load.as_secs_f64(),
            t.lower.as_secs_f64(),
            t.emit.as_secs_f64(),
            t.format.as_secs_f64(),
            write.as_secs_f64()
        );
    }
    match mode {
        Mode::Write => {
            println!(
                "regenerated from {}: {} operations, {} types, {} files ({} lines), {} changed, {} removed, {:.2}s",
                spec.path.display(),
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
