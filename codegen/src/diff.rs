//! What changed between two specs, as users of the generated crate feel it (`cargo xtask diff`).
//!
//! The comparison runs on two lowered [`Ir`]s, not on the OpenAPI documents: the IR already
//! knows the Rust names, field types, required-ness, enum variants and method signatures, so a
//! spec edit that does not change the generated API (a reordered `allOf`, a `$ref` replaced by an
//! identical inline schema, a new description) reports nothing, and one that does is described in
//! Rust terms. Signatures are rendered with the emitter's own functions
//! ([`emit::types::field_type`], [`emit::operations::method_args`], …) so the diff cannot drift
//! from what is generated.
//!
//! # Identity
//!
//! - An operation is keyed by HTTP method and path with parameter names blanked (`/calls/{}`):
//!   renaming `{id}` to `{call_id}` changes no caller. Operations left unmatched are then paired
//!   by `operationId`, so one that moved to a new path is a change, not a removal plus an addition.
//! - Path parameters are matched by position (they are positional arguments); query and header
//!   parameters by location and wire name.
//! - A type is keyed by its Rust name (that is what users write). A removed and an added type
//!   lowered from the same spec pointer are one type renamed; references to it are compared
//!   through the rename so one rename is one change, not one per use.
//! - Struct fields are keyed by JSON name, enum variants by wire value, union variants by name.
//!
//! # Breaking or not
//!
//! A change is *breaking* when code that compiled and worked against the old crate may stop
//! compiling or start failing against the new one. The rules:
//!
//! | change | breaking? |
//! |---|---|
//! | operation added; `…_multipart` method added | no |
//! | operation removed; method renamed or moved to another `client.<tag>()` | yes |
//! | operation moved to another path/method (same `operationId`) | no: the method sends to the new path |
//! | required parameter added or removed; parameter type changed | yes |
//! | optional parameter added | no: a new field of the `…Params` struct, which is `Default` |
//! | optional parameter removed or renamed | yes: a field of `…Params` is gone |
//! | parameter became required or optional | yes: it moves between the arguments and `…Params` |
//! | required arguments reordered | yes |
//! | first optional parameter (new `params` argument), `…Params` removed or renamed | yes |
//! | query encoding (`explode`, deepObject) changed; body encoding (JSON ↔ form) with the same type | no: wire only |
//! | body added, removed or of another type; success response of another type | yes |
//! | deprecated / undeprecated; authentication requirement changed | no |
//! | type added | no |
//! | type removed or renamed; struct became enum or the like; alias target changed | yes |
//! | field removed, renamed (Rust name), or of another type (including `Box`) | yes |
//! | field added, required, to a type used in requests | yes: callers must set it |
//! | field added, optional, to a request type that implements `Default` | no: callers write `..Default::default()` |
//! | field added, optional, to a request type without `Default` | yes: struct literals must name every field |
//! | field added to a type used only in responses | no: there is more to read |
//! | required-ness or `nullable` changed so the Rust type changes (`T` ↔ `Option<T>` ↔ `Option<Option<T>>`) | yes |
//! | required-ness changed but the Rust type did not (required+nullable ↔ optional) | no |
//! | type no longer implements `Default` / no longer has `into_multipart` | yes |
//! | enum value added | no (see below) |
//! | enum value removed | yes, in requests and in responses (see below) |
//! | enum value kept but its variant renamed | yes |
//! | union variant added | no; removed or of another type: yes |
//! | discriminator property or values changed | no: decoding only |
//!
//! Enum values. Every generated string enum has an `Unknown(String)` variant, so a value the
//! server starts sending never breaks decoding, and a new value is reported as non-breaking even
//! though it is a new public variant (the enums are not `#[non_exhaustive]`, so an exhaustive
//! `match` without a wildcard arm stops compiling, and a value that used to arrive as
//! `Unknown("x")` now arrives as its own variant; the report says so). A removed value is
//! breaking in both directions: in a request the variant callers passed is gone, and in a
//! response, although the decoder copes (it was only ever a value the server *may* send), every
//! `match` arm or comparison naming the variant stops compiling.
//!
//! Direction. A type is a *request* type when it is reachable from a parameter or a body, a
//! *response* type when reachable from a success response, in the old or the new spec. A type
//! reachable from neither (a component no operation uses) is treated as both, since we cannot
//! know how users use it. Constructing response types by hand (in tests, say) is not considered.
//!
//! Changes that do not reach the generated API (docs, examples, summaries, path parameter names)
//! are not reported.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use proc_macro2::TokenStream;
use serde::Serialize;

use crate::emit::operations::{arg_type, body_arg, method_args, return_type};
use crate::emit::types::{defaultable, field_type, type_tokens, union_is_tagged};
use crate::ir::*;

/// The comparison of two specs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub old: Side,
    pub new: Side,
    /// Sorted by section, subject, kind, item.
    pub changes: Vec<Change>,
}

/// One of the two specs compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// How the report names it (the file, or title and version).
    pub label: String,
    pub title: String,
    pub version: String,
    pub operations: usize,
    pub types: usize,
}

/// One user-visible change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: Kind,
    pub breaking: bool,
    /// The operation (`POST /messages`) or the Rust type name (the new name when renamed).
    pub subject: String,
    /// For operations, the method users call (`client.messages().send_message()`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rust: Option<String>,
    /// Where in the spec: the new spec, or the old one for what was removed.
    pub pointer: String,
    /// The part of the subject that changed (``parameter `page[size]` (query)``, ``field `to` ``).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// What happened, in Rust terms.
    pub detail: String,
}

