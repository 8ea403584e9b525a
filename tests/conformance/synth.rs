//! The argument synthesizer: builds the [`Args`] of one operation from the spec — the spec's
//! own examples where they fit their schema, otherwise values made up from the schema.
//!
//! Two variants:
//! * [`Variant::Minimal`]: required parameters and the body's required properties; the body is
//!   the media type's `example` (or first of `examples`) when that example validates.
//! * [`Variant::Full`]: additionally every optional query/header parameter that has a valid
//!   example (this exercises the bracketed names, `filter[...][in][]` arrays and so on), and
//!   the body with all its optional properties, synthesized (nested schema examples are still
//!   used where they validate).

use serde_json::{json, Map, Value};
use workspace_tests::conformance::Args;

use crate::schema::{flatten, resolve, resolve_ptr, type_of, Side, Validator};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Minimal,
    Full,
}

/// A UUID that satisfies `format: uuid`.
pub const UUID: &str = "6e1a3b2c-5d4f-4a8b-9c7d-0e1f2a3b4c5d";

/// Builds values for schemas.
pub struct Synth<'a> {
    pub v: Validator<'a>,
    pub variant: Variant,
    /// Which side values are for: request values leave `readOnly` members out, response
    /// values `writeOnly` ones.
    pub side: Side,
}

const MAX_DEPTH: usize = 12;

impl<'a> Synth<'a> {
    pub fn new(root: &'a Value, variant: Variant) -> Self {
        Synth { v: Validator::new(root), variant, side: Side::Request }
    }

    /// Values for response bodies: every member (the full variant), `writeOnly` ones left out.
    #[allow(dead_code)] // conformance.rs builds request values only
    pub fn response(root: &'a Value) -> Self {
        Synth { v: Validator::new(root), variant: Variant::Full, side: Side::Response }
    }

