//! Never panic: mutated fragments of real specs go through load + lower + emit + format, and
//! every run must end in `Ok` or a `GenError`.
//!
//! The seeds are the pinned spec and the oldest, a middle and the newest spec of the history
//! sample (`../shared/spec/history/`): Swagger 2 leftovers, 3.0 and 3.1 shapes. A fragment is a
//! few path items of one seed plus every component they reach, so each
//! run is small (the whole spec takes seconds per run in a debug build) while the shapes stay
//! the real ones. Each mutation changes one node picked at random: deleted, replaced by a value
//! of another JSON type, turned into a dangling or misplaced `$ref`, given a 3.1 construct, a
//! defect the loader repairs (a format or a component name as `type`, keywords inside
//! `properties`) or an `allOf` with a `oneOf` part, renamed / replaced with a name that is hard
//! to make an identifier of (`""`, `self`, `{`, …), or made a `$ref` (a JSON pointer) to
//! another node of the fragment; a third of the 3.0
//! fragments are declared OpenAPI 3.1 so the normaliser is exercised too.
//! Everything is derived from one seed, so a failure names a mutation that can be replayed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

mod support;

const MUTATIONS: u64 = 2000;
const SEED: u64 = 0x7e1e_c0de_5eed_0001;

/// xorshift64*: enough randomness to pick positions, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn read_spec(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the spec is needed beside the repo: cannot read {}: {e}", path.display()));
    codegen::load::parse_value(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The seeds: the pinned spec, then the oldest, a middle and the newest of the history sample.
fn seeds() -> Vec<(String, Value)> {
    let mut out = vec![("pinned".to_owned(), pinned_spec())];
    let dir = support::root().join("../shared/spec/history");
    let mut history: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    history.sort();
    assert!(history.len() >= 3, "the history sample has {} specs", history.len());
    for path in [&history[0], &history[history.len() / 2], &history[history.len() - 1]] {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        out.push((name, read_spec(path)));
    }
    out
}

/// The pinned spec, found as `cargo xtask` finds it.
fn pinned_spec() -> Value {
    read_spec(&support::pinned_spec_path())
}

/// Every `#/components/<section>/<name>` referenced under `v`.
fn refs(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if let (true, Value::String(r)) = (k == "$ref", child) {
                    let mut parts = r.trim_start_matches("#/components/").splitn(2, '/');
                    if let (Some(section), Some(name)) = (parts.next(), parts.next()) {
                        let name = name.replace("~1", "/").replace("~0", "~");
                        if r.starts_with("#/components/") && !out.contains(&(section.to_owned(), name.clone())) {
                            out.push((section.to_owned(), name));
                        }
                    }
                } else {
                    refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|c| refs(c, out)),
        _ => {}
    }
}

/// A few path items of `spec` with every component they reach.
fn fragment(spec: &Value, rng: &mut Rng) -> Value {
    let paths = spec["paths"].as_object().expect("paths");
    let keys: Vec<&String> = paths.keys().collect();
    let mut chosen = Map::new();
    for _ in 0..2 {
        let k = keys[rng.below(keys.len())];
        chosen.insert(k.clone(), paths[k].clone());
    }
    let mut wanted = Vec::new();
    refs(&Value::Object(chosen.clone()), &mut wanted);
    let mut components: Map<String, Value> = Map::new();
    let mut i = 0;
    while i < wanted.len() {
        let (section, name) = wanted[i].clone();
        if let Some(target) = spec["components"][&section].get(&name) {
            refs(target, &mut wanted);
            let entry = components.entry(section).or_insert_with(|| json!({}));
            entry[&name] = target.clone();
        }
        i += 1;
    }
    json!({
        "openapi": spec["openapi"].clone(),
        "info": spec["info"].clone(),
        "paths": chosen,
        "components": components,
    })
}

