//! Swagger 2 leftovers in OpenAPI 3.0 documents (Telnyx's specs of 2019–2024 carry several):
//!
//! | leftover | repair |
//! |---|---|
//! | `in: body` / `in: formData` parameters | the operation's `requestBody`: one `in: body` parameter with an object schema is the body (Swagger 2); otherwise the parameters are the properties of a JSON (`body`), form or multipart (`formData`, multipart when one is a file) object |
//! | a response with `schema` and no `content` | `content: {application/json: {schema}}` |
//! | a response component that is a bare schema (`properties`, `items`, … and no `content`) | the schema moves to `components/schemas` under the response's name; the response's content refers to it |
//!
//! Each is recorded as a warning with its pointer. A body parameter next to a `requestBody`
//! is dropped (the `requestBody` is the 3.0 statement of the body), with a warning.

use serde_json::{json, Map, Value};

use crate::error::{escape_token, ptr, Warnings};
use crate::walk::METHODS;

/// Where a Swagger 2 body parameter was.
const BODY_PLACES: &[&str] = &["body", "formData"];

/// Schema keywords that make a response object (which has none of its own) a bare schema.
const SCHEMA_KEYWORDS: &[&str] =
    &["properties", "items", "allOf", "oneOf", "anyOf", "additionalProperties", "enum", "type"];

pub(super) fn repair(doc: &mut Value, warnings: &mut Warnings) {
    bare_schema_responses(doc, warnings);
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    let mut used_components = Vec::new();
    for section in ["paths", "webhooks"] {
        let Some(items) = doc.get_mut(section).and_then(Value::as_object_mut) else { continue };
        for (path, item) in items.iter_mut() {
            let item_at = ptr(&format!("#/{section}"), path);
            let Some(item) = item.as_object_mut() else { continue };
            // Path-level body parameters apply to each operation of the path.
            let shared = take_body_params(item, &item_at, &components, &mut used_components);
            for method in METHODS {
                let at = ptr(&item_at, method);
                let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else { continue };
                let mut params = shared.clone();
                params.extend(take_body_params(op, &at, &components, &mut used_components));
                if !params.is_empty() {
                    body_from_params(op, params, warnings);
                }
                if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    for (status, r) in responses.iter_mut() {
                        response_schema(r, &ptr(&format!("{at}/responses"), status), warnings);
                    }
                }
            }
        }
    }
    // Body parameters are not parameters in 3.0: once inlined where they are used, the
    // components that held them go (a reader would reject them).
    if let Some(params) = doc.pointer_mut("/components/parameters").and_then(Value::as_object_mut) {
        let body: Vec<String> = params
            .iter()
            .filter(|(_, p)| p.get("in").and_then(Value::as_str).is_some_and(|i| BODY_PLACES.contains(&i)))
            .map(|(k, _)| k.clone())
            .collect();
        for name in body {
            params.remove(&name);
            let at = ptr("#/components/parameters", &name);
            let what = if used_components.contains(&name) { "inlined into the operations using it" } else { "unused" };
            warnings.add(format!("Swagger 2 body parameter component removed ({what})"), at);
        }
    }
    if let Some(responses) = doc.pointer_mut("/components/responses").and_then(Value::as_object_mut) {
        for (name, r) in responses.iter_mut() {
            response_schema(r, &ptr("#/components/responses", name), warnings);
        }
    }
}

/// A body parameter taken out of a `parameters` list.
#[derive(Clone)]
struct BodyParam {
    /// `body` or `formData`.
    place: String,
    name: String,
    required: bool,
    description: Option<Value>,
    schema: Value,
    at: String,
}

/// Remove the body parameters of `holder`'s `parameters` (following `#/components/parameters`
/// references) and return them.
fn take_body_params(
    holder: &mut Map<String, Value>,
    at: &str,
    components: &Value,
    used_components: &mut Vec<String>,
) -> Vec<BodyParam> {
    let Some(Value::Array(list)) = holder.get_mut("parameters") else { return Vec::new() };
    let mut out = Vec::new();
    let mut kept = Vec::new();
    for (i, p) in std::mem::take(list).into_iter().enumerate() {
        let component = p
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/parameters/"))
            .map(|n| n.replace("~1", "/").replace("~0", "~"));
        let resolved = match &component {
            Some(name) => components.get("parameters").and_then(|ps| ps.get(name)).unwrap_or(&p),
            None => &p,
        };
        let place = resolved.get("in").and_then(Value::as_str).unwrap_or("");
        if !BODY_PLACES.contains(&place) {
            kept.push(p);
            continue;
        }
        if let Some(name) = component {
            used_components.push(name);
        }
        let mut schema = resolved.get("schema").cloned().unwrap_or_else(|| json!({}));
        // Swagger 2 formData parameters carry their type on the parameter itself.
        if let (Some(obj), Value::Object(s)) = (resolved.as_object(), &mut schema) {
            for key in ["type", "format", "items", "enum"] {
                if let (Some(v), false) = (obj.get(key), s.contains_key(key)) {
                    s.insert(key.into(), v.clone());
                }
            }
            if s.get("type").and_then(Value::as_str) == Some("file") {
                s.insert("type".into(), json!("string"));
                s.insert("format".into(), json!("binary"));
            }
        }
        out.push(BodyParam {
            place: place.to_owned(),
            name: resolved.get("name").and_then(Value::as_str).unwrap_or("body").to_owned(),
            required: resolved.get("required").and_then(Value::as_bool).unwrap_or(false),
            description: resolved.get("description").cloned(),
            schema,
            at: format!("{at}/parameters/{i}"),
        });
    }
    *list = kept;
    if list.is_empty() {
        holder.remove("parameters");
    }
    out
}