/// The groups a report is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    OperationsAdded,
    OperationsRemoved,
    OperationsChanged,
    SchemasAdded,
    SchemasRemoved,
    SchemasChanged,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::OperationsAdded,
        Section::OperationsRemoved,
        Section::OperationsChanged,
        Section::SchemasAdded,
        Section::SchemasRemoved,
        Section::SchemasChanged,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::OperationsAdded => "Operations added",
            Section::OperationsRemoved => "Operations removed",
            Section::OperationsChanged => "Operations changed",
            Section::SchemasAdded => "Schemas added",
            Section::SchemasRemoved => "Schemas removed",
            Section::SchemasChanged => "Schemas changed",
        }
    }

    /// Added/removed entries are one line each; changed ones are grouped under their subject.
    fn grouped(self) -> bool {
        matches!(self, Section::OperationsChanged | Section::SchemasChanged)
    }
}

/// The kind of a change. Serialised in snake case (`field_added`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    OperationAdded,
    OperationRemoved,
    OperationRenamed,
    OperationPathChanged,
    ParameterAdded,
    ParameterRemoved,
    ParameterRenamed,
    ParameterRequiredChanged,
    ParameterTypeChanged,
    ParameterOrderChanged,
    ParameterEncodingChanged,
    ParametersRegrouped,
    ParamsStructAdded,
    ParamsStructRemoved,
    ParamsStructRenamed,
    BodyAdded,
    BodyRemoved,
    BodyTypeChanged,
    BodyEncodingChanged,
    MultipartMethodAdded,
    MultipartMethodRemoved,
    ResponseTypeChanged,
    DeprecationChanged,
    AuthChanged,
    TypeAdded,
    TypeRemoved,
    TypeRenamed,
    TypeKindChanged,
    AliasChanged,
    DefaultLost,
    MultipartChanged,
    FieldAdded,
    FieldRemoved,
    FieldRenamed,
    FieldTypeChanged,
    FieldRequiredChanged,
    EnumValueAdded,
    EnumValueRemoved,
    EnumVariantRenamed,
    UnionVariantAdded,
    UnionVariantRemoved,
    UnionVariantTypeChanged,
    DiscriminatorChanged,
}

impl Kind {
    /// The snake-case name used in JSON and in the summary table.
    pub fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    pub fn section(self) -> Section {
        use Kind::*;
        match self {
            OperationAdded => Section::OperationsAdded,
            OperationRemoved => Section::OperationsRemoved,
            OperationRenamed
            | OperationPathChanged
            | ParameterAdded
            | ParameterRemoved
            | ParameterRenamed
            | ParameterRequiredChanged
            | ParameterTypeChanged
            | ParameterOrderChanged
            | ParameterEncodingChanged
            | ParametersRegrouped
            | ParamsStructAdded
            | ParamsStructRemoved
            | ParamsStructRenamed
            | BodyAdded
            | BodyRemoved
            | BodyTypeChanged
            | BodyEncodingChanged
            | MultipartMethodAdded
            | MultipartMethodRemoved
            | ResponseTypeChanged
            | DeprecationChanged
            | AuthChanged => Section::OperationsChanged,
            TypeAdded => Section::SchemasAdded,
            TypeRemoved => Section::SchemasRemoved,
            TypeRenamed
            | TypeKindChanged
            | AliasChanged
            | DefaultLost
            | MultipartChanged
            | FieldAdded
            | FieldRemoved
            | FieldRenamed
            | FieldTypeChanged
            | FieldRequiredChanged
            | EnumValueAdded
            | EnumValueRemoved
            | EnumVariantRenamed
            | UnionVariantAdded
            | UnionVariantRemoved
            | UnionVariantTypeChanged
            | DiscriminatorChanged => Section::SchemasChanged,
        }
    }
}

/// Compare two lowered specs.
pub fn diff(old: &Ir, new: &Ir) -> Report {
    let mut d = Differ::new(old, new);
    d.operations();
    d.types();
    let mut changes = d.changes;
    changes.sort_by(|a, b| {
        (a.kind.section(), &a.subject, a.kind, &a.item, &a.detail).cmp(&(
            b.kind.section(),
            &b.subject,
            b.kind,
            &b.item,
            &b.detail,
        ))
    });
    Report { old: Side::of(old), new: Side::of(new), changes }
}

impl Side {
    fn of(ir: &Ir) -> Side {
        Side {
            label: format!("{} {}", ir.title, ir.version),
            title: ir.title.clone(),
            version: ir.version.clone(),
            operations: ir.operations.len(),
            types: ir.types.len(),
        }
    }
}

/// Render tokens as a type is written (`Option<Vec<Foo>>`, `&str`).
fn show(t: TokenStream) -> String {
    t.to_string().replace(' ', "").replace(',', ", ")
}

fn show_ref(t: &TypeRef) -> String {
    show(type_tokens(t, &TokenStream::new()))
}

fn accessor(op: &Operation) -> String {
    format!("client.{}().{}()", op.tag_module, op.rust_name)
}

fn signature(op: &Operation) -> String {
    let none = TokenStream::new();
    let args: Vec<String> =
        method_args(op, op.body.as_ref(), &none).into_iter().map(|(n, t)| format!("{n}: {}", show(t))).collect();
    format!(
        "client.{}().{}({}) -> {}",
        op.tag_module,
        op.rust_name,
        args.join(", "),
        show(return_type(&op.response, &none))
    )
}

fn location(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

/// How many `Option`s wrap a field's type.
fn option_depth(f: &Field) -> u8 {
    match (f.required, f.nullable) {
        (true, false) => 0,
        (true, true) | (false, false) => 1,
        (false, true) => 2,
    }
}

fn kind_name(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Struct(_) => "struct",
        TypeKind::Enum(_) => "enum",
        TypeKind::Union(_) => "union",
        TypeKind::Alias(_) => "alias",
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    request: bool,
    response: bool,
}

impl Usage {
    fn or(self, o: Usage) -> Usage {
        Usage { request: self.request || o.request, response: self.response || o.response }
    }

    fn note(self) -> &'static str {
        match (self.request, self.response) {
            (true, true) => "request and response type",
            (true, false) => "request type",
            (false, true) => "response type",
            (false, false) => "unused type",
        }
    }
}

/// One side, indexed.
struct Indexed<'a> {
    types: BTreeMap<&'a str, &'a TypeDef>,
    usage: BTreeMap<&'a str, Usage>,
    default: BTreeMap<&'a str, bool>,
}

