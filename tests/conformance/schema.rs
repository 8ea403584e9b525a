//! JSON-pointer and JSON-Schema helpers over the spec as a `serde_json::Value`: `$ref`
//! resolution, `allOf` merging, and a small validator (the subset of OpenAPI 3.0 schema keywords
//! the Telnyx spec uses) so the synthesizer only ever uses an `example` that fits its schema.

use std::collections::HashMap;
use std::sync::Mutex;

use regex::Regex;
use serde_json::{Map, Value};

/// Escape one JSON-pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Look up a `#/a/b` pointer in the spec.
pub fn lookup<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    let p = pointer.strip_prefix('#')?;
    if p.is_empty() {
        return Some(root);
    }
    root.pointer(p)
}

/// The `$ref` of a schema (or parameter, body, example) object, if it is one.
pub fn ref_of(v: &Value) -> Option<&str> {
    v.get("$ref").and_then(Value::as_str)
}

/// Follow `$ref`s (bounded, so a cycle cannot hang) and return the target and its pointer
/// (`None` when `v` was not a reference).
pub fn resolve_ptr<'a>(root: &'a Value, v: &'a Value) -> (&'a Value, Option<String>) {
    let mut cur = v;
    let mut ptr = None;
    for _ in 0..32 {
        match ref_of(cur).and_then(|r| lookup(root, r).map(|t| (r, t))) {
            Some((r, t)) => {
                ptr = Some(r.to_owned());
                cur = t;
            }
            None => break,
        }
    }
    (cur, ptr)
}

/// Follow `$ref`s.
pub fn resolve<'a>(root: &'a Value, v: &'a Value) -> &'a Value {
    resolve_ptr(root, v).0
}

/// A schema with its `$ref` resolved and its `allOf` merged into one object schema
/// (properties united in order, `required` united, other keywords: first one wins). A nested
/// `oneOf`/`anyOf` of an `allOf` part is kept when the merged schema has none of its own.
pub fn flatten(root: &Value, schema: &Value) -> Value {
    flatten_depth(root, schema, 0)
}

fn flatten_depth(root: &Value, schema: &Value, depth: usize) -> Value {
    let s = resolve(root, schema);
    let Some(obj) = s.as_object() else { return s.clone() };
    let Some(parts) = obj.get("allOf").and_then(Value::as_array) else { return s.clone() };
    let mut out: Map<String, Value> =
        obj.iter().filter(|(k, _)| *k != "allOf").map(|(k, v)| (k.clone(), v.clone())).collect();
    if depth > 16 {
        return Value::Object(out);
    }
    for part in parts {
        let part = flatten_depth(root, part, depth + 1);
        let Some(part) = part.as_object() else { continue };
        for (k, v) in part {
            match k.as_str() {
                "properties" => {
                    let props = out.entry("properties").or_insert_with(|| Value::Object(Map::new()));
                    if let (Some(props), Some(v)) = (props.as_object_mut(), v.as_object()) {
                        for (name, p) in v {
                            props.entry(name.clone()).or_insert_with(|| p.clone());
                        }
                    }
                }
                "required" => {
                    let req = out.entry("required").or_insert_with(|| Value::Array(Vec::new()));
                    if let (Some(req), Some(v)) = (req.as_array_mut(), v.as_array()) {
                        for name in v {
                            if !req.contains(name) {
                                req.push(name.clone());
                            }
                        }
                    }
                }
                // An `example` of one part is not an example of the whole.
                "example" | "examples" => {}
                _ => {
                    out.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
    }
    Value::Object(out)
}

/// The JSON type a schema stands for (`type`, or implied by its keywords).
pub fn type_of(s: &Value) -> Option<&str> {
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        return Some(t);
    }
    if s.get("properties").is_some() || s.get("additionalProperties").is_some() {
        Some("object")
    } else if s.get("items").is_some() {
        Some("array")
    } else {
        None
    }
}

/// Where a value goes: request-side schemas skip `readOnly` properties, response-side ones
/// `writeOnly` properties (OpenAPI 3.0 semantics; Prism applies the same rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Request,
    Response,
}

/// A small JSON-Schema validator: `type` (+ `nullable`), `enum`, `required`, `properties`,
/// `additionalProperties: false`, `items`, `min/maxItems`, `min/maxLength`, `pattern`,
/// `minimum`/`maximum` (+ exclusive), the formats `uuid`, `date-time`, `date`, `email`,
/// `int32`, and `oneOf`/`anyOf`/`allOf`. It is used to decide whether a spec `example` may be
/// used as an argument, so it errs on the side of "invalid".
pub struct Validator<'a> {
    pub root: &'a Value,
    regexes: Mutex<HashMap<String, Option<Regex>>>,
}

