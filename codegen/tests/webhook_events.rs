//! Webhook events of the pinned spec (or of `$TELNYX_OPENAPI_SPEC`), as `cargo xtask` generates
//! it (overlays applied): the event types lowering keys are those read here from the document
//! itself, source by source, and the count per source is printed (`--nocapture`).

use std::collections::{BTreeMap, BTreeSet};

use codegen::ir::{EventKey, Ir};
use serde_json::Value;

mod support;

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The document as the generator reads it (normalised, repaired, overlays applied) and its IR.
fn generated() -> (Value, Ir) {
    let path = support::pinned_spec_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the spec is needed beside the repo: cannot read {}: {e}", path.display()));
    let overlays =
        codegen::overlay::read_dir(&support::root().join("spec/overlays"), "spec/overlays").expect("overlays");
    let loaded = codegen::load::load_with(&text, &overlays).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let raw = loaded.raw.clone();
    let ir = codegen::generate_loaded(loaded, &Default::default(), None, std::time::Instant::now())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .ir;
    (raw, ir)
}

fn resolve<'a>(root: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else { break };
        let pointer = r.trim_start_matches('#').replace("~1", "/").replace("~0", "~");
        match root.pointer(&pointer) {
            Some(t) => v = t,
            None => break,
        }
    }
    v
}

/// A property of a schema, through `allOf`.
fn property<'a>(root: &'a Value, schema: &'a Value, name: &str) -> Option<&'a Value> {
    let s = resolve(root, schema);
    if let Some(p) = s.get("properties").and_then(|p| p.get(name)) {
        return Some(resolve(root, p));
    }
    s.get("allOf")?.as_array()?.iter().find_map(|part| property(root, part, name))
}

fn enum_of(root: &Value, schema: Option<&Value>) -> Vec<String> {
    let values = schema.map(|s| resolve(root, s)).and_then(|s| s.get("enum")).and_then(Value::as_array);
    values.into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// The `event_type` enum at the top of a schema, or else at its `data`.
fn own(root: &Value, schema: &Value) -> Vec<String> {
    let top = enum_of(root, property(root, schema, "event_type"));
    if !top.is_empty() {
        return top;
    }
    let data = property(root, schema, "data");
    enum_of(root, data.and_then(|d| property(root, d, "event_type")))
}

fn branches<'a>(root: &'a Value, schema: &'a Value) -> Option<&'a Vec<Value>> {
    let s = resolve(root, schema);
    s.get("oneOf").or_else(|| s.get("anyOf")).and_then(Value::as_array)
}

/// The event types of a union: per branch, the discriminator mapping entries naming it (the
/// value its `event_type` pins without one), else its own enum.
fn union_values(root: &Value, union: &Value) -> Vec<String> {
    let u = resolve(root, union);
    let disc = u.get("discriminator").filter(|d| d["propertyName"] == "event_type");
    let mut out = Vec::new();
    for b in branches(root, union).into_iter().flatten() {
        let mapped: Vec<String> = disc
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, target)| Some(target.as_str()) == Some(b.get("$ref").and_then(Value::as_str)))
            .map(|(k, _)| k.clone())
            .collect();
        let pinned = match (disc, enum_of(root, property(root, b, "event_type")).as_slice()) {
            (Some(_), [one]) => vec![one.clone()],
            _ => Vec::new(),
        };
        let values = if !mapped.is_empty() {
            mapped
        } else if !pinned.is_empty() {
            pinned
        } else {
            own(root, b)
        };
        out.extend(values);
    }
    out
}

/// Declared payload schemas: of the operations' callbacks and of the 3.1 `webhooks`.
fn declared_bodies(root: &Value) -> Vec<&Value> {
    let mut ops = Vec::new();
    for item in root["paths"].as_object().into_iter().flat_map(|p| p.values()) {
        for m in METHODS {
            let callbacks = item.get(*m).and_then(|op| op.get("callbacks")).and_then(Value::as_object);
            for cb in callbacks.into_iter().flat_map(|c| c.values()) {
                for cb_item in resolve(root, cb).as_object().into_iter().flat_map(|o| o.values()) {
                    ops.extend(METHODS.iter().filter_map(|m| cb_item.get(*m)));
                }
            }
        }
    }
    for item in root.get("webhooks").and_then(Value::as_object).into_iter().flat_map(|w| w.values()) {
        ops.extend(METHODS.iter().filter_map(|m| resolve(root, item).get(*m)));
    }
    ops.iter().filter_map(|op| op.pointer("/requestBody/content/application~1json/schema")).collect()
}

/// The event types of the declared payloads.
fn declared_values(root: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for body in declared_bodies(root) {
        let values = if branches(root, body).is_some() {
            union_values(root, body)
        } else {
            let o = own(root, body);
            match property(root, body, "data") {
                Some(data) if o.is_empty() && branches(root, data).is_some() => union_values(root, data),
                _ => o,
            }
        };
        out.extend(values);
    }
    out
}

