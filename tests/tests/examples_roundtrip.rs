//! Every `example` / `examples` value of the pinned spec whose schema has a generated type
//! deserializes into that type and serializes back to equivalent JSON.
//!
//! Where examples are found: media types (`content.<type>.example`, each of `examples`, with
//! `$ref`s to `#/components/examples` followed), parameters and headers (`example`,
//! `examples`), and schemas (`example` on any schema: components, inline bodies and
//! responses, properties, items, `allOf`/`oneOf`/`anyOf` members). The type is looked up in
//! `workspace_tests::generated::SCHEMAS` by the pointer of the example's schema, or, when that
//! schema is a `$ref`, by the pointer it refers to. Examples whose schema has no generated type
//! (plain strings, numbers, merged `allOf` parts) are counted as skipped.
//!
//! **Equivalent** means, with `E` the example and `R` the round-tripped value:
//! * scalars are equal (numbers compared as numbers: `1` equals `1.0`);
//! * arrays have the same length and equivalent items in order;
//! * objects: every member of `R` is equivalent to the same member of `E`, or is `null` where
//!   `E` has no such member (absent and `null` are the same); every member of `E` missing
//!   from `R` is `null` in `E`, or is a member the schema does not declare (no `properties`
//!   entry in the schema at that place, in any `allOf` part or `oneOf`/`anyOf` branch, and no
//!   `additionalProperties`): unknown fields are ignored by design. A *declared* member that
//!   disappears is a failure.

#[path = "../conformance/known.rs"]
mod known;
#[path = "../conformance/schema.rs"]
#[allow(dead_code)] // shared with the conformance test, which uses all of it
mod schema;

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use workspace_tests::conformance::SchemaEntry;
use workspace_tests::generated::SCHEMAS;
use workspace_tests::{pinned_spec, root};

use schema::{escape, flatten, lookup, resolve, resolve_ptr, Side, Validator};

/// One example found in the spec.
struct Found {
    /// Pointer of the example value (`.../example`, `.../examples/<name>`).
    pointer: String,
    value: Value,
    /// Pointer of its schema.
    schema: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Other,
    Schema,
    Media,
    Param,
}

fn walk(root: &Value, v: &Value, ptr: &str, ctx: Ctx, parent_key: &str, out: &mut Vec<Found>) {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let child_ctx = if parent_key == "parameters" { Ctx::Param } else { Ctx::Other };
                if ctx == Ctx::Schema && matches!(parent_key, "allOf" | "oneOf" | "anyOf") {
                    walk(root, item, &format!("{ptr}/{i}"), Ctx::Schema, "", out);
                } else if ctx == Ctx::Other {
                    walk(root, item, &format!("{ptr}/{i}"), child_ctx, "", out);
                }
            }
        }
        Value::Object(map) => {
            if matches!(ctx, Ctx::Schema | Ctx::Media | Ctx::Param) {
                let schema = if ctx == Ctx::Schema { ptr.to_owned() } else { format!("{ptr}/schema") };
                if let Some(e) = map.get("example") {
                    out.push(Found { pointer: format!("{ptr}/example"), value: e.clone(), schema: schema.clone() });
                }
                if ctx != Ctx::Schema {
                    for (name, e) in map.get("examples").and_then(Value::as_object).into_iter().flatten() {
                        if let Some(value) = resolve(root, e).get("value") {
                            out.push(Found {
                                pointer: format!("{ptr}/examples/{}", escape(name)),
                                value: value.clone(),
                                schema: schema.clone(),
                            });
                        }
                    }
                }
            }
            for (k, child) in map {
                let p = format!("{ptr}/{}", escape(k));
                let child_ctx = match ctx {
                    Ctx::Schema => match k.as_str() {
                        "items" | "not" => Ctx::Schema,
                        "additionalProperties" if child.is_object() => Ctx::Schema,
                        "allOf" | "oneOf" | "anyOf" => Ctx::Schema,
                        "properties" => {
                            for (name, prop) in child.as_object().into_iter().flatten() {
                                walk(root, prop, &format!("{p}/{}", escape(name)), Ctx::Schema, "", out);
                            }
                            continue;
                        }
                        _ => continue,
                    },
                    Ctx::Media | Ctx::Param => match k.as_str() {
                        "schema" => Ctx::Schema,
                        "content" => Ctx::Other,
                        _ => continue,
                    },
                    Ctx::Other => match (parent_key, k.as_str()) {
                        // `examples` of components are reached through the media types.
                        (_, "example" | "examples") => continue,
                        (_, "schema") => Ctx::Schema,
                        ("content", _) => Ctx::Media,
                        ("parameters" | "headers", _) => Ctx::Param,
                        _ if ptr == "#/components/schemas" => Ctx::Schema,
                        _ => Ctx::Other,
                    },
                };
                walk(root, child, &p, child_ctx, k, out);
            }
        }
        _ => {}
    }
}