impl<'a> Indexed<'a> {
    fn new(ir: &'a Ir) -> Self {
        Indexed {
            types: ir.types.iter().map(|t| (t.name.as_str(), t)).collect(),
            usage: usage(ir),
            default: defaultable(&ir.types),
        }
    }

    fn usage(&self, name: &str) -> Usage {
        self.usage.get(name).copied().unwrap_or_default()
    }
}

/// Which named types each operation reaches through its parameters and bodies (request) and
/// its success response.
fn usage(ir: &Ir) -> BTreeMap<&str, Usage> {
    let by_name: BTreeMap<&str, &TypeDef> = ir.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut request = Vec::new();
    let mut response = Vec::new();
    for op in &ir.operations {
        request.extend(op.params.iter().map(|p| &p.ty));
        request.extend(op.body.iter().chain(&op.multipart_alternative).map(|b| &b.ty));
        if let ResponseKind::Json(t) | ResponseKind::JsonOrText(t) | ResponseKind::Xml(t) = &op.response {
            response.push(t);
        }
    }
    let mut out: BTreeMap<&str, Usage> = BTreeMap::new();
    for n in reach(&by_name, request) {
        out.entry(n).or_default().request = true;
    }
    for n in reach(&by_name, response) {
        out.entry(n).or_default().response = true;
    }
    out
}

/// The named types reachable from `roots`.
fn reach<'i>(by_name: &BTreeMap<&'i str, &'i TypeDef>, roots: Vec<&'i TypeRef>) -> BTreeSet<&'i str> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = roots.into_iter().filter_map(TypeRef::named).collect();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        let Some(def) = by_name.get(n) else { continue };
        match &def.kind {
            TypeKind::Struct(s) => stack.extend(s.fields.iter().filter_map(|f| f.ty.named())),
            TypeKind::Union(u) => stack.extend(u.variants.iter().filter_map(|v| v.ty.named())),
            TypeKind::Alias(a) => stack.extend(a.named()),
            TypeKind::Enum(_) => {}
        }
    }
    seen
}

/// How a parameter is matched across specs: path parameters by position, the others by
/// location and wire name.
type ParamKey = (&'static str, String);

fn param_keys(op: &Operation) -> Vec<(ParamKey, &Param)> {
    let mut i = 0;
    op.params
        .iter()
        .map(|p| {
            let k = match p.location {
                ParamLocation::Path => {
                    i += 1;
                    ("path", format!("#{i}"))
                }
                l => (location(l), p.api_name.clone()),
            };
            (k, p)
        })
        .collect()
}

struct Differ<'a> {
    old_ir: &'a Ir,
    new_ir: &'a Ir,
    old: Indexed<'a>,
    new: Indexed<'a>,
    /// Old type name → new type name, for types renamed in place (same spec pointer).
    renames: BTreeMap<&'a str, &'a str>,
    changes: Vec<Change>,
}

/// Who a change is about, for the `change` helper.
struct Subject<'s> {
    name: &'s str,
    rust: Option<String>,
    pointer: &'s str,
}

impl<'a> Differ<'a> {
    fn new(old_ir: &'a Ir, new_ir: &'a Ir) -> Self {
        let old = Indexed::new(old_ir);
        let new = Indexed::new(new_ir);
        // A type whose name changed but which comes from the same place in the spec (an inline
        // schema whose parent was renamed, a collision suffix that moved) is renamed, provided
        // the pointer names exactly one removed and one added type.
        let mut removed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for t in &old_ir.types {
            if !new.types.contains_key(t.name.as_str()) {
                removed.entry(t.pointer.as_str()).or_default().push(&t.name);
            }
        }
        let mut added: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for t in &new_ir.types {
            if !old.types.contains_key(t.name.as_str()) {
                added.entry(t.pointer.as_str()).or_default().push(&t.name);
            }
        }
        let renames = removed
            .iter()
            .filter_map(|(p, olds)| match (olds.as_slice(), added.get(p).map(Vec::as_slice)) {
                ([o], Some([n])) => Some((*o, *n)),
                _ => None,
            })
            .collect();
        Differ { old_ir, new_ir, old, new, renames, changes: Vec::new() }
    }

    /// An old type reference in new names.
    fn map(&self, t: &TypeRef) -> TypeRef {
        match t {
            TypeRef::Named(n) => TypeRef::Named(self.renames.get(n.as_str()).map_or(n.as_str(), |r| r).to_owned()),
            TypeRef::Array(i) => TypeRef::Array(Box::new(self.map(i))),
            TypeRef::Map(i) => TypeRef::Map(Box::new(self.map(i))),
            TypeRef::Nullable(i) => TypeRef::Nullable(Box::new(self.map(i))),
            other => other.clone(),
        }
    }

    fn same(&self, old: &TypeRef, new: &TypeRef) -> bool {
        self.map(old) == *new
    }

    fn push(&mut self, s: &Subject<'_>, kind: Kind, breaking: bool, item: Option<String>, detail: String) {
        self.changes.push(Change {
            kind,
            breaking,
            subject: s.name.to_owned(),
            rust: s.rust.clone(),
            pointer: s.pointer.to_owned(),
            item,
            detail,
        });
    }

    // ----- operations -----

