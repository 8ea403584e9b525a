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
//! 2. **Lenient passes**, only when the fast path fails and the body is JSON. The body is read
//!    into a [`Value`] and decoded again through [`Node`], a deserializer over that value that
//!    knows the JSON path of every node and answers a member that does not fit:
//!    - a **required member that is missing** gets its type's *empty value*: `""`, `0`,
//!      `false`, `[]`, an empty map, a string enum's `Unknown("")`, a struct whose required
//!      members are empty in turn (Go's zero values; the derive's own `Default` where it has one);
//!    - a **member whose value does not fit** is `None` when the member is optional, else the
//!      empty value;
//!    - a **union** none of whose variants fits, or a value that cannot be made to fit, becomes
//!      its parent's empty value (climbing until something fits);
//!
//!    and records a [`Deviation`] with the path, what was expected and the value found. A
//!    deviation found inside an `Option` cannot be turned into `None` once serde is inside the
//!    `Some` (it has no way back), so such a pass notes a rule for that path (array indices are
//!    wildcards: the elements of an array share a type) and goes on; the next pass applies every
//!    rule noted. A value serde's visitor rejects outright (a union none of whose variants
//!    fits) stops a pass, which learns a rule for that place. So a list of 20 records that each
//!    deviate in a few members costs one more pass, not twenty. Passes are bounded
//!    ([`MAX_PASSES`]); a body that needs more is its type's empty value, the whole body the one
//!    deviation.
//!
//! Members the type does not declare are not deviations (JSON Schema admits them unless
//! `additionalProperties: false`), so they decode in the fast path as before; [`undeclared`]
//! lists them, with their paths and values, on demand.
//!
//! A `null` in an optional member decodes as `None` in both paths, as before (absent and `null`
//! carry the same information there); a `null` in a required member is a deviation.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use json::Json;

mod json;

/// How many decoding passes a deviating body gets before it is an error (each pass learns at
/// least one rule, and a rule climbs to the parent after [`MAX_LEVEL`] tries, so this bounds
/// the work on a hostile body).
pub const MAX_PASSES: usize = 64;

/// A value decoded leniently, with what did not fit its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    /// The decoded value.
    pub value: T,
    /// What deviated from the type (empty when the body conformed), in the order found.
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
pub fn decode_slice<T: DeserializeOwned>(body: &[u8]) -> Result<Decoded<T>, Failure> {
    match serde_json::from_slice::<T>(body) {
        Ok(value) => Ok(Decoded { value, deviations: Vec::new() }),
        Err(strict) => {
            // Not a syntax error, so the strict error was about types: decode leniently.
            repair_slice::<T>(body).map_err(|mut f| {
                if f.message.is_empty() {
                    f.message = strict.to_string();
                }
                f
            })
        }
    }
}

/// Decode a JSON value leniently ([module docs](self)); strict first as [`decode_slice`] does.
pub fn decode_value<T: DeserializeOwned>(value: &Value) -> Result<Decoded<T>, Failure> {
    if let Ok(v) = T::deserialize(value) {
        return Ok(Decoded { value: v, deviations: Vec::new() });
    }
    repair_value(value)
}

/// The lenient passes alone, for a value the strict decoding already failed on.
pub fn repair_value<T: DeserializeOwned>(value: &Value) -> Result<Decoded<T>, Failure> {
    lenient(&Json::from_value(value), false).map(|(value, deviations)| Decoded { value, deviations })
}

/// The lenient passes alone, for a body the strict decoding already failed on; a body that is
/// not JSON is a [`Failure`] with the position of the syntax error.
pub fn repair_slice<T: DeserializeOwned>(body: &[u8]) -> Result<Decoded<T>, Failure> {
    repair_slice_from::<T>(body, None)
}

/// [`repair_slice`], told where and why the strict decoding failed (`strict`: the JSON path
/// of the failure, in [`Deviation::path`]'s notation, and serde's message), so that the first
/// pass already knows what to do there instead of a pass learning it. Used only when the
/// message is about the value at that path (`invalid type: string "x", expected …` where a
/// string is): a failure serde reports at the end of an object (a missing member, a union
/// none of whose variants fits) names the object, not the member.
pub fn repair_slice_from<T: DeserializeOwned>(
    body: &[u8],
    strict: Option<(&str, &str)>,
) -> Result<Decoded<T>, Failure> {
    let json = Json::parse(body).map_err(|e| Failure {
        path: ".".to_owned(),
        message: e.to_string(),
        position: Some((e.line(), e.column())),
    })?;
    let rules = strict.and_then(|(path, message)| seed_rule(&json, path, message)).into_iter().collect();
    lenient_with(&json, false, rules).map(|(value, deviations)| Decoded { value, deviations })
}

