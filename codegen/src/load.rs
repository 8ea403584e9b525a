//! Loading: text (YAML or JSON) → `serde_json::Value` → `openapiv3::OpenAPI`.
//!
//! Parsing goes through a generic value first so that a document `openapiv3` rejects is reported
//! with the JSON pointer of the offending node (via `serde_path_to_error`) instead of a line
//! number into a 60 000-line file.

use serde_json::Value;

use crate::error::{escape_token, GenError, Result};

/// A loaded spec: the typed document plus the raw value (for pointer look-ups and examples).
pub struct Loaded {
    pub openapi: openapiv3::OpenAPI,
    pub raw: Value,
    pub warnings: Vec<String>,
}

/// Parse spec text. JSON is recognised by its first non-blank character.
pub fn parse_value(text: &str) -> Result<Value> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        serde_json::from_str(text).map_err(|e| GenError::new("#", format!("invalid JSON: {e}")))
    } else {
        serde_yaml::from_str(text).map_err(|e| GenError::new("#", format!("invalid YAML: {e}")))
    }
}

/// Load a spec from text.
pub fn load(text: &str) -> Result<Loaded> {
    let raw = parse_value(text)?;
    load_value(raw)
}

/// Load a spec from an already parsed value.
pub fn load_value(mut raw: Value) -> Result<Loaded> {
    let version = raw.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0") {
        return Err(GenError::new(
            "#/openapi",
            format!("unsupported OpenAPI version {version:?}: this generator reads OpenAPI 3.0.x"),
        ));
    }
    let warnings = crate::repair::repair(&mut raw);
    let openapi = typed(&raw)?;
    Ok(Loaded { openapi, raw, warnings })
}

fn typed(raw: &Value) -> Result<openapiv3::OpenAPI> {
    serde_path_to_error::deserialize(raw).map_err(|e| {
        // `openapiv3` flattens extension maps into most objects, and serde loses track of the
        // path inside flattened structs; look for the failing node part by part instead.
        refine(raw).unwrap_or_else(|| {
            let pointer = path_to_pointer(e.path());
            GenError::new(pointer, format!("not a valid OpenAPI 3.0 document here: {}", e.into_inner()))
        })
    })
}

/// Deserialize `value` as `T`, reporting failures at `base` + the path inside.
fn check<T: serde::de::DeserializeOwned>(value: &Value, base: &str) -> Option<GenError> {
    let err = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let inner = path_to_pointer(err.path());
    let pointer = format!("{base}{}", inner.strip_prefix('#').unwrap_or(&inner));
    Some(GenError::new(pointer, format!("not a valid OpenAPI 3.0 document here: {}", err.into_inner())))
}

fn entries<'v>(value: &'v Value, base: &str) -> Vec<(String, &'v Value)> {
    match value.as_object() {
        Some(m) => m
            .iter()
            .filter(|(k, _)| !k.starts_with("x-"))
            .map(|(k, v)| (format!("{base}/{}", escape_token(k)), v))
            .collect(),
        None => Vec::new(),
    }
}

/// Find the innermost failing node among paths, operations and components.
fn refine(raw: &Value) -> Option<GenError> {
    use openapiv3::{Parameter, ReferenceOr, RequestBody, Response, Schema};
    const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    if let Some(paths) = raw.get("paths") {
        for (item_at, item) in entries(paths, "#/paths") {
            for (op_at, op) in entries(item, &item_at) {
                let method = op_at.rsplit('/').next().unwrap_or_default();
                if !METHODS.contains(&method) {
                    continue;
                }
                if let Some(params) = op.get("parameters").and_then(Value::as_array) {
                    for (i, p) in params.iter().enumerate() {
                        if let Some(e) = check::<ReferenceOr<Parameter>>(p, &format!("{op_at}/parameters/{i}")) {
                            return Some(e);
                        }
                    }
                }
                if let Some(body) = op.get("requestBody") {
                    if let Some(e) = check::<ReferenceOr<RequestBody>>(body, &format!("{op_at}/requestBody")) {
                        return Some(e);
                    }
                }
                if let Some(responses) = op.get("responses") {
                    for (r_at, r) in entries(responses, &format!("{op_at}/responses")) {
                        if let Some(e) = check::<ReferenceOr<Response>>(r, &r_at) {
                            return Some(e);
                        }
                    }
                }
                if let Some(e) = check::<openapiv3::Operation>(op, &op_at) {
                    return Some(e);
                }
            }
            if let Some(e) = check::<openapiv3::PathItem>(item, &item_at) {
                return Some(e);
            }
        }
    }
    if let Some(components) = raw.get("components") {
        for (at, v) in entries(components.get("schemas").unwrap_or(&Value::Null), "#/components/schemas") {
            if let Some(e) = check::<ReferenceOr<Schema>>(v, &at) {
                return Some(e);
            }
        }
        for (at, v) in entries(components.get("parameters").unwrap_or(&Value::Null), "#/components/parameters") {
            if let Some(e) = check::<ReferenceOr<Parameter>>(v, &at) {
                return Some(e);
            }
        }
        for (at, v) in entries(components.get("responses").unwrap_or(&Value::Null), "#/components/responses") {
            if let Some(e) = check::<ReferenceOr<Response>>(v, &at) {
                return Some(e);
            }
        }
        for (at, v) in entries(components.get("requestBodies").unwrap_or(&Value::Null), "#/components/requestBodies") {
            if let Some(e) = check::<ReferenceOr<RequestBody>>(v, &at) {
                return Some(e);
            }
        }
    }
    None
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("#");
    for seg in path.iter() {
        match seg {
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&escape_token(key));
            }
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Enum { variant } => {
                out.push('/');
                out.push_str(&escape_token(variant));
            }
            Segment::Unknown => out.push_str("/?"),
        }
    }
    out
}

/// Resolve a JSON pointer (`#/components/schemas/Foo`) inside the raw document.
pub fn resolve_pointer<'a>(raw: &'a Value, pointer: &str) -> Option<&'a Value> {
    raw.pointer(pointer.strip_prefix('#').unwrap_or(pointer))
}
