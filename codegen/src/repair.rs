//! Repairs of spec defects whose meaning is unambiguous, each recorded as a warning naming the
//! pointer; the defects that have no single meaning become errors naming the pointer.
//!
//! | defect | seen in | repair |
//! |---|---|---|
//! | the same `operationId` on two operations | 2026-07-16 (`ListPhoneNumbers`) | later ones renamed to the name derived from method and path |
//! | schema `$ref` to a response / request body / parameter | 2025-08-27 (`/advanced_orders`) | points at that object's schema (hoisted into `components/schemas` under the object's name when inline) |
//! | `required: true` inside a property schema | — | the property is added to the parent's `required` list |
//! | `required: true` inside a parameter's schema | — | the parameter is `required` |
//! | `required: false`, `required: null`; `required: "name"` | — | dropped; `["name"]` |
//! | `required: true` anywhere else, `required` list with a non-string | — | error |
//! | `$ref` that does not resolve, or is not local | — | error at the referencing node |

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use crate::error::{escape_token, ptr, GenError, Result, Warnings};
use crate::naming;
use crate::walk::{self, Kind, Visitor, METHODS};

pub(crate) fn repair(doc: &mut Value, warnings: &mut Warnings) -> Result<()> {
    duplicate_operation_ids(doc, warnings);
    let mut r = Repairer { warnings, refs: Vec::new() };
    walk::document(doc, &mut r)?;
    let Repairer { warnings, mut refs } = r;
    misplaced_refs(doc, &mut refs, warnings)?;
    for r in &refs {
        check_ref(doc, &r.at, &r.target)?;
    }
    Ok(())
}

/// `operationId`s must be unique (they name methods and key the catalogue); later duplicates
/// get the name derived from method and path, which is unique because method + path is.
fn duplicate_operation_ids(doc: &mut Value, warnings: &mut Warnings) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for section in ["paths", "webhooks"] {
        let Some(items) = doc.get_mut(section).and_then(Value::as_object_mut) else { continue };
        for (path, item) in items.iter_mut() {
            for method in METHODS {
                let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else { continue };
                let Some(id) = op.get("operationId").and_then(Value::as_str).map(str::to_owned) else { continue };
                if seen.insert(id.clone()) {
                    continue;
                }
                let derived = naming::derived_operation_name(method, path);
                let mut new = derived.clone();
                let mut i = 2;
                while seen.contains(&new) {
                    new = format!("{derived}_{i}");
                    i += 1;
                }
                warnings.add(
                    format!("duplicate operationId {id:?} renamed to {new:?}"),
                    format!("{}/operationId", ptr(&ptr(&format!("#/{section}"), path), method)),
                );
                op.insert("operationId".into(), Value::String(new.clone()));
                seen.insert(new);
            }
        }
    }
}

struct Ref {
    /// Pointer of the node holding the `$ref`.
    at: String,
    target: String,
    /// Whether the node is in a schema position.
    schema: bool,
}

struct Repairer<'w> {
    warnings: &'w mut Warnings,
    /// Every `$ref`, checked once repairs are done.
    refs: Vec<Ref>,
}