/// The rule a strict failure at `path` with `message` gives, when the message is about the
/// value found there.
fn seed_rule(root: &Json<'_>, path: &str, message: &str) -> Option<Rule> {
    let unexpected = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "))?;
    let concrete = parse_path(path)?;
    let found = Found::of(Some(lookup(root, &concrete)?));
    // serde's words for what it found (`Unexpected`) must name what is there.
    let agrees = match found {
        Found::Null => unexpected.starts_with("null") || unexpected.starts_with("unit"),
        Found::Bool => unexpected.starts_with("boolean"),
        Found::Number => unexpected.starts_with("integer") || unexpected.starts_with("floating point"),
        Found::String => unexpected.starts_with("string"),
        Found::Array => unexpected.starts_with("sequence"),
        Found::Object => unexpected.starts_with("map"),
        Found::Missing => false,
    };
    agrees.then(|| Rule {
        pattern: concrete
            .iter()
            .map(|s| match s {
                SegOwned::Key(k) => Pat::Key(k.clone()),
                SegOwned::Index(_) => Pat::AnyIndex,
            })
            .collect(),
        found,
        level: 1,
        expected: expected_of(message),
    })
}

/// A path in [`render`]'s notation back into steps (`None` when it is not one).
fn parse_path(path: &str) -> Option<Vec<SegOwned>> {
    if path == "." {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(SegOwned::Key(key.to_owned()));
        }
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            out.push(SegOwned::Index(index.parse().ok()?));
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Some(out)
}

/// The members of `body` that `T` does not declare, with their paths and values, in document
/// order (members inside untagged unions aside: serde buffers those before choosing a variant).
/// A body that is not JSON has none.
pub fn undeclared<T: DeserializeOwned>(body: &[u8]) -> Vec<Deviation> {
    let Ok(json) = Json::parse(body) else { return Vec::new() };
    match lenient::<T>(&json, true) {
        Ok((_, found)) => found.into_iter().filter(|d| d.kind == DeviationKind::Undeclared).collect(),
        Err(_) => Vec::new(),
    }
}

thread_local! {
    /// How many lenient passes are running on this thread: [`crate::codec::from_value`] (the
    /// variants of unions with a discriminator, decoded from a buffered value) decodes
    /// leniently inside one.
    static ACTIVE: Cell<u32> = const { Cell::new(0) };
    /// Deviations found by a nested lenient decode ([`nested`]), with paths relative to the
    /// value it decoded; the member that holds that value takes them and adds its path.
    static NESTED: RefCell<Vec<Deviation>> = const { RefCell::new(Vec::new()) };
}

/// Whether a lenient pass is running on this thread.
pub(crate) fn active() -> bool {
    ACTIVE.with(Cell::get) > 0
}

/// Decode a buffered value inside a lenient pass: its deviations go to the member holding it.
pub(crate) fn nested<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    let collect = COLLECT_UNDECLARED.with(Cell::get);
    if !collect {
        if let Ok(v) = T::deserialize(&value) {
            return Ok(v);
        }
    }
    let (v, found) = lenient::<T>(&Json::from_value(&value), collect).map_err(|f| f.to_string())?;
    NESTED.with(|n| n.borrow_mut().extend(found));
    Ok(v)
}

/// [`crate::codec::variant`].
pub(crate) fn variant<V: DeserializeOwned, T>(
    value: &Value,
    strict: bool,
    wrap: fn(V) -> T,
) -> Option<(T, Vec<Deviation>)> {
    // Inside a pass that lists undeclared members, the variant's are listed too.
    let collect = active() && COLLECT_UNDECLARED.with(Cell::get);
    match V::deserialize(value) {
        Ok(v) if !collect => return Some((wrap(v), Vec::new())),
        Err(_) if strict => return None,
        _ => {}
    }
    // Leniently the undeclared members are listed always: they score how badly it fits.
    let (v, found) = lenient::<V>(&Json::from_value(value), collect || !strict).ok()?;
    Some((wrap(v), found))
}

