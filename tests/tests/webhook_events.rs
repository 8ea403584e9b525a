//! Typed webhook events against the pinned spec: every payload a callback declares with an
//! `event_type` enum, and every event record of a union on `event_type`, has a typed variant
//! (read from the spec here, not from the generator), and a body synthesized from each payload
//! schema decodes into that variant and back.

#[allow(dead_code)]
#[path = "../conformance/schema.rs"]
mod schema;
#[allow(dead_code)]
#[path = "../conformance/synth.rs"]
mod synth;

use std::collections::BTreeMap;

use serde_json::Value;
use telnyx_api::webhooks::WebhookEvent;
use workspace_tests::{pinned_spec, resolve, METHODS};

/// Properties of a schema, through `allOf`.
fn property<'a>(root: &'a Value, schema: &'a Value, name: &str) -> Option<&'a Value> {
    let s = resolve(root, schema);
    if let Some(p) = s.get("properties").and_then(|p| p.get(name)) {
        return Some(resolve(root, p));
    }
    s.get("allOf")?.as_array()?.iter().find_map(|part| property(root, part, name))
}

/// The operations of every webhook the spec declares: those of the operations' `callbacks`, and
/// those of a 3.1 document's top-level `webhooks`.
fn webhook_operations(root: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for item in root["paths"].as_object().expect("paths").values() {
        for m in METHODS {
            let Some(callbacks) = item.get(*m).and_then(|op| op.get("callbacks")).and_then(Value::as_object) else {
                continue;
            };
            for cb in callbacks.values().filter_map(|c| resolve(root, c).as_object()) {
                out.extend(cb.values().flat_map(|cb_item| cb_item.as_object().into_iter().flat_map(|o| o.values())));
            }
        }
    }
    for item in root.get("webhooks").and_then(Value::as_object).into_iter().flat_map(|w| w.values()) {
        out.extend(METHODS.iter().filter_map(|m| resolve(root, item).get(*m)));
    }
    out
}

/// `event_type` values → whether they sit under `data`, for every webhook payload.
fn declared(root: &Value) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for op in webhook_operations(root) {
        let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") else {
            continue;
        };
        let (et, nested) = match property(root, schema, "event_type") {
            Some(et) => (Some(et), false),
            None => (property(root, schema, "data").and_then(|d| property(root, d, "event_type")), true),
        };
        // `enum: [...]`, or a 3.1 `const`.
        let values = et.and_then(|e| {
            e.get("enum").and_then(Value::as_array).cloned().or_else(|| e.get("const").map(|c| vec![c.clone()]))
        });
        for v in values.into_iter().flatten() {
            out.entry(v.as_str().expect("string event type").to_owned()).or_insert(nested);
        }
    }
    out
}

/// The event types of the component unions on `event_type` whose branches are event records
/// (a top-level `event_type`, no `data`) and that no webhook declares: the discriminator
/// mapping's keys, for event types no webhook declares. A delivery carries such a record in
/// `data` (Telnyx's port-out guide shows them so).
fn records(root: &Value, declared: &BTreeMap<String, bool>) -> BTreeMap<String, bool> {
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    for schema in root.pointer("/components/schemas").and_then(Value::as_object).into_iter().flat_map(|s| s.values()) {
        if schema.pointer("/discriminator/propertyName").and_then(Value::as_str) != Some("event_type") {
            continue;
        }
        let Some(branches) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) else {
            continue;
        };
        let record = |b: &Value| property(root, b, "data").is_none() && property(root, b, "event_type").is_some();
        if branches.is_empty() || !branches.iter().all(record) {
            continue;
        }
        let mapping = schema.pointer("/discriminator/mapping").and_then(Value::as_object);
        for value in mapping.into_iter().flat_map(|m| m.keys()) {
            *claims.entry(value.clone()).or_default() += 1;
        }
    }
    claims.into_iter().filter(|(v, n)| *n == 1 && !declared.contains_key(v)).map(|(v, _)| (v, true)).collect()
}

/// Every event type with a variant: those the webhooks declare, and those of records.
fn keyed(root: &Value) -> BTreeMap<String, bool> {
    let mut all = declared(root);
    let records = records(root, &all);
    all.extend(records);
    all
}