/// The component schemas no callback or `webhooks` entry declares as its body.
fn undeclared_schemas(root: &Value) -> Vec<&Value> {
    let bodies: BTreeSet<&str> =
        declared_bodies(root).iter().filter_map(|b| b.get("$ref").and_then(Value::as_str)).collect();
    let schemas = root.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten();
    schemas
        .filter(|(name, _)| !bodies.contains(format!("#/components/schemas/{name}").as_str()))
        .map(|(_, s)| s)
        .collect()
}

/// The event types of the component schemas shaped like a delivery that nothing declares, for
/// event types nothing declared and no other such schema claims.
fn envelope_values(root: &Value, declared: &BTreeSet<String>) -> BTreeSet<String> {
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    for schema in undeclared_schemas(root) {
        let Some(data) = property(root, schema, "data") else { continue };
        if enum_of(root, property(root, data, "record_type")) != ["event"] {
            continue;
        }
        for v in enum_of(root, property(root, data, "event_type")) {
            *claims.entry(v).or_default() += 1;
        }
    }
    claims.into_iter().filter(|(v, n)| *n == 1 && !declared.contains(v)).map(|(v, _)| v).collect()
}

/// The event types of the component unions on `event_type` that nothing declares and whose
/// branches are event records (a top-level `event_type` enum, no `data`), for event types
/// nothing else gave and no other such union claims.
fn record_values(root: &Value, taken: &BTreeSet<String>) -> BTreeSet<String> {
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    for schema in undeclared_schemas(root) {
        let on_event_type = schema.pointer("/discriminator/propertyName").and_then(Value::as_str) == Some("event_type");
        let Some(branches) = branches(root, schema).filter(|_| on_event_type) else { continue };
        let record = |b: &Value| {
            let b = resolve(root, b);
            property(root, b, "data").is_none() && !enum_of(root, property(root, b, "event_type")).is_empty()
        };
        if branches.is_empty() || !branches.iter().all(record) {
            continue;
        }
        let values: BTreeSet<String> = union_values(root, schema).into_iter().collect();
        for v in values {
            *claims.entry(v).or_default() += 1;
        }
    }
    claims.into_iter().filter(|(v, n)| *n == 1 && !taken.contains(v)).map(|(v, _)| v).collect()
}

#[test]
fn webhook_event_types_are_those_the_spec_keys() {
    let (raw, ir) = generated();
    let declared = declared_values(&raw);
    let envelopes = envelope_values(&raw, &declared);
    let records = record_values(&raw, &declared.union(&envelopes).cloned().collect());
    let of = |key: &dyn Fn(&EventKey) -> bool| -> BTreeSet<String> {
        ir.webhook_events.iter().filter(|e| key(&e.key)).map(|e| e.event_type.clone()).collect()
    };
    let declared_key = |k: &EventKey| !matches!(k, EventKey::Envelope | EventKey::Record { .. });
    assert_eq!(of(&declared_key), declared, "event types of declared payloads");
    assert_eq!(of(&|k| *k == EventKey::Envelope), envelopes, "event types of undeclared delivery-shaped schemas");
    assert_eq!(of(&|k| matches!(k, EventKey::Record { .. })), records, "event types of unions of event records");

    // The count per source, for the record.
    let count = |f: &dyn Fn(&codegen::ir::WebhookEvent) -> bool| ir.webhook_events.iter().filter(|e| f(e)).count();
    let shared = |ty: &str| ir.webhook_events.iter().filter(|e| e.key == EventKey::Enum && e.ty == ty).count() > 1;
    println!("spec: {}", support::pinned_spec_path().display());
    println!("webhook event types: {}", ir.webhook_events.len());
    println!(
        "  declared by an operation's callbacks: {}",
        count(&|e| e.sources.iter().any(|s| !s.starts_with("webhooks/")))
    );
    println!("  declared by 3.1 webhooks: {}", count(&|e| e.sources.iter().any(|s| s.starts_with("webhooks/"))));
    println!("  keyed by the payload's event_type enum: {}", count(&|e| e.key == EventKey::Enum));
    println!("    of which from enums of several values: {}", count(&|e| e.key == EventKey::Enum && shared(&e.ty)));
    println!(
        "  keyed by a union's discriminator on event_type: {}",
        count(&|e| matches!(e.key, EventKey::Discriminator { .. }))
    );
    println!("  keyed by a union branch's event_type enum: {}", count(&|e| matches!(e.key, EventKey::Branch { .. })));
    println!("  undeclared delivery-shaped component schemas: {}", count(&|e| e.key == EventKey::Envelope));
    println!(
        "  undeclared unions of event records (delivered in `data`): {}",
        count(&|e| matches!(e.key, EventKey::Record { .. }))
    );
    println!("declared payloads without an event type: {}", ir.webhook_unkeyed.len());
    for u in &ir.webhook_unkeyed {
        println!("  {} ({}): {}", u.ty.as_deref().unwrap_or("-"), u.pointer, u.reason);
    }
}
