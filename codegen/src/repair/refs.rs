//! `$ref` targets. A `$ref` is a JSON pointer into the document (RFC 6901), but lowering names
//! types after `components/schemas` entries and finds parameters, bodies and responses under
//! `components/…`; this pass makes every local reference point at such an entry.
//!
//! | reference | repair |
//! |---|---|
//! | `#/components/<section>/<name>` of the right kind | none |
//! | percent-encoded (`%7Bid%7D`, a URI fragment) | decoded |
//! | a schema `$ref` to a response / request body / parameter / header / media type | a `$ref` to that object's schema |
//! | a schema `$ref` to a schema anywhere else (another schema's property or items, a parameter's or a body's schema) | the schema moves to `components/schemas` under a name made from its place (`{Schema}{Property}`, `{Operation}Body`, …); it and every reference refer to it there |
//! | a parameter / response / request body / header / example / link / callback `$ref` to such an object outside `components` | the same, in its `components` section |
//! | a schema `$ref` that does not resolve (a component that does not exist) | the schema is an untyped JSON value, with a warning |
//! | any other `$ref` that does not resolve, one that is not local, or one whose target is of another kind | error at the referencing node |

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::error::{escape_token, GenError, Result, Warnings};
use crate::naming;
use crate::walk::{self, Kind, Visitor};

/// One `$ref` found by the walk.
pub(super) struct Ref {
    /// Pointer of the node holding the `$ref`.
    pub at: String,
    pub target: String,
    /// What the position holds: `None` for a schema.
    pub kind: Option<Kind>,
}

/// What the walk saw where: every schema position and every other object, by pointer.
#[derive(Default)]
pub(super) struct Positions {
    pub schemas: BTreeSet<String>,
    pub objects: BTreeMap<String, Kind>,
}

/// The `components` section an object of this kind lives in.
fn section_of(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Parameter => "parameters",
        Kind::Header => "headers",
        Kind::RequestBody => "requestBodies",
        Kind::Response => "responses",
        Kind::Example => "examples",
        Kind::Link => "links",
        Kind::Callback => "callbacks",
        Kind::SecurityScheme => "securitySchemes",
        Kind::PathItem | Kind::Operation | Kind::MediaType => return None,
    })
}

fn what(kind: Kind) -> &'static str {
    match kind {
        Kind::Parameter => "parameter",
        Kind::Header => "header",
        Kind::RequestBody => "request body",
        Kind::Response => "response",
        Kind::Example => "example",
        Kind::Link => "link",
        Kind::Callback => "callback",
        Kind::SecurityScheme => "security scheme",
        Kind::PathItem => "path item",
        Kind::Operation => "operation",
        Kind::MediaType => "media type",
    }
}

/// `#/components/<section>/<name>` → `(section, name)`.
fn component(reference: &str) -> Option<(&str, &str)> {
    let (section, name) = reference.strip_prefix("#/components/")?.split_once('/')?;
    (!name.contains('/')).then_some((section, name))
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn tokens(pointer: &str) -> Vec<String> {
    pointer.trim_start_matches('#').split('/').skip(1).map(unescape).collect()
}

fn resolve<'d>(doc: &'d Value, pointer: &str) -> Option<&'d Value> {
    doc.pointer(pointer.strip_prefix('#')?)
}

/// A `$ref` is a URI, so its fragment may be percent-encoded (`%7Bid%7D`).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Make every reference point at a `components` entry of its kind; see the module doc.
pub(super) fn repair(doc: &mut Value, refs: &mut [Ref], positions: &Positions, warnings: &mut Warnings) -> Result<()> {
    let mut plan = Plan::default();
    for r in refs.iter_mut() {
        let Some(local) = r.target.strip_prefix('#') else {
            return Err(GenError::new(
                &r.at,
                format!("external $ref {:?} is not supported (only #/… in the same file)", r.target),
            ));
        };
        if doc.pointer(local).is_none() {
            let decoded = percent_decode(local);
            if doc.pointer(&decoded).is_none() {
                if r.kind.is_none() {
                    untyped(doc, r, warnings);
                    continue;
                }
                return Err(GenError::new(&r.at, format!("dangling $ref {:?}: nothing at that pointer", r.target)));
            }
            for schema in [true, false] {
                plan.exact.insert((schema, r.target.clone()), format!("#{decoded}"));
            }
            r.target = format!("#{decoded}");
        }
        match r.kind {
            None => plan.schema_ref(doc, r, positions, warnings)?,
            Some(kind) => plan.object_ref(doc, r, kind, positions, warnings)?,
        }
    }
    plan.carry_out(doc)
}

