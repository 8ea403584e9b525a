//! Lenient decoding: a JSON body that deviates from its type still decodes, one member at a
//! time, and every deviation is written down.
//!
//! Telnyx's spec is wrong in places (a required member the service leaves out, a string where
//! it declares an object, an integer where it declares a string). The official SDKs return such
//! bodies: Go keeps the zero value and the raw text of a member that did not fit, Python builds
//! its models without validating. Here:
//!
//! 1. **Fast path.** `serde_json::from_slice::<T>`, today's strict decoding. A conforming body
//!    costs what it always did.
//! 2. **Repair**, only when the fast path fails and the body is JSON. The body is read into a
//!    borrowed document and written out again along the type's [`Shape`] (static data the
//!    generator emits for every type, [`Shaped`]), every member brought to its declared form:
//!    - a **required member that is missing** gets its type's *empty value*: `""`, `0`,
//!      `false`, `[]`, an empty map, a string enum's `Unknown("")`, a struct whose required
//!      members are empty in turn (Go's zero values);
//!    - a **member whose value does not fit** is `None` when the member is optional (it is
//!      written as `null`), else the empty value;
//!    - an **untagged union** takes the variant that fits best: the first that fits, else the
//!      one with the fewest deviating and undeclared members;
//!
//!    and records a [`Deviation`] with the path, what was expected and the value found. The
//!    repaired text is then decoded by the same `serde_json::from_slice::<T>`: no second
//!    `Deserialize` instantiation per type (a lenient deserializer would cost the build a
//!    quarter of its time), one walk of the body whatever its number of deviations.
//!    Should the type still refuse the text (a hand-written type whose shape says otherwise),
//!    the value is its type's empty value and the whole body the one deviation.
//!
//! Members the type does not declare are not deviations (JSON Schema admits them unless
//! `additionalProperties: false`), so they decode in the fast path as before; [`undeclared`]
//! lists them, with their paths and values, on demand.
//!
//! A `null` in an optional member decodes as `None` in both paths, as before (absent and `null`
//! carry the same information there); a `null` in a required member is a deviation.

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::shape::{Shape, Shaped, Struct};
use json::Json;

mod json;

/// How deep the empty value of a type with required members of its own type is written
/// (such a type has no finite JSON value; the spec does not declare one, a hostile shape
/// could).
const MAX_EMPTY_DEPTH: usize = 32;

/// A value decoded leniently, with what did not fit its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    /// The decoded value.
    pub value: T,
    /// What deviated from the type (empty when the body conformed), in document order.
    pub deviations: Vec<Deviation>,
}

/// One place where a body deviated from its declared type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Deviation {
    /// The JSON path of the member (`data[3].from`; `.` for the whole body).
    pub path: String,
    /// What happened.
    pub kind: DeviationKind,
    /// What the type expected (`a string`, `struct PhoneNumber`, …).
    pub expected: String,
    /// The value the server sent there; `None` when the member was missing.
    pub found: Option<Value>,
}

/// The kinds of [`Deviation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DeviationKind {
    /// A required member that was not there: the field holds its type's empty value.
    Missing,
    /// `null` in a member that is not nullable and not optional: the empty value.
    Null,
    /// A value of another type than declared: `None` in an optional field, else the empty
    /// value; the value sent is in [`Deviation::found`].
    Mismatch,
    /// A member the type does not declare ([`undeclared`] only; not a deviation of
    /// [`Decoded::deviations`]).
    Undeclared,
}

impl Deviation {
    /// A required member at `path` that was not there, the type having expected `expected`.
    pub fn missing(path: impl Into<String>, expected: impl Into<String>) -> Self {
        Deviation { path: path.into(), kind: DeviationKind::Missing, expected: expected.into(), found: None }
    }
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let found = match &self.found {
            None => "nothing".to_owned(),
            Some(v) => describe(v),
        };
        match self.kind {
            DeviationKind::Undeclared => write!(f, "{}: undeclared member ({found})", self.path),
            _ => write!(f, "{}: expected {}, found {found}", self.path, self.expected),
        }
    }
}

/// A short description of a JSON value for messages: its kind and, for scalars, the value.
fn describe(v: &Value) -> String {
    let text = match v {
        Value::Object(m) => return format!("an object of {} members", m.len()),
        Value::Array(a) => return format!("an array of {} elements", a.len()),
        other => other.to_string(),
    };
    let kind = match v {
        Value::Null => return "null".to_owned(),
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        _ => "string",
    };
    const MAX: usize = 60;
    if text.len() > MAX {
        let cut = (0..=MAX).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        format!("{kind} {}…", &text[..cut])
    } else {
        format!("{kind} {text}")
    }
}

