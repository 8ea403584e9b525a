//! Regeneration timing for `cargo xtask bench`: regenerate with a release-built generator, best
//! of N, by phase, against parsing the spec alone; and the size of the generated code.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{cargo, secs};
use crate::regenerate::{sync_generated, Mode};
use crate::spec::{find_spec, read_config, root};

/// `cargo xtask bench-regen --runs N` (what `bench` runs in a release build): regenerate in
/// memory `runs` times and print the best figures as JSON.
pub fn bench_regen(runs: usize) -> Result<ExitCode, String> {
    println!("{}", regen_figures(runs)?);
    Ok(ExitCode::SUCCESS)
}

/// The regeneration figures of `bench`, from a release-built generator: this program when it is
/// one, else a release build of it (into `target`) running `bench-regen`.
pub(super) fn figures(root: &Path, target: &Path, runs: usize) -> Result<Value, String> {
    eprintln!("bench: regenerating {runs} times with a release-built generator …");
    if !cfg!(debug_assertions) {
        return regen_figures(runs);
    }
    cargo(root, target, &["build", "--release", "-q", "-p", "xtask"], None)?;
    let exe = target.join("release").join(format!("xtask{}", std::env::consts::EXE_SUFFIX));
    let out = Command::new(&exe)
        .args(["bench-regen", "--runs", &runs.to_string()])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!("{} bench-regen failed", exe.display()));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("bench-regen printed no JSON: {e}"))
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
        let spec = find_spec(&root, None, env.as_deref())?;
        let at = |e: codegen::GenError| format!("{}: {e}", spec.path.display());
        let t = Instant::now();
        let loaded = codegen::load::load_with(&spec.text, &config.overlays).map_err(at)?;
        let generated = config.generate(loaded, t).map_err(at)?;
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

pub(super) fn print_regen(r: &Value) {
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

pub(super) fn print_size(r: &Value) {
    println!("\ngenerated code: {} files, {} lines; largest:", r["files"], r["lines"]);
    for f in r["largest"].as_array().into_iter().flatten() {
        println!("  {:<60} {:>7}", f[0].as_str().unwrap_or_default(), f[1]);
    }
}
