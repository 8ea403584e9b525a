//! Where the spec comes from and what generation reads beside it: the lookup (`--spec`,
//! `$TELNYX_OPENAPI_SPEC`, `spec/cache/`, `../shared/spec/`), the sha256 pin of
//! `spec/pin.toml`, and `spec/overrides.toml`, `spec/features.toml` and `spec/overlays/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The workspace root (this crate's parent directory).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// `spec/pin.toml`.
pub struct Pin {
    pub file: String,
    pub sha256: String,
    /// Every `key = "value"` line, for the keys other commands read (`repository`, `path`).
    pub values: BTreeMap<String, String>,
}

/// The `key = "value"` lines of a flat TOML file, parsed by hand to keep xtask's dependencies
/// small (and so that `update-spec` can rewrite values while keeping comments and order).
pub fn pin_values(text: &str) -> BTreeMap<String, String> {
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

pub fn read_pin(root: &Path) -> Result<Pin, String> {
    let p = root.join("spec/pin.toml");
    let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let values = pin_values(&text);
    let get = |k: &str| values.get(k).cloned().ok_or_else(|| format!("{}: missing `{k}`", p.display()));
    Ok(Pin { file: get("file")?, sha256: get("sha256")?, values })
}

/// A spec file and its text.
pub struct Spec {
    pub path: PathBuf,
    pub text: String,
}

/// The spec by the documented lookup: `spec` is `--spec PATH` (not checked against the pin),
/// `env` is `$TELNYX_OPENAPI_SPEC` (a parameter so tests do not depend on the environment).
pub fn find_spec(root: &Path, spec: Option<&Path>, env: Option<&Path>) -> Result<Spec, String> {
    if let Some(p) = spec {
        return read_spec(p);
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
    let spec = read_spec(&path)?;
    let sha = sha256(&spec.text);
    if sha != pin.sha256 {
        return Err(format!(
            "{} has sha256 {sha}, but spec/pin.toml pins {}; pass --spec to use it anyway",
            path.display(),
            pin.sha256
        ));
    }
    Ok(spec)
}

/// The official SDK's call names (`names.*` of `spec/pin.toml`, issue 25), by the documented
/// lookup: `flag` is `--names PATH` (not checked against the pin), `env` is
/// `$TELNYX_SDK_NAMES`, then `spec/cache/<names.file>`, then `../shared/sdk/<names.file>`, each
/// checked against `names.sha256`. `Ok(None)` (the naming rule names every operation, with a
/// warning) when the pin names no file or none is found; a file whose sha256 differs from the
/// pin's, or that does not parse, is an error.
pub fn find_names(
    root: &Path,
    flag: Option<&Path>,
    env: Option<&Path>,
) -> Result<Option<codegen::call_paths::Names>, String> {
    let parse = |path: &Path, text: &str| {
        codegen::call_paths::Names::parse(text).map(Some).map_err(|e| format!("{}: {e}", path.display()))
    };
    if let Some(p) = flag {
        let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        return parse(p, &text);
    }
    let pin = read_pin(root)?;
    let (Some(file), Some(pinned)) = (pin.values.get("names.file"), pin.values.get("names.sha256")) else {
        return Ok(None);
    };
    let candidates: Vec<PathBuf> = match env {
        Some(p) => vec![p.to_path_buf()],
        None => vec![root.join("spec/cache").join(file), root.join("../shared/sdk").join(file)],
    };
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        eprintln!(
            "warning: the official SDK's names ({file}) not found at {candidates:?}: every call path is the naming \
             rule's; pass --names PATH or set $TELNYX_SDK_NAMES"
        );
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let sha = sha256(&text);
    if &sha != pinned {
        return Err(format!(
            "{} has sha256 {sha}, but spec/pin.toml pins names.sha256 = {pinned}; pass --names to use it anyway",
            path.display()
        ));
    }
    parse(path, &text)
}

pub fn sha256(text: &str) -> String {
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

/// `spec/features.toml`, the Cargo feature groups; `None` (nothing gated, every type in the
/// shared types crate, telnyx-api's generated `Cargo.toml` sections left alone) when there is
/// none.
fn read_features(root: &Path) -> Result<Option<codegen::features::Groups>, String> {
    let p = root.join("spec/features.toml");
    match std::fs::read_to_string(&p) {
        Ok(text) => codegen::features::Groups::from_toml(&text).map(Some).map_err(|e| format!("{}: {e}", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "warning: {} not found: no Cargo features, nothing is gated, every type goes in the shared types crate \
                 and the generated sections of telnyx-api/Cargo.toml are not rewritten",
                p.display()
            );
            Ok(None)
        }
        Err(e) => Err(format!("cannot read {}: {e}", p.display())),
    }
}

/// `[workspace.package] version` of the workspace's `Cargo.toml`, which the generated types
/// crates are depended on with; `0.0.0` for a directory without one (a scratch workspace).
fn read_crate_version(root: &Path) -> Result<String, String> {
    let manifest = root.join("Cargo.toml");
    match std::fs::read_to_string(&manifest) {
        Ok(text) => codegen::features::workspace_version(&text).map_err(|e| format!("{}: {e}", manifest.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok("0.0.0".to_owned()),
        Err(e) => Err(format!("cannot read {}: {e}", manifest.display())),
    }
}

/// What generation reads from `spec/` besides the spec.
#[derive(Default)]
pub struct Config {
    pub overrides: codegen::naming::Overrides,
    pub features: Option<codegen::features::Groups>,
    /// The workspace's version, for the dependencies on the generated types crates.
    pub crate_version: String,
    /// `spec/overlays/*.yaml`, in file-name order.
    pub overlays: Vec<codegen::overlay::Overlay>,
    /// The official SDK's call names ([`find_names`], `$TELNYX_SDK_NAMES` honoured).
    pub names: Option<codegen::call_paths::Names>,
}

impl Config {
    /// Generate from a loaded spec with this configuration (`started`: when loading began).
    pub fn generate(
        &self,
        loaded: codegen::load::Loaded,
        started: std::time::Instant,
    ) -> Result<codegen::Generated, codegen::GenError> {
        codegen::generate_loaded_at(
            loaded,
            &self.overrides,
            self.features.as_ref(),
            &self.crate_version,
            self.names.as_ref(),
            started,
        )
    }
}

pub fn read_config(root: &Path) -> Result<Config, String> {
    Ok(Config {
        overrides: read_overrides(root)?,
        features: read_features(root)?,
        crate_version: read_crate_version(root)?,
        overlays: read_overlays(root)?,
        names: find_names(root, None, std::env::var_os("TELNYX_SDK_NAMES").map(PathBuf::from).as_deref())?,
    })
}

/// The corrections to the spec in `spec/overlays/` (OpenAPI Overlay documents), sorted by name.
pub fn read_overlays(root: &Path) -> Result<Vec<codegen::overlay::Overlay>, String> {
    codegen::overlay::read_dir(&root.join("spec/overlays"), "spec/overlays")
}

/// The spec at `path`, unchecked.
pub fn read_spec(path: &Path) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read spec {}: {e}", path.display()))?;
    Ok(Spec { path: path.to_path_buf(), text })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus;
    use crate::diff::lower_spec;

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
        let pinned = find_spec(&repo, None, None).expect("the pinned spec");
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
}