    fn operations(&mut self) {
        let key = |op: &Operation| (op.method.clone(), blank_params(&op.path));
        let index = |ir: &'a Ir| {
            let mut m: BTreeMap<(String, String), &'a Operation> = BTreeMap::new();
            for op in &ir.operations {
                // Two templates differing only in parameter names are not allowed by OpenAPI;
                // should a spec have them anyway, the second keeps its literal path.
                let k = key(op);
                if m.contains_key(&k) {
                    m.insert((op.method.clone(), op.path.clone()), op);
                } else {
                    m.insert(k, op);
                }
            }
            m
        };
        let old = index(self.old_ir);
        let new = index(self.new_ir);
        let mut pairs: Vec<(&Operation, &Operation)> = Vec::new();
        let mut gone: Vec<&Operation> = Vec::new();
        for (k, o) in &old {
            match new.get(k) {
                Some(n) => pairs.push((o, n)),
                None => gone.push(o),
            }
        }
        let mut fresh: Vec<&Operation> = new.iter().filter(|(k, _)| !old.contains_key(*k)).map(|(_, n)| *n).collect();
        // Unmatched on both sides with the same operationId: the operation moved.
        let ids = |ops: &[&Operation]| -> BTreeMap<String, usize> {
            let mut c = BTreeMap::new();
            for op in ops.iter().filter(|o| o.has_spec_id) {
                *c.entry(op.id.clone()).or_insert(0) += 1;
            }
            c
        };
        let (gone_ids, fresh_ids) = (ids(&gone), ids(&fresh));
        let moved =
            |op: &Operation| op.has_spec_id && gone_ids.get(&op.id) == Some(&1) && fresh_ids.get(&op.id) == Some(&1);
        for o in gone.iter().filter(|o| moved(o)) {
            if let Some(n) = fresh.iter().find(|n| n.has_spec_id && n.id == o.id) {
                pairs.push((o, n));
            }
        }
        gone.retain(|o| !moved(o));
        fresh.retain(|n| !moved(n));