    fn root(&self) -> &'a Value {
        self.v.root
    }

    /// A value for `schema` on this synthesizer's side, `None` when none could be made.
    pub fn value(&self, schema: &Value) -> Option<Value> {
        self.value_depth(schema, 0)
    }

    fn value_depth(&self, schema: &Value, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let s = flatten(self.root(), schema);
        // The schema's own example, when it fits (the spec's examples often do not).
        if let Some(ex) = s.get("example") {
            if !ex.is_null() && self.v.valid(&s, ex, self.side) && !(self.variant == Variant::Full && is_object(ex)) {
                return Some(ex.clone());
            }
        }
        if let Some(d) = s.get("default") {
            if !d.is_null() && self.v.valid(&s, d, self.side) {
                return Some(d.clone());
            }
        }
        if let Some(first) = s.get("enum").and_then(Value::as_array).and_then(|e| e.iter().find(|x| !x.is_null())) {
            return Some(first.clone());
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = s.get(key).and_then(Value::as_array) {
                return self.one_of(&s, branches, key == "oneOf", depth);
            }
        }
        self.by_type(&s, depth)
    }

    fn one_of(&self, s: &Value, branches: &[Value], exactly_one: bool, depth: usize) -> Option<Value> {
        // The schema minus the alternatives: its own properties (rare) are merged in.
        let mut base = s.clone();
        if let Some(o) = base.as_object_mut() {
            o.remove("oneOf");
            o.remove("anyOf");
            o.remove("discriminator");
        }
        let has_own = base.get("properties").is_some();
        let disc = s.get("discriminator");
        let mut fallback = None;
        for branch in branches {
            let Some(mut cand) = self.value_depth(branch, depth + 1) else { continue };
            if let (Some(d), Some(obj)) = (disc, cand.as_object_mut()) {
                if let Some(name) = d.get("propertyName").and_then(Value::as_str) {
                    let (_, ptr) = resolve_ptr(self.root(), branch);
                    let key = d
                        .get("mapping")
                        .and_then(Value::as_object)
                        .and_then(|m| m.iter().find(|(_, t)| t.as_str() == ptr.as_deref()).map(|(k, _)| k.clone()))
                        .or_else(|| ptr.as_deref().and_then(|p| p.rsplit('/').next()).map(str::to_owned));
                    if let Some(key) = key {
                        obj.insert(name.to_owned(), Value::String(key));
                    }
                }
            }
            if has_own {
                if let (Some(Value::Object(own)), Some(obj)) = (self.by_type(&base, depth + 1), cand.as_object_mut()) {
                    for (k, v) in own {
                        obj.entry(k).or_insert(v);
                    }
                }
            }
            let matching = branches.iter().filter(|b| self.v.valid(b, &cand, self.side)).count();
            if matching == 1 || (!exactly_one && matching >= 1) {
                return Some(cand);
            }
            fallback.get_or_insert(cand);
        }
        fallback
    }

    fn by_type(&self, s: &Value, depth: usize) -> Option<Value> {
        match type_of(s) {
            Some("object") => self.object(s, depth),
            Some("array") => {
                let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let item = s.get("items").and_then(|i| self.value_depth(i, depth + 1));
                match item {
                    Some(item) => {
                        let n = min.max(1);
                        let mut items = vec![item.clone()];
                        for i in 1..n {
                            // Distinct items for `uniqueItems`.
                            items.push(match &item {
                                Value::String(t) => Value::String(format!("{t}{i}")),
                                Value::Number(x) => json!(x.as_i64().unwrap_or(0) + i as i64),
                                other => other.clone(),
                            });
                        }
                        Some(Value::Array(items))
                    }
                    None if min == 0 => Some(json!([])),
                    None => None,
                }
            }
            Some("string") => Some(Value::String(self.string(s))),
            Some("integer") => Some(json!(integer(s))),
            Some("number") => Some(number(s)),
            Some("boolean") => Some(json!(true)),
            // `{}` or a schema without a type: any value; a string is the least surprising.
            _ => Some(json!("example")),
        }
    }

    fn object(&self, s: &Value, depth: usize) -> Option<Value> {
        let mut out = Map::new();
        let required: Vec<&str> =
            s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        let props = s.get("properties").and_then(Value::as_object);
        for (name, p) in props.into_iter().flatten() {
            if self.v.skipped(p, self.side) {
                continue;
            }
            let is_required = required.contains(&name.as_str());
            let deprecated = resolve(self.root(), p).get("deprecated").and_then(Value::as_bool) == Some(true);
            if !is_required && (self.variant == Variant::Minimal || deprecated) {
                continue;
            }
            match self.value_depth(p, depth + 1) {
                Some(v) => {
                    out.insert(name.clone(), v);
                }
                None if is_required => return None,
                None => {}
            }
        }
        for r in required {
            if !out.contains_key(r) && props.and_then(|p| p.get(r)).is_none() {
                out.insert(r.to_owned(), json!("example"));
            }
        }
        Some(Value::Object(out))
    }

    fn string(&self, s: &Value) -> String {
        let format = s.get("format").and_then(Value::as_str).unwrap_or("");
        let base = match format {
            "uuid" => UUID.to_owned(),
            "date-time" => "2024-01-15T10:30:00Z".to_owned(),
            "date" => "2024-01-15".to_owned(),
            "time" => "10:30:00".to_owned(),
            "email" => "user@example.com".to_owned(),
            "uri" | "url" => "https://example.com/hook".to_owned(),
            "hostname" => "example.com".to_owned(),
            "ipv4" => "192.0.2.1".to_owned(),
            "ipv6" => "2001:db8::1".to_owned(),
            "byte" => "ZXhhbXBsZQ==".to_owned(),
            "binary" => "example file contents".to_owned(),
            _ => "example".to_owned(),
        };
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = s.get("maxLength").and_then(Value::as_u64).map(|m| m as usize);
        let fit = |t: &str| {
            let n = t.chars().count();
            n >= min && max.is_none_or(|m| n <= m)
        };
        if let Some(p) = s.get("pattern").and_then(Value::as_str) {
            let candidates =
                [base.as_str(), "US", "+13125550001", "12345", "1.5", "12345-6789", "C1A2B3C", "Example 1", "ABC", "1"];
            if let Some(c) = candidates.iter().find(|c| self.v.pattern_matches(p, c) && fit(c)) {
                return (*c).to_owned();
            }
        }
        let mut t = base;
        while t.chars().count() < min {
            t.push('x');
        }
        if let Some(m) = max {
            t = t.chars().take(m.max(1)).collect();
        }
        t
    }

    /// The arguments of `method path`.
    pub fn args(&self, method: &str, path: &str) -> Result<Args, String> {
        let root = self.root();
        let item = root.get("paths").and_then(|p| p.get(path)).ok_or_else(|| format!("no path {path}"))?;
        let op = item.get(method).ok_or_else(|| format!("no {method} {path}"))?;
        let mut args = Args::default();
        // Operation-level parameters override path-level ones with the same name and place.
        let mut params: Vec<&Value> = Vec::new();
        for p in item.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            params.push(resolve(root, p));
        }
        for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let p = resolve(root, p);
            params.retain(|q| !(q.get("name") == p.get("name") && q.get("in") == p.get("in")));
            params.push(p);
        }
        for p in params {
            let (Some(name), Some(place)) =
                (p.get("name").and_then(Value::as_str), p.get("in").and_then(Value::as_str))
            else {
                continue;
            };
            let required = p.get("required").and_then(Value::as_bool) == Some(true) || place == "path";
            let schema = p.get("schema").cloned().unwrap_or(json!({}));
            // An empty path segment cannot carry a value (the spec has `example: ''` on some).
            let example = param_example(root, p)
                .filter(|e| self.v.valid(&schema, e, Side::Request))
                .filter(|e| !(place == "path" && e.as_str() == Some("")));
            let value = if required {
                example.or_else(|| self.value(&schema))
            } else if self.variant == Variant::Full {
                example
            } else {
                None
            };
            let Some(value) = value else {
                if required {
                    return Err(format!("cannot synthesize required {place} parameter {name}"));
                }
                continue;
            };
            let map = match place {
                "path" => &mut args.path,
                "query" => &mut args.query,
                "header" => &mut args.header,
                _ => continue,
            };
            map.insert(name.to_owned(), value);
        }
        if let Some(body) = op.get("requestBody").map(|b| resolve(root, b)) {
            let content = body.get("content").and_then(Value::as_object);
            let media = content.and_then(|c| c.get("application/json").or_else(|| c.values().next()));
            if let Some(media) = media {
                let schema = media.get("schema").cloned().unwrap_or(json!({}));
                let example = if self.variant == Variant::Minimal { media_example(root, media) } else { None };
                let value = example
                    .filter(|e| self.v.valid(&schema, e, Side::Request))
                    .or_else(|| self.value(&schema))
                    .ok_or_else(|| "cannot synthesize the request body".to_owned())?;
                args.body = Some(value);
            }
        }
        Ok(args)
    }
}

