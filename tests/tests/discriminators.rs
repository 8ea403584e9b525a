//! Unions with a discriminator and no `mapping` in the pinned spec: a record as Telnyx's
//! servers send it, with the value its variant's schema declares for the discriminator property
//! (a one-value enum, a const or a default, read from the spec here), decodes into that variant,
//! as does one with the schema name (OpenAPI's implicit value); a variant is written with the
//! declared value.

use serde_json::{json, Value};
use workspace_tests::generated::SCHEMAS;
use workspace_tests::{pinned_spec, resolve};

#[allow(dead_code)]
#[path = "../conformance/schema.rs"]
mod schema;
#[allow(dead_code)]
#[path = "../conformance/synth.rs"]
mod synth;

/// The value a schema pins for property `name` (through `allOf`).
fn declared(root: &Value, schema: &Value, name: &str) -> Option<String> {
    let s = resolve(root, schema);
    if let Some(p) = s.get("properties").and_then(|p| p.get(name)) {
        let p = resolve(root, p);
        let one = p.get("enum").and_then(Value::as_array).filter(|e| e.len() == 1).and_then(|e| e[0].as_str());
        return one
            .or_else(|| p.get("const").and_then(Value::as_str))
            .or_else(|| p.get("default")?.as_str())
            .map(str::to_owned);
    }
    s.get("allOf")?.as_array()?.iter().find_map(|part| declared(root, part, name))
}

/// A component union with a discriminator and no mapping.
struct Union {
    name: String,
    /// The discriminator property.
    prop: String,
    /// (variant schema name, the value it declares).
    variants: Vec<(String, String)>,
}

fn unions(root: &Value) -> Vec<Union> {
    let mut out = Vec::new();
    for (name, s) in root["components"]["schemas"].as_object().expect("schemas") {
        let Some(prop) = s.pointer("/discriminator/propertyName").and_then(Value::as_str) else { continue };
        if s.pointer("/discriminator/mapping").is_some() {
            continue;
        }
        let Some(variants) = s.get("oneOf").or_else(|| s.get("anyOf")).and_then(Value::as_array) else { continue };
        let pinned = variants
            .iter()
            .filter_map(|v| {
                let schema_name = v.get("$ref")?.as_str()?.rsplit('/').next()?.to_owned();
                Some((schema_name, declared(root, v, prop)?))
            })
            .collect();
        out.push(Union { name: name.clone(), prop: prop.to_owned(), variants: pinned });
    }
    out
}

fn roundtrip(pointer: &str, body: &Value) -> Result<Value, String> {
    let entry =
        SCHEMAS.iter().find(|e| e.pointer == pointer).unwrap_or_else(|| panic!("no conformance entry {pointer}"));
    (entry.roundtrip)(body)
}

#[test]
fn each_variant_decodes_from_the_value_its_schema_declares() {
    let root = pinned_spec();
    let unions = unions(&root);
    assert!(!unions.is_empty(), "the pinned spec has unions with a discriminator and no mapping");
    let synth = synth::Synth::new(&root, synth::Variant::Full);
    for Union { name: union, prop, variants } in &unions {
        assert!(!variants.is_empty(), "{union}: no variant declares a value for {prop}");
        for (variant, value) in variants {
            let variant_at = format!("#/components/schemas/{variant}");
            let schema = root.pointer(&variant_at[1..]).unwrap();
            let mut body = synth.value(schema).unwrap_or_else(|| json!({}));
            // A member no variant has: the variant's type drops it, `Unknown` would keep it.
            body["x_not_in_any_variant"] = json!(1);
            for tag in [value.clone(), variant.clone()] {
                body[prop.as_str()] = json!(tag);
                let via_union = roundtrip(&format!("#/components/schemas/{union}"), &body).unwrap();
                let via_variant = roundtrip(&variant_at, &body).unwrap();
                assert_eq!(via_union, via_variant, "{union}: {prop} = {tag:?} did not decode as {variant}");
                assert!(
                    via_union.get("x_not_in_any_variant").is_none(),
                    "{union}: {prop} = {tag:?} decoded as Unknown"
                );
            }
        }
    }
}

#[test]
fn a_detail_record_is_written_with_the_value_the_server_sends() {
    let root = pinned_spec();
    let sent = declared(&root, &json!({"$ref": "#/components/schemas/MessageDetailRecord"}), "record_type").unwrap();
    // `record_type` left empty: the union writes the variant's value itself.
    let empty = serde_json::from_value(json!({"record_type": ""})).unwrap();
    let record = telnyx_api::types::DetailRecord::MessageDetailRecord(empty);
    let written = serde_json::to_value(&record).unwrap();
    assert_eq!(written["record_type"], json!(sent));
    // And read back as the same variant.
    let back: telnyx_api::types::DetailRecord = serde_json::from_value(written).unwrap();
    assert!(matches!(back, telnyx_api::types::DetailRecord::MessageDetailRecord(_)), "{back:?}");
}
