//! A walk over the raw document (`serde_json::Value`) that visits every schema and every object
//! that may be a Reference Object, with its JSON pointer. The passes that rewrite the document
//! before `openapiv3` reads it ([`crate::normalize`], [`crate::repair`]) are visitors.
//!
//! The walk follows the OpenAPI structure rather than every map in the document, so a property
//! named `const` or `required`, or an example that happens to contain `$ref`, is never taken for
//! a keyword. Nodes of the wrong JSON type are skipped: reporting them is `openapiv3`'s job.

use serde_json::Value;

use crate::error::{ptr, Result};

/// What an object visited by [`Visitor::object`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    PathItem,
    Operation,
    Parameter,
    Header,
    RequestBody,
    Response,
    MediaType,
    Example,
    Link,
    Callback,
    SecurityScheme,
}

/// The methods of a Path Item (3.0 and 3.1 have the same eight).
pub(crate) const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub(crate) trait Visitor {
    /// A schema position (also when it holds a `$ref` or a boolean), before its sub-schemas are
    /// walked; the visitor may rewrite it, and the walk continues into the rewritten node.
    fn schema(&mut self, _node: &mut Value, _at: &str) -> Result<()> {
        Ok(())
    }

    /// Any other object that may be a Reference Object, before its children are walked.
    fn object(&mut self, _node: &mut Value, _at: &str, _kind: Kind) -> Result<()> {
        Ok(())
    }
}

/// Walk the whole document: paths, webhooks (3.1) and components.
pub(crate) fn document(doc: &mut Value, v: &mut dyn Visitor) -> Result<()> {
    if let Some(paths) = doc.get_mut("paths") {
        each(paths, "#/paths", |item, at| path_item(item, at, v))?;
    }
    if let Some(hooks) = doc.get_mut("webhooks") {
        each(hooks, "#/webhooks", |item, at| path_item(item, at, v))?;
    }
    let Some(components) = doc.get_mut("components") else { return Ok(()) };
    let at = "#/components";
    if let Some(m) = components.get_mut("schemas") {
        each(m, &format!("{at}/schemas"), |s, at| schema(s, at, v))?;
    }
    if let Some(m) = components.get_mut("parameters") {
        each(m, &format!("{at}/parameters"), |p, at| parameter(p, at, Kind::Parameter, v))?;
    }
    if let Some(m) = components.get_mut("headers") {
        each(m, &format!("{at}/headers"), |p, at| parameter(p, at, Kind::Header, v))?;
    }
    if let Some(m) = components.get_mut("requestBodies") {
        each(m, &format!("{at}/requestBodies"), |b, at| request_body(b, at, v))?;
    }
    if let Some(m) = components.get_mut("responses") {
        each(m, &format!("{at}/responses"), |r, at| response(r, at, v))?;
    }
    if let Some(m) = components.get_mut("examples") {
        each(m, &format!("{at}/examples"), |e, at| v.object(e, at, Kind::Example))?;
    }
    if let Some(m) = components.get_mut("links") {
        each(m, &format!("{at}/links"), |l, at| v.object(l, at, Kind::Link))?;
    }
    if let Some(m) = components.get_mut("securitySchemes") {
        each(m, &format!("{at}/securitySchemes"), |s, at| v.object(s, at, Kind::SecurityScheme))?;
    }
    if let Some(m) = components.get_mut("callbacks") {
        each(m, &format!("{at}/callbacks"), |c, at| callback(c, at, v))?;
    }
    if let Some(m) = components.get_mut("pathItems") {
        each(m, &format!("{at}/pathItems"), |item, at| path_item(item, at, v))?;
    }
    Ok(())
}

/// Call `f` on each entry of an object (extensions excluded) with its pointer.
fn each(node: &mut Value, at: &str, mut f: impl FnMut(&mut Value, &str) -> Result<()>) -> Result<()> {
    if let Some(map) = node.as_object_mut() {
        for (k, child) in map.iter_mut().filter(|(k, _)| !k.starts_with("x-")) {
            f(child, &ptr(at, k))?;
        }
    }
    Ok(())
}

/// Call `f` on each element of an array with its pointer.
fn each_item(node: &mut Value, at: &str, mut f: impl FnMut(&mut Value, &str) -> Result<()>) -> Result<()> {
    if let Some(items) = node.as_array_mut() {
        for (i, child) in items.iter_mut().enumerate() {
            f(child, &format!("{at}/{i}"))?;
        }
    }
    Ok(())
}

fn path_item(item: &mut Value, at: &str, v: &mut dyn Visitor) -> Result<()> {
    v.object(item, at, Kind::PathItem)?;
    let Some(map) = item.as_object_mut() else { return Ok(()) };
    if let Some(params) = map.get_mut("parameters") {
        each_item(params, &format!("{at}/parameters"), |p, at| parameter(p, at, Kind::Parameter, v))?;
    }
    for method in METHODS {
        if let Some(op) = map.get_mut(*method) {
            operation(op, &ptr(at, method), v)?;
        }
    }
    Ok(())
}

