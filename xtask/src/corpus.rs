//! `cargo xtask corpus [DIR|FILE…] [--compile] [--json]`: generate from every spec of a corpus
//! (by default the spec history sample `../shared/spec/history/` and the specs in
//! `../shared/spec/`), one row per spec, so that a generator change that breaks an older or a
//! newer spec shows before a spec update meets it.
//!
//! Generation is in memory, with the repository's `spec/overrides.toml` and
//! `spec/features.toml`; a panic is caught and reported as that spec's status. `--compile`
//! regenerates each spec into one scratch copy of the workspace (in the system's temporary
//! directory, with its own target directory shared by every spec) and runs
//! `cargo clippy -p telnyx-api --all-features -- -D warnings` there.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde_json::{json, Value};

use crate::regenerate::{sync_generated, Mode};
use crate::spec::{read_config, root, Config};

pub struct CorpusOptions {
    /// Spec files or directories of them; empty: the default corpus.
    pub inputs: Vec<PathBuf>,
    pub compile: bool,
    pub json: bool,
}

/// What happened to one spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Ok,
    /// A generation error: pointer and message.
    Error(String),
    Panic(String),
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub file: String,
    pub openapi: String,
    pub operations: usize,
    pub types: usize,
    pub warnings: Vec<(String, usize)>,
    pub seconds: f64,
    pub status: Status,
    /// `--compile`: seconds and the first error (`None`: clean).
    pub compile: Option<(f64, Option<String>)>,
}

/// The spec files of the default corpus, sorted within each directory.
pub fn default_inputs(root: &Path) -> Vec<PathBuf> {
    let shared = root.join("../shared/spec");
    vec![shared.join("history"), shared]
}

/// The spec files (`.yml`, `.yaml`, `.json`) of the inputs: directories are listed (not
/// recursively), files taken as they are.
pub fn spec_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let entries = std::fs::read_dir(input).map_err(|e| format!("cannot list {}: {e}", input.display()))?;
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.extension().and_then(|x| x.to_str()).is_some_and(|x| ["yml", "yaml", "json"].contains(&x))
                })
                .collect();
            files.sort();
            out.extend(files);
        } else if input.is_file() {
            out.push(input.clone());
        } else {
            return Err(format!("{}: no such file or directory", input.display()));
        }
    }
    if out.is_empty() {
        return Err(format!("no spec files (.yml, .yaml, .json) in {inputs:?}"));
    }
    Ok(out)
}

/// Generate from one spec file in memory; never panics.
pub fn generate_one(path: &Path, config: &Config) -> (Row, Option<codegen::Generated>) {
    let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut row = Row {
        file,
        openapi: String::new(),
        operations: 0,
        types: 0,
        warnings: Vec::new(),
        seconds: 0.0,
        status: Status::Ok,
        compile: None,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            row.status = Status::Error(format!("cannot read {}: {e}", path.display()));
            return (row, None);
        }
    };
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<(String, codegen::Generated), codegen::GenError> {
        let loaded = codegen::load::load_with(&text, &config.overlays)?;
        let version = loaded.raw.get("openapi").and_then(Value::as_str).unwrap_or("?").to_owned();
        let generated = config.generate(loaded, started)?;
        Ok((version, generated))
    }));
    row.seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(Ok((version, generated))) => {
            row.openapi = version;
            row.operations = generated.ir.operations.len();
            row.types = generated.ir.types.len();
            row.warnings = generated.warning_kinds.clone();
            (row, Some(generated))
        }
        Ok(Err(e)) => {
            row.openapi = openapi_version(&text);
            row.status = Status::Error(e.to_string());
            (row, None)
        }
        Err(panic) => {
            row.openapi = openapi_version(&text);
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "(no message)".to_owned());
            row.status = Status::Panic(message);
            (row, None)
        }
    }
}

