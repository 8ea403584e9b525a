//! OpenAPI 3.1 → 3.0: rewrite the raw document so that `openapiv3` (a 3.0 reader, which ignores
//! keywords it does not know) reads what the 3.1 document means.
//!
//! | 3.1 | 3.0 | warning |
//! |---|---|---|
//! | `type: [T, "null"]`, `type: [T]` | `type: T` (+ `nullable: true`) | — |
//! | `type: [A, B, …]` | `oneOf: [{type: A, …}, {type: B, …}]`, type-specific keywords moved into their branch | yes |
//! | `type: "null"` alone, `const: null` | untyped schema with `nullable: true` | yes |
//! | `{type: "null"}` branch of `oneOf`/`anyOf` | branch removed, `nullable: true` | — |
//! | `const: v` | `enum: [v]` | — |
//! | `examples: [a, …]` in a schema | `example: a` | when more than one (or `example` too) |
//! | numeric `exclusiveMinimum`/`exclusiveMaximum` | `minimum`/`maximum` + boolean flag | — |
//! | `$ref` with siblings | `allOf: [{$ref}]` + the siblings (3.0 would ignore them) | — |
//! | `$defs` | hoisted to `components/schemas/{Owner}_{name}`, `$ref`s rewritten | — |
//! | `contentEncoding: base64` / `contentMediaType` (binary) | `format: byte` / `format: binary` | other encodings |
//! | boolean schema `true` | `{}` | — |
//! | `contains`, `propertyNames`, `dependentRequired`, … (validation only) | dropped | yes |
//! | `components/pathItems` + path item `$ref`s | inlined | — |
//! | operation without `responses` | `responses: {}` | — |
//! | `jsonSchemaDialect`, `info.summary`, `license.identifier` | dropped / moved | when information is lost |
//! | `webhooks` | kept (normalised like `paths`) for [`crate::load::Loaded::webhooks`] | — |
//!
//! Anything else 3.1 adds to schemas (`if`/`then`/`else`, `prefixItems`, `$dynamicRef`, `$id`,
//! `patternProperties`, boolean schema `false`, …) is an error naming its pointer rather than
//! being silently ignored. `nullable`, which 3.1 dropped but real 3.1 documents still use, keeps
//! its 3.0 meaning.

use serde_json::{json, Map, Value};

use crate::error::{escape_token, ptr, GenError, Result, Warnings};
use crate::walk::{self, Kind, Visitor};

/// In a document that says 3.0, the 3.1 constructs whose meaning is unambiguous (a `type` list,
/// `type: "null"`, `const`, numeric `exclusiveMinimum`, schema `examples`, `$defs`,
/// `contentMediaType`/`contentEncoding`, the boolean schema `true`) are read with their 3.1
/// meaning, each kind with a warning. Unlike a 3.1 document, `$ref` siblings keep their 3.0
/// meaning (ignored), and 3.1 keywords 3.0 cannot express are ignored (as a 3.0 reader does),
/// with a warning.
pub(crate) fn stray_31(doc: &mut Value, warnings: &mut Warnings) -> Result<()> {
    let mut s = Stray { n: Normalizer { warnings, path_items: Value::Null, defs: Vec::new() } };
    walk::document(doc, &mut s)?;
    hoist_defs(doc, &mut s.n)
}

struct Stray<'w> {
    n: Normalizer<'w>,
}

impl Stray<'_> {
    fn found(&mut self, what: &str, at: String) {
        self.n.warnings.add(format!("OpenAPI 3.1 construct in a 3.0 document ({what}): read with its 3.1 meaning"), at);
    }
}