/// [`crate::codec::untagged`]: the first variant that fits strictly; inside a lenient pass, the
/// one that fits best: the fewest members that deviate or that it does not declare (an
/// all-optional variant decodes anything without a deviation, but declares little of it); the
/// first of equals.
pub(crate) fn untagged<T>(value: &Value, variants: &[crate::codec::Variant<T>]) -> Option<T> {
    let (v, mut found) = variants.iter().find_map(|f| f(value, true)).or_else(|| {
        if !active() {
            return None;
        }
        let mut best: Option<(T, Vec<Deviation>)> = None;
        for f in variants {
            if let Some((v, found)) = f(value, false) {
                if best.as_ref().is_none_or(|(_, b)| found.len() < b.len()) {
                    best = Some((v, found));
                }
            }
        }
        best
    })?;
    if !COLLECT_UNDECLARED.with(Cell::get) {
        found.retain(|d| d.kind != DeviationKind::Undeclared);
    }
    NESTED.with(|n| n.borrow_mut().extend(found));
    Some(v)
}

thread_local! {
    /// Whether the running pass lists undeclared members (for nested decodes).
    static COLLECT_UNDECLARED: Cell<bool> = const { Cell::new(false) };
}

/// The JSON kind of what is at a node, for rules: the same path with a value of another kind
/// is another case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Missing,
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Found {
    fn of(v: Option<&Json<'_>>) -> Found {
        match v {
            None => Found::Missing,
            Some(Json::Null) => Found::Null,
            Some(Json::Bool(_)) => Found::Bool,
            Some(Json::U64(_) | Json::I64(_) | Json::F64(_)) => Found::Number,
            Some(Json::Str(_)) => Found::String,
            Some(Json::Arr(_)) => Found::Array,
            Some(Json::Obj(_)) => Found::Object,
        }
    }

    fn deviation(self) -> DeviationKind {
        match self {
            Found::Missing => DeviationKind::Missing,
            Found::Null => DeviationKind::Null,
            _ => DeviationKind::Mismatch,
        }
    }
}

/// One step of a path: a member or an array element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// A path pattern step: array indices match any index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pat {
    Key(String),
    AnyIndex,
}

/// What to answer `deserialize_any` with at an empty node, tried in this order: a string enum
/// wants `""`, a JSON value or a union with a discriminator accepts anything, an untagged union
/// may want an object or an array.
const ANY_ORDER: [Any; 4] = [Any::Str, Any::Unit, Any::Map, Any::Seq];
/// After this many tries at one place a rule moves to the parent.
const MAX_LEVEL: u8 = ANY_ORDER.len() as u8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Any {
    Str,
    Unit,
    Map,
    Seq,
}

/// Learnt in a failed pass: at paths matching `pattern`, a value of kind `found` is empty
/// (`None` when optional), `deserialize_any` answered per `level`.
#[derive(Debug, Clone)]
struct Rule {
    pattern: Vec<Pat>,
    found: Found,
    level: u8,
    expected: String,
}

/// The state of one pass.
struct Cx<'a> {
    rules: Vec<Rule>,
    path: RefCell<Vec<Seg<'a>>>,
    found: RefCell<Vec<Deviation>>,
    failed: RefCell<Option<Failed>>,
    /// Inside an empty node, whose own deviation covers what is below it.
    quiet: Cell<u32>,
    /// Rules this pass found it needs (a deviation inside an `Option`): another pass follows.
    pending: RefCell<Vec<Rule>>,
    collect_undeclared: bool,
}

/// Where a pass failed: the innermost node that returned an error, as a pattern and as the
/// concrete path, what was there and serde's message.
struct Failed {
    pattern: Vec<Pat>,
    concrete: Vec<SegOwned>,
    found: Found,
    message: String,
}

/// A path step that outlives the pass.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SegOwned {
    Key(String),
    Index(usize),
}

impl<'a> Cx<'a> {
    fn path_string(&self) -> String {
        render(self.path.borrow().iter().map(|s| match s {
            Seg::Key(k) => SegOwned::Key((*k).to_owned()),
            Seg::Index(i) => SegOwned::Index(*i),
        }))
    }

    /// The rule for the current path and what is found there, if one was learnt.
    fn rule(&self, found: Found) -> Option<&Rule> {
        if self.rules.is_empty() {
            return None;
        }
        let path = self.path.borrow();
        self.rules.iter().find(|r| {
            r.found == found
                && r.pattern.len() == path.len()
                && r.pattern.iter().zip(path.iter()).all(|(p, s)| match (p, s) {
                    (Pat::AnyIndex, Seg::Index(_)) => true,
                    (Pat::Key(k), Seg::Key(s)) => k == s,
                    _ => false,
                })
        })
    }

