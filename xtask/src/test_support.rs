//! Helpers shared by the tests of several modules.

use std::path::PathBuf;

use crate::spec::root;

/// A spec of `codegen/tests/specs/diff/` (`old.yaml`, `new.yaml`).
pub fn fixture(name: &str) -> PathBuf {
    root().join("codegen/tests/specs/diff").join(name)
}

pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}
