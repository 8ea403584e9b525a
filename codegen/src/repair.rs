//! Repairs of known defects in published specs, applied to the raw document before it is typed.
//! Each repair is narrow (it fires only on the defect's exact shape) and reported as a warning
//! naming the JSON pointers involved, so the maintainer sees it in `cargo xtask regenerate`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{escape_token, ptr};

const RESPONSES: &str = "#/components/responses/";
const SCHEMAS: &str = "#/components/schemas/";

/// Apply every repair; returns the warnings.
pub fn repair(raw: &mut Value) -> Vec<String> {
    let mut warnings = Vec::new();
    response_refs_as_schemas(raw, &mut warnings);
    warnings
}

/// A schema `$ref` to a *response* component (`$ref: '#/components/responses/AdvancedOrder'`
/// where a schema belongs; the 2025-08-27 Telnyx spec has five). Meant is the response's JSON
/// schema: it is moved to `#/components/schemas/<name>` (one named type, not one copy per use),
/// the response points at it, and the schema references are redirected there.
fn response_refs_as_schemas(raw: &mut Value, warnings: &mut Vec<String>) {
    // Response component name → pointers of the schema positions referring to it.
    let mut uses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    visit_schema_refs(raw, "#", false, &mut |at, reference| {
        if let Some(name) = reference.strip_prefix(RESPONSES) {
            uses.entry(unescape(name)).or_default().push(at.to_owned());
        }
        None
    });
    if uses.is_empty() {
        return;
    }
    // Where each response's schema goes: the schema it already references, or a new component.
    let mut target: BTreeMap<String, String> = BTreeMap::new();
    let mut hoist: Vec<(String, String)> = Vec::new();
    for name in uses.keys() {
        let Some(schema) = json_schema(raw, name) else { continue };
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with(SCHEMAS) => {
                target.insert(name.clone(), r.to_owned());
            }
            _ => {
                let component = free_schema_name(raw, name, &hoist);
                target.insert(name.clone(), format!("{SCHEMAS}{}", escape_token(&component)));
                hoist.push((name.clone(), component));
            }
        }
    }
    visit_schema_refs(raw, "#", false, &mut |_, reference| {
        let name = unescape(reference.strip_prefix(RESPONSES)?);
        target.get(&name).cloned()
    });
    for (response, component) in &hoist {
        let pointer = format!("/components/responses/{}", escape_token(response));
        let Some(content) = raw.pointer_mut(&format!("{pointer}/content")).and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(media) = content.iter_mut().find(|(ct, _)| ct.contains("json")).map(|(_, m)| m) else { continue };
        let reference = Value::String(format!("{SCHEMAS}{}", escape_token(component)));
        let Some(schema) = media.get_mut("schema").map(|s| std::mem::replace(s, ref_to(reference))) else {
            continue;
        };
        if let Some(schemas) = raw
            .as_object_mut()
            .map(|o| o.entry("components").or_insert_with(|| Value::Object(Map::new())))
            .and_then(Value::as_object_mut)
            .map(|c| c.entry("schemas").or_insert_with(|| Value::Object(Map::new())))
            .and_then(Value::as_object_mut)
        {
            schemas.insert(component.clone(), schema);
        }
    }
    for (name, at) in &uses {
        let Some(to) = target.get(name) else { continue };
        let example = at.first().map(String::as_str).unwrap_or("#");
        warnings.push(format!(
            "{}: a response used as a schema ({} $ref(s), first at {example}); using its JSON schema {to} instead",
            ptr("#/components/responses", name),
            at.len(),
        ));
    }
}

fn ref_to(reference: Value) -> Value {
    let mut m = Map::new();
    m.insert("$ref".to_owned(), reference);
    Value::Object(m)
}

/// The `application/json` (or first JSON) schema of a response component.
fn json_schema<'v>(raw: &'v Value, response: &str) -> Option<&'v Value> {
    let content = raw.pointer(&format!("/components/responses/{}/content", escape_token(response)))?.as_object()?;
    content.iter().find(|(ct, _)| ct.contains("json")).and_then(|(_, m)| m.get("schema"))
}

/// `name`, or `name` + `Schema`, `Schema2`, … if a component schema has that name already.
fn free_schema_name(raw: &Value, name: &str, taken: &[(String, String)]) -> String {
    let exists = |n: &str| {
        raw.pointer(&format!("/components/schemas/{}", escape_token(n))).is_some() || taken.iter().any(|(_, t)| t == n)
    };
    if !exists(name) {
        return name.to_owned();
    }
    let mut i = 1;
    loop {
        let candidate = if i == 1 { format!("{name}Schema") } else { format!("{name}Schema{i}") };
        if !exists(&candidate) {
            return candidate;
        }
        i += 1;
    }
}

/// Call `f(pointer, reference)` for every `$ref` in a schema position (anything under a
/// `schema` key or under `components/schemas`); a `Some` return replaces the reference.
fn visit_schema_refs(v: &mut Value, at: &str, in_schema: bool, f: &mut impl FnMut(&str, &str) -> Option<String>) {
    match v {
        Value::Object(m) => {
            if in_schema {
                if let Some(Value::String(r)) = m.get_mut("$ref") {
                    if let Some(new) = f(at, r) {
                        *r = new;
                    }
                }
            }
            for (k, child) in m.iter_mut() {
                let child_at = ptr(at, k);
                let schema = in_schema || k == "schema" || child_at == "#/components/schemas";
                visit_schema_refs(child, &child_at, schema, f);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter_mut().enumerate() {
                visit_schema_refs(child, &format!("{at}/{i}"), in_schema, f);
            }
        }
        _ => {}
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn response_used_as_schema_is_hoisted_once() {
        let mut raw = json!({
            "paths": {"/orders": {
                "get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/responses/List"}}}}}},
                "post": {"responses": {"200": {"$ref": "#/components/responses/Order"}}}
            }},
            "components": {
                "schemas": {"Order": {"type": "string"}},
                "responses": {
                    "Order": {"content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}},
                    "List": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                        "data": {"type": "array", "items": {"$ref": "#/components/responses/Order"}}
                    }}}}}
                }
            }
        });
        let warnings = repair(&mut raw);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings.iter().any(|w| w.starts_with("#/components/responses/Order:")), "{warnings:?}");
        // `Order` is taken by a schema already, so the response's schema gets a free name.
        assert_eq!(raw.pointer("/components/schemas/OrderSchema/properties/id/type"), Some(&json!("string")));
        assert_eq!(
            raw.pointer("/components/responses/Order/content/application~1json/schema"),
            Some(&json!({"$ref": "#/components/schemas/OrderSchema"}))
        );
        assert_eq!(
            raw.pointer("/components/schemas/List/properties/data/items"),
            Some(&json!({"$ref": "#/components/schemas/OrderSchema"}))
        );
        assert_eq!(
            raw.pointer("/paths/~1orders/get/responses/200/content/application~1json/schema"),
            Some(&json!({"$ref": "#/components/schemas/List"}))
        );
        // A response $ref where a response belongs is left alone.
        assert_eq!(
            raw.pointer("/paths/~1orders/post/responses/200"),
            Some(&json!({"$ref": "#/components/responses/Order"}))
        );
    }

    #[test]
    fn sound_specs_are_untouched() {
        let mut raw = json!({"paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/R"}}}}},
            "components": {"responses": {"R": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}}},
                           "schemas": {"S": {"type": "string"}}}});
        let before = raw.clone();
        assert!(repair(&mut raw).is_empty());
        assert_eq!(raw, before);
    }
}
