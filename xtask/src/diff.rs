//! `cargo xtask diff OLD NEW`: what changed between two spec files for users of the generated
//! crate, as `codegen::diff` reports it.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use crate::args::Args;
use crate::spec::{read_config, read_spec, root, Config};

/// Load and lower one spec file; errors name the file and the JSON pointer.
pub fn lower_spec(path: &Path, text: &str, config: &Config) -> Result<codegen::ir::Ir, String> {
    let at = |e: codegen::GenError| format!("{}: {e}", path.display());
    let loaded = codegen::load::load_with(text, &config.overlays).map_err(at)?;
    for w in &loaded.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
    let mut ir =
        codegen::lower::lower_with_webhooks(&loaded.openapi, &loaded.webhooks, &config.overrides).map_err(at)?;
    // Call paths as the generated crate has them, so that a moved call reads as a rename.
    codegen::call_paths::apply(&mut ir, config.names.as_ref());
    Ok(ir)
}

/// `cargo xtask diff OLD NEW`.
pub fn diff(a: &Args) -> Result<ExitCode, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{fixture, strings};

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
