//! What changed in a matched pair and whether it breaks callers: operations (parameters,
//! bodies, response, auth) and types (fields, enum values, union variants), by the table in
//! the module docs of [`crate::diff`].

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;

use super::matching::{blank_params, param_keys, ParamKey, Usage};
use super::{accessor, kind_name, location, show, show_ref, Differ, Kind, Subject};
use crate::emit::operations::{arg_type, body_arg, return_type};
use crate::emit::types::{field_type, type_tokens, union_is_tagged};
use crate::ir::*;

impl Differ<'_> {
    pub(super) fn operation(&mut self, o: &Operation, n: &Operation) {
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

    pub(super) fn type_def(&mut self, o: &TypeDef, n: &TypeDef) {
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

    pub(super) fn fields(&mut self, s: &Subject<'_>, a: &Struct, b: &Struct, usage: Usage, was_default: bool) {
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

    pub(super) fn enum_values(&mut self, s: &Subject<'_>, a: &[EnumVariant], b: &[EnumVariant], usage: Usage) {
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

    pub(super) fn union(&mut self, s: &Subject<'_>, a: &Union, b: &Union) {
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

/// How many `Option`s wrap a field's type.
fn option_depth(f: &Field) -> u8 {
    match (f.required, f.nullable) {
        (true, false) => 0,
        (true, true) | (false, false) => 1,
        (false, true) => 2,
    }
}
