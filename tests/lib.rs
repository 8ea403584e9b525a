//! Helpers for the workspace-level tests in `tests/tests/`.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The pinned spec, found as `cargo xtask` finds it: `$TELNYX_OPENAPI_SPEC`, then
/// `spec/cache/<file>`, then `../shared/spec/<file>`, with `<file>` from `spec/pin.toml`.
pub fn pinned_spec_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TELNYX_OPENAPI_SPEC") {
        return PathBuf::from(p);
    }
    let pin = std::fs::read_to_string(root().join("spec/pin.toml")).expect("spec/pin.toml");
    let file = pin
        .lines()
        .find_map(|l| l.trim().strip_prefix("file").and_then(|r| r.trim().strip_prefix('=')))
        .map(|v| v.trim().trim_matches('"').to_owned())
        .expect("`file` in spec/pin.toml");
    let cache = root().join("spec/cache").join(&file);
    if cache.is_file() {
        return cache;
    }
    root().join("../shared/spec").join(file)
}

/// The pinned spec as JSON.
pub fn pinned_spec() -> serde_json::Value {
    let path = pinned_spec_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

/// HTTP methods OpenAPI path items can hold.
pub const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];