fn operation(op: &mut Value, at: &str, v: &mut dyn Visitor) -> Result<()> {
    v.object(op, at, Kind::Operation)?;
    let Some(map) = op.as_object_mut() else { return Ok(()) };
    if let Some(params) = map.get_mut("parameters") {
        each_item(params, &format!("{at}/parameters"), |p, at| parameter(p, at, Kind::Parameter, v))?;
    }
    if let Some(body) = map.get_mut("requestBody") {
        request_body(body, &format!("{at}/requestBody"), v)?;
    }
    if let Some(responses) = map.get_mut("responses") {
        each(responses, &format!("{at}/responses"), |r, at| response(r, at, v))?;
    }
    if let Some(callbacks) = map.get_mut("callbacks") {
        each(callbacks, &format!("{at}/callbacks"), |c, at| callback(c, at, v))?;
    }
    Ok(())
}

fn callback(cb: &mut Value, at: &str, v: &mut dyn Visitor) -> Result<()> {
    v.object(cb, at, Kind::Callback)?;
    if cb.get("$ref").is_some() {
        return Ok(());
    }
    each(cb, at, |item, at| path_item(item, at, v))
}

/// A parameter or header (a header is a parameter without `name` and `in`).
fn parameter(p: &mut Value, at: &str, kind: Kind, v: &mut dyn Visitor) -> Result<()> {
    v.object(p, at, kind)?;
    let Some(map) = p.as_object_mut() else { return Ok(()) };
    if map.contains_key("$ref") {
        return Ok(());
    }
    if let Some(s) = map.get_mut("schema") {
        schema(s, &format!("{at}/schema"), v)?;
    }
    if let Some(c) = map.get_mut("content") {
        content(c, &format!("{at}/content"), v)?;
    }
    if let Some(e) = map.get_mut("examples") {
        each(e, &format!("{at}/examples"), |e, at| v.object(e, at, Kind::Example))?;
    }
    Ok(())
}

fn request_body(b: &mut Value, at: &str, v: &mut dyn Visitor) -> Result<()> {
    v.object(b, at, Kind::RequestBody)?;
    if b.get("$ref").is_some() {
        return Ok(());
    }
    match b.get_mut("content") {
        Some(c) => content(c, &format!("{at}/content"), v),
        None => Ok(()),
    }
}

fn response(r: &mut Value, at: &str, v: &mut dyn Visitor) -> Result<()> {
    v.object(r, at, Kind::Response)?;
    let Some(map) = r.as_object_mut() else { return Ok(()) };
    if map.contains_key("$ref") {
        return Ok(());
    }
    if let Some(c) = map.get_mut("content") {
        content(c, &format!("{at}/content"), v)?;
    }
    if let Some(h) = map.get_mut("headers") {
        each(h, &format!("{at}/headers"), |h, at| parameter(h, at, Kind::Header, v))?;
    }
    if let Some(l) = map.get_mut("links") {
        each(l, &format!("{at}/links"), |l, at| v.object(l, at, Kind::Link))?;
    }
    Ok(())
}

/// A `content` map: media type → Media Type Object.
fn content(c: &mut Value, at: &str, v: &mut dyn Visitor) -> Result<()> {
    each(c, at, |media, at| {
        v.object(media, at, Kind::MediaType)?;
        let Some(map) = media.as_object_mut() else { return Ok(()) };
        if let Some(s) = map.get_mut("schema") {
            schema(s, &format!("{at}/schema"), v)?;
        }
        if let Some(e) = map.get_mut("examples") {
            each(e, &format!("{at}/examples"), |e, at| v.object(e, at, Kind::Example))?;
        }
        if let Some(enc) = map.get_mut("encoding") {
            each(enc, &format!("{at}/encoding"), |e, at| match e.get_mut("headers") {
                Some(h) => each(h, &format!("{at}/headers"), |h, at| parameter(h, at, Kind::Header, v)),
                None => Ok(()),
            })?;
        }
        Ok(())
    })
}

/// Keywords whose value is one schema.
const ONE_SCHEMA: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "contains",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "oneOf", "anyOf", "prefixItems"];
/// Keywords whose value is a map of name → schema.
const SCHEMA_MAPS: &[&str] = &["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

/// A schema: the visitor first, then every sub-schema (3.0 and 3.1 keywords alike).
pub(crate) fn schema(s: &mut Value, at: &str, v: &mut dyn Visitor) -> Result<()> {
    v.schema(s, at)?;
    let Some(map) = s.as_object_mut() else { return Ok(()) };
    // In 3.0 the siblings of `$ref` are ignored (3.1 documents have them moved next to an
    // `allOf` by the time the walk gets here).
    if map.contains_key("$ref") {
        return Ok(());
    }
    for key in ONE_SCHEMA {
        if let Some(child) = map.get_mut(*key) {
            let child_at = format!("{at}/{key}");
            match child {
                // `additionalProperties: true/false` is a valid 3.0 form, not a boolean schema.
                Value::Bool(_) if *key == "additionalProperties" => {}
                // Draft-4 tuple form `items: [..]`.
                Value::Array(_) if *key == "items" => each_item(child, &child_at, |c, at| schema(c, at, v))?,
                _ => schema(child, &child_at, v)?,
            }
        }
    }
    for key in SCHEMA_LISTS {
        if let Some(list) = map.get_mut(*key) {
            each_item(list, &ptr(at, key), |c, at| schema(c, at, v))?;
        }
    }
    for key in SCHEMA_MAPS {
        if let Some(m) = map.get_mut(*key) {
            let m_at = ptr(at, key);
            if let Some(entries) = m.as_object_mut() {
                // Property names are data, so `x-` names are properties here, not extensions.
                for (k, child) in entries.iter_mut() {
                    schema(child, &ptr(&m_at, k), v)?;
                }
            }
        }
    }
    Ok(())
}