impl Visitor for Stray<'_> {
    fn schema(&mut self, node: &mut Value, at: &str) -> Result<()> {
        let map = match node {
            Value::Bool(true) => {
                self.found("boolean schema `true`", at.to_owned());
                *node = json!({});
                return Ok(());
            }
            Value::Bool(false) => {
                return Err(GenError::new(at, "the boolean schema `false` (no value is valid) is not supported"))
            }
            Value::Object(map) => map,
            _ => return Ok(()),
        };
        if map.contains_key("$ref") {
            return Ok(());
        }
        match map.get("type") {
            Some(Value::Array(_)) => self.found("a `type` list", ptr(at, "type")),
            Some(Value::String(t)) if t == "null" => self.found("`type: null`", ptr(at, "type")),
            _ => {}
        }
        if map.contains_key("const") {
            self.found("`const`", ptr(at, "const"));
        }
        for key in ["exclusiveMinimum", "exclusiveMaximum"] {
            if matches!(map.get(key), Some(Value::Number(_))) {
                self.found("a numeric exclusive bound", ptr(at, key));
            }
        }
        if matches!(map.get("examples"), Some(Value::Array(_))) {
            self.found("schema `examples`", ptr(at, "examples"));
        }
        for key in ["$defs", "contentMediaType", "contentEncoding"] {
            if map.contains_key(key) {
                self.found(&format!("`{key}`"), ptr(at, key));
            }
        }
        for key in ["oneOf", "anyOf"] {
            if map.get(key).and_then(Value::as_array).is_some_and(|b| b.iter().any(is_null_branch)) {
                self.found("a `null` branch", ptr(at, key));
            }
        }
        for key in UNSUPPORTED.iter().chain(VALIDATION_ONLY).chain(&["unevaluatedProperties"]) {
            if map.remove(*key).is_some() {
                self.n.warnings.add(
                    format!("OpenAPI 3.1 keyword `{key}` in a 3.0 document ignored (a 3.0 reader ignores it)"),
                    ptr(at, key),
                );
            }
        }
        self.n.take_defs(map, at)?;
        self.n.null_branches(map, at);
        self.n.const_to_enum(map, at)?;
        self.n.type_list(map, at)?;
        self.n.examples(map, at);
        exclusive_bound(map, at, "exclusiveMinimum", "minimum", |m, n| m > n)?;
        exclusive_bound(map, at, "exclusiveMaximum", "maximum", |m, n| m < n)?;
        self.n.content_keywords(map, at);
        Ok(())
    }
}

/// Rewrite a 3.1 document into its 3.0 equivalent in place.
pub(crate) fn oas31(doc: &mut Value, warnings: &mut Warnings) -> Result<()> {
    let Some(root) = doc.as_object_mut() else { return Err(GenError::new("#", "the document is not an object")) };
    top_level(root, warnings);
    let path_items = root
        .get_mut("components")
        .and_then(Value::as_object_mut)
        .and_then(|c| c.remove("pathItems"))
        .unwrap_or(Value::Null);
    let mut n = Normalizer { warnings, path_items, defs: Vec::new() };
    walk::document(doc, &mut n)?;
    hoist_defs(doc, &mut n)
}

fn top_level(root: &mut Map<String, Value>, warnings: &mut Warnings) {
    const DIALECTS: &[&str] =
        &["https://spec.openapis.org/oas/3.1/dialect/base", "https://json-schema.org/draft/2020-12/schema"];
    if let Some(d) = root.remove("jsonSchemaDialect") {
        if !d.as_str().is_some_and(|d| DIALECTS.contains(&d)) {
            warnings.add(
                format!("jsonSchemaDialect {d} ignored: schemas are read as OpenAPI 3.1 schemas"),
                "#/jsonSchemaDialect",
            );
        }
    }
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        if let Some(summary) = info.remove("summary") {
            if info.contains_key("description") {
                warnings.add("info.summary dropped (OpenAPI 3.0 has no such field)", "#/info/summary");
            } else {
                info.insert("description".into(), summary);
            }
        }
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut) {
            if let Some(id) = license.remove("identifier") {
                match id.as_str() {
                    Some(id) if !license.contains_key("url") => {
                        license.insert("url".into(), Value::String(format!("https://spdx.org/licenses/{id}.html")));
                    }
                    _ => {
                        warnings.add("license.identifier dropped (the license has a url)", "#/info/license/identifier")
                    }
                }
            }
        }
    }
    // 3.1 allows a document of only webhooks or components.
    root.entry("paths").or_insert_with(|| json!({}));
}