/// The `openapi:` line of a spec that did not load, for the table.
fn openapi_version(text: &str) -> String {
    text.lines()
        .find_map(|l| l.trim_start_matches(['{', ' ', '"']).strip_prefix("openapi"))
        .map(|rest| {
            rest.trim_start_matches(['"', ':', ' ']).trim_end_matches([',', '"', ' ']).trim_matches('\'').to_owned()
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// `cargo xtask corpus`.
pub fn corpus(opts: &CorpusOptions) -> Result<ExitCode, String> {
    let root = root();
    let inputs = if opts.inputs.is_empty() { default_inputs(&root) } else { opts.inputs.clone() };
    let files = spec_files(&inputs)?;
    let mut config = read_config(&root)?;
    // The corrections of today's spec need not fit the specs of other years.
    for o in &mut config.overlays {
        o.strict = false;
    }
    let scratch = if opts.compile { Some(Scratch::new(&root)?) } else { None };
    let mut rows = Vec::new();
    for path in &files {
        eprintln!("corpus: {} …", path.display());
        let (mut row, generated) = generate_one(path, &config);
        if let (Some(scratch), Some(generated)) = (&scratch, &generated) {
            row.compile = Some(scratch.compile(generated)?);
        }
        rows.push(row);
    }
    if opts.json {
        let json = serde_json::to_string_pretty(&to_json(&rows)).map_err(|e| format!("cannot render JSON: {e}"))?;
        println!("{json}");
    } else {
        print!("{}", table(&rows));
    }
    let s = Summary::of(&rows);
    println!("{}", s.line(opts.compile));
    let failed = s.generated < rows.len() || (opts.compile && s.compiled < rows.len());
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

struct Summary {
    generated: usize,
    compiled: usize,
    panics: usize,
    total: usize,
}

impl Summary {
    fn of(rows: &[Row]) -> Self {
        Summary {
            generated: rows.iter().filter(|r| r.status == Status::Ok).count(),
            compiled: rows.iter().filter(|r| matches!(r.compile, Some((_, None)))).count(),
            panics: rows.iter().filter(|r| matches!(r.status, Status::Panic(_))).count(),
            total: rows.len(),
        }
    }

    fn line(&self, compile: bool) -> String {
        let compiled = if compile { format!("{}/{}", self.compiled, self.total) } else { "not run".to_owned() };
        format!("corpus: {}/{} generate, {compiled} compile, {} panics", self.generated, self.total, self.panics)
    }
}

fn status_text(s: &Status) -> String {
    match s {
        Status::Ok => "ok".to_owned(),
        Status::Error(e) => format!("error: {e}"),
        Status::Panic(m) => format!("PANIC: {m}"),
    }
}

/// A short column label for a spec file: `telnyx-2019-12-18.yml` → `2019-12-18`.
fn label(file: &str) -> String {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    stem.strip_prefix("telnyx-").unwrap_or(stem).to_owned()
}

/// The table: one row per spec, then the warnings by kind (rows) and spec (columns).
pub fn table(rows: &[Row]) -> String {
    let compile = rows.iter().any(|r| r.compile.is_some());
    let mut out = String::from("| spec | OpenAPI | operations | types | warnings | generate s | status |");
    out.push_str(if compile { " compile s | clippy |\n" } else { "\n" });
    out.push_str("| --- | --- | ---: | ---: | ---: | ---: | --- |");
    out.push_str(if compile { " ---: | --- |\n" } else { "\n" });
    for r in rows {
        let warnings: usize = r.warnings.iter().map(|(_, n)| n).sum();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2} | {} |",
            r.file,
            r.openapi,
            r.operations,
            r.types,
            warnings,
            r.seconds,
            cell(&status_text(&r.status))
        ));
        if compile {
            match &r.compile {
                Some((secs, None)) => out.push_str(&format!(" {secs:.0} | clean |")),
                Some((secs, Some(e))) => out.push_str(&format!(" {secs:.0} | {} |", cell(e))),
                None => out.push_str(" – | – |"),
            }
        }
        out.push('\n');
    }
    let mut kinds: Vec<&str> = Vec::new();
    for r in rows {
        for (k, _) in &r.warnings {
            if !kinds.contains(&k.as_str()) {
                kinds.push(k);
            }
        }
    }
    if !kinds.is_empty() {
        out.push_str("\nWarnings by kind and spec:\n\n| kind |");
        for r in rows {
            out.push_str(&format!(" {} |", label(&r.file)));
        }
        out.push_str("\n| --- |");
        out.push_str(&" ---: |".repeat(rows.len()));
        out.push('\n');
        for k in kinds {
            out.push_str(&format!("| {} |", cell(k)));
            for r in rows {
                match r.warnings.iter().find(|(w, _)| w == k) {
                    Some((_, n)) => out.push_str(&format!(" {n} |")),
                    None => out.push_str(" · |"),
                }
            }
            out.push('\n');
        }
    }
    out
}

fn cell(s: &str) -> String {
    let one_line = s.replace('|', "\\|").replace('\n', " ");
    if one_line.chars().count() > 300 {
        format!("{}…", one_line.chars().take(300).collect::<String>())
    } else {
        one_line
    }
}

pub fn to_json(rows: &[Row]) -> Value {
    let s = Summary::of(rows);
    let specs: Vec<Value> = rows
        .iter()
        .map(|r| {
            let (status, message) = match &r.status {
                Status::Ok => ("ok", None),
                Status::Error(e) => ("error", Some(e.clone())),
                Status::Panic(m) => ("panic", Some(m.clone())),
            };
            let warnings: BTreeMap<&str, usize> = r.warnings.iter().map(|(k, n)| (k.as_str(), *n)).collect();
            json!({
                "file": r.file,
                "openapi": r.openapi,
                "operations": r.operations,
                "types": r.types,
                "warnings": warnings,
                "generate_seconds": r.seconds,
                "status": status,
                "message": message,
                "compile_seconds": r.compile.as_ref().map(|(s, _)| *s),
                "compile_error": r.compile.as_ref().and_then(|(_, e)| e.clone()),
                "compiled": r.compile.as_ref().map(|(_, e)| e.is_none()),
            })
        })
        .collect();
    json!({ "specs": specs, "generated": s.generated, "panics": s.panics })
}

/// A scratch copy of the workspace that specs are regenerated into and compiled.
struct Scratch {
    dir: PathBuf,
    target: PathBuf,
}

/// What the scratch copy leaves out.
const SKIP: &[&str] = &["target", ".git", "node_modules", "cache"];

impl Scratch {
    fn new(root: &Path) -> Result<Self, String> {
        let base = std::env::temp_dir().join("telnyx-api-corpus");
        let dir = base.join("workspace");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        copy_tree(root, &dir)?;
        eprintln!("corpus: compiling in {} (target directory {})", dir.display(), base.join("target").display());
        Ok(Scratch { dir, target: base.join("target") })
    }

    /// Write the generated files into the copy and run clippy: seconds and the first error.
    fn compile(&self, generated: &codegen::Generated) -> Result<(f64, Option<String>), String> {
        sync_generated(&self.dir, generated, &Mode::Write)?;
        let started = Instant::now();
        let out = Command::new("cargo")
            .args(["clippy", "-q", "-p", "telnyx-api", "--all-features", "--target-dir"])
            .arg(&self.target)
            .args(["--", "-D", "warnings"])
            .current_dir(&self.dir)
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let secs = started.elapsed().as_secs_f64();
        if out.status.success() {
            return Ok((secs, None));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        Ok((secs, Some(first_error(&stderr))))
    }
}

/// The first `error…` line of cargo's output and the location line after it.
fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(i) = lines.iter().position(|l| l.starts_with("error")) else {
        return stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("cargo clippy failed").to_owned();
    };
    let location = lines[i + 1..].iter().take(3).find_map(|l| l.trim_start().strip_prefix("--> "));
    match location {
        Some(at) => format!("{} at {at}", lines[i]),
        None => lines[i].to_owned(),
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("cannot list {}: {e}", from.display()))?;
    for e in entries.flatten() {
        let name = e.file_name();
        if SKIP.iter().any(|s| name == *s) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| format!("cannot copy {}: {e}", src.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_versions_and_errors() {
        assert_eq!(label("telnyx-2019-12-18.yml"), "2019-12-18");
        assert_eq!(label("spec.json"), "spec");
        assert_eq!(openapi_version("info: {}\nopenapi: 3.0.1\n"), "3.0.1");
        assert_eq!(openapi_version("{\"openapi\": \"3.1.0\",\n"), "3.1.0");
        let stderr = "warning: x\nerror[E0412]: cannot find type `Foo`\n  --> src/a.rs:1:2\n   |\n";
        assert_eq!(first_error(stderr), "error[E0412]: cannot find type `Foo` at src/a.rs:1:2");
    }

    #[test]
    fn a_corpus_of_tiny_specs_reports_each_spec() {
        let dir = tempfile::tempdir().unwrap();
        let ok = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      tags: [A]\n      responses:\n        '204': {description: none}\n";
        std::fs::write(dir.path().join("a-ok.yml"), ok).unwrap();
        std::fs::write(
            dir.path().join("b-bad.yml"),
            ok.replace("'204': {description: none}", "'200': {$ref: '#/components/responses/Nope'}"),
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a spec").unwrap();
        let files = spec_files(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(files.len(), 2);
        let config = Config::default();
        let rows: Vec<Row> = files.iter().map(|f| generate_one(f, &config).0).collect();
        assert_eq!((rows[0].status.clone(), rows[0].operations, rows[0].openapi.as_str()), (Status::Ok, 1, "3.0.0"));
        match &rows[1].status {
            Status::Error(e) => assert!(e.contains("#/paths/~1a/get/responses/200"), "{e}"),
            other => panic!("{other:?}"),
        }
        let text = table(&rows);
        assert!(text.contains("| a-ok.yml | 3.0.0 | 1 |"), "{text}");
        assert_eq!(Summary::of(&rows).line(false), "corpus: 1/2 generate, not run compile, 0 panics");
        let json = to_json(&rows);
        assert_eq!((json["generated"].as_u64(), json["specs"][1]["status"].as_str()), (Some(1), Some("error")));
    }
}
