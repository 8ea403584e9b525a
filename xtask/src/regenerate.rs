//! `cargo xtask regenerate` and `cargo xtask check`: generate from the spec, then write the
//! generated files and sections, or compare them with the committed ones and name the stale.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::args::Args;
use crate::spec::{find_spec, read_config, root, Config, Spec};

/// The options of `regenerate` and `check`.
pub struct Options {
    /// `--spec PATH`: this spec, not the pinned one.
    pub spec: Option<PathBuf>,
    /// `--timings`: print the time of each phase.
    pub timings: bool,
    /// `--names PATH`: the official SDK's call names from this file, not the pinned one.
    pub names: Option<PathBuf>,
}

impl From<&Args> for Options {
    fn from(a: &Args) -> Self {
        Options {
            spec: a.value("--spec").map(PathBuf::from),
            timings: a.flag("--timings"),
            names: a.value("--names").map(PathBuf::from),
        }
    }
}

/// Write the generated files, or only compare them with those on disk.
#[derive(PartialEq)]
pub enum Mode {
    Write,
    Check,
}

/// `cargo xtask regenerate` (write mode) and `cargo xtask check` (check mode).
pub fn regenerate(opts: &Options, mode: Mode) -> Result<ExitCode, String> {
    let started = Instant::now();
    let root = root();
    let env = std::env::var_os("TELNYX_OPENAPI_SPEC").map(PathBuf::from);
    let spec = find_spec(&root, opts.spec.as_deref(), env.as_deref())?;
    let mut config = read_config(&root)?;
    if let Some(names) = &opts.names {
        config.names = crate::spec::find_names(&root, Some(names), None)?;
    }
    let generated = generate(&spec, &config)?;
    write_generated(&root, &spec.path, &generated, mode, opts.timings, started)
}

/// Generate from spec text; errors name the file and the JSON pointer.
pub fn generate(spec: &Spec, config: &Config) -> Result<codegen::Generated, String> {
    let at = |e: codegen::GenError| format!("{}: {e}", spec.path.display());
    let started = Instant::now();
    let loaded = codegen::load::load_with(&spec.text, &config.overlays).map_err(at)?;
    let generated = config.generate(loaded, started).map_err(at)?;
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
pub fn sync_generated(
    root: &Path,
    generated: &codegen::Generated,
    mode: &Mode,
) -> Result<(Vec<String>, Vec<String>), String> {
    let types_dir = codegen::emit::crates::TYPES_DIR;
    let existing: Vec<String> = [codegen::emit::CRATE_DIR, codegen::emit::TESTS_DIR, types_dir]
        .iter()
        .flat_map(|d| list_generated(&root.join(d)).into_iter().map(move |f| format!("{d}/{f}")))
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
        let types_root = root.join(types_dir);
        for rel in &stale {
            let path = root.join(rel);
            // A types crate generated no more (a group without types of its own any more) goes
            // whole: a directory left under `telnyx-api/types/` without its `Cargo.toml` would
            // stop the workspace (its members are `telnyx-api/types/*`) from loading.
            let gone_crate = path.file_name().is_some_and(|n| n == "Cargo.toml") && path.starts_with(&types_root);
            match path.parent().filter(|_| gone_crate) {
                Some(dir) => {
                    std::fs::remove_dir_all(dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?
                }
                None if path.exists() => {
                    std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?
                }
                None => {} // in a crate removed above
            }
        }
    }
    Ok((changed, stale))
}

/// Write (or, in check mode, compare) the generated files under `root` and print the summary.
pub fn write_generated(
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

/// The generated files under `dir` (`.rs` files and the types crates' `Cargo.toml`), relative,
/// with `/` separators.
fn list_generated(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if p.extension().is_some_and(|x| x == "rs") || p.file_name().is_some_and(|n| n == "Cargo.toml") {
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

    /// A types crate generated no more goes whole, whatever else its directory holds; the
    /// generated files are written and a file no longer generated elsewhere is removed.
    #[test]
    fn a_types_crate_generated_no_more_is_removed_whole() {
        let spec = std::fs::read_to_string(crate::test_support::fixture("old.yaml")).unwrap();
        let generated = codegen::generate(&spec, &Default::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        let old = ws.join(codegen::emit::crates::TYPES_DIR).join("gone");
        std::fs::create_dir_all(old.join("src")).unwrap();
        for f in ["Cargo.toml", "src/lib.rs", "src/shared.rs", "notes.txt"] {
            std::fs::write(old.join(f), "x").unwrap();
        }
        let stale_api = ws.join(codegen::emit::CRATE_DIR).join("apis/gone.rs");
        std::fs::create_dir_all(stale_api.parent().unwrap()).unwrap();
        std::fs::write(&stale_api, "x").unwrap();

        let (changed, stale) = sync_generated(ws, &generated, &Mode::Write).unwrap();
        assert_eq!(changed.len(), generated.files.len());
        assert!(stale.iter().any(|f| f.ends_with("types/gone/Cargo.toml")), "{stale:?}");
        assert!(!old.exists(), "the crate directory is left");
        assert!(!stale_api.exists());
        let common = ws.join(codegen::emit::crates::TYPES_DIR).join("common/Cargo.toml");
        assert!(common.is_file());
        let (changed, stale) = sync_generated(ws, &generated, &Mode::Check).unwrap();
        assert!(changed.is_empty() && stale.is_empty(), "{changed:?} {stale:?}");
    }
}
