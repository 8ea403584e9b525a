//! The generated catalogue has exactly one entry per (method, path) of the pinned spec (with the
//! operations `spec/overlays/` adds); the expectation is read from the spec itself, not typed in.

use std::collections::{BTreeMap, BTreeSet};

use telnyx_api::catalogue::OPERATIONS;
use workspace_tests::{generated_spec, METHODS};

#[test]
fn one_entry_per_operation_of_the_pinned_spec() {
    let spec = generated_spec();
    let mut expected: BTreeMap<(String, String), Option<String>> = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for m in METHODS {
            if let Some(op) = item.get(*m) {
                let id = op.get("operationId").and_then(|v| v.as_str()).map(str::to_owned);
                expected.insert((m.to_uppercase(), path.clone()), id);
            }
        }
    }
    // operationId → its first (method, path) in spec order.
    let mut first: BTreeMap<&String, (String, String)> = BTreeMap::new();
    let mut duplicated = BTreeSet::new();
    for path in spec["paths"].as_object().expect("paths").keys() {
        for m in METHODS {
            let key = (m.to_uppercase(), path.clone());
            if let Some(Some(id)) = expected.get(&key) {
                if first.contains_key(id) {
                    duplicated.insert(id);
                } else {
                    first.insert(id, key);
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    for op in OPERATIONS {
        let key = (op.method.to_owned(), op.path.to_owned());
        assert!(seen.insert(key.clone()), "duplicate catalogue entry {key:?}");
        let spec_id = expected.get(&key).unwrap_or_else(|| panic!("{key:?} is not in the spec"));
        match spec_id {
            // A duplicated operationId is kept by its first operation; the loader renames the
            // others (with a warning), so their catalogue id differs from the spec's.
            Some(id) if duplicated.contains(id) && first.get(id) != Some(&key) => {
                assert_ne!(op.operation_id, id, "{key:?}");
                assert!(op.has_operation_id);
            }
            Some(id) => {
                assert_eq!(op.operation_id, id, "{key:?}");
                assert!(op.has_operation_id);
            }
            None => assert!(!op.has_operation_id, "{key:?} has no operationId in the spec"),
        }
    }
    let missing: Vec<_> = expected.keys().filter(|k| !seen.contains(*k)).collect();
    assert!(missing.is_empty(), "operations missing from the catalogue: {missing:?}");
    assert_eq!(OPERATIONS.len(), expected.len());
}

#[test]
fn method_names_are_unique_per_module_and_snake_case() {
    let mut seen = BTreeSet::new();
    for op in OPERATIONS {
        assert!(seen.insert((op.module, op.rust_method)), "{} {} twice", op.module, op.rust_method);
        assert!(
            op.rust_method.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{}",
            op.rust_method
        );
    }
}

#[test]
fn every_component_schema_has_a_type() {
    // Every component schema becomes a type of the same (converted) name or an override.
    let spec = generated_spec();
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    // The types crates' sources (`telnyx-api/types/<crate>/src/*.rs`).
    let crates = std::fs::read_dir(workspace_tests::root().join("telnyx-api/types")).expect("generated types crates");
    let generated = crates
        .flat_map(|c| std::fs::read_dir(c.expect("entry").path().join("src")).expect("src of a types crate"))
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
        .collect::<String>();
    let missing: Vec<&String> = schemas
        .keys()
        .filter(|name| {
            let rust = codegen::naming::type_name(name);
            !(generated.contains(&format!("pub struct {rust} "))
                || generated.contains(&format!("pub enum {rust} "))
                || generated.contains(&format!("pub type {rust} ")))
        })
        .collect();
    assert!(missing.is_empty(), "component schemas without a generated type: {missing:?}");
}

/// The operations with a dedup key are those the spec gives one, read here from the spec
/// itself: an `Idempotency-Key` header parameter, or a string member of the JSON body (its own
/// properties or those of its `allOf` parts) whose description says a repeat with the same
/// value is ignored or that it is an idempotency key. The counts per kind are printed.
#[test]
fn dedup_keys_are_those_the_spec_gives() {
    use workspace_tests::resolve;
    let spec = generated_spec();
    let promises = |doc: &str| {
        let d = doc.to_ascii_lowercase();
        d.contains("idempoten")
            || d.contains("safely retrying")
            || (d.contains("ignore") && d.contains("with the same"))
            || (d.contains("duplicate") && d.contains("on retry"))
    };
    fn members<'a>(
        spec: &'a serde_json::Value,
        schema: &'a serde_json::Value,
        out: &mut Vec<(&'a str, &'a serde_json::Value)>,
    ) {
        let schema = resolve(spec, schema);
        if let Some(props) = schema.get("properties").and_then(|p| p.as_object()) {
            out.extend(props.iter().map(|(k, v)| (k.as_str(), resolve(spec, v))));
        }
        for part in schema.get("allOf").and_then(|a| a.as_array()).into_iter().flatten() {
            members(spec, part, out);
        }
    }
    let mut expected: BTreeMap<(String, String), String> = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let params = item.get("parameters").and_then(|p| p.as_array()).into_iter().flatten();
            let params = params.chain(op.get("parameters").and_then(|p| p.as_array()).into_iter().flatten());
            let header = params.map(|p| resolve(&spec, p)).find(|p| {
                p["in"] == "header"
                    && (p["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("idempotency-key"))
                        || p["description"].as_str().is_some_and(promises))
            });
            let key = (m.to_uppercase(), path.clone());
            if let Some(h) = header {
                expected.insert(key, format!("header:{}", h["name"].as_str().unwrap_or_default()));
                continue;
            }
            let body = op.get("requestBody").map(|b| resolve(&spec, b));
            let Some(schema) = body.and_then(|b| b.pointer("/content/application~1json/schema")) else { continue };
            let mut found = Vec::new();
            members(&spec, schema, &mut found);
            let member =
                found.iter().find(|(_, s)| s["type"] == "string" && s["description"].as_str().is_some_and(promises));
            if let Some((name, _)) = member {
                expected.insert(key, format!("member:{name}"));
            }
        }
    }
    let got: BTreeMap<(String, String), String> = OPERATIONS
        .iter()
        .filter_map(|op| op.dedup_key.map(|k| ((op.method.to_owned(), op.path.to_owned()), k.to_owned())))
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for k in got.values() {
        *counts.entry(k.as_str()).or_default() += 1;
    }
    println!("operations with a dedup key: {} of {} ({counts:?})", got.len(), OPERATIONS.len());
    assert!(!expected.is_empty(), "the spec gives dedup keys");
    assert_eq!(got, expected);
}