/// A body that could not be decoded even leniently: not JSON, or a value nothing could be
/// made to fit (a body that is an array where an object is declared, say).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The JSON path where it failed (`.` for the whole body).
    pub path: String,
    /// serde's message.
    pub message: String,
    /// The line and column of a syntax error (1-based), when the body is not JSON.
    pub position: Option<(usize, usize)>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.message, self.path)
    }
}

/// Decode `body` as `T`: strictly first, then, only when that fails and `body` is JSON,
/// leniently ([module docs](self)).
pub fn decode_slice<T: DeserializeOwned + Shaped>(body: &[u8]) -> Result<Decoded<T>, Failure> {
    match serde_json::from_slice::<T>(body) {
        Ok(value) => Ok(Decoded { value, deviations: Vec::new() }),
        Err(_) => repair_slice::<T>(body),
    }
}

/// Decode a JSON value leniently ([module docs](self)); strict first as [`decode_slice`] does.
pub fn decode_value<T: DeserializeOwned + Shaped>(value: &Value) -> Result<Decoded<T>, Failure> {
    if let Ok(v) = T::deserialize(value) {
        return Ok(Decoded { value: v, deviations: Vec::new() });
    }
    let text = serde_json::to_vec(value).map_err(|e| Failure {
        path: ".".to_owned(),
        message: e.to_string(),
        position: None,
    })?;
    repair_slice(&text)
}

/// The repair alone, for a body the strict decoding already failed on; a body that is not
/// JSON is a [`Failure`] with the position of the syntax error.
pub fn repair_slice<T: DeserializeOwned + Shaped>(body: &[u8]) -> Result<Decoded<T>, Failure> {
    // The generic part is the decoding alone: everything else is compiled once, not per type.
    let repaired = Repaired::of(body, T::SHAPE)?;
    let mut first_error = None;
    for attempt in 0..Repaired::ATTEMPTS {
        match serde_json::from_slice::<T>(&repaired.text(attempt)) {
            Ok(value) => return Ok(Decoded { value, deviations: repaired.deviations(attempt) }),
            Err(e) if attempt == 0 => first_error = Some(e.to_string()),
            Err(_) => {}
        }
    }
    Err(Failure { path: ".".to_owned(), message: first_error.unwrap_or_default(), position: None })
}

/// A body written out along a shape, and what to try when the type refuses it.
struct Repaired<'b> {
    shape: &'static Shape,
    /// The body along the shape.
    text: Vec<u8>,
    deviations: Vec<Deviation>,
    /// The body as received (for the deviation of a body the type refuses whole).
    body: &'b [u8],
}

impl<'b> Repaired<'b> {
    /// What [`Repaired::text`] offers: the repaired body; then, for a type that refuses what its
    /// shape admits, its empty value by the shape, and the least value of the shape's kind.
    const ATTEMPTS: usize = 3;

    fn of(body: &'b [u8], shape: &'static Shape) -> Result<Repaired<'b>, Failure> {
        let json = Json::parse(body).map_err(|e| Failure {
            path: ".".to_owned(),
            message: e.to_string(),
            position: Some((e.line(), e.column())),
        })?;
        let mut walk = Walk::new(Mode::Repair, body.len());
        walk.value(shape, &json);
        Ok(Repaired { shape, text: walk.out, deviations: walk.deviations, body })
    }

    fn text(&self, attempt: usize) -> Cow<'_, [u8]> {
        match attempt {
            0 => Cow::Borrowed(&self.text),
            1 => {
                let mut empty = Walk::new(Mode::Repair, 16);
                empty.empty(self.shape, 0);
                Cow::Owned(empty.out)
            }
            _ => Cow::Borrowed(match self.shape.resolve() {
                Shape::Struct(_) | Shape::Object | Shape::Map(_) | Shape::Tagged { .. } => b"{}",
                Shape::Array(_) => b"[]",
                _ => b"null",
            }),
        }
    }

    /// The deviations of the value [`Repaired::text`]`(attempt)` decoded to: the walk's, or, for
    /// an empty value, the whole body as the one deviation.
    fn deviations(self, attempt: usize) -> Vec<Deviation> {
        if attempt == 0 {
            return self.deviations;
        }
        vec![Deviation {
            path: ".".to_owned(),
            kind: DeviationKind::Mismatch,
            expected: expected(self.shape),
            found: serde_json::from_slice(self.body).ok(),
        }]
    }
}