    fn record(&self, kind: DeviationKind, expected: String, found: Option<&Json<'_>>) {
        if self.quiet.get() > 0 {
            return;
        }
        let found = found.map(Json::to_value);
        self.found.borrow_mut().push(Deviation { path: self.path_string(), kind, expected, found });
    }

    /// The current path as a rule's pattern.
    fn pattern_here(&self) -> Vec<Pat> {
        self.path
            .borrow()
            .iter()
            .map(|s| match s {
                Seg::Key(k) => Pat::Key((*k).to_owned()),
                Seg::Index(_) => Pat::AnyIndex,
            })
            .collect()
    }

    /// Remember the innermost failure of this pass (the first one reported).
    fn fail_here(&self, found: Found, message: String) {
        let mut failed = self.failed.borrow_mut();
        if failed.is_none() {
            let pattern = self.pattern_here();
            let path = self.path.borrow();
            let concrete = path
                .iter()
                .map(|s| match s {
                    Seg::Key(k) => SegOwned::Key((*k).to_owned()),
                    Seg::Index(i) => SegOwned::Index(*i),
                })
                .collect();
            *failed = Some(Failed { pattern, concrete, found, message });
        }
    }

    /// Take the deviations a nested decode left for the member at the current path.
    fn adopt_nested(&self) {
        let nested = NESTED.with(|n| std::mem::take(&mut *n.borrow_mut()));
        if nested.is_empty() {
            return;
        }
        let prefix = self.path_string();
        let mut found = self.found.borrow_mut();
        for mut d in nested {
            if self.quiet.get() > 0 && d.kind != DeviationKind::Undeclared {
                continue;
            }
            d.path = join(&prefix, &d.path);
            found.push(d);
        }
    }
}

/// `prefix` + a path relative to it, both in [`render`]'s notation.
fn join(prefix: &str, rel: &str) -> String {
    match (prefix, rel) {
        (".", r) => r.to_owned(),
        (p, ".") => p.to_owned(),
        (p, r) if r.starts_with('[') => format!("{p}{r}"),
        (p, r) => format!("{p}.{r}"),
    }
}

/// A path in `serde_path_to_error`'s notation, as the client's decode errors give it:
/// `.` for the root, keys joined by `.`, indices as `[i]`.
fn render(segs: impl Iterator<Item = SegOwned>) -> String {
    let mut out = String::new();
    for s in segs {
        match s {
            SegOwned::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&k);
            }
            SegOwned::Index(i) => {
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

/// The value at a concrete path of the root, if there is one.
fn lookup<'v, 'a>(root: &'v Json<'a>, path: &[SegOwned]) -> Option<&'v Json<'a>> {
    path.iter().try_fold(root, |v, s| match s {
        SegOwned::Key(k) => v.get(k.as_str()),
        SegOwned::Index(i) => v.at(*i),
    })
}

/// "invalid type: string \"x\", expected struct Foo" → "struct Foo".
fn expected_of(message: &str) -> String {
    // serde_json's messages end with the position, which a deviation has as its path.
    let message = message.rsplit_once(" at line ").filter(|(_, p)| p.contains(" column ")).map_or(message, |(m, _)| m);
    match message.rsplit_once(", expected ") {
        Some((_, e)) => e.to_owned(),
        None => message.to_owned(),
    }
}

/// Restores [`ACTIVE`] and [`COLLECT_UNDECLARED`] when a pass ends, also by unwinding.
struct PassGuard(bool);

impl PassGuard {
    fn enter(collect: bool) -> Self {
        ACTIVE.with(|a| a.set(a.get() + 1));
        PassGuard(COLLECT_UNDECLARED.with(|c| c.replace(collect)))
    }
}

impl Drop for PassGuard {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(a.get() - 1));
        COLLECT_UNDECLARED.with(|c| c.set(self.0));
    }
}

/// The lenient passes: decode, learn a rule where it fails, again, at most [`MAX_PASSES`] times.
fn lenient<T: DeserializeOwned>(root: &Json<'_>, collect_undeclared: bool) -> Result<(T, Vec<Deviation>), Failure> {
    lenient_with(root, collect_undeclared, Vec::new())
}

