//! `cargo xtask update-spec PATH`: pin a new spec in `spec/pin.toml`, copy it to
//! `spec/cache/`, regenerate, and report the diff against the previously pinned spec and what
//! to do to `spec/features.toml`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::diff::lower_spec;
use crate::regenerate::{generate, write_generated, Mode};
use crate::spec::{find_spec, read_config, read_pin, read_spec, sha256, Config, Pin};

/// The arguments of `update-spec`.
pub struct UpdateOptions {
    /// The new spec file.
    pub spec: PathBuf,
    /// `--source URL`: where the spec came from.
    pub source: Option<String>,
    /// `--commit SHA`: the upstream commit it came from.
    pub commit: Option<String>,
    /// `--report FILE`: also write the report there, as Markdown.
    pub report: Option<PathBuf>,
    /// `--timings`: print the time of each phase of the regeneration.
    pub timings: bool,
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
    let old = find_spec(root, None, env)
        .map_err(|e| format!("the previously pinned spec ({}) is not available: {e}", pin.file))?;
    lower_spec(&old.path, &old.text, config).map_err(|e| format!("the previously pinned spec does not lower: {e}"))
}

/// `cargo xtask update-spec PATH`: pin, cache, regenerate, report. `env` is
/// `$TELNYX_OPENAPI_SPEC`, used to find the previously pinned spec.
pub fn update_spec(root: &Path, opts: &UpdateOptions, env: Option<PathBuf>) -> Result<ExitCode, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus;
    use crate::spec::{pin_values, read_overlays, root};
    use crate::test_support::fixture;

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
        assert_eq!(find_spec(dir.path(), None, None).unwrap().text, new);
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
        let pinned = find_spec(&repo, None, None).expect("the pinned spec");

        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        for f in [
            "Cargo.toml",
            "spec/pin.toml",
            "spec/features.toml",
            "spec/overrides.toml",
            "README.md",
            "CHANGELOG.md",
            "telnyx-api/Cargo.toml",
        ] {
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
        assert!(
            cargo.lines().any(|l| l.starts_with("other = [") && l.contains("\"telnyx-api-types/other\"")),
            "{cargo}"
        );
        assert!(
            ws.join(codegen::emit::crates::TYPES_DIR).join("other/Cargo.toml").is_file(),
            "no crate of `other`'s types"
        );
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
            // A parameter `$ref` to nothing: no value to send in its place, so an error (a
            // schema `$ref` to nothing is repaired into an untyped value).
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/Missing'\n      responses:\n        '200':\n          description: ok\n",
        )
        .unwrap();
        let pin_before = std::fs::read_to_string(dir.path().join("spec/pin.toml")).unwrap();
        let e = update_spec(dir.path(), &options(bad.clone(), None), None).unwrap_err();
        assert!(e.contains(&bad.display().to_string()), "{e}");
        assert!(e.contains("#/paths/~1a/get/parameters/0"), "{e}");
        assert_eq!(std::fs::read_to_string(dir.path().join("spec/pin.toml")).unwrap(), pin_before);
        assert!(!dir.path().join("spec/cache/bad.yaml").exists());
        let missing = update_spec(dir.path(), &options(dir.path().join("nope.yaml"), None), None).unwrap_err();
        assert!(missing.contains("nope.yaml"), "{missing}");
    }
}