struct Normalizer<'w> {
    warnings: &'w mut Warnings,
    /// `components/pathItems` of the document, taken out of it: 3.0 has no such section.
    path_items: Value,
    /// `$defs` entries found so far: (pointer of the entry, owner name for naming, schema).
    defs: Vec<(String, String, Value)>,
}

/// Schema keywords 3.0 cannot express and that change what a value is.
const UNSUPPORTED: &[&str] = &[
    "if",
    "then",
    "else",
    "dependentSchemas",
    "prefixItems",
    "patternProperties",
    "unevaluatedItems",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "$anchor",
    "$id",
];
/// Keywords that only constrain valid values further; generated types are less strict without.
const VALIDATION_ONLY: &[&str] = &["contains", "minContains", "maxContains", "propertyNames", "dependentRequired"];
/// Annotations with nothing to carry over.
const IGNORED: &[&str] = &["$comment", "$schema"];

/// Keywords that belong to one JSON type, moved into that type's branch when a type list is split.
fn keywords_of(ty: &str) -> &'static [&'static str] {
    match ty {
        "string" => &["format", "pattern", "minLength", "maxLength", "contentMediaType", "contentEncoding"],
        "integer" | "number" => &["format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
        "array" => &["items", "minItems", "maxItems", "uniqueItems"],
        "object" => &["properties", "required", "additionalProperties", "minProperties", "maxProperties"],
        _ => &[],
    }
}

fn numeric_format(f: &str) -> bool {
    matches!(f, "int32" | "int64" | "float" | "double" | "decimal")
}

fn fits(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

/// A `oneOf`/`anyOf` branch that only admits `null`.
fn is_null_branch(branch: &Value) -> bool {
    let Some(m) = branch.as_object() else { return false };
    let null_type = match m.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "null",
        _ => false,
    };
    let null_const = m.get("const").is_some_and(Value::is_null)
        || m.get("enum").and_then(Value::as_array).is_some_and(|e| e.len() == 1 && e[0].is_null());
    let annotations_only =
        m.keys().all(|k| matches!(k.as_str(), "type" | "const" | "enum" | "description" | "title" | "$comment"));
    (null_type || null_const) && annotations_only
}

impl Normalizer<'_> {
    fn schema_object(&mut self, map: &mut Map<String, Value>, at: &str) -> Result<()> {
        self.ref_siblings(map);
        for key in UNSUPPORTED {
            if map.contains_key(*key) {
                return Err(GenError::new(ptr(at, key), format!("the OpenAPI 3.1 keyword `{key}` is not supported")));
            }
        }
        if matches!(map.get("items"), Some(Value::Array(_))) {
            return Err(GenError::new(
                format!("{at}/items"),
                "`items` must be one schema (a list is the draft-4 tuple form)",
            ));
        }
        match map.get("unevaluatedProperties") {
            Some(Value::Bool(_)) | None => {}
            Some(_) => {
                return Err(GenError::new(
                    format!("{at}/unevaluatedProperties"),
                    "`unevaluatedProperties` with a schema is not supported",
                ))
            }
        }
        for key in VALIDATION_ONLY.iter().chain(&["unevaluatedProperties"]) {
            if map.remove(*key).is_some() {
                self.warnings
                    .add(format!("`{key}` dropped (validation only; OpenAPI 3.0 has no such keyword)"), ptr(at, key));
            }
        }
        for key in IGNORED {
            map.remove(*key);
        }
        self.take_defs(map, at)?;
        self.null_branches(map, at);
        self.const_to_enum(map, at)?;
        self.type_list(map, at)?;
        self.examples(map, at);
        exclusive_bound(map, at, "exclusiveMinimum", "minimum", |m, n| m > n)?;
        exclusive_bound(map, at, "exclusiveMaximum", "maximum", |m, n| m < n)?;
        self.content_keywords(map, at);
        Ok(())
    }

    /// Take a schema's `$defs` out, to be hoisted into `components/schemas` as
    /// `{Owner}_{name}` ([`hoist_defs`]).
    fn take_defs(&mut self, map: &mut Map<String, Value>, at: &str) -> Result<()> {
        let Some(defs) = map.remove("$defs") else { return Ok(()) };
        let defs_at = ptr(at, "$defs");
        let Value::Object(defs) = defs else {
            return Err(GenError::new(defs_at, "`$defs` must be a map of schemas"));
        };
        let owner = at
            .strip_prefix("#/components/schemas/")
            .and_then(|rest| rest.split('/').next())
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .unwrap_or_default();
        for (name, schema) in defs {
            self.defs.push((ptr(&defs_at, &name), format!("{owner}_{name}"), schema));
        }
        Ok(())
    }

    /// 3.1 gives `$ref` siblings a meaning (`nullable`, `description`, `default` …); 3.0 readers
    /// ignore them, so the reference moves into an `allOf` the siblings apply to.
    fn ref_siblings(&mut self, map: &mut Map<String, Value>) {
        if map.len() < 2 || !map.contains_key("$ref") {
            return;
        }
        let Some(reference) = map.remove("$ref") else { return };
        let wrapped = json!({ "$ref": reference });
        match map.get_mut("allOf") {
            Some(Value::Array(parts)) => parts.insert(0, wrapped),
            _ => {
                map.insert("allOf".into(), Value::Array(vec![wrapped]));
            }
        }
    }

    fn null_branches(&mut self, map: &mut Map<String, Value>, at: &str) {
        for key in ["oneOf", "anyOf"] {
            let Some(Value::Array(branches)) = map.get_mut(key) else { continue };
            let before = branches.len();
            branches.retain(|b| !is_null_branch(b));
            if branches.len() == before {
                continue;
            }
            if branches.is_empty() {
                map.remove(key);
                self.only_null(map, at);
            }
            map.insert("nullable".into(), Value::Bool(true));
        }
    }

    /// A schema that admits only `null`: 3.0 cannot say so.
    fn only_null(&mut self, map: &mut Map<String, Value>, at: &str) {
        map.insert("nullable".into(), Value::Bool(true));
        self.warnings.add("a schema that only admits null is read as an untyped nullable value", at);
    }

    fn const_to_enum(&mut self, map: &mut Map<String, Value>, at: &str) -> Result<()> {
        let Some(value) = map.remove("const") else { return Ok(()) };
        if value.is_null() {
            self.only_null(map, at);
            return Ok(());
        }
        if let Some(existing) = map.get("enum") {
            if !existing.as_array().is_some_and(|e| e.contains(&value)) {
                return Err(GenError::new(format!("{at}/const"), "`const` is not one of the schema's `enum` values"));
            }
        }
        map.insert("enum".into(), Value::Array(vec![value]));
        Ok(())
    }

    fn type_list(&mut self, map: &mut Map<String, Value>, at: &str) -> Result<()> {
        let types: Vec<String> = match map.get("type") {
            Some(Value::Array(list)) => {
                let mut out: Vec<String> = Vec::new();
                for t in list {
                    let Some(t) = t.as_str() else {
                        return Err(GenError::new(format!("{at}/type"), "a type list must hold type names (strings)"));
                    };
                    if !out.iter().any(|o| o == t) {
                        out.push(t.to_owned());
                    }
                }
                out
            }
            Some(Value::String(t)) if t == "null" => vec![t.clone()],
            _ => return Ok(()),
        };
        map.remove("type");
        let nullable = types.iter().any(|t| t == "null");
        let types: Vec<String> = types.into_iter().filter(|t| t != "null").collect();
        if nullable {
            map.insert("nullable".into(), Value::Bool(true));
        }
        match types.as_slice() {
            [] => self.only_null(map, at),
            [one] => {
                map.insert("type".into(), Value::String(one.clone()));
            }
            several => {
                if map.contains_key("oneOf") || map.contains_key("anyOf") {
                    self.warnings.add("a type list next to oneOf/anyOf is dropped (the schema is left untyped)", at);
                    return Ok(());
                }
                let enumeration = map.remove("enum");
                let mut branches = Vec::new();
                for ty in several {
                    let mut branch = Map::new();
                    branch.insert("type".into(), Value::String(ty.clone()));
                    for key in keywords_of(ty) {
                        match map.get(*key) {
                            // `format: double` is about the number, `format: uri` about the string.
                            Some(Value::String(f)) if *key == "format" && numeric_format(f) != (ty != "string") => {}
                            Some(v) => {
                                branch.insert((*key).into(), v.clone());
                            }
                            None => {}
                        }
                    }
                    if let Some(Value::Array(values)) = &enumeration {
                        let mine: Vec<Value> = values.iter().filter(|v| fits(v, ty)).cloned().collect();
                        if !mine.is_empty() {
                            branch.insert("enum".into(), Value::Array(mine));
                        }
                    }
                    branches.push(Value::Object(branch));
                }
                for ty in several {
                    for key in keywords_of(ty) {
                        map.remove(*key);
                    }
                }
                map.insert("oneOf".into(), Value::Array(branches));
                self.warnings
                    .add("a list of several types is read as a oneOf of one branch per type", format!("{at}/type"));
            }
        }
        Ok(())
    }

    fn examples(&mut self, map: &mut Map<String, Value>, at: &str) {
        let Some(examples) = map.remove("examples") else { return };
        let what = match examples {
            Value::Array(list) => {
                let lost = list.len() > 1 || (map.contains_key("example") && !list.is_empty());
                if let Some(first) = list.into_iter().next() {
                    map.entry("example").or_insert(first);
                }
                if !lost {
                    return;
                }
                "schema `examples`: only the first is kept, as `example`"
            }
            _ => "schema `examples` that is not a list dropped",
        };
        self.warnings.add(what, format!("{at}/examples"));
    }

    fn content_keywords(&mut self, map: &mut Map<String, Value>, at: &str) {
        map.remove("contentSchema");
        let encoding = map.remove("contentEncoding");
        let media = map.remove("contentMediaType");
        let format = match (&encoding, &media) {
            (Some(e), _) => match e.as_str() {
                Some("base64" | "base64url") => Some("byte"),
                Some("binary") => Some("binary"),
                _ => {
                    self.warnings.add(format!("contentEncoding {e} dropped"), format!("{at}/contentEncoding"));
                    None
                }
            },
            // Without an encoding the string is the content itself: bytes unless it is text.
            (None, Some(m)) => {
                let m = m.as_str().unwrap_or("");
                let text = m.starts_with("text/") || m.contains("json") || m.contains("xml");
                (!text).then_some("binary")
            }
            (None, None) => None,
        };
        if let Some(f) = format {
            map.entry("format").or_insert_with(|| Value::String(f.into()));
            map.entry("type").or_insert_with(|| Value::String("string".into()));
        }
    }

    /// Inline `$ref: '#/components/pathItems/…'` (3.0 has no such section).
    fn path_item_ref(&mut self, node: &mut Value, at: &str) -> Result<()> {
        let mut seen = Vec::new();
        while let Some(reference) = node.get("$ref").and_then(Value::as_str).map(str::to_owned) {
            let Some(name) = reference.strip_prefix("#/components/pathItems/") else { return Ok(()) };
            if seen.contains(&reference) {
                return Err(GenError::new(at, format!("path item $ref cycle through {reference:?}")));
            }
            let name = name.replace("~1", "/").replace("~0", "~");
            let Some(Value::Object(target)) = self.path_items.get(&name) else {
                return Err(GenError::new(at, format!("dangling $ref {reference:?}")));
            };
            let mut merged = target.clone();
            if let Some(siblings) = node.as_object() {
                for (k, v) in siblings.iter().filter(|(k, _)| *k != "$ref") {
                    merged.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            *node = Value::Object(merged);
            seen.push(reference);
        }
        Ok(())
    }
}

/// `exclusiveMinimum: n` (3.1, a number) → `minimum` + `exclusiveMinimum: true` (3.0), keeping
/// an inclusive `minimum` that is already stricter. `stricter(m, n)`: bound `m` implies `> n`.
fn exclusive_bound(
    map: &mut Map<String, Value>,
    at: &str,
    key: &str,
    bound: &str,
    stricter: fn(f64, f64) -> bool,
) -> Result<()> {
    let n = match map.get(key) {
        Some(Value::Number(n)) => n.clone(),
        Some(Value::Bool(_)) | None => return Ok(()),
        Some(_) => return Err(GenError::new(ptr(at, key), format!("`{key}` must be a number"))),
    };
    let keep_bound = match map.get(bound) {
        Some(Value::Number(m)) => stricter(m.as_f64().unwrap_or(f64::NAN), n.as_f64().unwrap_or(f64::NAN)),
        _ => false,
    };
    if keep_bound {
        map.remove(key);
    } else {
        map.insert(bound.into(), Value::Number(n));
        map.insert(key.into(), Value::Bool(true));
    }
    Ok(())
}

impl Visitor for Normalizer<'_> {
    fn schema(&mut self, node: &mut Value, at: &str) -> Result<()> {
        match node {
            Value::Bool(true) => {
                *node = json!({});
                Ok(())
            }
            Value::Bool(false) => {
                Err(GenError::new(at, "the boolean schema `false` (no value is valid) is not supported"))
            }
            Value::Object(map) => self.schema_object(map, at),
            _ => Ok(()),
        }
    }

    fn object(&mut self, node: &mut Value, at: &str, kind: Kind) -> Result<()> {
        match kind {
            Kind::PathItem => self.path_item_ref(node, at),
            Kind::Operation => {
                if let Some(op) = node.as_object_mut() {
                    op.entry("responses").or_insert_with(|| json!({}));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Move `$defs` into `components/schemas` and point the references at their new place.
fn hoist_defs(doc: &mut Value, n: &mut Normalizer<'_>) -> Result<()> {
    let mut moved: Vec<(String, String)> = Vec::new();
    while let Some((old_at, wanted, mut schema)) = n.defs.pop() {
        // Normalised at its old pointer, so errors and warnings point where the author wrote it.
        walk::schema(&mut schema, &old_at, n)?;
        let Some(root) = doc.as_object_mut() else { return Ok(()) };
        let components = root.entry("components").or_insert_with(|| json!({}));
        let Some(components) = components.as_object_mut() else {
            return Err(GenError::new("#/components", "components must be an object"));
        };
        let schemas = components.entry("schemas").or_insert_with(|| json!({}));
        let Some(schemas) = schemas.as_object_mut() else {
            return Err(GenError::new("#/components/schemas", "components/schemas must be an object"));
        };
        let mut name = wanted.clone();
        let mut i = 2;
        while schemas.contains_key(&name) {
            name = format!("{wanted}{i}");
            i += 1;
        }
        schemas.insert(name.clone(), schema);
        moved.push((old_at, format!("#/components/schemas/{}", escape_token(&name))));
    }
    if moved.is_empty() {
        return Ok(());
    }
    struct Retarget(Vec<(String, String)>);
    impl Visitor for Retarget {
        fn schema(&mut self, node: &mut Value, _at: &str) -> Result<()> {
            if let Some(Value::String(r)) = node.get_mut("$ref") {
                if let Some((_, new)) = self.0.iter().find(|(old, _)| old == r) {
                    *r = new.clone();
                }
            }
            Ok(())
        }
    }
    walk::document(doc, &mut Retarget(moved))
}
