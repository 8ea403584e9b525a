//! Schemas whose keywords are in the wrong place or of the wrong kind.
//!
//! | defect | repair |
//! |---|---|
//! | a schema keyword written inside `properties` with a value no schema can be (a string, a list, a number: `properties: {data: {…}, required: [data], title: X, type: object}`) | moved to the schema: a `required` list is united with the schema's, any other keyword is set when the schema lacks it; one that disagrees with the schema's own is dropped (its own warning) |
//! | `type` a format name (`uuid`, `date-time`, `date`, `email`, `uri`, `int64`, `double`, …) | `type: string` (`integer`, `number` for the numeric formats) with that `format`, unless the schema names a format itself |
//! | `type` the name of a component schema (`type: PaginationMeta`) | a `$ref` to that component (`allOf: [{$ref}]` when the schema says more, so that its `nullable`, `description` or own properties still apply) |
//! | `type: file` (Swagger 2) | `type: string, format: binary` |
//! | `type` a JSON type in other case (`String`) | that type |
//! | any other `type` that is no JSON type | `type` dropped: an untyped value (`serde_json::Value`), or the object its `properties` describe |
//!
//! A keyword inside `properties` whose value is an object or a boolean is left alone: it may be a
//! property of that name (`properties: {type: {type: string}}`, a 3.1 boolean schema).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::error::{escape_token, ptr, Result, Warnings};
use crate::walk::{self, Visitor};

/// The JSON types a schema's `type` names (3.0's six and 3.1's `null`).
const JSON_TYPES: &[&str] = &["string", "integer", "number", "boolean", "array", "object", "null"];

/// Keywords of a schema that, written inside `properties` with a non-schema value, are moved out.
const KEYWORDS: &[&str] = &[
    "type",
    "title",
    "description",
    "format",
    "required",
    "enum",
    "default",
    "example",
    "minProperties",
    "maxProperties",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
];

/// The JSON type a format name belongs to: the OpenAPI and JSON Schema formats, and `url`.
fn type_of_format(format: &str) -> Option<&'static str> {
    Some(match format {
        "date-time"
        | "date"
        | "time"
        | "duration"
        | "email"
        | "idn-email"
        | "hostname"
        | "idn-hostname"
        | "ipv4"
        | "ipv6"
        | "uri"
        | "uri-reference"
        | "iri"
        | "iri-reference"
        | "uri-template"
        | "url"
        | "uuid"
        | "json-pointer"
        | "relative-json-pointer"
        | "regex"
        | "byte"
        | "binary"
        | "password" => "string",
        "int32" | "int64" => "integer",
        "float" | "double" | "decimal" => "number",
        _ => return None,
    })
}

/// Move schema keywords written inside `properties` out to the schema. Runs on the document as
/// written (before the 3.1 normalisation reads a moved `type` list or `required`).
pub(crate) fn keywords_in_properties(doc: &mut Value, warnings: &mut Warnings) -> Result<()> {
    struct Lift<'w> {
        warnings: &'w mut Warnings,
    }
    impl Visitor for Lift<'_> {
        fn schema(&mut self, node: &mut Value, at: &str) -> Result<()> {
            let Some(map) = node.as_object_mut() else { return Ok(()) };
            if map.contains_key("$ref") {
                return Ok(());
            }
            lift(map, at, self.warnings);
            Ok(())
        }
    }
    walk::document(doc, &mut Lift { warnings })
}

fn lift(map: &mut Map<String, Value>, at: &str, warnings: &mut Warnings) {
    let Some(Value::Object(props)) = map.get_mut("properties") else { return };
    let misplaced: Vec<String> = props
        .iter()
        .filter(|(k, v)| {
            KEYWORDS.contains(&k.as_str()) && matches!(v, Value::String(_) | Value::Array(_) | Value::Number(_))
        })
        .map(|(k, _)| k.clone())
        .collect();
    if misplaced.is_empty() {
        return;
    }
    let props_at = ptr(at, "properties");
    let mut moved = Vec::new();
    for key in misplaced {
        if let Some(value) = props.remove(&key) {
            moved.push((key, value));
        }
    }
    for (key, value) in moved {
        let key_at = ptr(&props_at, &key);
        let merged = match (map.get_mut(&key), value) {
            (None, value) => {
                map.insert(key.clone(), value);
                true
            }
            (Some(Value::Array(own)), Value::Array(more)) if key == "required" => {
                for name in more {
                    if !own.contains(&name) {
                        own.push(name);
                    }
                }
                true
            }
            (Some(own), value) => *own == value,
        };
        if merged {
            warnings.add(format!("schema keyword {key:?} written inside `properties`: moved to the schema"), key_at);
        } else {
            warnings.add(
                format!("schema keyword {key:?} written inside `properties` disagrees with the schema's own: dropped"),
                key_at,
            );
        }
    }
}

/// A `type` that is no JSON type; see the module doc. `components`: the names of the component
/// schemas.
pub(super) fn schema_type(
    map: &mut Map<String, Value>,
    at: &str,
    components: &BTreeSet<String>,
    warnings: &mut Warnings,
) {
    let Some(Value::String(ty)) = map.get("type") else { return };
    if JSON_TYPES.contains(&ty.as_str()) {
        return;
    }
    let ty = ty.clone();
    let type_at = ptr(at, "type");
    if ty == "file" {
        map.insert("type".into(), json!("string"));
        map.insert("format".into(), json!("binary"));
        warnings.add("Swagger 2 schema `type: file` read as `type: string, format: binary`", type_at);
    } else if let Some(json_type) = type_of_format(&ty) {
        map.insert("type".into(), json!(json_type));
        if !map.contains_key("format") {
            map.insert("format".into(), json!(ty));
        }
        warnings.add(
            format!("schema type {ty:?} is a format, not a JSON type: read as type {json_type:?} with that format"),
            type_at,
        );
    } else if components.contains(&ty) {
        map.remove("type");
        let reference = json!({ "$ref": format!("#/components/schemas/{}", escape_token(&ty)) });
        if map.is_empty() {
            map.insert("$ref".into(), reference["$ref"].clone());
        } else {
            match map.get_mut("allOf") {
                Some(Value::Array(parts)) => parts.insert(0, reference),
                _ => {
                    map.insert("allOf".into(), json!([reference]));
                }
            }
        }
        warnings.add(format!("schema type {ty:?} names a component schema: read as a $ref to it"), type_at);
    } else if let Some(json_type) = JSON_TYPES.iter().find(|t| t.eq_ignore_ascii_case(&ty)) {
        map.insert("type".into(), json!(json_type));
        warnings.add(format!("schema type {ty:?} read as {json_type:?}"), type_at);
    } else {
        map.remove("type");
        warnings.add(
            format!("schema type {ty:?} is no JSON type, format or component schema: dropped (an untyped value)"),
            type_at,
        );
    }
}