/// A schema whose `$ref` resolves to nothing says only that some value is there: it becomes an
/// untyped one (what it says of itself besides, in 3.1 or as ignored 3.0 siblings, is kept when
/// it is documentation or `nullable`).
fn untyped(doc: &mut Value, r: &Ref, warnings: &mut Warnings) {
    let Some(Value::Object(node)) = doc.pointer_mut(r.at.trim_start_matches('#')) else { return };
    node.retain(|k, _| matches!(k.as_str(), "description" | "title" | "nullable"));
    warnings.add(format!("schema $ref {:?} resolves to nothing: read as an untyped JSON value", r.target), &r.at);
}

/// What to move and how to rewrite references.
#[derive(Default)]
struct Plan {
    /// (in a schema position?, reference as written) → reference to use. A schema `$ref` to a
    /// parameter means its schema; a parameter `$ref` to it means the parameter.
    exact: BTreeMap<(bool, String), String>,
    /// Objects to move: old pointer → (section, wanted name). Filled as references are seen.
    moves: BTreeMap<String, (&'static str, String)>,
    /// Names taken per section (entries there already, and names planned).
    taken: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Plan {
    fn claim(&mut self, doc: &Value, section: &'static str, wanted: &str) -> String {
        let taken = self.taken.entry(section).or_insert_with(|| {
            doc.pointer(&format!("/components/{section}"))
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        });
        let mut name = wanted.to_owned();
        let mut i = 2;
        while taken.contains(&name) {
            name = match section {
                "schemas" => format!("{wanted}Schema{}", if i == 2 { String::new() } else { i.to_string() }),
                _ => format!("{wanted}{i}"),
            };
            i += 1;
        }
        taken.insert(name.clone());
        name
    }

    /// Plan moving the object at `pointer` into `components/<section>`; returns its new reference.
    fn move_to(&mut self, doc: &Value, pointer: &str, section: &'static str, wanted: &str) -> String {
        let name = match self.moves.get(pointer) {
            Some((_, name)) => name.clone(),
            None => {
                let name = self.claim(doc, section, wanted);
                self.moves.insert(pointer.to_owned(), (section, name.clone()));
                name
            }
        };
        format!("#/components/{section}/{}", escape_token(&name))
    }

    fn schema_ref(&mut self, doc: &Value, r: &Ref, positions: &Positions, warnings: &mut Warnings) -> Result<()> {
        if matches!(component(&r.target), Some(("schemas", _))) {
            return Ok(());
        }
        // A carrier (a response, say): the schema it carries.
        let (schema_at, carrier) = match positions.objects.get(&r.target) {
            Some(&kind) => {
                let at = carried_schema(doc, &r.target, &r.at)?;
                warnings.add(format!("schema $ref to a {}: read as a $ref to its schema", what(kind)), &r.at);
                (at, true)
            }
            None if positions.schemas.contains(&r.target) => (r.target.clone(), false),
            None => {
                return Err(GenError::new(
                    &r.at,
                    format!("schema $ref {:?} points at something that is not a schema", r.target),
                ))
            }
        };
        // A schema that is only a reference to another schema position: refer to that one.
        let mut schema_at = schema_at;
        for _ in 0..16 {
            let schema = resolve(doc, &schema_at).unwrap_or(&Value::Null);
            match schema.get("$ref").and_then(Value::as_str) {
                Some(next)
                    if schema.as_object().is_some_and(|m| m.len() == 1)
                        && positions.schemas.contains(next)
                        && !matches!(component(next), Some(("schemas", _))) =>
                {
                    schema_at = next.to_owned();
                }
                _ => break,
            }
        }
        let schema = resolve(doc, &schema_at).unwrap_or(&Value::Null);
        let new = match schema.get("$ref").and_then(Value::as_str) {
            // The carried schema is itself a reference to a component: refer to that.
            Some(c)
                if schema.as_object().is_some_and(|m| m.len() == 1) && matches!(component(c), Some(("schemas", _))) =>
            {
                c.to_owned()
            }
            _ if matches!(component(&schema_at), Some(("schemas", _))) => schema_at.clone(),
            _ => {
                let wanted = name_for(doc, &schema_at);
                let new = self.move_to(doc, &schema_at, "schemas", &wanted);
                if !carrier {
                    warnings.add(
                        "schema $ref to a schema inside another object (a JSON pointer): the schema moves to \
                         components/schemas, where both places refer to it",
                        &r.at,
                    );
                }
                new
            }
        };
        self.exact.insert((true, r.target.clone()), new);
        Ok(())
    }

    fn object_ref(
        &mut self,
        doc: &Value,
        r: &Ref,
        kind: Kind,
        positions: &Positions,
        warnings: &mut Warnings,
    ) -> Result<()> {
        let Some(section) = section_of(kind) else { return Ok(()) };
        match component(&r.target) {
            Some((s, _)) if s == section => return Ok(()),
            _ => {}
        }
        match positions.objects.get(&r.target) {
            Some(&k) if k == kind => {}
            // Lowering reports references it cannot follow, with their pointer.
            _ => return Ok(()),
        }
        let wanted = name_for(doc, &r.target);
        let new = self.move_to(doc, &r.target, section, &wanted);
        warnings.add(
            format!(
                "{} $ref to a {} outside components (a JSON pointer): it moves to components/{section}, where \
                 both places refer to it",
                what(kind),
                what(kind)
            ),
            &r.at,
        );
        self.exact.insert((false, r.target.clone()), new);
        Ok(())
    }

    /// Move the planned objects (the deepest first, so that a move never changes the pointer of
    /// one still to move), then rewrite every reference.
    fn carry_out(self, doc: &mut Value) -> Result<()> {
        let Plan { mut exact, moves, .. } = self;
        let mut order: Vec<(&String, &(&str, String))> = moves.iter().collect();
        order.sort_by(|a, b| tokens(b.0).len().cmp(&tokens(a.0).len()).then_with(|| a.0.cmp(b.0)));
        // Old pointer → new pointer, for references into a moved object.
        let mut prefixes: Vec<(String, String)> = Vec::new();
        for (old, (section, name)) in order {
            let new = format!("#/components/{section}/{}", escape_token(name));
            let Some(slot) = doc.pointer_mut(old.trim_start_matches('#')) else { continue };
            let moved = std::mem::replace(slot, json!({ "$ref": new }));
            let Some(root) = doc.as_object_mut() else { continue };
            let components = root.entry("components").or_insert_with(|| json!({}));
            let Some(components) = components.as_object_mut() else {
                return Err(GenError::new("#/components", "components must be an object"));
            };
            let entries = components.entry(*section).or_insert_with(|| json!({}));
            let Some(entries) = entries.as_object_mut() else {
                return Err(GenError::new(format!("#/components/{section}"), "must be a map"));
            };
            entries.insert(name.clone(), moved);
            prefixes.push((old.clone(), new.clone()));
            for schema in [true, false] {
                exact.entry((schema, old.clone())).or_insert_with(|| new.clone());
            }
        }
        if exact.is_empty() {
            return Ok(());
        }
        // Longest old pointer first: the innermost move wins.
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        let mut retarget = Retarget { exact, prefixes };
        walk::document(doc, &mut retarget)
    }
}

struct Retarget {
    exact: BTreeMap<(bool, String), String>,
    prefixes: Vec<(String, String)>,
}

impl Retarget {
    fn rewrite(&self, node: &mut Value, schema: bool) {
        let Some(Value::String(r)) = node.get_mut("$ref") else { return };
        if let Some(new) = self.exact.get(&(schema, r.clone())) {
            *r = new.clone();
            return;
        }
        for (old, new) in &self.prefixes {
            if let Some(rest) = r.strip_prefix(old.as_str()).filter(|rest| rest.starts_with('/')) {
                *r = format!("{new}{rest}");
                return;
            }
        }
    }
}

impl Visitor for Retarget {
    fn schema(&mut self, node: &mut Value, _at: &str) -> Result<()> {
        self.rewrite(node, true);
        Ok(())
    }

    fn object(&mut self, node: &mut Value, _at: &str, _kind: Kind) -> Result<()> {
        self.rewrite(node, false);
        Ok(())
    }
}

/// The pointer of the schema carried by the object at `reference` (a response's JSON content
/// schema, a parameter's schema, …), following references between such objects.
fn carried_schema(doc: &Value, reference: &str, at: &str) -> Result<String> {
    let mut current = reference.to_owned();
    for _ in 0..16 {
        let Some(target) = resolve(doc, &current) else {
            return Err(GenError::new(at, format!("dangling $ref {reference:?}")));
        };
        if let Some(next) = target.get("$ref").and_then(Value::as_str) {
            current = next.to_owned();
            continue;
        }
        if target.get("schema").is_some() {
            return Ok(format!("{current}/schema"));
        }
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
        return Ok(format!("{current}/content/{}/schema", escape_token(ct)));
    }
    Err(GenError::new(at, format!("$ref chain too long (cycle?) from {reference:?}")))
}

/// A name for the object at `pointer`, made from its place: `#/components/schemas/Profile/
/// properties/phone_numbers` → `ProfilePhoneNumbers`; `#/components/responses/ListX/content/
/// application~1json/schema` → `ListX`; `#/paths/~1calls/post/requestBody/…/schema` →
/// `{operationId}Body`; `…/responses/200/…/schema` → `{operationId}Response`.
fn name_for(doc: &Value, pointer: &str) -> String {
    let t = tokens(pointer);
    let mut out = String::new();
    let mut i = 0;
    match t.first().map(String::as_str) {
        Some("components") if t.len() >= 3 => {
            out.push_str(&t[2]);
            i = 3;
        }
        Some("paths" | "webhooks") if t.len() >= 2 => {
            let path = &t[1];
            let op = t.get(2).filter(|m| walk::METHODS.contains(&m.as_str()));
            match op {
                Some(method) => {
                    let id = doc
                        .pointer(&format!("/{}/{}/{method}/operationId", t[0], escape_token(path)))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| naming::derived_operation_name(method, path));
                    out.push_str(&naming::camel(&id));
                    i = 3;
                }
                None => {
                    out.push_str(&naming::camel(&naming::derived_operation_name("", path)));
                    i = 2;
                }
            }
        }
        _ => {}
    }
    while i < t.len() {
        let token = t[i].as_str();
        let next = t.get(i + 1).map(String::as_str);
        match token {
            "properties" | "patternProperties" => {
                if let Some(name) = next {
                    out.push_str(&naming::camel(name));
                }
                i += 2;
            }
            "items" => {
                out.push_str("Item");
                i += 1;
            }
            "additionalProperties" => {
                out.push_str("Value");
                i += 1;
            }
            "allOf" | "oneOf" | "anyOf" => {
                let n = next.and_then(|n| n.parse::<usize>().ok()).map_or(1, |n| n + 1);
                out.push_str(&format!("{}{n}", if token == "allOf" { "Part" } else { "Variant" }));
                i += 2;
            }
            "requestBody" => {
                out.push_str("Body");
                i += 1;
            }
            "responses" => {
                out.push_str("Response");
                i += 2;
            }
            "parameters" => {
                let at: Vec<String> = t[..(i + 2).min(t.len())].iter().map(|s| escape_token(s)).collect();
                let name = doc
                    .pointer(&format!("/{}", at.join("/")))
                    .and_then(|p| p.get("name"))
                    .and_then(Value::as_str)
                    .map(naming::camel);
                out.push_str(&name.unwrap_or_else(|| "Param".to_owned()));
                i += 2;
            }
            "content" | "callbacks" => i += 2,
            "headers" | "examples" | "links" => {
                if let Some(name) = next {
                    out.push_str(&naming::camel(name));
                }
                i += 2;
            }
            "not" => {
                out.push_str("Not");
                i += 1;
            }
            _ => i += 1,
        }
    }
    if out.is_empty() {
        "Schema".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_places() {
        let doc = json!({"paths": {"/calls": {"post": {"operationId": "dialCall",
            "parameters": [{"name": "x-id", "in": "header"}]}}}});
        assert_eq!(name_for(&doc, "#/components/schemas/Profile/properties/phone_numbers"), "ProfilePhoneNumbers");
        assert_eq!(name_for(&doc, "#/components/schemas/Profile/properties/tags/items"), "ProfileTagsItem");
        assert_eq!(name_for(&doc, "#/components/responses/ListX/content/application~1json/schema"), "ListX");
        assert_eq!(
            name_for(&doc, "#/paths/~1calls/post/requestBody/content/application~1json/schema/properties/to"),
            "DialCallBodyTo"
        );
        assert_eq!(
            name_for(&doc, "#/paths/~1calls/post/responses/200/content/application~1json/schema"),
            "DialCallResponse"
        );
        assert_eq!(name_for(&doc, "#/paths/~1calls/post/parameters/0/schema"), "DialCallXId");
        assert_eq!(name_for(&doc, "#/paths/~1calls~1{id}/get/responses/200"), "GetCallsIdResponse");
    }
}