fn is_object_schema(s: &Value) -> bool {
    s.get("$ref").is_some()
        || s.get("properties").is_some()
        || s.get("type").and_then(Value::as_str) == Some("object")
        || s.get("allOf").is_some()
}

/// Build the operation's `requestBody` from its body parameters.
fn body_from_params(op: &mut Map<String, Value>, params: Vec<BodyParam>, warnings: &mut Warnings) {
    if op.contains_key("requestBody") {
        for p in &params {
            warnings.add(
                format!("Swagger 2 `in: {}` parameter dropped: the operation has a requestBody", p.place),
                p.at.clone(),
            );
        }
        return;
    }
    let form = params.iter().any(|p| p.place == "formData");
    let file = params.iter().any(|p| p.schema.get("format").and_then(Value::as_str) == Some("binary"));
    let content_type = match (form, file) {
        (false, _) => "application/json",
        (true, true) => "multipart/form-data",
        (true, false) => "application/x-www-form-urlencoded",
    };
    let (schema, required, what) = match params.as_slice() {
        [one] if !form && is_object_schema(&one.schema) => {
            (one.schema.clone(), one.required, "Swagger 2 `in: body` parameter read as the operation's requestBody")
        }
        _ => {
            let mut properties = Map::new();
            let mut required = Vec::new();
            for p in &params {
                let mut s = p.schema.clone();
                if let (Some(d), Value::Object(m)) = (&p.description, &mut s) {
                    if !m.contains_key("$ref") {
                        m.entry("description").or_insert_with(|| d.clone());
                    }
                }
                properties.insert(p.name.clone(), s);
                if p.required {
                    required.push(Value::String(p.name.clone()));
                }
            }
            let any_required = !required.is_empty();
            let mut schema = json!({"type": "object", "properties": properties});
            if any_required {
                schema["required"] = Value::Array(required);
            }
            let what = if form {
                "Swagger 2 `in: formData` parameters read as the properties of the operation's form requestBody"
            } else {
                "Swagger 2 `in: body` parameters read as the properties of the operation's JSON requestBody"
            };
            (schema, any_required, what)
        }
    };
    for p in &params {
        warnings.add(what, p.at.clone());
    }
    op.insert("requestBody".into(), json!({"required": required, "content": {content_type: {"schema": schema}}}));
}

/// A response with Swagger 2's `schema` instead of `content`.
fn response_schema(r: &mut Value, at: &str, warnings: &mut Warnings) {
    let Some(map) = r.as_object_mut() else { return };
    if map.contains_key("$ref") || map.contains_key("content") {
        return;
    }
    let Some(schema) = map.remove("schema") else { return };
    map.insert("content".into(), json!({"application/json": {"schema": schema}}));
    warnings.add("Swagger 2 response `schema` read as its application/json content", format!("{at}/schema"));
}

/// Response components written as bare schemas (`properties` where `content` should be).
fn bare_schema_responses(doc: &mut Value, warnings: &mut Warnings) {
    let Some(responses) = doc.pointer("/components/responses").and_then(Value::as_object) else { return };
    let bare: Vec<String> = responses
        .iter()
        .filter(|(_, r)| {
            r.as_object().is_some_and(|m| {
                let carrier = ["content", "schema", "$ref"].iter().any(|k| m.contains_key(*k));
                !carrier && m.keys().any(|k| SCHEMA_KEYWORDS.contains(&k.as_str()))
            })
        })
        .map(|(k, _)| k.clone())
        .collect();
    if bare.is_empty() {
        return;
    }
    let mut taken: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for name in bare {
        let at = ptr("#/components/responses", &name);
        let Some(Value::Object(r)) = doc.pointer_mut(&format!("/components/responses/{}", escape_token(&name))) else {
            continue;
        };
        let description = r.remove("description");
        let mut schema = std::mem::take(r);
        // What belongs to the response object rather than to the schema.
        let headers = schema.remove("headers");
        let links = schema.remove("links");
        let mut new = name.clone();
        let mut i = 2;
        while taken.contains(&new) {
            new = format!("{name}{}", if i == 2 { "Schema".to_owned() } else { format!("Schema{i}") });
            i += 1;
        }
        taken.push(new.clone());
        if let Some(d) = &description {
            schema.entry("description").or_insert_with(|| d.clone());
        }
        let reference = format!("#/components/schemas/{}", escape_token(&new));
        r.insert("description".into(), description.unwrap_or_else(|| json!("")));
        r.insert("content".into(), json!({"application/json": {"schema": {"$ref": reference}}}));
        if let Some(h) = headers {
            r.insert("headers".into(), h);
        }
        if let Some(l) = links {
            r.insert("links".into(), l);
        }
        let Some(root) = doc.as_object_mut() else { return };
        let components = root.entry("components").or_insert_with(|| json!({}));
        if let Some(c) = components.as_object_mut() {
            let schemas = c.entry("schemas").or_insert_with(|| json!({}));
            if let Some(s) = schemas.as_object_mut() {
                s.insert(new, Value::Object(schema));
            }
        }
        warnings.add(
            "response component written as a bare schema (no `content`): the schema moves to components/schemas, \
             the response's application/json content refers to it",
            at,
        );
    }
}
