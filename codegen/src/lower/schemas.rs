//! Schemas → type definitions: component and inline schemas become structs, string enums and
//! aliases; `allOf` is merged into one struct (`oneOf`/`anyOf` go on to `unions`), or, when a
//! part is a `oneOf`/`anyOf`, distributed over it into a union of merged structs.

use std::borrow::Borrow;
use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, Discriminator, ReferenceOr, Schema, SchemaData, SchemaKind, Type};
use serde_json::Value;

use super::unions::Lowered;
use super::{Lowerer, Slot};
use crate::error::{ptr, GenError, Result};
use crate::ir::*;
use crate::naming::{self, Scope};

/// A schema seen through one lens, whether `openapiv3` parsed it as a typed schema or as
/// `AnySchema` (no `type`, or a mix of keywords).
pub(super) struct View<'s> {
    pub(super) data: &'s SchemaData,
    pub(super) ty: Option<&'s str>,
    pub(super) format: Option<String>,
    pub(super) enum_values: Vec<Value>,
    pub(super) properties: Option<&'s IndexMap<String, ReferenceOr<Box<Schema>>>>,
    pub(super) required: &'s [String],
    pub(super) additional: Option<&'s AdditionalProperties>,
    pub(super) items: Option<&'s ReferenceOr<Box<Schema>>>,
    pub(super) one_of: &'s [ReferenceOr<Schema>],
    pub(super) any_of: &'s [ReferenceOr<Schema>],
    pub(super) all_of: &'s [ReferenceOr<Schema>],
    pub(super) has_not: bool,
}

fn fmt_of<T: serde::Serialize>(f: &openapiv3::VariantOrUnknownOrEmpty<T>) -> Option<String> {
    match f {
        openapiv3::VariantOrUnknownOrEmpty::Item(i) => serde_json::to_value(i).ok()?.as_str().map(str::to_owned),
        openapiv3::VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        openapiv3::VariantOrUnknownOrEmpty::Empty => None,
    }
}

pub(super) fn view(s: &Schema) -> View<'_> {
    let mut v = View {
        data: &s.schema_data,
        ty: None,
        format: None,
        enum_values: Vec::new(),
        properties: None,
        required: &[],
        additional: None,
        items: None,
        one_of: &[],
        any_of: &[],
        all_of: &[],
        has_not: false,
    };
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            v.ty = Some("string");
            v.format = fmt_of(&t.format);
            v.enum_values = t.enumeration.iter().flatten().map(|s| Value::String(s.clone())).collect();
        }
        SchemaKind::Type(Type::Integer(t)) => {
            v.ty = Some("integer");
            v.format = fmt_of(&t.format);
        }
        SchemaKind::Type(Type::Number(t)) => {
            v.ty = Some("number");
            v.format = fmt_of(&t.format);
        }
        SchemaKind::Type(Type::Boolean(b)) => {
            v.ty = Some("boolean");
            v.enum_values = b.enumeration.iter().flatten().map(|b| Value::Bool(*b)).collect();
        }
        SchemaKind::Type(Type::Object(o)) => {
            v.ty = Some("object");
            v.properties = Some(&o.properties);
            v.required = &o.required;
            v.additional = o.additional_properties.as_ref();
        }
        SchemaKind::Type(Type::Array(a)) => {
            v.ty = Some("array");
            v.items = a.items.as_ref();
        }
        SchemaKind::OneOf { one_of } => v.one_of = one_of,
        SchemaKind::AnyOf { any_of } => v.any_of = any_of,
        SchemaKind::AllOf { all_of } => v.all_of = all_of,
        SchemaKind::Not { .. } => v.has_not = true,
        SchemaKind::Any(a) => {
            v.ty = a.typ.as_deref();
            v.format = a.format.clone();
            v.enum_values = a.enumeration.clone();
            if !a.properties.is_empty() || v.ty == Some("object") {
                v.properties = Some(&a.properties);
            }
            v.required = &a.required;
            v.additional = a.additional_properties.as_ref();
            v.items = a.items.as_ref();
            v.one_of = &a.one_of;
            v.any_of = &a.any_of;
            v.all_of = &a.all_of;
            v.has_not = a.not.is_some();
        }
    }
    v
}