impl<'a> Validator<'a> {
    pub fn new(root: &'a Value) -> Self {
        Validator { root, regexes: Mutex::new(HashMap::new()) }
    }

    pub fn pattern_matches(&self, pattern: &str, s: &str) -> bool {
        let mut cache = self.regexes.lock().unwrap_or_else(|e| e.into_inner());
        let re = cache.entry(pattern.to_owned()).or_insert_with(|| Regex::new(pattern).ok());
        re.as_ref().is_none_or(|re| re.is_match(s))
    }

    /// `true` when `v` is valid against `schema` (as far as this validator knows).
    pub fn valid(&self, schema: &Value, v: &Value, side: Side) -> bool {
        self.check(schema, v, side, 0, "$").is_ok()
    }

    /// `None` when `v` is valid, else the first place where it is not and why.
    pub fn explain(&self, schema: &Value, v: &Value, side: Side) -> Option<String> {
        self.check(schema, v, side, 0, "$").err()
    }

    fn check(&self, schema: &Value, v: &Value, side: Side, depth: usize, at: &str) -> Result<(), String> {
        if depth > 40 {
            return Ok(());
        }
        let s = flatten(self.root, schema);
        let fail = |why: String| Err(format!("{at}: {why}"));
        if v.is_null() {
            let ok =
                s.get("nullable").and_then(Value::as_bool) == Some(true) || s.as_object().is_some_and(Map::is_empty);
            return if ok { Ok(()) } else { fail("null but not nullable".into()) };
        }
        if let Some(options) = s.get("enum").and_then(Value::as_array) {
            if !options.contains(v) {
                return fail(format!("{} is not one of the enum values", short(v)));
            }
        }
        if let Some(branches) = s.get("oneOf").and_then(Value::as_array) {
            let n = branches.iter().filter(|b| self.check(b, v, side, depth + 1, at).is_ok()).count();
            if n != 1 {
                return fail(format!("matches {n} of the {} oneOf branches", branches.len()));
            }
        }
        if let Some(branches) = s.get("anyOf").and_then(Value::as_array) {
            if !branches.iter().any(|b| self.check(b, v, side, depth + 1, at).is_ok()) {
                return fail("matches none of the anyOf branches".into());
            }
        }
        let ty = type_of(&s);
        let type_ok = match ty {
            None | Some("object") | Some("array") => true,
            Some("string") => v.is_string(),
            Some("integer") => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
            Some("number") => v.is_number(),
            Some("boolean") => v.is_boolean(),
            Some(_) => true,
        } && match ty {
            Some("object") => v.is_object(),
            Some("array") => v.is_array(),
            _ => true,
        };
        if !type_ok {
            return fail(format!("{} is not of type {}", short(v), ty.unwrap_or("?")));
        }
        match ty {
            Some("string") => {
                let text = v.as_str().unwrap_or_default();
                let len = text.chars().count() as u64;
                if s.get("minLength").and_then(Value::as_u64).is_some_and(|m| len < m)
                    || s.get("maxLength").and_then(Value::as_u64).is_some_and(|m| len > m)
                {
                    return fail(format!("{}: length {len} out of bounds", short(v)));
                }
                if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                    if !self.pattern_matches(p, text) {
                        return fail(format!("{} does not match pattern {p}", short(v)));
                    }
                }
                let format = s.get("format").and_then(Value::as_str);
                if !format_ok(format, text) {
                    return fail(format!("{} is not a valid {}", short(v), format.unwrap_or("?")));
                }
            }
            Some("integer") | Some("number") if !range_ok(&s, v) => {
                return fail(format!("{} out of range", short(v)));
            }
            Some("array") => {
                let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
                let n = items.len() as u64;
                if s.get("minItems").and_then(Value::as_u64).is_some_and(|m| n < m)
                    || s.get("maxItems").and_then(Value::as_u64).is_some_and(|m| n > m)
                {
                    return fail(format!("{n} items out of bounds"));
                }
                if let Some(item) = s.get("items") {
                    for (i, x) in items.iter().enumerate() {
                        self.check(item, x, side, depth + 1, &format!("{at}[{i}]"))?;
                    }
                }
            }
            Some("object") => {
                let Some(obj) = v.as_object() else { return Ok(()) };
                let props = s.get("properties").and_then(Value::as_object);
                for r in s.get("required").and_then(Value::as_array).into_iter().flatten() {
                    let Some(r) = r.as_str() else { continue };
                    let skipped = props.and_then(|p| p.get(r)).is_some_and(|p| self.skipped(p, side));
                    if !obj.contains_key(r) && !skipped {
                        return fail(format!("required member {r:?} is missing"));
                    }
                }
                for (k, x) in obj {
                    let here = format!("{at}.{k}");
                    match props.and_then(|p| p.get(k)) {
                        Some(p) => self.check(p, x, side, depth + 1, &here)?,
                        None => match s.get("additionalProperties") {
                            Some(Value::Bool(false)) => return fail(format!("member {k:?} is not allowed")),
                            Some(extra @ Value::Object(_)) => self.check(extra, x, side, depth + 1, &here)?,
                            _ => {}
                        },
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether a property is left out on this side (`readOnly` in requests, `writeOnly` in
    /// responses).
    pub fn skipped(&self, prop: &Value, side: Side) -> bool {
        let p = resolve(self.root, prop);
        let flag = match side {
            Side::Request => "readOnly",
            Side::Response => "writeOnly",
        };
        p.get(flag).and_then(Value::as_bool) == Some(true)
    }
}

/// A value for a message, cut to a readable length.
fn short(v: &Value) -> String {
    let t = v.to_string();
    if t.chars().count() > 100 {
        format!("{}...", t.chars().take(100).collect::<String>())
    } else {
        t
    }
}

fn range_ok(s: &Value, v: &Value) -> bool {
    let Some(x) = v.as_f64() else { return false };
    let excl_min = s.get("exclusiveMinimum").and_then(Value::as_bool) == Some(true);
    let excl_max = s.get("exclusiveMaximum").and_then(Value::as_bool) == Some(true);
    if let Some(m) = s.get("minimum").and_then(Value::as_f64) {
        if x < m || (excl_min && x == m) {
            return false;
        }
    }
    if let Some(m) = s.get("maximum").and_then(Value::as_f64) {
        if x > m || (excl_max && x == m) {
            return false;
        }
    }
    if s.get("format").and_then(Value::as_str) == Some("int32") && (x < i32::MIN as f64 || x > i32::MAX as f64) {
        return false;
    }
    true
}

fn format_ok(format: Option<&str>, s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match format {
        Some("uuid") => {
            let parts: Vec<&str> = s.split('-').collect();
            parts.len() == 5
                && parts
                    .iter()
                    .zip([8, 4, 4, 4, 12])
                    .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
        }
        Some("date") => {
            let parts: Vec<&str> = s.split('-').collect();
            parts.len() == 3 && parts.iter().zip([4, 2, 2]).all(|(p, n)| p.len() == n && digits(p))
        }
        Some("date-time") => {
            s.len() >= 20
                && format_ok(Some("date"), &s[..10])
                && matches!(s.as_bytes()[10], b'T' | b't')
                && (s.ends_with('Z') || s.ends_with('z') || s[19..].contains('+') || s[19..].contains('-'))
        }
        Some("email") => s.contains('@') && !s.starts_with('@') && !s.ends_with('@'),
        Some("uri") | Some("url") => s.split_once(':').is_some_and(|(scheme, _)| !scheme.is_empty()),
        _ => true,
    }
}