fn is_object(v: &Value) -> bool {
    v.is_object()
}

/// A parameter's `example`, first of `examples`, or its schema's `example`.
fn param_example(root: &Value, p: &Value) -> Option<Value> {
    if let Some(e) = p.get("example") {
        return Some(e.clone());
    }
    if let Some(first) = p.get("examples").and_then(Value::as_object).and_then(|m| m.values().next()) {
        return resolve(root, first).get("value").cloned();
    }
    p.get("schema").map(|s| flatten(root, s)).and_then(|s| s.get("example").cloned())
}

/// A media type's `example`, or the value of the first of its `examples`.
pub fn media_example(root: &Value, media: &Value) -> Option<Value> {
    if let Some(e) = media.get("example") {
        return Some(e.clone());
    }
    let first = media.get("examples").and_then(Value::as_object).and_then(|m| m.values().next())?;
    resolve(root, first).get("value").cloned()
}

fn integer(s: &Value) -> i64 {
    let min = s.get("minimum").and_then(Value::as_f64);
    let max = s.get("maximum").and_then(Value::as_f64);
    let excl_min = s.get("exclusiveMinimum").and_then(Value::as_bool) == Some(true);
    let mut x = match min {
        Some(m) if excl_min => m.floor() as i64 + 1,
        Some(m) => m.ceil() as i64,
        None => 1,
    };
    if let Some(m) = max {
        if x as f64 > m {
            x = m.floor() as i64;
        }
    }
    if let Some(step) = s.get("multipleOf").and_then(Value::as_i64).filter(|s| *s > 0) {
        x = ((x + step - 1) / step) * step;
    }
    x
}

fn number(s: &Value) -> Value {
    let min = s.get("minimum").and_then(Value::as_f64);
    let max = s.get("maximum").and_then(Value::as_f64);
    let x = match (min, max) {
        (Some(a), Some(b)) => (a + b) / 2.0,
        (Some(a), None) => a + 1.0,
        (None, Some(b)) => {
            if b >= 1.5 {
                1.5
            } else {
                b - 1.0
            }
        }
        (None, None) => 1.5,
    };
    json!(x)
}