/// Whether the `oneOf`/`anyOf` of an object schema only says which of its properties must or must
/// not be present (`required: [Url]`, `properties: {Texml: {not: {}}}`): that is validation, not
/// another shape, so the schema is a struct of its own properties.
fn only_constrains(v: &View<'_>) -> bool {
    v.properties.is_some_and(|p| !p.is_empty()) && constraint_only(union_branches(v).0)
}

/// A schema's `oneOf` branches, else its `anyOf` branches, with the keyword.
pub(super) fn union_branches<'s>(v: &View<'s>) -> (&'s [ReferenceOr<Schema>], &'static str) {
    if v.one_of.is_empty() {
        (v.any_of, "anyOf")
    } else {
        (v.one_of, "oneOf")
    }
}

/// Whether every branch of a `oneOf`/`anyOf` only says which properties must or must not be
/// present (no shape of its own).
fn constraint_only(branches: &[ReferenceOr<Schema>]) -> bool {
    let constraint_only = |b: &ReferenceOr<Schema>| match b {
        ReferenceOr::Item(s) => {
            let b = view(s);
            b.ty.is_none_or(|t| t == "object")
                && b.enum_values.is_empty()
                && b.all_of.is_empty()
                && b.one_of.is_empty()
                && b.any_of.is_empty()
                && b.items.is_none()
                && b.additional.is_none()
                && !b.has_not
                && b.properties.into_iter().flatten().all(|(_, p)| matches!(p, ReferenceOr::Item(p) if view(p).has_not))
        }
        ReferenceOr::Reference { .. } => false,
    };
    branches.iter().all(constraint_only)
}

/// Most variants an `allOf` is distributed into (the product of its unions' branch counts).
const MAX_DISTRIBUTED: usize = 64;

/// An `allOf` part that is a union (`oneOf`/`anyOf` with a shape of its own), or the schema's own
/// `oneOf`/`anyOf` beside its `allOf`: the merged struct is distributed over its branches.
struct UnionPart<'s> {
    /// Index of the part in `allOf`; `None`: the schema's own `oneOf`/`anyOf`.
    part: Option<usize>,
    branches: &'s [ReferenceOr<Schema>],
    /// Pointer of the branch list (`…/allOf/1/oneOf`, `#/components/schemas/U/anyOf`).
    at: String,
    discriminator: Option<&'s Discriminator>,
}

pub(super) fn doc_of(data: &SchemaData) -> Option<String> {
    data.description.clone().or_else(|| data.title.clone()).filter(|d| !d.trim().is_empty())
}