/// [`lenient`], starting with `rules` already learnt.
fn lenient_with<T: DeserializeOwned>(
    root: &Json<'_>,
    collect_undeclared: bool,
    mut rules: Vec<Rule>,
) -> Result<(T, Vec<Deviation>), Failure> {
    let _guard = PassGuard::enter(collect_undeclared);
    let mut last = String::new();
    for _ in 0..MAX_PASSES {
        #[cfg(test)]
        tests::PASSES.with(|p| p.set(p.get() + 1));
        NESTED.with(|n| n.borrow_mut().clear());
        let cx = Cx {
            rules: std::mem::take(&mut rules),
            path: RefCell::new(Vec::new()),
            found: RefCell::new(Vec::new()),
            failed: RefCell::new(None),
            quiet: Cell::new(0),
            pending: RefCell::new(Vec::new()),
            collect_undeclared,
        };
        let result = T::deserialize(Node { value: Some(root), cx: &cx, via_option: false });
        cx.adopt_nested();
        let pending = cx.pending.take();
        match result {
            Ok(v) if pending.is_empty() => return Ok((v, cx.found.into_inner())),
            Ok(_) => rules = cx.rules,
            Err(e) => {
                let Cx { rules: mut learnt, failed, .. } = cx;
                let failed = failed.into_inner().unwrap_or_else(|| Failed {
                    pattern: Vec::new(),
                    concrete: Vec::new(),
                    found: Found::of(Some(root)),
                    message: e.0.clone(),
                });
                last = e.0;
                if !learn(&mut learnt, root, failed) {
                    return Err(Failure { path: ".".to_owned(), message: last, position: None });
                }
                rules = learnt;
            }
        }
        for rule in pending {
            if !rules.iter().any(|r| r.pattern == rule.pattern && r.found == rule.found) {
                rules.push(rule);
            }
        }
    }
    // A body that needs more passes than that (each learns at least one place) is decoded as
    // if it were empty: the type's empty value, the whole body kept in the one deviation.
    let cx = Cx {
        rules: Vec::new(),
        path: RefCell::new(Vec::new()),
        found: RefCell::new(Vec::new()),
        failed: RefCell::new(None),
        quiet: Cell::new(1),
        pending: RefCell::new(Vec::new()),
        collect_undeclared: false,
    };
    NESTED.with(|n| n.borrow_mut().clear());
    match T::deserialize(Node { value: None, cx: &cx, via_option: false }) {
        Ok(v) => {
            let d = Deviation {
                path: ".".to_owned(),
                kind: DeviationKind::Mismatch,
                expected: format!("a body fitting its type in {MAX_PASSES} passes ({last})"),
                found: Some(root.to_value()),
            };
            Ok((v, vec![d]))
        }
        Err(_) => Err(Failure {
            path: ".".to_owned(),
            message: format!("gave up after {MAX_PASSES} passes: {last}"),
            position: None,
        }),
    }
}

/// Learn from a failed pass: a new rule for where it failed, or the next level of the rule
/// that was there already, or (after [`MAX_LEVEL`]) a rule for the parent. `false`: the
/// whole body cannot be made to fit.
fn learn(rules: &mut Vec<Rule>, root: &Json<'_>, failed: Failed) -> bool {
    let Failed { mut pattern, mut concrete, mut found, message } = failed;
    let expected = expected_of(&message);
    loop {
        match rules.iter_mut().find(|r| r.pattern == pattern && r.found == found) {
            None => {
                rules.push(Rule { pattern, found, level: 1, expected });
                return true;
            }
            Some(rule) if rule.level < MAX_LEVEL => {
                rule.level += 1;
                return true;
            }
            Some(_) => {
                // Nothing fits here: the parent becomes empty instead.
                if pattern.pop().is_none() {
                    return false;
                }
                concrete.pop();
                found = Found::of(lookup(root, &concrete));
            }
        }
    }
}

/// The error of a pass. It only travels up to [`lenient`], which learns from where it began.
#[derive(Debug)]
struct PassError(String);

impl fmt::Display for PassError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PassError {}

impl de::Error for PassError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        PassError(msg.to_string())
    }
}

/// A deserializer over one node of the body: a value, or a member that is missing (`None`).
struct Node<'a, 'c> {
    value: Option<&'a Json<'a>>,
    cx: &'c Cx<'a>,
    /// Reached through `deserialize_option`: a deviation here should have been `None`.
    via_option: bool,
}

impl<'a, 'c> Node<'a, 'c> {
    /// What `deserialize_any` is answered with at this node when it is empty: the next in
    /// [`ANY_ORDER`] at each level of its rule (a missing member starts with `""` unruled).
    fn empty_any(&self, rule: Option<&Rule>) -> Any {
        let start = usize::from(self.value.is_none());
        let level = rule.map_or(0, |r| usize::from(r.level));
        ANY_ORDER[(start + level).saturating_sub(1).min(ANY_ORDER.len() - 1)]
    }

