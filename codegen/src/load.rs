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
pub fn load_value(raw: Value) -> Result<Loaded> {
    let warnings = Vec::new();
    let version = raw.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0") {
        return Err(GenError::new(
            "#/openapi",
            format!("unsupported OpenAPI version {version:?}: this generator reads OpenAPI 3.0.x"),
        ));
    }
    let openapi = typed(&raw)?;
    Ok(Loaded { openapi, raw, warnings })
}

fn typed(raw: &Value) -> Result<openapiv3::OpenAPI> {
    serde_path_to_error::deserialize(raw).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        GenError::new(pointer, format!("not a valid OpenAPI 3.0 document here: {}", e.into_inner()))
    })
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