        for o in gone {
            let s = Subject { name: &format!("{} {}", o.method, o.path), rust: Some(accessor(o)), pointer: &o.pointer };
            self.push(&s, Kind::OperationRemoved, true, None, format!("`{}`", signature(o)));
        }
        for n in fresh {
            let s = Subject { name: &format!("{} {}", n.method, n.path), rust: Some(accessor(n)), pointer: &n.pointer };
            self.push(&s, Kind::OperationAdded, false, None, format!("`{}`", signature(n)));
        }
        for (o, n) in pairs {
            self.operation(o, n);
        }
    }

    fn operation(&mut self, o: &Operation, n: &Operation) {
        let name = format!("{} {}", n.method, n.path);
        let s = Subject { name: &name, rust: Some(accessor(n)), pointer: &n.pointer };
        let none = TokenStream::new();
        // Only a move counts: renamed path parameters change no caller.
        if o.method != n.method || blank_params(&o.path) != blank_params(&n.path) {
            let detail = format!("`{} {}` → `{} {}` (same operationId `{}`)", o.method, o.path, n.method, n.path, n.id);
            self.push(&s, Kind::OperationPathChanged, false, None, detail);
        }
        if accessor(o) != accessor(n) {
            self.push(&s, Kind::OperationRenamed, true, None, format!("`{}` → `{}`", accessor(o), accessor(n)));
        }

        // Parameters.
        let old_params: BTreeMap<_, _> = param_keys(o).into_iter().collect();
        let new_params: BTreeMap<_, _> = param_keys(n).into_iter().collect();
        let regrouped = self.regrouped(&s, &old_params, &new_params);
        let keys: BTreeSet<_> =
            old_params.keys().chain(new_params.keys()).filter(|k| !regrouped.contains(*k)).cloned().collect();
        let label = |p: &Param| Some(format!("parameter `{}` ({})", p.api_name, location(p.location)));
        let params_struct = |op: &Operation| op.params_struct.clone().unwrap_or_default();
        for k in &keys {
            match (old_params.get(k), new_params.get(k)) {
                (Some(a), None) => {
                    let detail = if a.required {
                        format!("removed: argument `{}` is gone", a.name)
                    } else {
                        format!("removed: field `{}` of `{}` is gone", a.name, params_struct(o))
                    };
                    self.push(&s, Kind::ParameterRemoved, true, label(a), detail);
                }
                (None, Some(b)) => {
                    let (breaking, detail) = if b.required {
                        (true, format!("added, required: new argument `{}: {}`", b.name, show(arg_type(&b.ty, &none))))
                    } else {
                        (
                            false,
                            format!(
                                "added, optional: new field `{}: Option<{}>` of `{}`",
                                b.name,
                                show_ref(&b.ty),
                                params_struct(n)
                            ),
                        )
                    };
                    self.push(&s, Kind::ParameterAdded, breaking, label(b), detail);
                }
                (Some(a), Some(b)) => self.parameter(&s, o, n, a, b),
                (None, None) => {}
            }
        }
        // Required arguments that stay required but swap places compile if their types agree,
        // and then send the wrong values: always breaking.
        let order = |op: &Operation, other: &BTreeMap<ParamKey, &Param>| -> Vec<String> {
            param_keys(op)
                .into_iter()
                .filter(|(k, p)| p.required && other.get(k).is_some_and(|q| q.required))
                .map(|(_, p)| p.name.clone())
                .collect()
        };
        let (old_order, new_order) = (order(o, &new_params), order(n, &old_params));
        // Compare by key, show by name: a renamed argument alone is not a reordering.
        let keys_in = |op: &Operation, other: &BTreeMap<ParamKey, &Param>| -> Vec<ParamKey> {
            param_keys(op)
                .into_iter()
                .filter(|(k, p)| p.required && other.get(k).is_some_and(|q| q.required))
                .map(|(k, _)| k)
                .collect()
        };
        if keys_in(o, &new_params) != keys_in(n, &old_params) {
            let detail = format!("required arguments `({})` → `({})`", old_order.join(", "), new_order.join(", "));
            self.push(&s, Kind::ParameterOrderChanged, true, None, detail);
        }
        match (&o.params_struct, &n.params_struct) {
            (None, Some(b)) => {
                self.push(&s, Kind::ParamsStructAdded, true, None, format!("new argument `params: &{b}`"));
            }
            (Some(a), None) => {
                self.push(&s, Kind::ParamsStructRemoved, true, None, format!("argument `params: &{a}` removed"));
            }
            (Some(a), Some(b)) if a != b => {
                self.push(&s, Kind::ParamsStructRenamed, true, None, format!("`{a}` → `{b}`"));
            }
            _ => {}
        }

        // Bodies.
        self.body(&s, o.body.as_ref(), n.body.as_ref(), Some("body".to_owned()));
        let alt = |op: &Operation| format!("{}_multipart", op.rust_name);
        match (&o.multipart_alternative, &n.multipart_alternative) {
            (None, Some(_)) => {
                let detail = format!("new method `{}` with a multipart body", alt(n));
                self.push(&s, Kind::MultipartMethodAdded, false, None, detail);
            }
            (Some(_), None) => {
                self.push(&s, Kind::MultipartMethodRemoved, true, None, format!("method `{}` removed", alt(o)));
            }
            (Some(a), Some(b)) => {
                self.body(&s, Some(a), Some(b), Some(format!("`{}` body", alt(n))));
            }
            (None, None) => {}
        }

        // Response.
        if !self.same_response(&o.response, &n.response) {
            let detail =
                format!("`{}` → `{}`", show(return_type(&o.response, &none)), show(return_type(&n.response, &none)));
            self.push(&s, Kind::ResponseTypeChanged, true, Some("response".to_owned()), detail);
        }
        if o.deprecated != n.deprecated {
            let detail = if n.deprecated { "now deprecated" } else { "no longer deprecated" };
            self.push(&s, Kind::DeprecationChanged, false, None, detail.to_owned());
        }
        if o.auth != n.auth {
            let detail = match n.auth {
                Auth::None => "no longer sends the API key",
                Auth::Bearer => "now sends the API key as a bearer token",
                Auth::AwsSigV4 => "now signs the request (AWS Signature Version 4, the API key as access key id)",
            };
            self.push(&s, Kind::AuthChanged, false, None, detail.to_owned());
        }
    }

    /// Bracketed query parameters (`filter[status]`, `filter[date][gte]`, …) folded into one
    /// deepObject parameter `filter`, or split out of one: one change per operation rather than
    /// one per bracketed name. Returns the keys it accounted for.
    fn regrouped(
        &mut self,
        s: &Subject<'_>,
        old: &BTreeMap<ParamKey, &Param>,
        new: &BTreeMap<ParamKey, &Param>,
    ) -> BTreeSet<ParamKey> {
        let mut done = BTreeSet::new();
        for (folded, flat, split) in [(new, old, false), (old, new, true)] {
            for (k, whole) in
                folded.iter().filter(|(k, p)| p.location == ParamLocation::Query && !flat.contains_key(*k))
            {
                let prefix = format!("{}[", whole.api_name);
                let parts: Vec<(&ParamKey, &&Param)> = flat
                    .iter()
                    .filter(|(pk, p)| {
                        p.location == ParamLocation::Query
                            && p.api_name.starts_with(&prefix)
                            && !folded.contains_key(*pk)
                    })
                    .collect();
                if parts.is_empty() {
                    continue;
                }
                const SHOWN: usize = 6;
                let mut names: Vec<String> =
                    parts.iter().take(SHOWN).map(|(_, p)| format!("`{}`", p.api_name)).collect();
                if parts.len() > SHOWN {
                    names.push(format!("{} more", parts.len() - SHOWN));
                }
                let whole_decl = if whole.required {
                    format!("argument `{}: {}`", whole.name, show(arg_type(&whole.ty, &TokenStream::new())))
                } else {
                    format!("field `{}: Option<{}>`", whole.name, show_ref(&whole.ty))
                };
                let count = match parts.len() {
                    1 => "1 parameter".to_owned(),
                    n => format!("{n} parameters"),
                };
                let detail = if split {
                    format!("{whole_decl} split into {count}: {}", names.join(", "))
                } else {
                    format!("{count} ({}) folded into {whole_decl}", names.join(", "))
                };
                let item = Some(format!("parameter `{}` (query)", whole.api_name));
                self.push(s, Kind::ParametersRegrouped, true, item, detail);
                done.insert(k.clone());
                done.extend(parts.into_iter().map(|(pk, _)| pk.clone()));
            }
        }
        done
    }

    fn parameter(&mut self, s: &Subject<'_>, o: &Operation, n: &Operation, a: &Param, b: &Param) {
        let item = Some(format!("parameter `{}` ({})", b.api_name, location(b.location)));
        if a.required != b.required {
            let detail = if b.required {
                format!(
                    "optional → required: moves from `{}` to argument `{}`",
                    o.params_struct.as_deref().unwrap_or("?"),
                    b.name
                )
            } else {
                format!(
                    "required → optional: moves from argument `{}` to `{}`",
                    a.name,
                    n.params_struct.as_deref().unwrap_or("?")
                )
            };
            self.push(s, Kind::ParameterRequiredChanged, true, item.clone(), detail);
        }
        if !self.same(&a.ty, &b.ty) {
            self.push(
                s,
                Kind::ParameterTypeChanged,
                true,
                item.clone(),
                format!("`{}` → `{}`", show_ref(&a.ty), show_ref(&b.ty)),
            );
        }
        // A required parameter's Rust name is an argument name: no caller writes it.
        if !a.required && !b.required && a.name != b.name {
            let detail =
                format!("field of `{}`: `{}` → `{}`", n.params_struct.as_deref().unwrap_or("?"), a.name, b.name);
            self.push(s, Kind::ParameterRenamed, true, item.clone(), detail);
        }
        if a.style != b.style {
            self.push(s, Kind::ParameterEncodingChanged, false, item, format!("{:?} → {:?}", a.style, b.style));
        }
    }

    fn body(&mut self, s: &Subject<'_>, a: Option<&RequestBody>, b: Option<&RequestBody>, item: Option<String>) {
        let none = TokenStream::new();
        match (a, b) {
            (None, Some(b)) => {
                self.push(s, Kind::BodyAdded, true, item, format!("new argument `body: {}`", show(body_arg(b, &none))))
            }
            (Some(a), None) => self.push(
                s,
                Kind::BodyRemoved,
                true,
                item,
                format!("argument `body: {}` removed", show(body_arg(a, &none))),
            ),
            (Some(a), Some(b)) => {
                let class = |r: &RequestBody| match r.kind {
                    BodyKind::Bytes(_) => 0,
                    BodyKind::Text(_) => 1,
                    BodyKind::Json | BodyKind::Form | BodyKind::Multipart | BodyKind::Xml(_) => 2,
                };
                let same_arg = class(a) == class(b) && (class(a) != 2 || self.same(&a.ty, &b.ty));
                if !same_arg {
                    let detail = format!("`{}` → `{}`", show(body_arg(a, &none)), show(body_arg(b, &none)));
                    self.push(s, Kind::BodyTypeChanged, true, item, detail);
                } else if a.kind != b.kind {
                    self.push(
                        s,
                        Kind::BodyEncodingChanged,
                        false,
                        item,
                        format!("sent as {:?} → {:?}", a.kind, b.kind),
                    );
                }
            }
            (None, None) => {}
        }
    }

    fn same_response(&self, a: &ResponseKind, b: &ResponseKind) -> bool {
        match (a, b) {
            (ResponseKind::Json(x), ResponseKind::Json(y))
            | (ResponseKind::JsonOrText(x), ResponseKind::JsonOrText(y)) => self.same(x, y),
            _ => a == b,
        }
    }

    // ----- types -----

    fn types(&mut self) {
        let renamed_to: BTreeSet<&str> = self.renames.values().copied().collect();
        let mut pairs: Vec<(&'a TypeDef, &'a TypeDef)> = Vec::new();
        let old_types: Vec<(&'a str, &'a TypeDef)> = self.old.types.iter().map(|(k, v)| (*k, *v)).collect();
        for (name, o) in old_types {
            if let Some(n) = self.new.types.get(name) {
                pairs.push((o, n));
            } else if let Some(n) = self.renames.get(name).and_then(|r| self.new.types.get(r)) {
                pairs.push((o, n));
            } else {
                let s = Subject { name, rust: None, pointer: &o.pointer };
                self.push(&s, Kind::TypeRemoved, true, None, kind_name(&o.kind).to_owned());
            }
        }
        let fresh: Vec<&TypeDef> = self
            .new
            .types
            .iter()
            .filter(|(n, _)| !self.old.types.contains_key(*n) && !renamed_to.contains(*n))
            .map(|(_, t)| *t)
            .collect();
        for n in fresh {
            let s = Subject { name: &n.name, rust: None, pointer: &n.pointer };
            self.push(&s, Kind::TypeAdded, false, None, kind_name(&n.kind).to_owned());
        }
        for (o, n) in pairs {
            self.type_def(o, n);
        }
    }

    fn type_def(&mut self, o: &TypeDef, n: &TypeDef) {
        let s = Subject { name: &n.name, rust: None, pointer: &n.pointer };
        let mut usage = self.old.usage(&o.name).or(self.new.usage(&n.name));
        if !usage.request && !usage.response {
            usage = Usage { request: true, response: true };
        }
        if o.name != n.name {
            self.push(&s, Kind::TypeRenamed, true, None, format!("renamed from `{}` (same spec schema)", o.name));
        }
        match (&o.kind, &n.kind) {
            (TypeKind::Struct(a), TypeKind::Struct(b)) => {
                let was_default = self.old.default.get(o.name.as_str()).copied().unwrap_or(false);
                self.fields(&s, a, b, usage, was_default);
                if a.multipart && !b.multipart {
                    self.push(&s, Kind::MultipartChanged, true, None, "no longer has `into_multipart()`".to_owned());
                } else if !a.multipart && b.multipart {
                    self.push(&s, Kind::MultipartChanged, false, None, "now has `into_multipart()`".to_owned());
                }
            }
            (TypeKind::Enum(a), TypeKind::Enum(b)) => self.enum_values(&s, a, b, usage),
            (TypeKind::Union(a), TypeKind::Union(b)) => self.union(&s, a, b),
            (TypeKind::Alias(a), TypeKind::Alias(b)) => {
                if !self.same(a, b) {
                    self.push(&s, Kind::AliasChanged, true, None, format!("`{}` → `{}`", show_ref(a), show_ref(b)));
                }
            }
            (a, b) => {
                let detail = format!("{} → {}", kind_name(a), kind_name(b));
                self.push(&s, Kind::TypeKindChanged, true, None, detail);
            }
        }
        let structural = |k: &TypeKind| matches!(k, TypeKind::Struct(_) | TypeKind::Alias(_));
        if structural(&o.kind)
            && structural(&n.kind)
            && self.old.default.get(o.name.as_str()).copied().unwrap_or(false)
            && !self.new.default.get(n.name.as_str()).copied().unwrap_or(false)
        {
            let detail = "no longer implements `Default` (`..Default::default()` stops compiling)".to_owned();
            self.push(&s, Kind::DefaultLost, true, None, detail);
        }
    }

    fn fields(&mut self, s: &Subject<'_>, a: &Struct, b: &Struct, usage: Usage, was_default: bool) {
        let none = TokenStream::new();
        let old: BTreeMap<&str, &Field> = a.fields.iter().map(|f| (f.api_name.as_str(), f)).collect();
        let new: BTreeMap<&str, &Field> = b.fields.iter().map(|f| (f.api_name.as_str(), f)).collect();
        let keys: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
        for k in keys {
            let item = Some(format!("field `{k}`"));
            match (old.get(k), new.get(k)) {
                (Some(f), None) => {
                    let detail = format!("removed (was `{}: {}`)", f.name, show(field_type(f, &none)));
                    self.push(s, Kind::FieldRemoved, true, item, detail);
                }
                (None, Some(f)) => {
                    let decl = format!("`{}: {}`", f.name, show(field_type(f, &none)));
                    let (breaking, why) = match (usage.request, f.required) {
                        (true, true) => (true, format!("required, in a {}: callers must set it", usage.note())),
                        (true, false) if !was_default => (
                            true,
                            format!("optional, in a {} without `Default`: struct literals must name it", usage.note()),
                        ),
                        (true, false) => (false, format!("optional, in a {} with `Default`", usage.note())),
                        (false, req) => {
                            (false, format!("{}, in a {}", if req { "required" } else { "optional" }, usage.note()))
                        }
                    };
                    self.push(s, Kind::FieldAdded, breaking, item, format!("added {decl}: {why}"));
                }
                (Some(x), Some(y)) => {
                    if x.name != y.name {
                        self.push(s, Kind::FieldRenamed, true, item.clone(), format!("`{}` → `{}`", x.name, y.name));
                    }
                    let shown = format!("`{}` → `{}`", show(field_type(x, &none)), show(field_type(y, &none)));
                    if !self.same(&x.ty, &y.ty) || x.boxed != y.boxed {
                        self.push(s, Kind::FieldTypeChanged, true, item.clone(), shown.clone());
                    }
                    if x.required != y.required || x.nullable != y.nullable {
                        let mut what = Vec::new();
                        if x.required != y.required {
                            what.push(if y.required { "optional → required" } else { "required → optional" });
                        }
                        if x.nullable != y.nullable {
                            what.push(if y.nullable { "now nullable" } else { "no longer nullable" });
                        }
                        let wraps = option_depth(x) != option_depth(y);
                        let detail = if wraps {
                            format!("{}: {shown}", what.join(", "))
                        } else {
                            format!("{}: the Rust type stays `{}`", what.join(", "), show(field_type(y, &none)))
                        };
                        self.push(s, Kind::FieldRequiredChanged, wraps, item, detail);
                    }
                }
                (None, None) => {}
            }
        }
    }

    fn enum_values(&mut self, s: &Subject<'_>, a: &[EnumVariant], b: &[EnumVariant], usage: Usage) {
        let old: BTreeMap<&str, &EnumVariant> = a.iter().map(|v| (v.value.as_str(), v)).collect();
        let new: BTreeMap<&str, &EnumVariant> = b.iter().map(|v| (v.value.as_str(), v)).collect();
        let keys: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
        for k in keys {
            let item = Some(format!("value {k:?}"));
            match (old.get(k), new.get(k)) {
                (Some(v), None) => {
                    let why = if usage.request {
                        "callers can no longer send it"
                    } else {
                        "the server no longer sends it, but code naming the variant stops compiling"
                    };
                    let detail = format!("variant `{}` removed ({}: {why})", v.name, usage.note());
                    self.push(s, Kind::EnumValueRemoved, true, item, detail);
                }
                (None, Some(v)) => {
                    let detail = format!("new variant `{}` (was decoded as `Unknown({k:?})`)", v.name);
                    self.push(s, Kind::EnumValueAdded, false, item, detail);
                }
                (Some(x), Some(y)) if x.name != y.name => {
                    self.push(s, Kind::EnumVariantRenamed, true, item, format!("`{}` → `{}`", x.name, y.name));
                }
                _ => {}
            }
        }
    }

    fn union(&mut self, s: &Subject<'_>, a: &Union, b: &Union) {
        let none = TokenStream::new();
        let old: BTreeMap<&str, &UnionVariant> = a.variants.iter().map(|v| (v.name.as_str(), v)).collect();
        let new: BTreeMap<&str, &UnionVariant> = b.variants.iter().map(|v| (v.name.as_str(), v)).collect();
        let keys: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
        let variant_ty = |v: &UnionVariant| {
            let t = type_tokens(&v.ty, &none);
            show(if v.boxed { quote::quote!(Box<#t>) } else { t })
        };
        for k in keys {
            let item = Some(format!("variant `{k}`"));
            match (old.get(k), new.get(k)) {
                (Some(v), None) => self.push(
                    s,
                    Kind::UnionVariantRemoved,
                    true,
                    item,
                    format!("removed (was `{k}({})`)", variant_ty(v)),
                ),
                (None, Some(v)) => {
                    self.push(s, Kind::UnionVariantAdded, false, item, format!("added `{k}({})`", variant_ty(v)))
                }
                (Some(x), Some(y)) => {
                    if !self.same(&x.ty, &y.ty) || x.boxed != y.boxed {
                        let detail = format!("`{}` → `{}`", variant_ty(x), variant_ty(y));
                        self.push(s, Kind::UnionVariantTypeChanged, true, item.clone(), detail);
                    }
                    if x.tags != y.tags {
                        let detail = format!("discriminator values {:?} → {:?}", x.tags, y.tags);
                        self.push(s, Kind::DiscriminatorChanged, false, item, detail);
                    }
                }
                (None, None) => {}
            }
        }
        let item = Some("variant `Unknown`".to_owned());
        match (union_is_tagged(a), union_is_tagged(b)) {
            (true, false) => {
                let detail = "removed: no longer dispatched on a discriminator".to_owned();
                self.push(s, Kind::UnionVariantRemoved, true, item, detail);
            }
            (false, true) => {
                let detail = format!(
                    "added `Unknown(serde_json::Value)`: now dispatched on `{}`",
                    b.discriminator.as_deref().unwrap_or_default()
                );
                self.push(s, Kind::UnionVariantAdded, false, item, detail);
            }
            (true, true) if a.discriminator != b.discriminator => {
                let detail = format!("discriminator property {:?} → {:?}", a.discriminator, b.discriminator);
                self.push(s, Kind::DiscriminatorChanged, false, None, detail);
            }
            _ => {}
        }
    }
}

/// `/calls/{call_id}/actions` → `/calls/{}/actions`.
fn blank_params(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

// ----- rendering -----

/// Count per kind: (breaking, non-breaking).
pub type Counts = BTreeMap<Kind, (usize, usize)>;

impl Report {
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }

    pub fn non_breaking(&self) -> usize {
        self.changes.len() - self.breaking()
    }

    pub fn counts(&self) -> Counts {
        let mut m = Counts::new();
        for c in &self.changes {
            let e = m.entry(c.kind).or_default();
            if c.breaking {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
        m
    }

    /// The last line of every rendering.
    pub fn summary_line(&self) -> String {
        format!("breaking: {}, non-breaking: {}", self.breaking(), self.non_breaking())
    }

    fn header(&self) -> (String, String) {
        (
            format!("{} → {}", self.old.label, self.new.label),
            format!(
                "operations {} → {}, types {} → {}",
                self.old.operations, self.new.operations, self.old.types, self.new.types
            ),
        )
    }

    /// The plain-text report: header, counts per kind, then the changes grouped by section
    /// (changed operations and types grouped under their subject). `!` marks breaking changes.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let (title, sizes) = self.header();
        let _ = writeln!(out, "API diff: {title}");
        let _ = writeln!(out, "{sizes}");
        let counts = self.counts();
        if !counts.is_empty() {
            let _ = writeln!(out, "\nChanges by kind (breaking / non-breaking):");
            let width = counts.keys().map(|k| k.name().len()).max().unwrap_or(0);
            for (k, (b, nb)) in &counts {
                let _ = writeln!(out, "  {:<width$}  {b:>5}  {nb:>5}", k.name());
            }
            let _ = writeln!(out, "\n`!` marks a breaking change, `·` a non-breaking one.");
        }
        for section in Section::ALL {
            let entries: Vec<&Change> = self.changes.iter().filter(|c| c.kind.section() == section).collect();
            if entries.is_empty() {
                continue;
            }
            if section.grouped() {
                let subjects: BTreeSet<&str> = entries.iter().map(|c| c.subject.as_str()).collect();
                let what = if section == Section::OperationsChanged { "operations" } else { "schemas" };
                let _ = writeln!(out, "\n{} ({} changes in {} {what})", section.title(), entries.len(), subjects.len());
            } else {
                let _ = writeln!(out, "\n{} ({})", section.title(), entries.len());
            }
            let mut current: Option<&str> = None;
            for c in entries {
                let mark = if c.breaking { "!" } else { "·" };
                if section.grouped() {
                    if current != Some(c.subject.as_str()) {
                        current = Some(&c.subject);
                        let rust = c.rust.as_deref().map(|r| format!("  {r}")).unwrap_or_default();
                        let _ = writeln!(out, "  {}{rust}", c.subject);
                    }
                    let _ = writeln!(out, "    {mark} {}", line(c));
                } else {
                    let _ = writeln!(out, "  {mark} {}: {}", c.subject, c.detail);
                }
            }
        }
        let _ = writeln!(out, "\n{}", self.summary_line());
        out
    }

    /// Markdown for a pull request body: counts, breaking changes, then non-breaking ones in a
    /// `<details>` block. Past `limit` characters the remaining entries are counted instead of
    /// listed (GitHub refuses PR bodies over 65 536 characters), breaking ones last to go.
    pub fn to_markdown(&self, limit: usize) -> String {
        let mut out = String::new();
        let (title, sizes) = self.header();
        let _ = writeln!(out, "### API diff: {title}\n");
        let _ = writeln!(out, "{sizes}. **{}**\n", self.summary_line());
        let counts = self.counts();
        if !counts.is_empty() {
            let _ = writeln!(out, "| change | breaking | non-breaking |\n|---|---:|---:|");
            for (k, (b, nb)) in &counts {
                let _ = writeln!(out, "| `{}` | {b} | {nb} |", k.name());
            }
        }
        // What must follow the entries, reserved up front so the limit holds.
        let reserve = 400;
        let budget = limit.saturating_sub(out.len() + reserve);
        let mut used = 0;
        let mut omitted = 0;
        for breaking in [true, false] {
            let picked: Vec<&Change> = self.changes.iter().filter(|c| c.breaking == breaking).collect();
            if picked.is_empty() {
                continue;
            }
            let mut part = String::new();
            let mut current: Option<(Section, &str)> = None;
            let mut section_shown: Option<Section> = None;
            for c in &picked {
                let section = c.kind.section();
                let mut text = String::new();
                if section_shown != Some(section) {
                    let _ = writeln!(text, "\n##### {}\n", section.title());
                }
                if section.grouped() {
                    if current != Some((section, c.subject.as_str())) {
                        let rust = c.rust.as_deref().map(|r| format!(" `{r}`")).unwrap_or_default();
                        let _ = writeln!(text, "- `{}`{rust}", c.subject);
                    }
                    let _ = writeln!(text, "  - {}", line(c));
                } else {
                    let _ = writeln!(text, "- `{}`: {}", c.subject, c.detail);
                }
                if omitted > 0 || used + text.len() > budget {
                    omitted += 1;
                    continue;
                }
                used += text.len();
                section_shown = Some(section);
                current = Some((section, c.subject.as_str()));
                part.push_str(&text);
            }
            if part.is_empty() {
                // Nothing of it fitted; the counts table and the closing note say what is missing.
                continue;
            }
            if breaking {
                let _ = write!(out, "\n#### Breaking changes ({})\n{part}", picked.len());
            } else {
                let _ = write!(
                    out,
                    "\n<details><summary>Non-breaking changes ({})</summary>\n{part}\n</details>\n",
                    picked.len()
                );
            }
        }
        if omitted > 0 {
            let _ = writeln!(
                out,
                "\n_{omitted} more changes not listed to keep this under {limit} characters; \
                 `cargo xtask diff OLD NEW` prints them all._"
            );
        }
        let _ = writeln!(out, "\n{}", self.summary_line());
        out
    }

    /// The JSON document of `cargo xtask diff --json`.
    pub fn to_json(&self) -> serde_json::Value {
        let counts: serde_json::Map<String, serde_json::Value> = self
            .counts()
            .into_iter()
            .map(|(k, (b, nb))| (k.name(), serde_json::json!({ "breaking": b, "non_breaking": nb })))
            .collect();
        serde_json::json!({
            "old": self.old,
            "new": self.new,
            "breaking": self.breaking(),
            "non_breaking": self.non_breaking(),
            "counts": counts,
            "changes": self.changes,
        })
    }
}

fn line(c: &Change) -> String {
    match &c.item {
        Some(i) => format!("{i}: {}", c.detail),
        None => c.detail.clone(),
    }
}
