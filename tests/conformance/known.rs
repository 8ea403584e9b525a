//! `spec/known-spec-issues.toml`: the expected failures of the conformance and example tests,
//! each with evidence. A listed case that passes is an error too, so the list stays true.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issue {
    /// Operation id (checks `static`/`dynamic`) or the JSON pointer of an example (`example`).
    pub id: String,
    /// Which check fails: `static`, `dynamic` or `example`.
    pub check: String,
    /// Short classification (`prism-limitation`, `example-violates-schema`, ...).
    pub kind: String,
    /// Why this is the spec's (or Prism's) fault and not the SDK's.
    pub evidence: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    issue: Vec<Issue>,
}

/// Load the list; a malformed file is a test failure.
pub fn load(path: &Path) -> Vec<Issue> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for i in &file.issue {
        assert!(
            matches!(i.check.as_str(), "static" | "dynamic" | "example"),
            "{}: issue {:?} has unknown check {:?}",
            path.display(),
            i.id,
            i.check
        );
        assert!(!i.evidence.trim().is_empty(), "{}: issue {:?} has no evidence", path.display(), i.id);
    }
    file.issue
}

/// Compare the failures of `check` (id → reason) with the listed issues of that check; returns
/// one line per discrepancy (an unlisted failure, or a listed case that did not fail). `seen`
/// holds every id the check ran, so that a listed id the check never ran is reported too.
pub fn compare(check: &str, failures: &BTreeMap<String, String>, seen: &[String], known: &[Issue]) -> Vec<String> {
    let listed: BTreeMap<&str, &Issue> =
        known.iter().filter(|i| i.check == check).map(|i| (i.id.as_str(), i)).collect();
    let mut problems = Vec::new();
    for (id, why) in failures {
        if !listed.contains_key(id.as_str()) {
            problems.push(format!("[{check}] {id}: unlisted failure: {why}"));
        }
    }
    for (id, issue) in &listed {
        if !failures.contains_key(*id) {
            if seen.iter().any(|s| s == id) {
                problems.push(format!(
                    "[{check}] {id}: listed as a known {} but passes now; remove it from spec/known-spec-issues.toml",
                    issue.kind
                ));
            } else {
                problems.push(format!("[{check}] {id}: listed but not a case of this check (typo?)"));
            }
        }
    }
    problems
}