impl Repairer<'_> {
    fn record_ref(&mut self, node: &Value, at: &str, schema: bool) -> Result<()> {
        match node.get("$ref") {
            None => Ok(()),
            Some(Value::String(r)) => {
                self.refs.push(Ref { at: at.to_owned(), target: r.clone(), schema });
                Ok(())
            }
            Some(_) => Err(GenError::new(format!("{at}/$ref"), "$ref must be a string")),
        }
    }

    fn required(&mut self, map: &mut Map<String, Value>, at: &str) -> Result<()> {
        // A boolean `required` on a property is the Swagger 2 / draft-3 way of saying "the parent
        // requires this property".
        let mut lifted = Vec::new();
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            for (name, prop) in props.iter_mut() {
                let Some(prop) = prop.as_object_mut() else { continue };
                if prop.contains_key("$ref") {
                    continue;
                }
                let flag = match prop.get("required") {
                    Some(Value::Bool(b)) => *b,
                    _ => continue,
                };
                prop.remove("required");
                let req_at = format!("{}/required", ptr(&format!("{at}/properties"), name));
                if flag {
                    lifted.push(name.clone());
                    self.warnings
                        .add("boolean `required: true` on a property: moved to the parent's `required` list", req_at);
                } else {
                    self.warnings.add("boolean `required: false` on a property dropped", req_at);
                }
            }
        }
        let req_at = format!("{at}/required");
        let well_formed = match map.get("required") {
            None => true,
            Some(Value::Array(list)) => list.iter().all(Value::is_string),
            Some(_) => false,
        };
        if well_formed && lifted.is_empty() {
            return Ok(());
        }
        let list = match map.remove("required") {
            None => Vec::new(),
            Some(Value::Array(list)) => {
                let mut out = Vec::new();
                for (i, v) in list.into_iter().enumerate() {
                    match v {
                        Value::String(s) => out.push(s),
                        _ => return Err(GenError::new(format!("{req_at}/{i}"), "`required` must list property names")),
                    }
                }
                out
            }
            Some(Value::String(s)) => {
                self.warnings.add("`required` given as one name instead of a list: read as a list of it", &req_at);
                vec![s]
            }
            Some(Value::Bool(false) | Value::Null) => {
                self.warnings.add("`required: false`/`null` on a schema dropped", &req_at);
                Vec::new()
            }
            Some(other) => {
                return Err(GenError::new(req_at, format!("`required` must be a list of property names, not {other}")))
            }
        };
        let mut list = list;
        for name in lifted {
            if !list.contains(&name) {
                list.push(name);
            }
        }
        if !list.is_empty() {
            map.insert("required".into(), Value::Array(list.into_iter().map(Value::String).collect()));
        }
        Ok(())
    }
}

impl Repairer<'_> {
    /// `schema: {type: string, required: true}` on a parameter means the parameter is required.
    fn parameter_required(&mut self, node: &mut Value, at: &str) {
        let Some(param) = node.as_object_mut() else { return };
        let flag = match param.get_mut("schema").and_then(Value::as_object_mut) {
            Some(schema) if matches!(schema.get("required"), Some(Value::Bool(_))) => {
                schema.remove("required").and_then(|v| v.as_bool()).unwrap_or(false)
            }
            _ => return,
        };
        let req_at = format!("{at}/schema/required");
        if flag {
            param.insert("required".into(), Value::Bool(true));
            self.warnings
                .add("boolean `required: true` in a parameter's schema: read as the parameter's `required`", req_at);
        } else {
            self.warnings.add("boolean `required: false` in a parameter's schema dropped", req_at);
        }
    }
}

impl Visitor for Repairer<'_> {
    fn schema(&mut self, node: &mut Value, at: &str) -> Result<()> {
        self.record_ref(node, at, true)?;
        match node.as_object_mut() {
            Some(map) if !map.contains_key("$ref") => self.required(map, at),
            _ => Ok(()),
        }
    }

    fn object(&mut self, node: &mut Value, at: &str, kind: Kind) -> Result<()> {
        self.record_ref(node, at, false)?;
        if matches!(kind, Kind::Parameter | Kind::Header) {
            self.parameter_required(node, at);
        }
        Ok(())
    }
}

/// Sections whose objects carry a schema a misplaced schema `$ref` can mean, and what they hold.
const SCHEMA_CARRIERS: &[(&str, &str)] =
    &[("responses", "response"), ("requestBodies", "request body"), ("parameters", "parameter"), ("headers", "header")];