    /// The node deviates from what `expected` asks: inside an `Option` the pass stops (the
    /// next one answers `None` there); else the deviation is recorded and the empty value given.
    fn deviate<V: Visitor<'a>>(self, hint: Hint, expected: String, visitor: V) -> Result<V::Value, PassError> {
        let found = Found::of(self.value);
        if self.via_option && found != Found::Missing {
            // Serde is inside the `Some` already: this pass answers the empty value and goes
            // on (finding the other such places), the next one answers `None` here.
            let pattern = self.cx.pattern_here();
            self.cx.pending.borrow_mut().push(Rule { pattern, found, level: 1, expected: expected.clone() });
        }
        self.cx.record(found.deviation(), expected, self.value);
        let rule = self.cx.rule(found).cloned();
        let any = self.empty_any(rule.as_ref());
        self.cx.quiet.set(self.cx.quiet.get() + 1);
        let out = empty(hint, any, visitor, self.cx);
        self.cx.quiet.set(self.cx.quiet.get() - 1);
        out
    }

    /// Run `f`, and remember this node as where the pass failed if it fails here first.
    fn track<R>(&self, f: impl FnOnce() -> Result<R, PassError>) -> Result<R, PassError> {
        f().inspect_err(|e| self.cx.fail_here(Found::of(self.value), e.0.clone()))
    }
}

/// The hint a type gave: what it asked the deserializer for.
#[derive(Debug, Clone, Copy)]
enum Hint {
    Str,
    Bool,
    I64,
    U64,
    F64,
    Unit,
    Seq,
    Map,
    Struct(&'static [&'static str]),
    Any,
}

/// Answer `visitor` with the empty value of what `hint` asks for.
fn empty<'a, V: Visitor<'a>>(hint: Hint, any: Any, visitor: V, cx: &Cx<'a>) -> Result<V::Value, PassError> {
    match hint {
        Hint::Str => visitor.visit_borrowed_str(""),
        Hint::Bool => visitor.visit_bool(false),
        Hint::I64 => visitor.visit_i64(0),
        Hint::U64 => visitor.visit_u64(0),
        Hint::F64 => visitor.visit_f64(0.0),
        Hint::Unit => visitor.visit_unit(),
        Hint::Seq => visitor.visit_seq(Elements { items: [].iter(), index: 0, cx }),
        Hint::Map => visitor.visit_map(Members::new(None, &[], cx)),
        Hint::Struct(fields) => visitor.visit_map(Members::new(None, fields, cx)),
        Hint::Any => match any {
            Any::Str => visitor.visit_borrowed_str(""),
            Any::Unit => visitor.visit_unit(),
            Any::Map => visitor.visit_map(Members::new(None, &[], cx)),
            Any::Seq => visitor.visit_seq(Elements { items: [].iter(), index: 0, cx }),
        },
    }
}

/// A node whose rule says it is empty, or a missing member: its empty value.
macro_rules! empty_or {
    ($self:ident, $hint:expr, $expected:expr, $visitor:ident, $present:expr) => {{
        let found = Found::of($self.value);
        let rule = $self.cx.rule(found).cloned();
        match (rule, $self.value) {
            (Some(rule), _) => {
                $self.cx.record(found.deviation(), rule.expected.clone(), $self.value);
                let any = $self.empty_any(Some(&rule));
                $self.cx.quiet.set($self.cx.quiet.get() + 1);
                let out = empty($hint, any, $visitor, $self.cx);
                $self.cx.quiet.set($self.cx.quiet.get() - 1);
                $self.track(|| out)
            }
            (None, None) => {
                $self.cx.record(DeviationKind::Missing, $expected, None);
                $self.cx.quiet.set($self.cx.quiet.get() + 1);
                let out = empty($hint, Any::Str, $visitor, $self.cx);
                $self.cx.quiet.set($self.cx.quiet.get() - 1);
                $self.track(|| out)
            }
            (None, Some(value)) => $present(value),
        }
    }};
}