/// Expand candidate schemas through `$ref`, `allOf` and `oneOf`/`anyOf` branches.
fn expand(root: &Value, schemas: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut todo: Vec<Value> = schemas.to_vec();
    while let Some(s) = todo.pop() {
        if out.len() > 200 {
            break;
        }
        let s = flatten(root, &s);
        for key in ["oneOf", "anyOf"] {
            for b in s.get(key).and_then(Value::as_array).into_iter().flatten() {
                todo.push(b.clone());
            }
        }
        out.push(s);
    }
    out
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// `None` when equivalent, else where and how they differ.
fn diff(root: &Value, schemas: &[Value], e: &Value, r: &Value, at: &str) -> Option<String> {
    match (e, r) {
        (Value::Number(a), Value::Number(b)) => (!numbers_equal(a, b)).then(|| format!("{at}: {e} became {r}")),
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(format!("{at}: array of {} became {} items", a.len(), b.len()));
            }
            let items: Vec<Value> = expand(root, schemas).iter().filter_map(|s| s.get("items").cloned()).collect();
            a.iter().zip(b).enumerate().find_map(|(i, (x, y))| diff(root, &items, x, y, &format!("{at}[{i}]")))
        }
        (Value::Object(a), Value::Object(b)) => {
            let cands = expand(root, schemas);
            let open =
                cands.iter().any(|s| matches!(s.get("additionalProperties"), Some(x) if x != &Value::Bool(false)));
            let declared = |k: &str| cands.iter().any(|s| s.get("properties").and_then(|p| p.get(k)).is_some());
            for (k, y) in b {
                let here = format!("{at}.{k}");
                match a.get(k) {
                    None if y.is_null() => {}
                    None => return Some(format!("{here}: absent in the example, {y} after the round trip")),
                    Some(x) => {
                        let sub: Vec<Value> = cands
                            .iter()
                            .filter_map(|s| s.get("properties").and_then(|p| p.get(k)).cloned())
                            .chain(
                                cands
                                    .iter()
                                    .filter_map(|s| s.get("additionalProperties").filter(|x| x.is_object()).cloned()),
                            )
                            .collect();
                        if let Some(d) = diff(root, &sub, x, y, &here) {
                            return Some(d);
                        }
                    }
                }
            }
            for (k, x) in a {
                if !b.contains_key(k) && !x.is_null() && (declared(k) || open) {
                    return Some(format!("{at}.{k}: declared member dropped by the round trip (was {x})"));
                }
            }
            None
        }
        _ => (e != r).then(|| format!("{at}: {e} became {r}")),
    }
}

#[test]
fn spec_examples_round_trip() {
    let spec = pinned_spec();
    let known = known::load(&root().join("spec/known-spec-issues.toml"));
    let validator = Validator::new(&spec);
    let by_pointer: HashMap<&str, &SchemaEntry> = SCHEMAS.iter().map(|s| (s.pointer, s)).collect();

    let mut found = Vec::new();
    walk(&spec, &spec, "#", Ctx::Other, "", &mut found);

    let mut skipped = 0;
    let mut checked = Vec::new();
    let mut failures = BTreeMap::new();
    let mut by_cause: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &found {
        let Some(schema) = lookup(&spec, &f.schema) else { continue };
        let (target, via_ref) = resolve_ptr(&spec, schema);
        let ptr = via_ref.as_deref().unwrap_or(&f.schema);
        let Some(entry) = by_pointer.get(ptr) else {
            skipped += 1;
            continue;
        };
        checked.push(f.pointer.clone());
        // Side::Response is the stricter reading for examples (readOnly members allowed).
        let verdict = match validator.explain(target, &f.value, Side::Response) {
            None => "the example validates against its schema".to_owned(),
            Some(why) => format!("the example violates its schema: {why}"),
        };
        match (entry.roundtrip)(&f.value) {
            Err(e) => {
                *by_cause.entry("does not deserialize").or_default() += 1;
                failures.insert(f.pointer.clone(), format!("into {} ({ptr}): {e}; {verdict}", entry.type_name));
            }
            Ok(r) => {
                if let Some(d) = diff(&spec, std::slice::from_ref(target), &f.value, &r, "$") {
                    *by_cause.entry("not equivalent after the round trip").or_default() += 1;
                    failures.insert(f.pointer.clone(), format!("{} ({ptr}): {d}; {verdict}", entry.type_name));
                }
            }
        }
    }
    let listed = failures.keys().filter(|k| known.iter().any(|i| i.check == "example" && &i.id == *k)).count();
    println!(
        "examples: {} found, {} with a generated type, {} round-trip, {} fail ({} listed as known), {} skipped (no generated type)",
        found.len(),
        checked.len(),
        checked.len() - failures.len(),
        failures.len(),
        listed,
        skipped
    );
    for (cause, n) in &by_cause {
        println!("  {n} {cause}");
    }
    for (p, why) in &failures {
        println!("  FAIL {p}: {why}");
    }
    let problems = known::compare("example", &failures, &checked, &known);
    assert!(
        problems.is_empty(),
        "{} discrepancies with spec/known-spec-issues.toml:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