/// The members of `body` that `T` does not declare, with their paths and values, in document
/// order (inside an untagged union, those of the variant that fits best). A body that is not
/// JSON has none.
pub fn undeclared<T: Shaped + ?Sized>(body: &[u8]) -> Vec<Deviation> {
    let Ok(json) = Json::parse(body) else { return Vec::new() };
    let mut walk = Walk::new(Mode::Undeclared, 0);
    walk.value(T::SHAPE, &json);
    walk.deviations.retain(|d| d.kind == DeviationKind::Undeclared);
    walk.deviations
}

/// What `shape` expects, in words.
pub fn expected(shape: &'static Shape) -> String {
    match shape.resolve() {
        Shape::Any => "any value".to_owned(),
        Shape::Unit => "null".to_owned(),
        Shape::String => "a string".to_owned(),
        Shape::Integer { min, max } if *min == i64::MIN && *max == i64::MAX as u64 => "an integer".to_owned(),
        Shape::Integer { min, max } => format!("an integer in {min}..={max}"),
        Shape::Number => "a number".to_owned(),
        Shape::Boolean => "a boolean".to_owned(),
        Shape::Object | Shape::Map(_) => "an object".to_owned(),
        Shape::Enum(name) => format!("a string (enum {name})"),
        Shape::Array(_) => "an array".to_owned(),
        Shape::Nullable(inner) => format!("{} or null", expected(inner)),
        Shape::Struct(s) => format!("struct {}", s.name),
        Shape::Untagged { name, .. } | Shape::Tagged { name, .. } => format!("union {name}"),
        Shape::Named(_) => unreachable!("resolved"),
    }
}

/// What a walk does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Write the repaired text and the deviations.
    Repair,
    /// Count the deviations and the undeclared members (choosing a union's variant).
    Score,
    /// List the undeclared members.
    Undeclared,
}

/// One step of a path: a member or an array element.
#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// A walk of a document along a shape.
struct Walk<'a> {
    mode: Mode,
    out: Vec<u8>,
    path: Vec<Seg<'a>>,
    deviations: Vec<Deviation>,
    /// Deviations and undeclared members seen (what [`Mode::Score`] is for).
    score: usize,
    /// Of those, undeclared members.
    undeclared: usize,
}