#[test]
fn every_declared_event_type_has_a_typed_variant() {
    let spec = pinned_spec();
    let declared = keyed(&spec);
    assert!(!declared.is_empty());
    let typed: Vec<&str> = WebhookEvent::EVENTS.iter().map(|e| e.event_type).collect();
    let missing: Vec<&String> = declared.keys().filter(|t| !typed.contains(&t.as_str())).collect();
    assert!(missing.is_empty(), "declared event types without a variant: {missing:?}");
    let extra: Vec<&&str> = typed.iter().filter(|t| !declared.contains_key(**t)).collect();
    assert!(extra.is_empty(), "variants for event types the spec does not declare: {extra:?}");
}

#[test]
fn synthesized_bodies_decode_into_their_variant() {
    let raw = pinned_spec();
    let records = records(&raw, &declared(&raw));
    let declared = keyed(&raw);
    // The synthesizer reads OpenAPI 3.0: the document as the generator reads it (a 3.1 spec
    // normalised, repairs applied).
    let spec = codegen::load::load_value_with(raw, &[]).map(|l| l.raw).unwrap_or_else(|e| panic!("{e}"));
    let synth = synth::Synth::new(&spec, synth::Variant::Full);
    let mut failures = Vec::new();
    for info in WebhookEvent::EVENTS {
        let schema = spec.pointer(info.schema_pointer.trim_start_matches('#')).expect("schema pointer resolves");
        let Some(mut body) = synth.value(schema) else {
            failures.push(format!("{}: no body could be synthesized", info.event_type));
            continue;
        };
        // A record is delivered in `data`.
        if records.contains_key(info.event_type) {
            body = serde_json::json!({ "data": body });
        }
        // Fix the key: a synthesized enum picks the first value, the event may be the second.
        let at = if declared[info.event_type] { "/data/event_type" } else { "/event_type" };
        match body.pointer_mut(at) {
            Some(slot) => *slot = Value::String(info.event_type.to_owned()),
            None => {
                failures.push(format!("{}: synthesized body has no {at}", info.event_type));
                continue;
            }
        }
        match WebhookEvent::from_value(body.clone()) {
            Ok(WebhookEvent::Unknown(_)) => failures.push(format!("{}: decoded as Unknown", info.event_type)),
            Ok(event) => {
                assert_eq!(event.event_type(), Some(info.event_type));
                let back = serde_json::to_value(&event).expect("serialize");
                let again = WebhookEvent::from_value(back).expect("re-decode");
                assert_eq!(again, event, "{} round-trips", info.event_type);
            }
            Err(e) => failures.push(format!("{} ({}): {e}", info.event_type, info.type_name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} events failed:\n  {}",
        failures.len(),
        WebhookEvent::EVENTS.len(),
        failures.join("\n  ")
    );
}

/// Fax webhooks as Telnyx's fax guides show them (`telnyx-api/tests/wire/real/webhooks/`):
/// `event_type`, `id`, `payload` at the top, without the `{data, meta}` envelope the spec
/// declares. They decode into their variant with the event in `data` and one deviation there,
/// strictly they are an error, and the typed value round-trips through serialize and decode.
#[test]
fn a_fax_event_at_the_top_of_the_body_round_trips() {
    use telnyx_api::webhooks::Delivery;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../telnyx-api/tests/wire/real/webhooks");
    let mut seen = 0;
    for name in ["fax_delivered_top_level_1.json", "fax_failed_top_level_1.json"] {
        let body = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let sent: Value = serde_json::from_slice(&body).unwrap();
        let delivery = Delivery::decode(&body, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        let paths: Vec<&str> = delivery.deviations.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["data"], "{name}: {:?}", delivery.deviations);
        let event = delivery.event;
        assert!(matches!(event, WebhookEvent::FaxDelivered(_) | WebhookEvent::FaxFailed(_)), "{name}: {event:?}");
        assert_eq!(event.event_type(), sent["event_type"].as_str(), "{name}");
        // Nothing the server sent is lost: the event is `data`, payload and all.
        let back = serde_json::to_value(&event).unwrap();
        assert_eq!(back["data"]["payload"], sent["payload"], "{name}: {back}");
        assert_eq!(back["data"]["id"], sent["id"], "{name}: {back}");
        let again = WebhookEvent::from_value(back.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, event, "{name}: serialize then decode gives the same event");
        assert!(Delivery::decode(&serde_json::to_vec(&back).unwrap(), true).is_ok(), "{name}: the envelope conforms");
        assert!(Delivery::decode(&body, true).is_err(), "{name}: strictly, the missing envelope is an error");
        seen += 1;
    }
    assert_eq!(seen, 2);
}