/// Schema `$ref`s to a response, request body, parameter or header mean that object's schema.
fn misplaced_refs(doc: &mut Value, refs: &mut [Ref], warnings: &mut Warnings) -> Result<()> {
    // target → (pointer of the schema inside it, the reference that replaces target)
    let mut plan: IndexMap<String, (Option<String>, String)> = IndexMap::new();
    let mut taken: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for Ref { at, target: reference, schema } in refs.iter_mut() {
        let Some((what, name)) = misplaced_target(reference).filter(|_| *schema) else { continue };
        if !plan.contains_key(reference.as_str()) {
            let decided = carried_schema(doc, reference, at)?;
            let entry = match decided {
                Carried::Ref(r) => (None, r),
                Carried::Inline(schema_at) => {
                    let mut new = name.clone();
                    let mut i = 2;
                    while taken.contains(&new) {
                        new = format!("{name}Schema{}", if i == 2 { String::new() } else { i.to_string() });
                        i += 1;
                    }
                    taken.push(new.clone());
                    (Some(schema_at), format!("#/components/schemas/{}", escape_token(&new)))
                }
            };
            plan.insert(reference.clone(), entry);
        }
        let (_, new) = &plan[reference.as_str()];
        warnings.add(format!("schema $ref to a {what}: read as a $ref to its schema"), at.clone());
        if let Some(Value::Object(node)) = doc.pointer_mut(at.trim_start_matches('#')) {
            node.insert("$ref".into(), Value::String(new.clone()));
        }
        *reference = new.clone();
    }
    // Moved only now: the pointers rewritten above may lie inside the schemas being moved.
    for (_, (schema_at, new)) in plan {
        let Some(schema_at) = schema_at else { continue };
        let Some(slot) = doc.pointer_mut(schema_at.trim_start_matches('#')) else { continue };
        let schema = std::mem::replace(slot, json!({ "$ref": new }));
        let name = new.trim_start_matches("#/components/schemas/").replace("~1", "/").replace("~0", "~");
        let Some(root) = doc.as_object_mut() else { continue };
        let components = root.entry("components").or_insert_with(|| json!({}));
        if let Some(components) = components.as_object_mut() {
            let schemas = components.entry("schemas").or_insert_with(|| json!({}));
            if let Some(schemas) = schemas.as_object_mut() {
                schemas.insert(name, schema);
            }
        }
    }
    Ok(())
}

/// `#/components/responses/Foo` → `("response", "Foo")`.
fn misplaced_target(reference: &str) -> Option<(&'static str, String)> {
    let rest = reference.strip_prefix("#/components/")?;
    let (section, name) = rest.split_once('/')?;
    let (_, what) = SCHEMA_CARRIERS.iter().find(|(s, _)| *s == section)?;
    (!name.contains('/')).then(|| (*what, name.replace("~1", "/").replace("~0", "~")))
}

enum Carried {
    /// The object's schema is itself a reference (to this).
    Ref(String),
    /// The object's schema is inline, at this pointer.
    Inline(String),
}

/// The schema carried by the object at `reference` (following references between such objects).
fn carried_schema(doc: &Value, reference: &str, at: &str) -> Result<Carried> {
    let mut current = reference.to_owned();
    for _ in 0..16 {
        let target_at = current.trim_start_matches('#').to_owned();
        let Some(target) = doc.pointer(&target_at) else {
            return Err(GenError::new(at, format!("dangling $ref {reference:?}")));
        };
        if let Some(next) = target.get("$ref").and_then(Value::as_str) {
            current = next.to_owned();
            continue;
        }
        let schema_at = if target.get("schema").is_some() {
            format!("#{target_at}/schema")
        } else {
            let content = target.get("content").and_then(Value::as_object);
            let with_schema: Vec<&String> =
                content.into_iter().flatten().filter(|(_, m)| m.get("schema").is_some()).map(|(k, _)| k).collect();
            let pick = match with_schema.as_slice() {
                [one] => Some(*one),
                several => several.iter().find(|ct| ct.contains("json")).copied(),
            };
            let Some(ct) = pick else {
                return Err(GenError::new(
                    at,
                    format!("schema $ref {reference:?} points at an object without a (JSON) schema"),
                ));
            };
            format!("#{target_at}/content/{}/schema", escape_token(ct))
        };
        let schema = doc.pointer(schema_at.trim_start_matches('#')).unwrap_or(&Value::Null);
        return Ok(match schema.get("$ref").and_then(Value::as_str) {
            Some(r) if schema.as_object().is_some_and(|m| m.len() == 1) && r.starts_with("#/components/schemas/") => {
                Carried::Ref(r.to_owned())
            }
            _ => Carried::Inline(schema_at),
        });
    }
    Err(GenError::new(at, format!("$ref chain too long (cycle?) from {reference:?}")))
}

fn check_ref(doc: &Value, at: &str, reference: &str) -> Result<()> {
    let Some(pointer) = reference.strip_prefix('#') else {
        return Err(GenError::new(
            at,
            format!("external $ref {reference:?} is not supported (only #/… in the same file)"),
        ));
    };
    if doc.pointer(pointer).is_some() || doc.pointer(&percent_decode(pointer)).is_some() {
        Ok(())
    } else {
        Err(GenError::new(at, format!("dangling $ref {reference:?}: nothing at that pointer")))
    }
}

/// A `$ref` is a URI, so its fragment may be percent-encoded (`%7Bid%7D`).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