impl<'a> Walk<'a> {
    fn new(mode: Mode, capacity: usize) -> Self {
        let capacity = if mode == Mode::Repair { capacity + capacity / 8 + 16 } else { 0 };
        Walk {
            mode,
            out: Vec::with_capacity(capacity),
            path: Vec::new(),
            deviations: Vec::new(),
            score: 0,
            undeclared: 0,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        if self.mode == Mode::Repair {
            self.out.extend_from_slice(bytes);
        }
    }

    fn put_str(&mut self, s: &str) {
        if self.mode == Mode::Repair {
            write_str(&mut self.out, s, false);
        }
    }

    /// A member name or string of the document: one borrowed from the body had no escapes
    /// there, so it is written as it is, without looking for characters to escape.
    fn put_text(&mut self, s: &str, borrowed: bool) {
        if self.mode == Mode::Repair {
            write_str(&mut self.out, s, borrowed);
        }
    }

    /// Record a deviation at the current path (`found`: the value there, `None` if missing).
    fn deviation(&mut self, kind: DeviationKind, shape: &'static Shape, found: Option<&Json<'_>>) {
        self.score += 1;
        if kind == DeviationKind::Undeclared {
            self.undeclared += 1;
        }
        if self.mode == Mode::Score {
            return;
        }
        self.deviations.push(Deviation {
            path: render(&self.path),
            kind,
            expected: if kind == DeviationKind::Undeclared { String::new() } else { expected(shape) },
            found: found.map(Json::to_value),
        });
    }

    /// Write `v` brought to `shape`.
    fn value(&mut self, shape: &'static Shape, v: &'a Json<'a>) {
        let shape = shape.resolve();
        match shape {
            Shape::Struct(s) => match v {
                Json::Obj(members) => self.object(s, members),
                _ => self.mismatch(shape, v),
            },
            Shape::Array(item) => match v {
                Json::Arr(items) => {
                    self.put(b"[");
                    for (i, x) in items.iter().enumerate() {
                        if i > 0 {
                            self.put(b",");
                        }
                        self.path.push(Seg::Index(i));
                        self.value(item, x);
                        self.path.pop();
                    }
                    self.put(b"]");
                }
                _ => self.mismatch(shape, v),
            },
            Shape::Map(member) => match v {
                Json::Obj(members) => {
                    self.put(b"{");
                    for (i, (k, x)) in members.iter().enumerate() {
                        if i > 0 {
                            self.put(b",");
                        }
                        self.put_text(k, matches!(k, Cow::Borrowed(_)));
                        self.put(b":");
                        self.path.push(Seg::Key(k));
                        self.value(member, x);
                        self.path.pop();
                    }
                    self.put(b"}");
                }
                _ => self.mismatch(shape, v),
            },
            Shape::Nullable(inner) => {
                if matches!(v, Json::Null) {
                    self.put(b"null");
                } else if fits(inner, v) {
                    self.value(inner, v);
                } else {
                    // An optional member of another kind: `None`.
                    self.deviation(DeviationKind::Mismatch, inner, Some(v));
                    self.put(b"null");
                }
            }
            Shape::Untagged { variants, .. } => match self.choose(variants, v) {
                Some(variant) => self.value(variant, v),
                None => self.mismatch(shape, v),
            },
            Shape::Tagged { property, variants, .. } => {
                let tag = match v {
                    Json::Obj(_) => v.get(property).and_then(Json::as_str),
                    _ => None,
                };
                match tag.and_then(|t| variants.iter().find(|(name, _)| *name == t)) {
                    Some((_, variant)) => self.value(variant, v),
                    // Any other value is the union's `Unknown`.
                    None => self.raw(v),
                }
            }
            _ if fits(shape, v) => self.raw(v),
            _ => self.mismatch(shape, v),
        }
    }

    /// A value that does not fit `shape` where the member is required: the empty value.
    fn mismatch(&mut self, shape: &'static Shape, v: &Json<'_>) {
        let kind = if matches!(v, Json::Null) { DeviationKind::Null } else { DeviationKind::Mismatch };
        self.deviation(kind, shape, Some(v));
        self.empty(shape, 0);
    }

    /// An object of a struct: its members in the order sent, each declared one brought to its
    /// shape, then the required ones that are missing.
    fn object(&mut self, s: &'static Struct, members: &'a [(Cow<'a, str>, Json<'a>)]) {
        // Each member's field, and each field's last member: serde's derive refuses a member
        // sent twice, so the last one counts, as in a `Value`. Members mostly come in the
        // fields' order, so the search starts after the field found last.
        let mut field_of: Vec<Option<usize>> = Vec::with_capacity(members.len());
        let mut last: Vec<Option<usize>> = vec![None; s.fields.len()];
        let mut cursor = 0;
        for (i, (k, _)) in members.iter().enumerate() {
            let found = (cursor..s.fields.len()).chain(0..cursor).find(|&j| s.fields[j].name == k);
            if let Some(j) = found {
                cursor = j + 1;
                last[j] = Some(i);
            }
            field_of.push(found);
        }
        self.put(b"{");
        let mut first = true;
        for (i, ((k, x), field)) in members.iter().zip(&field_of).enumerate() {
            if field.is_some_and(|j| last[j] != Some(i)) {
                continue;
            }
            if !first {
                self.put(b",");
            }
            first = false;
            self.put_text(k, matches!(k, Cow::Borrowed(_)));
            self.put(b":");
            self.path.push(Seg::Key(k));
            match field {
                Some(j) => self.value(s.fields[*j].shape, x),
                None => {
                    if !s.open && self.mode != Mode::Repair {
                        self.deviation(DeviationKind::Undeclared, &Shape::Any, Some(x));
                    }
                    self.raw(x);
                }
            }
            self.path.pop();
        }
        for (f, _) in s.fields.iter().zip(&last).filter(|(f, last)| !f.optional && last.is_none()) {
            if !first {
                self.put(b",");
            }
            first = false;
            self.put_str(f.name);
            self.put(b":");
            self.path.push(Seg::Key(f.name));
            self.deviation(DeviationKind::Missing, f.shape, None);
            self.empty(f.shape, 0);
            self.path.pop();
        }
        self.put(b"}");
    }

    /// The variant of an untagged union for `v`: the first that fits without a deviation (the
    /// one serde takes), else the one with the fewest deviating and undeclared members, the
    /// first of equals; none when no variant is of `v`'s kind.
    fn choose(&self, variants: &[crate::shape::ShapeRef], v: &'a Json<'a>) -> Option<&'static Shape> {
        let mut best: Option<(usize, &'static Shape)> = None;
        for variant in variants {
            let shape = *variant;
            if !fits(shape, v) {
                continue;
            }
            let mut trial = Walk::new(Mode::Score, 0);
            trial.value(shape, v);
            let deviating = trial.score - trial.undeclared;
            if deviating == 0 {
                return Some(shape);
            }
            if best.is_none_or(|(score, _)| trial.score < score) {
                best = Some((trial.score, shape));
            }
        }
        best.map(|(_, shape)| shape)
    }

    /// Write `v` as it is.
    fn raw(&mut self, v: &Json<'_>) {
        if self.mode != Mode::Repair {
            return;
        }
        write_json(&mut self.out, v);
    }

    /// Write the empty value of `shape`.
    fn empty(&mut self, shape: &'static Shape, depth: usize) {
        match shape.resolve() {
            Shape::Any | Shape::Unit | Shape::Nullable(_) | Shape::Named(_) => self.put(b"null"),
            Shape::String | Shape::Enum(_) => self.put(b"\"\""),
            Shape::Integer { .. } | Shape::Number => self.put(b"0"),
            Shape::Boolean => self.put(b"false"),
            Shape::Object | Shape::Map(_) | Shape::Tagged { .. } => self.put(b"{}"),
            Shape::Array(_) => self.put(b"[]"),
            Shape::Untagged { variants, .. } => match variants.first() {
                Some(first) => self.empty(first, depth + 1),
                None => self.put(b"null"),
            },
            Shape::Struct(s) => {
                self.put(b"{");
                if depth < MAX_EMPTY_DEPTH {
                    for (i, f) in s.fields.iter().filter(|f| !f.optional).enumerate() {
                        if i > 0 {
                            self.put(b",");
                        }
                        self.put_str(f.name);
                        self.put(b":");
                        self.empty(f.shape, depth + 1);
                    }
                }
                self.put(b"}");
            }
        }
    }
}

/// Whether `v` is of the kind `shape` takes (what is inside aside).
fn fits(shape: &'static Shape, v: &Json<'_>) -> bool {
    match (shape.resolve(), v) {
        (Shape::Any | Shape::Tagged { .. }, _) => true,
        (Shape::Unit, Json::Null) => true,
        (Shape::String, Json::Str(_)) => true,
        (Shape::Integer { min, max }, Json::U64(u)) => *u <= *max && (*min <= 0 || *u >= *min as u64),
        (Shape::Integer { min, max }, Json::I64(i)) => *i >= *min && (*i < 0 || *i as u64 <= *max),
        (Shape::Number, Json::U64(_) | Json::I64(_) | Json::F64(_)) => true,
        (Shape::Boolean, Json::Bool(_)) => true,
        (Shape::Object | Shape::Map(_) | Shape::Struct(_), Json::Obj(_)) => true,
        (Shape::Enum(_), Json::Str(_) | Json::Bool(_) | Json::U64(_) | Json::I64(_) | Json::F64(_)) => true,
        (Shape::Array(_), Json::Arr(_)) => true,
        (Shape::Nullable(inner), v) => matches!(v, Json::Null) || fits(inner, v),
        (Shape::Untagged { variants, .. }, v) => variants.iter().any(|variant| fits(variant, v)),
        _ => false,
    }
}

/// Write `v` as JSON text.
fn write_json(out: &mut Vec<u8>, v: &Json<'_>) {
    // Writing to a `Vec` cannot fail.
    match v {
        Json::Null => out.extend_from_slice(b"null"),
        Json::Bool(true) => out.extend_from_slice(b"true"),
        Json::Bool(false) => out.extend_from_slice(b"false"),
        Json::U64(u) => {
            let _ = serde_json::to_writer(&mut *out, u);
        }
        Json::I64(i) => {
            let _ = serde_json::to_writer(&mut *out, i);
        }
        Json::F64(f) => {
            let _ = serde_json::to_writer(&mut *out, f);
        }
        Json::Str(s) => write_str(out, s, matches!(s, Cow::Borrowed(_))),
        Json::Arr(items) => {
            out.push(b'[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, x);
            }
            out.push(b']');
        }
        Json::Obj(members) => {
            out.push(b'{');
            for (i, (k, x)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k, matches!(k, Cow::Borrowed(_)));
                out.push(b':');
                write_json(out, x);
            }
            out.push(b'}');
        }
    }
}

/// Write `s` as a JSON string; `verbatim` when it needs no escapes (it was read from a JSON
/// text without any: nothing in it needs one).
fn write_str(out: &mut Vec<u8>, s: &str, verbatim: bool) {
    if verbatim {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing to a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// A path in the notation of the client's decode errors: `.` for the root, keys joined by
/// `.`, indices as `[i]`.
fn render(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests;