impl Lowerer<'_> {
    /// Reserve the names of all component schemas first, so inline names never take them.
    pub(super) fn components(&mut self) -> Result<()> {
        let Some(schemas) = self.schemas() else { return Ok(()) };
        for name in schemas.keys() {
            let wanted = self.overrides.schemas.get(name).cloned().unwrap_or_else(|| naming::type_name(name));
            let rust = self.scope.claim(&wanted);
            self.components.insert(name.clone(), rust);
        }
        for (name, schema) in schemas {
            let pointer = ptr("#/components/schemas", name);
            let rust = self.components[name].clone();
            match schema {
                ReferenceOr::Reference { reference } => {
                    let target = self.ref_type(reference, &pointer)?;
                    // `A: {$ref: B}`, `B: {$ref: A}` would be `type A = B; type B = A;`.
                    self.ref_nullable(reference, &pointer)?;
                    self.push(&rust, &pointer, None, TypeKind::Alias(target));
                }
                ReferenceOr::Item(s) => {
                    self.lower_schema(s, Slot::Fixed(&rust), &pointer)?;
                    if let Some(def) = self.types.iter_mut().rev().find(|d| d.name == rust) {
                        def.nullable = s.schema_data.nullable;
                    }
                }
            }
        }
        Ok(())
    }

    /// Lower a schema or reference in a position named by `hint`. Returns the type and whether
    /// the position is nullable.
    /// (`S` is `Schema` or, for properties and items, `Box<Schema>`.)
    pub(super) fn lower_ref<S: Borrow<Schema>>(
        &mut self,
        s: &ReferenceOr<S>,
        hint: &str,
        at: &str,
    ) -> Result<(TypeRef, bool)> {
        match s {
            ReferenceOr::Reference { reference } => self.lower_reference(reference, at),
            ReferenceOr::Item(s) => self.lower_schema(s.borrow(), Slot::Hint(hint), at),
        }
    }

    /// A `$ref` position: the referenced type, nullable when the referenced schema is.
    pub(super) fn lower_reference(&self, reference: &str, at: &str) -> Result<(TypeRef, bool)> {
        Ok((self.ref_type(reference, at)?, self.ref_nullable(reference, at)?))
    }

    pub(super) fn lower_schema(&mut self, s: &Schema, slot: Slot<'_>, at: &str) -> Result<(TypeRef, bool)> {
        let v = view(s);
        let nullable = s.schema_data.nullable;
        let doc = doc_of(v.data);
        if v.has_not {
            return Err(GenError::new(at, "`not` schemas are not supported"));
        }
        let base = Self::slot_name(&slot);
        let ty = if !v.all_of.is_empty() {
            self.lower_all_of(&v, &slot, at)?
        } else if (!v.one_of.is_empty() || !v.any_of.is_empty()) && !only_constrains(&v) {
            let (list, key) = if v.one_of.is_empty() { (v.any_of, "anyOf") } else { (v.one_of, "oneOf") };
            self.lower_union(&v, list, key, &slot, at)?
        } else if !v.enum_values.is_empty()
            && v.enum_values.iter().all(Value::is_string)
            && v.ty.is_none_or(|t| t == "string")
        {
            let variants = enum_variants(&v.enum_values);
            self.define(&slot, at, doc, TypeKind::Enum(variants))
        } else {
            match v.ty {
                Some("string") => match v.format.as_deref() {
                    Some("binary") => TypeRef::File,
                    _ => TypeRef::String,
                },
                Some("integer") => TypeRef::Integer,
                Some("number") => TypeRef::Number,
                Some("boolean") => TypeRef::Boolean,
                Some("array") => {
                    let item = match v.items {
                        Some(items) => {
                            let (t, n) = self.lower_ref(items, &format!("{base}Item"), &format!("{at}/items"))?;
                            if n {
                                TypeRef::Nullable(Box::new(t))
                            } else {
                                t
                            }
                        }
                        None => TypeRef::Json,
                    };
                    TypeRef::Array(Box::new(item))
                }
                Some("object") | None if v.properties.is_some_and(|p| !p.is_empty()) => {
                    let open =
                        matches!(v.additional, Some(AdditionalProperties::Any(true) | AdditionalProperties::Schema(_)));
                    let st = self.lower_struct(&base, v.properties.into_iter().flatten(), v.required, open, at)?;
                    self.define(&slot, at, doc, TypeKind::Struct(st))
                }
                Some("object") | None if v.additional.is_some() || v.ty == Some("object") => match v.additional {
                    Some(AdditionalProperties::Schema(inner)) => {
                        let (t, n) =
                            self.lower_ref(inner, &format!("{base}Value"), &format!("{at}/additionalProperties"))?;
                        let t = if n { TypeRef::Nullable(Box::new(t)) } else { t };
                        TypeRef::Map(Box::new(t))
                    }
                    _ => TypeRef::JsonMap,
                },
                None => TypeRef::Json,
                Some(other) => {
                    return Err(GenError::new(format!("{at}/type"), format!("unknown schema type {other:?}")))
                }
            }
        };
        // A component that is not itself a struct/enum/union becomes an alias of what it is.
        if let Slot::Fixed(name) = slot {
            if ty != TypeRef::Named(name.to_owned()) {
                self.push(name, at, doc_of(v.data), TypeKind::Alias(ty.clone()));
                return Ok((TypeRef::Named(name.to_owned()), nullable));
            }
        }
        Ok((ty, nullable))
    }

    /// The fields of a struct named `parent`: each property `(name, schema, pointer of the schema
    /// declaring it)` lowered in order, named `{parent}{Property}` when inline. Returns the
    /// scope of field names, for a struct that claims one more.
    fn lower_fields<'p>(
        &mut self,
        parent: &str,
        props: impl IntoIterator<Item = (&'p String, &'p ReferenceOr<Box<Schema>>, &'p str)>,
        required: &[String],
    ) -> Result<(Vec<Field>, Scope)> {
        let mut scope = Scope::default();
        let mut fields = Vec::new();
        for (api_name, schema, at) in props {
            let pointer = ptr(&format!("{at}/properties"), api_name);
            let hint = format!("{parent}{}", naming::camel(api_name));
            let (ty, nullable) = self.lower_ref(schema, &hint, &pointer)?;
            let doc = match schema {
                ReferenceOr::Item(s) => doc_of(&s.schema_data),
                ReferenceOr::Reference { .. } => None,
            };
            fields.push(Field {
                name: scope.claim(&naming::snake(api_name)),
                api_name: api_name.clone(),
                ty,
                required: required.contains(api_name),
                nullable,
                boxed: false,
                doc,
            });
        }
        Ok((fields, scope))
    }

    pub(super) fn lower_struct<'p>(
        &mut self,
        parent: &str,
        props: impl IntoIterator<Item = (&'p String, &'p ReferenceOr<Box<Schema>>)>,
        required: &[String],
        open: bool,
        at: &str,
    ) -> Result<Struct> {
        let props = props.into_iter().map(|(name, schema)| (name, schema, at));
        let (fields, mut scope) = self.lower_fields(parent, props, required)?;
        let multipart =
            fields.iter().any(|f| matches!(&f.ty, TypeRef::File) || f.ty == TypeRef::Array(Box::new(TypeRef::File)));
        // The undeclared members, as JSON values whatever the schema of `additionalProperties`
        // says (a multipart body sends only its declared parts).
        let additional = (open && !multipart).then(|| scope.claim("additional_properties"));
        Ok(Struct { fields, multipart, additional })
    }

    /// Collect the properties and `required` of one `allOf` part at `part_at`. A union among them
    /// is an error unless `union_taken` (its branches are the caller's business) or it only
    /// constrains which properties are present.
    fn collect_part(
        &self,
        part: &ReferenceOr<Schema>,
        part_at: &str,
        props: &mut IndexMap<String, (ReferenceOr<Box<Schema>>, String)>,
        required: &mut Vec<String>,
        depth: usize,
        union_taken: bool,
    ) -> Result<()> {
        if depth > 32 {
            return Err(GenError::new(part_at, "allOf nested too deeply (cycle?)"));
        }
        let (schema, base_at): (&Schema, String) = match part {
            ReferenceOr::Reference { reference } => {
                let (name, s) = self.schema_behind(reference, part_at)?;
                (s, ptr("#/components/schemas", name))
            }
            ReferenceOr::Item(s) => (s, part_at.to_owned()),
        };
        let v = view(schema);
        let (branches, _) = union_branches(&v);
        if !union_taken && !constraint_only(branches) {
            return Err(GenError::new(
                part_at,
                "allOf with a oneOf/anyOf part inside another allOf part is not supported (only one of the allOf's \
                 own parts, or the schema's own oneOf/anyOf, is distributed)",
            ));
        }
        for (i, inner) in v.all_of.iter().enumerate() {
            self.collect_part(inner, &format!("{base_at}/allOf/{i}"), props, required, depth + 1, false)?;
        }
        for (k, s) in v.properties.into_iter().flatten() {
            props.entry(k.clone()).or_insert_with(|| (s.clone(), base_at.clone()));
        }
        for r in v.required {
            if !required.contains(r) {
                required.push(r.clone());
            }
        }
        Ok(())
    }

    /// `allOf` is merged into one struct (properties of all parts, first definition wins,
    /// `required` united). An `allOf` of a single reference is that type. An `allOf` with a
    /// union part is distributed over it ([`Self::lower_distributed`]).
    pub(super) fn lower_all_of(&mut self, v: &View<'_>, slot: &Slot<'_>, at: &str) -> Result<TypeRef> {
        let own_props = v.properties.is_some_and(|p| !p.is_empty());
        let own_union = !constraint_only(union_branches(v).0);
        if v.all_of.len() == 1 && !own_props && !own_union {
            // `allOf: [$ref]` (often used to attach a description) is that type; a component
            // defined this way becomes an alias of it.
            let (t, _) = self.lower_ref(&v.all_of[0], &Self::slot_name(slot), &format!("{at}/allOf/0"))?;
            return Ok(t);
        }
        let (unions, taken) = self.union_parts(v, at)?;
        if !unions.is_empty() {
            return self.lower_distributed(v, &unions, &taken, slot, at);
        }
        let mut props = IndexMap::new();
        let mut required: Vec<String> = v.required.to_vec();
        for (i, part) in v.all_of.iter().enumerate() {
            self.collect_part(part, &format!("{at}/allOf/{i}"), &mut props, &mut required, 0, taken.contains(&i))?;
        }
        for (k, s) in v.properties.into_iter().flatten() {
            props.entry(k.clone()).or_insert_with(|| (s.clone(), at.to_owned()));
        }
        let doc = doc_of(v.data);
        if props.is_empty() {
            return Ok(TypeRef::JsonMap);
        }
        let base = Self::slot_name(slot);
        let props = props.iter().map(|(name, (schema, part_at))| (name, schema, part_at.as_str()));
        let (fields, _) = self.lower_fields(&base, props, &required)?;
        let multipart = fields.iter().any(|f| f.ty == TypeRef::File);
        Ok(self.define(slot, at, doc, TypeKind::Struct(Struct { fields, multipart, additional: None })))
    }

    /// `allOf: [A, {oneOf: [X, Y]}]` means "A and (X or Y)", which is "(A and X) or (A and Y)":
    /// a union whose variants are the structs merged from the other parts and one branch each
    /// (`{Name}{X}` after a referenced branch, `{Name}Variant{n}` after an inline one), so that
    /// each variant decodes the members of both. Several union parts give every combination of
    /// their branches. The union takes the discriminator of the first union part that has one
    /// (else the schema's own); a mapping names a variant by the branch it was made from. When
    /// the other parts declare no properties (they only annotate), the variants are the branches
    /// themselves.
    fn lower_distributed(
        &mut self,
        v: &View<'_>,
        unions: &[UnionPart<'_>],
        taken: &[usize],
        slot: &Slot<'_>,
        at: &str,
    ) -> Result<TypeRef> {
        let total = unions.iter().try_fold(1usize, |n, u| n.checked_mul(u.branches.len())).unwrap_or(usize::MAX);
        if total > MAX_DISTRIBUTED {
            return Err(GenError::new(
                at,
                format!(
                    "allOf with oneOf/anyOf parts gives {total} combinations of their branches (at most \
                     {MAX_DISTRIBUTED} are lowered)"
                ),
            ));
        }
        let base = Self::slot_name(slot);
        // What the parts other than the unions' branches declare, which every variant shares.
        let mut shared = IndexMap::new();
        let mut shared_required: Vec<String> = v.required.to_vec();
        for (i, part) in v.all_of.iter().enumerate() {
            self.collect_part(
                part,
                &format!("{at}/allOf/{i}"),
                &mut shared,
                &mut shared_required,
                0,
                taken.contains(&i),
            )?;
        }
        let own_props = v.properties.is_some_and(|p| !p.is_empty());
        let merge = !shared.is_empty() || own_props || unions.len() > 1;
        let tagging = unions.iter().position(|u| u.discriminator.is_some());
        let disc = tagging.and_then(|t| unions[t].discriminator).or(v.data.discriminator.as_ref());
        let mut lowered: Vec<Lowered> = Vec::new();
        for n in 0..total {
            // The branch of each union in this combination (mixed radix over the branch counts).
            let mut rest = n;
            let mut chosen: Vec<usize> = Vec::with_capacity(unions.len());
            for u in unions.iter().rev() {
                chosen.push(rest % u.branches.len());
                rest /= u.branches.len();
            }
            chosen.reverse();
            let branch = |k: usize| (&unions[k].branches[chosen[k]], format!("{}/{}", unions[k].at, chosen[k]));
            let label: String = (0..unions.len())
                .map(|k| match branch(k).0 {
                    ReferenceOr::Reference { reference } => self
                        .component_schema(reference, &branch(k).1)
                        .map(|(name, _)| self.components[name].clone())
                        .unwrap_or_else(|_| format!("Variant{}", chosen[k] + 1)),
                    ReferenceOr::Item(_) => format!("Variant{}", chosen[k] + 1),
                })
                .collect();
            let (first, first_at) = branch(0);
            let hint = format!("{base}{label}");
            let tag_branch = tagging.map_or(first, |t| branch(t).0);
            let declared = disc.and_then(|d| self.declared_tag(tag_branch, &d.property_name, 0));
            let identity = match tag_branch {
                ReferenceOr::Reference { reference } => self.ref_type(reference, at).ok(),
                ReferenceOr::Item(_) => None,
            };
            if !merge {
                let (t, nullable) = self.lower_ref(first, &hint, &first_at)?;
                let ty = if nullable { TypeRef::Nullable(Box::new(t)) } else { t };
                if !lowered.iter().any(|l| l.ty == ty) {
                    lowered.push(Lowered { ty, declared, identity: None });
                }
                continue;
            }
            // Each part in order, the unions' chosen branches after their part.
            let mut props = IndexMap::new();
            let mut required: Vec<String> = v.required.to_vec();
            for (i, part) in v.all_of.iter().enumerate() {
                let part_at = format!("{at}/allOf/{i}");
                self.collect_part(part, &part_at, &mut props, &mut required, 0, taken.contains(&i))?;
                for (k, _) in unions.iter().enumerate().filter(|(_, u)| u.part == Some(i)) {
                    let (b, b_at) = branch(k);
                    self.collect_part(b, &b_at, &mut props, &mut required, 1, false)?;
                }
            }
            for (k, s) in v.properties.into_iter().flatten() {
                props.entry(k.clone()).or_insert_with(|| (s.clone(), at.to_owned()));
            }
            for (k, _) in unions.iter().enumerate().filter(|(_, u)| u.part.is_none()) {
                let (b, b_at) = branch(k);
                self.collect_part(b, &b_at, &mut props, &mut required, 1, false)?;
            }
            let ty = if props.is_empty() {
                TypeRef::JsonMap
            } else {
                let doc = self.resolved(first).and_then(|s| doc_of(&s.schema_data));
                let props = props.iter().map(|(name, (schema, part_at))| (name, schema, part_at.as_str()));
                let (fields, _) = self.lower_fields(&naming::type_name(&hint), props, &required)?;
                let multipart = fields.iter().any(|f| f.ty == TypeRef::File);
                let kind = TypeKind::Struct(Struct { fields, multipart, additional: None });
                self.define(&Slot::Hint(&hint), &first_at, doc, kind)
            };
            if !lowered.iter().any(|l| l.ty == ty) {
                lowered.push(Lowered { ty, declared, identity });
            }
        }
        self.union_of(lowered, disc, doc_of(v.data), slot, at)
    }
}

