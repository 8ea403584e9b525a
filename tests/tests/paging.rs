//! Every operation of the pinned spec that looks paged either streams its items or is listed,
//! with the reason, in `spec/paging.toml`; so no list operation is missed unknowingly.
//!
//! "Looks paged" is read from the spec here with a deliberately wider net than the generator's
//! (any query parameter whose name mentions page, cursor, offset, limit or token), so the test
//! also catches paging styles the generator has never heard of.

use std::collections::BTreeMap;

use serde_json::Value;
use telnyx_api::catalogue::{OPERATIONS, UNRECOGNISED_PAGING};
use workspace_tests::{pinned_spec, METHODS};

fn looks_paged(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["page", "cursor", "offset", "limit", "token"].iter().any(|w| n.contains(w))
}

/// Query parameter names of each operation (by method and path) that look paged.
fn paged_looking(spec: &Value) -> BTreeMap<(String, String), Vec<String>> {
    let resolve = |p: &Value| -> Value {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => spec.pointer(r.trim_start_matches('#')).cloned().unwrap_or(Value::Null),
            None => p.clone(),
        }
    };
    let mut out = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let shared: Vec<Value> = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let own: Vec<Value> = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            let names: Vec<String> = own
                .iter()
                .chain(&shared)
                .map(resolve)
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .filter(|n| looks_paged(n))
                .collect();
            if !names.is_empty() {
                out.insert((m.to_uppercase(), path.clone()), names);
            }
        }
    }
    out
}

#[test]
fn every_paged_looking_operation_streams_or_is_acknowledged() {
    let spec = pinned_spec();
    let text = std::fs::read_to_string(workspace_tests::root().join("spec/paging.toml")).expect("spec/paging.toml");
    let table: toml::Table = toml::from_str(&text).expect("spec/paging.toml parses");
    let acknowledged = table.get("no_item_stream").and_then(|v| v.as_table()).cloned().unwrap_or_default();

    let mut streams: BTreeMap<&str, usize> = BTreeMap::new();
    let mut without = Vec::new();
    let mut stale = Vec::new();
    for ((method, path), params) in paged_looking(&spec) {
        let op = OPERATIONS.iter().find(|o| o.method == method && o.path == path).expect("catalogue entry");
        let id = op.operation_id.to_owned();
        match (op.item_stream, acknowledged.get(&id)) {
            (Some(s), None) => *streams.entry(s.style).or_default() += 1,
            (Some(_), Some(_)) => stale.push(id),
            (None, Some(_)) => {}
            (None, None) => {
                let why = UNRECOGNISED_PAGING
                    .iter()
                    .find(|u| u.operation_id == id)
                    .map_or("the generator does not consider these paging parameters", |u| u.reason);
                without.push(format!("{id} ({}): {why}", params.join(", ")));
            }
        }
    }
    println!("item streams by style: {streams:?}");
    assert!(
        without.is_empty(),
        "operations that look paged but get no item stream; teach codegen/src/paging.rs their \
         style or acknowledge them in spec/paging.toml:\n  {}",
        without.join("\n  ")
    );
    assert!(stale.is_empty(), "acknowledged in spec/paging.toml but streamed now; remove them: {stale:?}");
    for id in acknowledged.keys() {
        assert!(OPERATIONS.iter().any(|o| o.operation_id == id), "spec/paging.toml names unknown operation {id}");
    }
}

#[test]
fn every_generator_unrecognised_operation_is_acknowledged() {
    let text = std::fs::read_to_string(workspace_tests::root().join("spec/paging.toml")).expect("spec/paging.toml");
    let table: toml::Table = toml::from_str(&text).expect("spec/paging.toml parses");
    let acknowledged = table.get("no_item_stream").and_then(|v| v.as_table()).cloned().unwrap_or_default();
    let missing: Vec<String> = UNRECOGNISED_PAGING
        .iter()
        .filter(|u| !acknowledged.contains_key(u.operation_id))
        .map(|u| format!("{} at {}: {}", u.operation_id, u.pointer, u.reason))
        .collect();
    assert!(
        missing.is_empty(),
        "unrecognised paging not acknowledged in spec/paging.toml:\n  {}",
        missing.join("\n  ")
    );
}