/// Pointers (as token lists) of every node under `v`.
fn positions(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                at.push(k.clone());
                positions(child, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(i.to_string());
                positions(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'v>(v: &'v mut Value, at: &[String]) -> Option<&'v mut Value> {
    at.iter().try_fold(v, |cur, token| match cur {
        Value::Object(m) => m.get_mut(token),
        Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

/// Apply mutation `kind` at `at`; returns a description of it.
fn mutate(doc: &mut Value, at: &[String], kind: usize, rng: &mut Rng) -> String {
    let shown = format!("#/{}", at.join("/"));
    let snapshot = if kind == 13 { doc.clone() } else { Value::Null };
    let doc_snapshot = &snapshot;
    if kind == 0 {
        let (last, parent_at) = match at.split_last() {
            Some(x) => x,
            None => return "nothing (root)".into(),
        };
        return match node_mut(doc, parent_at) {
            Some(Value::Object(m)) => {
                m.shift_remove(last);
                format!("deleted {shown}")
            }
            Some(Value::Array(items)) => {
                if let Ok(i) = last.parse::<usize>() {
                    if i < items.len() {
                        items.remove(i);
                    }
                }
                format!("deleted {shown}")
            }
            _ => "nothing".into(),
        };
    }
    let Some(node) = node_mut(doc, at) else { return "nothing".into() };
    if kind >= 15 {
        // Names and values that are hard to turn into identifiers, as a key or a string.
        const ODD: &[&str] = &[
            "",
            "_",
            "-",
            "123",
            "type",
            "self",
            "Self",
            "super",
            "crate",
            "Unknown",
            "shared",
            "a b",
            "é",
            "{",
            "}",
            "{}",
            "/{id",
            "/x/{}",
            "__",
            "r#type",
            "default",
            "2XX",
            "*/*",
            "application/json; charset=utf-8",
            "[x](",
            "<a href=\"",
            "```",
            "`",
            "\u{0}",
            "\r\n*/",
        ];
        let odd = ODD[rng.below(ODD.len())];
        return match node {
            Value::Object(m) if !m.is_empty() => {
                let keys: Vec<String> = m.keys().cloned().collect();
                let key = &keys[rng.below(keys.len())];
                if let Some(v) = m.shift_remove(key) {
                    m.insert(odd.to_owned(), v);
                }
                format!("renamed key {shown}/{key} to {odd:?}")
            }
            Value::Array(items) => {
                items.push(json!(odd));
                format!("appended {odd:?} to {shown}")
            }
            other => {
                *other = json!(odd);
                format!("replaced {shown} by {odd:?}")
            }
        };
    }
    let replacement = match kind {
        1 => json!("x"),
        2 => json!(7),
        3 => json!(-1.5),
        4 => json!([]),
        5 => Value::Array(vec![node.clone()]),
        6 => json!({}),
        7 => json!(true),
        8 => Value::Null,
        9 => json!({"$ref": "#/components/schemas/DoesNotExist"}),
        10 => json!({"$ref": "#/components/responses/DoesNotExist"}),
        11 => json!({"$ref": "external.yaml#/components/schemas/X"}),
        // A reference to the node's own component: cycles.
        12 => match at {
            [c, section, name, ..] if c == "components" => json!({"$ref": format!("#/components/{section}/{name}")}),
            _ => json!({"$ref": "#/components/schemas/Errors"}),
        },
        // A JSON pointer to another node of the document (a schema, a parameter, anything).
        13 => {
            let mut all = Vec::new();
            positions(doc_snapshot, &mut Vec::new(), &mut all);
            let to = &all[rng.below(all.len())];
            let tokens: Vec<String> = to.iter().map(|t| t.replace('~', "~0").replace('/', "~1")).collect();
            json!({"$ref": format!("#/{}", tokens.join("/"))})
        }
        // 3.1 and repair constructs, added next to what is there.
        _ => {
            let extra = [
                ("type", json!(["string", "null"])),
                ("type", json!(["null"])),
                ("type", json!(["object", "array", "integer"])),
                ("type", json!([1, "string"])),
                ("type", json!("null")),
                ("const", json!("fixed")),
                ("const", Value::Null),
                ("examples", json!([1, 2])),
                ("examples", json!({"a": 1})),
                ("exclusiveMinimum", json!(3)),
                ("exclusiveMaximum", json!("high")),
                ("$defs", json!({"Inner": {"type": "string"}})),
                ("$defs", json!(5)),
                ("required", json!(true)),
                ("required", json!("name")),
                ("required", json!([1])),
                ("not", json!({})),
                ("oneOf", json!([{"type": "null"}])),
                ("anyOf", json!([{"type": "null"}, {"$ref": "#/components/schemas/DoesNotExist"}])),
                ("if", json!({})),
                ("contentMediaType", json!("image/png")),
                ("contentEncoding", json!(7)),
                ("items", json!([{"type": "string"}])),
                ("additionalProperties", json!(false)),
                ("in", json!("body")),
                ("in", json!("formData")),
                ("schema", json!({"type": "object", "properties": {"a": {"type": "string"}}})),
                ("properties", json!({"bare": {"type": "integer"}})),
                ("properties", json!({"p": false, "q": true})),
                ("allOf", json!([{"$ref": "#/components/schemas/DoesNotExist"}, {"type": "object"}])),
                ("type", json!("uuid")),
                ("type", json!("Errors")),
                ("type", json!("Nonsense")),
                ("properties", json!({"a": {"type": "string"}, "required": ["a"], "title": "T", "type": "object"})),
                (
                    "allOf",
                    json!([
                        {"type": "object", "properties": {"a": {"type": "string"}}},
                        {"oneOf": [{"$ref": "#/components/schemas/Errors"}, {"properties": {"b": {"type": "string"}}}]}
                    ]),
                ),
                ("oneOf", json!([{"$ref": "#/components/schemas/Errors"}, {"type": "string"}])),
            ];
            let (key, value) = &extra[rng.below(extra.len())];
            return match node {
                Value::Object(m) => {
                    m.insert((*key).into(), value.clone());
                    format!("set {shown}/{key} = {value}")
                }
                other => {
                    *other = json!({ *key: value.clone() });
                    format!("replaced {shown} by {{{key}: {value}}}")
                }
            };
        }
    };
    let what = format!("replaced {shown} by {replacement}");
    *node = replacement;
    what
}

/// Point a `$ref` inside component schema `U` at a new component `{U}{Property…}{suffix}` (a
/// copy of the old target): names that extend the name of the position using them (`Foo` →
/// `Foo2`, `Foos`), which is where derived names and spec names meet.
fn sibling_named_ref(doc: &mut Value, rng: &mut Rng) -> String {
    let mut all = Vec::new();
    positions(&doc["components"]["schemas"], &mut Vec::new(), &mut all);
    let mut refs: Vec<&Vec<String>> =
        all.iter().filter(|p| p.len() > 1 && p.last().is_some_and(|l| l == "$ref")).collect();
    // Variants of unions half of the time: their names are derived from the union's.
    let variants: Vec<&Vec<String>> =
        refs.iter().copied().filter(|p| p.iter().any(|t| t == "oneOf" || t == "anyOf")).collect();
    if !variants.is_empty() && rng.below(2) == 0 {
        refs = variants;
    }
    if refs.is_empty() {
        return "nothing (no $ref in a component schema)".into();
    }
    let at = refs[rng.below(refs.len())].clone();
    // The name the generator gives the position (`{Schema}{Property}…`), extended.
    let mut owner = at[0].clone();
    for pair in at.windows(2).filter(|w| w[0] == "properties") {
        let mut chars = pair[1].chars().filter(char::is_ascii_alphanumeric);
        owner.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        owner.extend(chars);
    }
    let suffix = ["2", "s", "Self", "V1", "_x", "Unknown", "Variant1", "3"][rng.below(8)];
    let new = format!("{owner}{suffix}");
    let schemas = &mut doc["components"]["schemas"];
    let Some(Value::String(old)) = node_mut(schemas, &at).cloned() else { return "nothing".into() };
    let target = old.rsplit('/').next().and_then(|t| schemas.get(t)).cloned().unwrap_or(json!({}));
    schemas[&new] = target;
    if let Some(r) = node_mut(schemas, &at) {
        *r = json!(format!("#/components/schemas/{new}"));
    }
    format!("#/components/schemas/{} now refers to a copy of {old} named {new:?}", at.join("/"))
}

/// Load + lower + emit + format: `Ok(true)` when it generated, `Ok(false)` on a `GenError`, `Err`
/// with the panic message.
fn run(doc: Value) -> Result<bool, String> {
    catch_unwind(AssertUnwindSafe(|| {
        codegen::load::load_value(doc)
            .and_then(|loaded| {
                codegen::generate_loaded(
                    loaded,
                    &codegen::naming::Overrides::default(),
                    None,
                    std::time::Instant::now(),
                )
            })
            .is_ok()
    }))
    .map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panic without a message".into())
    })
}

#[test]
fn mutated_specs_never_panic() {
    let seeds = seeds();
    let mut rng = Rng(SEED);
    // Panics are reported below with the mutation that caused them; the default hook would print
    // each one a second time. This test is alone in its binary, so the hook is its own.
    std::panic::set_hook(Box::new(|_| {}));
    let started = std::time::Instant::now();
    let (mut ok, mut errors) = (0, 0);
    let mut panics = Vec::new();
    for n in 0..MUTATIONS {
        let (seed, spec) = &seeds[n as usize % seeds.len()];
        let mut doc = fragment(spec, &mut rng);
        if doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.0")) && rng.below(3) == 0 {
            doc["openapi"] = json!("3.1.0");
        }
        let mut all = Vec::new();
        positions(&doc, &mut Vec::new(), &mut all);
        let at = all[rng.below(all.len())].clone();
        let kind = rng.below(21);
        let what =
            if kind >= 18 { sibling_named_ref(&mut doc, &mut rng) } else { mutate(&mut doc, &at, kind, &mut rng) };
        let version = doc["openapi"].as_str().unwrap_or("?").to_owned();
        match run(doc) {
            Ok(true) => ok += 1,
            Ok(false) => errors += 1,
            Err(msg) => panics.push(format!("mutation {n} (of {seed}, OpenAPI {version}): {what}: panicked: {msg}")),
        }
    }
    let _ = std::panic::take_hook();
    println!(
        "{MUTATIONS} mutations of {} seeds in {:.1?}: {ok} generated, {errors} rejected with an error, {} panicked",
        seeds.len(),
        started.elapsed(),
        panics.len()
    );
    assert!(panics.is_empty(), "{} panics:\n{}", panics.len(), panics.join("\n"));
}