impl<'a> Lowerer<'a> {
    /// The union parts of an `allOf` schema (see [`UnionPart`]), and the indices of every part
    /// whose `oneOf`/`anyOf` is taken care of: distributed, or one that lists the schema being
    /// lowered among its branches (the base of a polymorphic family, `Pet: {oneOf: [Cat, Dog]}`
    /// with `Cat: {allOf: [Pet, …]}`: its branches are the schema's siblings, so only its
    /// properties are merged).
    fn union_parts<'s>(&self, v: &View<'s>, at: &str) -> Result<(Vec<UnionPart<'s>>, Vec<usize>)>
    where
        'a: 's,
    {
        let mut unions = Vec::new();
        let mut taken = Vec::new();
        for (i, part) in v.all_of.iter().enumerate() {
            let part_at = format!("{at}/allOf/{i}");
            let (schema, base_at): (&'s Schema, String) = match part {
                ReferenceOr::Reference { reference } => {
                    let (name, s) = self.schema_behind(reference, &part_at)?;
                    (s, ptr("#/components/schemas", name))
                }
                ReferenceOr::Item(s) => (s, part_at),
            };
            let pv = view(schema);
            let (branches, key) = union_branches(&pv);
            if constraint_only(branches) {
                continue;
            }
            taken.push(i);
            let back = branches.iter().any(|b| matches!(b, ReferenceOr::Reference { reference } if reference == at));
            if !back {
                let at = format!("{base_at}/{key}");
                unions.push(UnionPart { part: Some(i), branches, at, discriminator: pv.data.discriminator.as_ref() });
            }
        }
        let (branches, key) = union_branches(v);
        if !constraint_only(branches) {
            let at = format!("{at}/{key}");
            unions.push(UnionPart { part: None, branches, at, discriminator: v.data.discriminator.as_ref() });
        }
        Ok((unions, taken))
    }
}

fn enum_variants(values: &[Value]) -> Vec<EnumVariant> {
    let mut scope = Scope::with_reserved(["Unknown"]);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for v in values {
        let Some(s) = v.as_str() else { continue };
        if !seen.insert(s.to_owned()) {
            continue;
        }
        let wanted = naming::variant(s);
        let wanted = if wanted == "Unknown" { "UnknownValue".to_owned() } else { wanted };
        out.push(EnumVariant { name: scope.claim(&wanted), value: s.to_owned(), doc: None });
    }
    out
}