/// A scalar hint: the visitor gets the value when its kind fits, else the node deviates.
macro_rules! scalar {
    ($name:ident, $hint:expr, $expected:literal) => {
        fn $name<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
            empty_or!(self, $hint, $expected.to_owned(), visitor, |value: &'a Json<'a>| {
                match (value, $hint) {
                    (Json::Bool(b), Hint::Bool) => self.track(|| visitor.visit_bool(*b)),
                    (Json::U64(n), Hint::I64 | Hint::U64 | Hint::F64) => self.track(|| visitor.visit_u64(*n)),
                    (Json::I64(n), Hint::I64 | Hint::U64 | Hint::F64) => self.track(|| visitor.visit_i64(*n)),
                    (Json::F64(n), Hint::I64 | Hint::U64 | Hint::F64) => self.track(|| visitor.visit_f64(*n)),
                    (Json::Str(s), Hint::Str) => self.track(|| visitor.visit_borrowed_str(s)),
                    (Json::Null, Hint::Unit) => self.track(|| visitor.visit_unit()),
                    _ => self.deviate($hint, $expected.to_owned(), visitor),
                }
            })
        }
    };
}

impl<'a, 'c> Deserializer<'a> for Node<'a, 'c> {
    type Error = PassError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
        empty_or!(self, Hint::Any, "a value".to_owned(), visitor, |value: &'a Json<'a>| self.track(|| match value {
            Json::Null => visitor.visit_unit(),
            Json::Bool(b) => visitor.visit_bool(*b),
            Json::U64(n) => visitor.visit_u64(*n),
            Json::I64(n) => visitor.visit_i64(*n),
            Json::F64(n) => visitor.visit_f64(*n),
            Json::Str(s) => visitor.visit_borrowed_str(s),
            Json::Arr(items) => visitor.visit_seq(Elements { items: items.iter(), index: 0, cx: self.cx }),
            Json::Obj(members) => visitor.visit_map(Members::new(Some(members), &[], self.cx)),
        }))
    }

    scalar!(deserialize_bool, Hint::Bool, "a boolean");
    scalar!(deserialize_i8, Hint::I64, "an integer");
    scalar!(deserialize_i16, Hint::I64, "an integer");
    scalar!(deserialize_i32, Hint::I64, "an integer");
    scalar!(deserialize_i64, Hint::I64, "an integer");
    scalar!(deserialize_u8, Hint::U64, "an integer");
    scalar!(deserialize_u16, Hint::U64, "an integer");
    scalar!(deserialize_u32, Hint::U64, "an integer");
    scalar!(deserialize_u64, Hint::U64, "an integer");
    scalar!(deserialize_f32, Hint::F64, "a number");
    scalar!(deserialize_f64, Hint::F64, "a number");
    scalar!(deserialize_char, Hint::Str, "a character");
    scalar!(deserialize_str, Hint::Str, "a string");
    scalar!(deserialize_unit, Hint::Unit, "null");

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
        // As serde_json reads bytes from a value: a string's bytes, or an array of numbers.
        match self.value {
            Some(Json::Arr(_)) => self.deserialize_seq(visitor),
            _ => self.deserialize_str(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
        let found = Found::of(self.value);
        match self.value {
            None | Some(Json::Null) => visitor.visit_none(),
            Some(value) => match self.cx.rule(found) {
                Some(rule) => {
                    self.cx.record(found.deviation(), rule.expected.clone(), Some(value));
                    visitor.visit_none()
                }
                None => visitor.visit_some(Node { value: self.value, cx: self.cx, via_option: true }),
            },
        }
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(self, _name: &'static str, visitor: V) -> Result<V::Value, PassError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PassError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
        empty_or!(self, Hint::Seq, "an array".to_owned(), visitor, |value: &'a Json<'a>| match value {
            Json::Arr(items) => {
                self.track(|| visitor.visit_seq(Elements { items: items.iter(), index: 0, cx: self.cx }))
            }
            _ => self.deviate(Hint::Seq, "an array".to_owned(), visitor),
        })
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, PassError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, PassError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
        empty_or!(self, Hint::Map, "an object".to_owned(), visitor, |value: &'a Json<'a>| match value {
            Json::Obj(members) => self.track(|| visitor.visit_map(Members::new(Some(members), &[], self.cx))),
            _ => self.deviate(Hint::Map, "an object".to_owned(), visitor),
        })
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PassError> {
        let expected = format!("struct {name}");
        empty_or!(self, Hint::Struct(fields), expected.clone(), visitor, |value: &'a Json<'a>| match value {
            Json::Obj(members) => self.track(|| visitor.visit_map(Members::new(Some(members), fields, self.cx))),
            _ => self.deviate(Hint::Struct(fields), expected, visitor),
        })
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PassError> {
        // Externally tagged enums: no generated type is one; serde_json's own reading, with
        // the error placed here.
        match self.value {
            Some(value) => self.track(|| {
                value.to_value().deserialize_enum(name, variants, visitor).map_err(|e| PassError(e.to_string()))
            }),
            None => self.track(|| Err(PassError(format!("missing enum {name}")))),
        }
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, PassError> {
        if self.cx.collect_undeclared {
            if let Some(value) = self.value {
                let d = Deviation {
                    path: self.cx.path_string(),
                    kind: DeviationKind::Undeclared,
                    expected: String::new(),
                    found: Some(value.to_value()),
                };
                self.cx.found.borrow_mut().push(d);
            }
        }
        visitor.visit_unit()
    }
}

type Member<'a> = (std::borrow::Cow<'a, str>, Json<'a>);

/// The members of an object (or none, for an empty node), then the declared fields it lacks
/// as missing members, so that a required one gets its empty value.
struct Members<'a, 'c> {
    real: std::slice::Iter<'a, Member<'a>>,
    fields: std::slice::Iter<'static, &'static str>,
    /// Which of the declared fields the object has (by position in `fields`; all of them
    /// checked by name past 64).
    present: u64,
    members: &'a [Member<'a>],
    next_field: usize,
    next: Option<(&'a str, Option<&'a Json<'a>>)>,
    cx: &'c Cx<'a>,
}

impl<'a, 'c> Members<'a, 'c> {
    fn new(members: Option<&'a Vec<Member<'a>>>, fields: &'static [&'static str], cx: &'c Cx<'a>) -> Self {
        let members: &'a [Member<'a>] = members.map_or(&[], Vec::as_slice);
        let mut present = 0u64;
        if !fields.is_empty() {
            for (k, _) in members {
                if let Some(i) = fields.iter().take(64).position(|f| *f == k) {
                    present |= 1 << i;
                }
            }
        }
        Members { real: members.iter(), fields: fields.iter(), present, members, next_field: 0, next: None, cx }
    }

    /// The next declared field the object lacks.
    fn next_missing(&mut self) -> Option<&'static str> {
        for f in self.fields.by_ref() {
            let i = self.next_field;
            self.next_field += 1;
            let has = if i < 64 { self.present & (1 << i) != 0 } else { self.members.iter().any(|(k, _)| k == f) };
            if !has {
                return Some(f);
            }
        }
        None
    }
}

impl<'a, 'c> MapAccess<'a> for Members<'a, 'c> {
    type Error = PassError;

    fn next_key_seed<K: DeserializeSeed<'a>>(&mut self, seed: K) -> Result<Option<K::Value>, PassError> {
        let key: &'a str = if let Some((k, v)) = self.real.next() {
            self.next = Some((k, Some(v)));
            k
        } else {
            match self.next_missing() {
                Some(f) => {
                    self.next = Some((f, None));
                    f
                }
                None => return Ok(None),
            }
        };
        seed.deserialize(BorrowedStrDeserializer::<PassError>::new(key)).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'a>>(&mut self, seed: S) -> Result<S::Value, PassError> {
        let (key, value) = self.next.take().ok_or_else(|| PassError("a value before its key".to_owned()))?;
        self.cx.path.borrow_mut().push(Seg::Key(key));
        let node = Node { value, cx: self.cx, via_option: false };
        let out = seed.deserialize(node);
        if let Err(e) = &out {
            self.cx.fail_here(Found::of(value), e.0.clone());
        }
        self.cx.adopt_nested();
        self.cx.path.borrow_mut().pop();
        out
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.real.len())
    }
}

/// The elements of an array.
struct Elements<'a, 'c> {
    items: std::slice::Iter<'a, Json<'a>>,
    index: usize,
    cx: &'c Cx<'a>,
}

impl<'a, 'c> SeqAccess<'a> for Elements<'a, 'c> {
    type Error = PassError;

    fn next_element_seed<S: DeserializeSeed<'a>>(&mut self, seed: S) -> Result<Option<S::Value>, PassError> {
        let Some(value) = self.items.next() else { return Ok(None) };
        self.cx.path.borrow_mut().push(Seg::Index(self.index));
        self.index += 1;
        let out = seed.deserialize(Node { value: Some(value), cx: self.cx, via_option: false });
        if let Err(e) = &out {
            self.cx.fail_here(Found::of(Some(value)), e.0.clone());
        }
        self.cx.adopt_nested();
        self.cx.path.borrow_mut().pop();
        out.map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

#[cfg(test)]
mod tests;
