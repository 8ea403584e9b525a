//! What changed between two specs, as users of the generated crate feel it (`cargo xtask diff`).
//!
//! The comparison runs on two lowered [`Ir`]s, not on the OpenAPI documents: the IR already
//! knows the Rust names, field types, required-ness, enum variants and method signatures, so a
//! spec edit that does not change the generated API (a reordered `allOf`, a `$ref` replaced by an
//! identical inline schema, a new description) reports nothing, and one that does is described in
//! Rust terms. Signatures are rendered with the emitter's own functions
//! ([`crate::emit::types::field_type`], [`crate::emit::operations::method_args`], …) so the diff cannot drift
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
//!
//! # Layout
//!
//! `diff/matching.rs` pairs operations and types across the two specs (the identity rules
//! above); `diff/rules.rs` compares each pair and decides what is breaking (the table);
//! `diff/render.rs` prints a [`Report`] as text, Markdown or JSON.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use serde::Serialize;

use crate::emit::calls::Calls;
use crate::emit::operations::{method_args, return_type};
use crate::emit::types::type_tokens;
use crate::ir::*;

mod matching;
mod render;
mod rules;

pub use render::Counts;

use matching::Indexed;

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

/// The state of one comparison: both sides, the renames found, and the changes so far.
struct Differ<'a> {
    old_ir: &'a Ir,
    new_ir: &'a Ir,
    old: Indexed<'a>,
    new: Indexed<'a>,
    /// Old type name → new type name, for types renamed in place (same spec pointer).
    renames: BTreeMap<&'a str, &'a str>,
    /// How each side's calls take their inputs (for signatures).
    old_calls: Calls<'a>,
    new_calls: Calls<'a>,
    changes: Vec<Change>,
}

/// Who a change is about, for the `change` helper.
struct Subject<'s> {
    name: &'s str,
    rust: Option<String>,
    pointer: &'s str,
}

impl Differ<'_> {
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
}

/// Render tokens as a type is written (`Option<Vec<Foo>>`, `&str`).
fn show(t: TokenStream) -> String {
    t.to_string().replace(' ', "").replace(',', ", ")
}

fn show_ref(t: &TypeRef) -> String {
    show(type_tokens(t, &TokenStream::new()))
}

/// `client.calls().actions().answer()`: where the operation is called.
fn accessor(op: &Operation) -> String {
    format!("client{}()", call_chain(op))
}

/// `.calls().actions().answer`.
fn call_chain(op: &Operation) -> String {
    let resources: String = op.call_resources.iter().map(|r| format!(".{r}()")).collect();
    format!("{resources}.{}", op.call_method)
}

/// `client.x().y(arg: T, …) -> R`, the arguments as the emitter writes them.
fn signature(op: &Operation, calls: &Calls<'_>) -> String {
    let none = TokenStream::new();
    let args: Vec<String> =
        method_args(op, op.body.as_ref(), &none, calls).into_iter().map(|(n, t)| format!("{n}: {}", show(t))).collect();
    format!("client{}({}) -> {}", call_chain(op), args.join(", "), show(return_type(&op.response, &none)))
}

fn location(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
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
