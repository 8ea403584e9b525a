//! What the codegen tests that read the pinned spec share.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The spec `cargo xtask` generates from: `$TELNYX_OPENAPI_SPEC`, else the file `spec/pin.toml`
/// names, in `spec/cache/` or `../shared/spec/`.
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
        cache
    } else {
        root().join("../shared/spec").join(file)
    }
}
