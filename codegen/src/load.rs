//! Loading: text (YAML or JSON) → `serde_json::Value` → `openapiv3::OpenAPI`.
//!
//! Parsing goes through a generic value first so that a document `openapiv3` rejects is reported
//! with the JSON pointer of the offending node (via `serde_path_to_error`) instead of a line
//! number into a 60 000-line file.
//!
//! Between the two, an OpenAPI 3.1 document is rewritten into its 3.0 equivalent
//! ([`crate::normalize`]) and known spec defects are repaired ([`crate::repair`]: schema
//! keywords indented into `properties` before normalising, the rest after); both record
//! what they did in [`Loaded::warnings`], one line per kind of change with a count and the first
//! few pointers (see [`crate::error::Warnings`]).

use indexmap::IndexMap;
use openapiv3::{PathItem, ReferenceOr};
use serde_json::Value;

use crate::error::{escape_token, ptr, GenError, Result, Warnings};
use crate::{normalize, repair};

/// A loaded spec: the typed document plus the raw value (for pointer look-ups and examples).
pub struct Loaded {
    pub openapi: openapiv3::OpenAPI,
    /// The document `openapi` was read from: normalised to 3.0 and repaired, so pointers into it
    /// are the pointers of errors from later phases.
    pub raw: Value,
    /// OpenAPI 3.1 `webhooks` (event name → the request Telnyx sends), normalised like `paths`;
    /// empty for 3.0 documents. Errors in them name `#/webhooks/<name>/…`.
    pub webhooks: IndexMap<String, ReferenceOr<PathItem>>,
    /// What normalising and repairing changed, one line per kind (see [`Warnings::into_lines`]).
    pub warnings: Vec<String>,
    /// How often each kind of repair or normalisation was applied ([`Warnings::kinds`]).
    pub warning_kinds: Vec<(String, usize)>,
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

/// Parse spec text straight into `openapiv3`, with no repairs, no 3.1 normalisation and no
/// pointer tracking: the floor for [`load`] (`cargo xtask bench` compares against it). Fails on
/// a spec that needs repairs.
pub fn parse_only(text: &str) -> Result<openapiv3::OpenAPI> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| GenError::new("#", format!("invalid JSON: {e}")))
    } else {
        serde_yaml::from_str(text).map_err(|e| GenError::new("#", format!("invalid YAML: {e}")))
    }
}

/// Load a spec from text.
pub fn load(text: &str) -> Result<Loaded> {
    load_with(text, &[])
}

/// Load a spec from text and apply the overlays (after repairs and normalisation).
pub fn load_with(text: &str, overlays: &[crate::overlay::Overlay]) -> Result<Loaded> {
    let raw = parse_value(text)?;
    load_value_with(raw, overlays)
}

/// Load a spec from an already parsed value.
pub fn load_value(raw: Value) -> Result<Loaded> {
    load_value_with(raw, &[])
}

/// Load a spec from an already parsed value and apply the overlays.
pub fn load_value_with(mut raw: Value, overlays: &[crate::overlay::Overlay]) -> Result<Loaded> {
    let mut warnings = Warnings::default();
    let version = raw.get("openapi").and_then(Value::as_str).unwrap_or("").to_owned();
    let minor: Vec<&str> = version.split('.').take(2).collect();
    let v31 = match minor.as_slice() {
        ["3", "0"] => false,
        ["3", "1"] => true,
        _ => {
            return Err(GenError::new(
                "#/openapi",
                format!("unsupported OpenAPI version {version:?}: this generator reads OpenAPI 3.0.x and 3.1.x"),
            ))
        }
    };
    // Keywords indented into `properties` are moved out before normalising reads them.
    repair::keywords_in_properties(&mut raw, &mut warnings)?;
    if v31 {
        normalize::oas31(&mut raw, &mut warnings)?;
    } else {
        normalize::stray_31(&mut raw, &mut warnings)?;
    }
    repair::repair(&mut raw, &mut warnings)?;
    if !overlays.is_empty() {
        crate::overlay::apply(&mut raw, overlays, &mut warnings)?;
        // What an overlay adds is checked like the spec itself (its `$ref`s, say).
        repair::repair(&mut raw, &mut warnings)?;
    }
    carry_xml(&mut raw)?;
    let openapi = typed(&raw)?;
    let webhooks = webhooks(&raw)?;
    let warning_kinds = warnings.kinds();
    Ok(Loaded { openapi, raw, webhooks, warnings: warnings.into_lines(), warning_kinds })
}

/// `openapiv3` drops a schema's `xml` object (it keeps only `x-` extensions): carried as
/// `x-xml` so that lowering can describe XML bodies.
fn carry_xml(raw: &mut Value) -> Result<()> {
    struct Carry;
    impl crate::walk::Visitor for Carry {
        fn schema(&mut self, node: &mut Value, _at: &str) -> Result<()> {
            if let Some(map) = node.as_object_mut() {
                if let Some(xml) = map.remove("xml") {
                    map.insert("x-xml".to_owned(), xml);
                }
            }
            Ok(())
        }
    }
    crate::walk::document(raw, &mut Carry)
}

fn webhooks(raw: &Value) -> Result<IndexMap<String, ReferenceOr<PathItem>>> {
    let mut out = IndexMap::new();
    let Some(hooks) = raw.get("webhooks") else { return Ok(out) };
    let Some(hooks) = hooks.as_object() else {
        return Err(GenError::new("#/webhooks", "`webhooks` must be a map of event name → path item"));
    };
    for (name, item) in hooks.iter().filter(|(k, _)| !k.starts_with("x-")) {
        let at = ptr("#/webhooks", name);
        let parsed = serde_path_to_error::deserialize(item).map_err(|e| {
            refine_path_item(item, &at).unwrap_or_else(|| {
                let inner = path_to_pointer(e.path());
                GenError::new(
                    format!("{at}{}", inner.strip_prefix('#').unwrap_or(&inner)),
                    format!("not a valid OpenAPI 3.0 document here: {}", e.into_inner()),
                )
            })
        })?;
        out.insert(name.clone(), parsed);
    }
    Ok(out)
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
    use openapiv3::{Parameter, RequestBody, Response, Schema};
    if let Some(paths) = raw.get("paths") {
        for (item_at, item) in entries(paths, "#/paths") {
            if let Some(e) = refine_path_item(item, &item_at) {
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

/// Find the innermost failing node of one path item.
fn refine_path_item(item: &Value, item_at: &str) -> Option<GenError> {
    use openapiv3::{Parameter, RequestBody, Response};
    for (op_at, op) in entries(item, item_at) {
        let method = op_at.rsplit('/').next().unwrap_or_default();
        if !crate::walk::METHODS.contains(&method) {
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
    check::<PathItem>(item, item_at)
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
