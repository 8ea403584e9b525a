//! Repairs of spec defects whose meaning is unambiguous, each recorded as a warning naming the
//! pointer; the defects that have no single meaning become errors naming the pointer.
//!
//! | defect | seen in | repair |
//! |---|---|---|
//! | the same `operationId` on two operations | 2026-07-16 (`ListPhoneNumbers`) | later ones renamed to the name derived from method and path |
//! | schema `$ref` to a response / request body / parameter | 2025-08-27 (`/advanced_orders`) | points at that object's schema (hoisted into `components/schemas` under the object's name when inline) |
//! | `$ref` to a schema (or parameter, response, …) anywhere in the document, not under `components` | 2022-12-09 (`VerifiedCallsDisplayProfile/properties/…`) | the target moves to `components`, named after its place ([`refs`]) |
//! | path template variables and path parameters that disagree | 2023-12-11, 2024-12-18 (TeXML) | see [`paths`] |
//! | Swagger 2 `in: body` / `in: formData` parameters, response `schema`, response components that are bare schemas | 2019-12-18, 2022-12-09 … 2024-12-18 | see [`swagger2`] |
//! | `required: true` inside a property schema | — | the property is added to the parent's `required` list |
//! | `required: true` inside a parameter's schema | — | the parameter is `required` |
//! | `required: false`, `required: null`; `required: "name"` | — | dropped; `["name"]` |
//! | `required: true` anywhere else, `required` list with a non-string | — | error |
//! | schema `$ref` that resolves to nothing (`#/components/schemas/Gone`) | — | the schema is an untyped JSON value (`serde_json::Value`), keeping its `description`/`title`/`nullable` ([`refs`]) |
//! | `$ref` of a parameter, response, … that resolves to nothing; a `$ref` that is not local | — | error at the referencing node |
//! | schema `type` a format name (`type: uuid`, `type: date-time`) | — | `type: string` with that `format` ([`schemas`]) |
//! | schema `type` the name of a component schema (`type: PaginationMeta`) | — | a `$ref` to it ([`schemas`]) |
//! | schema `type` in another case (`String`), or no JSON type at all | — | that type; dropped, an untyped value ([`schemas`]) |
//! | schema keywords indented into `properties` (`properties: {data: {…}, required: [data], type: object}`) | — | moved to the schema, merged with its own; a disagreeing one dropped ([`schemas`]) |
//! | one operation of a path item naming its path parameter differently from the template its siblings follow (`/rooms/{room_id}`, `delete` declaring `id`) | — | that operation's parameter renamed after the template ([`paths`]) |
//! | response without the `description` OpenAPI requires | — | `description: ""` |

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::{ptr, GenError, Result, Warnings};
use crate::naming;
use crate::walk::{self, Kind, Visitor, METHODS};

mod paths;
mod refs;
mod schemas;
mod swagger2;

pub(crate) use schemas::keywords_in_properties;

use refs::{Positions, Ref};

pub(crate) fn repair(doc: &mut Value, warnings: &mut Warnings) -> Result<()> {
    duplicate_operation_ids(doc, warnings);
    swagger2::repair(doc, warnings);
    paths::repair(doc, warnings);
    let component_schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut r = Repairer { warnings, refs: Vec::new(), positions: Positions::default(), component_schemas };
    walk::document(doc, &mut r)?;
    let Repairer { warnings, mut refs, positions, .. } = r;
    refs::repair(doc, &mut refs, &positions, warnings)
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

struct Repairer<'w> {
    warnings: &'w mut Warnings,
    /// Every `$ref`, resolved once repairs are done.
    refs: Vec<Ref>,
    /// Every schema and object the walk visited.
    positions: Positions,
    /// The names of the component schemas (what a `type` naming one refers to).
    component_schemas: BTreeSet<String>,
}

impl Repairer<'_> {
    /// `kind`: `None` for a schema position.
    fn record_ref(&mut self, node: &Value, at: &str, kind: Option<Kind>) -> Result<()> {
        match kind {
            None => self.positions.schemas.insert(at.to_owned()),
            Some(k) => self.positions.objects.insert(at.to_owned(), k).is_none(),
        };
        match node.get("$ref") {
            None => Ok(()),
            Some(Value::String(r)) => {
                self.refs.push(Ref { at: at.to_owned(), target: r.clone(), kind });
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

impl Repairer<'_> {
    /// OpenAPI requires a response's `description` (`openapiv3` does not read a response without
    /// one); nothing generated uses it, so an empty one says no less than the spec did.
    fn response_description(&mut self, node: &mut Value, at: &str) {
        let Some(response) = node.as_object_mut() else { return };
        if response.contains_key("$ref") || response.contains_key("description") {
            return;
        }
        response.insert("description".into(), Value::String(String::new()));
        self.warnings.add("response without the `description` OpenAPI requires: an empty one added", at);
    }
}

impl Visitor for Repairer<'_> {
    fn schema(&mut self, node: &mut Value, at: &str) -> Result<()> {
        if let Some(map) = node.as_object_mut().filter(|m| !m.contains_key("$ref")) {
            schemas::schema_type(map, at, &self.component_schemas, self.warnings);
        }
        self.record_ref(node, at, None)?;
        match node.as_object_mut() {
            Some(map) if !map.contains_key("$ref") => self.required(map, at),
            _ => Ok(()),
        }
    }

    fn object(&mut self, node: &mut Value, at: &str, kind: Kind) -> Result<()> {
        self.record_ref(node, at, Some(kind))?;
        match kind {
            Kind::Parameter | Kind::Header => self.parameter_required(node, at),
            Kind::Response => self.response_description(node, at),
            _ => {}
        }
        Ok(())
    }
}
