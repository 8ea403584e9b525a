//! `oneOf`/`anyOf` → unions: one variant per distinct branch type, named after it, with the
//! discriminator values each variant is written with and accepted under.

use openapiv3::{Discriminator, ReferenceOr, Schema};
use serde_json::Value;

use super::schemas::{doc_of, view, View};
use super::{Lowerer, Slot};
use crate::error::Result;
use crate::ir::*;
use crate::naming::{self, Scope};

/// Where a union variant's discriminator value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Evidence {
    /// A one-value `enum` (or `const`) on the variant's discriminator property.
    Enum,
    /// Only the property's `default`.
    Default,
}

/// Warning kind: a discriminator value read from a `default`.
pub const DEFAULT_TAG: &str = "discriminator without a mapping: a variant's value taken from its property's `default`";

impl Lowerer<'_> {
    /// The value a variant schema pins for the discriminator property `prop` (through
    /// references and `allOf`): a one-value string `enum` (a `const` is one by now), else a
    /// string `default`.
    pub(super) fn declared_tag(&self, s: &ReferenceOr<Schema>, prop: &str, depth: usize) -> Option<(String, Evidence)> {
        if depth > 16 {
            return None;
        }
        let v = view(self.resolved(s)?);
        if let Some(p) = v.properties.and_then(|ps| ps.get(prop)) {
            let p = self.resolved(p)?;
            let pv = view(p);
            if let [Value::String(one)] = pv.enum_values.as_slice() {
                return Some((one.clone(), Evidence::Enum));
            }
            return match &p.schema_data.default {
                Some(Value::String(d)) => Some((d.clone(), Evidence::Default)),
                _ => None,
            };
        }
        v.all_of.iter().find_map(|part| self.declared_tag(part, prop, depth + 1))
    }

    /// The members (but `prop`) a variant's schema pins to one value (`const`, a one-value
    /// `enum`), with the value's JSON text: what tells variants apart when a value comes
    /// without its discriminator (`codec::tagless`).
    fn pinned_members(&self, s: &ReferenceOr<Schema>, prop: &str, depth: usize) -> Vec<(String, String)> {
        let Some(schema) = self.resolved(s).filter(|_| depth <= 16) else { return Vec::new() };
        let v = view(schema);
        let mut out: Vec<(String, String)> = v
            .properties
            .into_iter()
            .flatten()
            .filter(|(name, _)| name.as_str() != prop)
            .filter_map(|(name, p)| match view(self.resolved(p)?).enum_values.as_slice() {
                [one] => Some((name.clone(), one.to_string())),
                _ => None,
            })
            .collect();
        for part in v.all_of {
            out.extend(self.pinned_members(part, prop, depth + 1));
        }
        out
    }

    /// One type for several (the success bodies of an operation, a WebSocket side's frames):
    /// the type itself when there is one, else an untagged union of them, named after `wanted`.
    pub(super) fn union_of_types(&mut self, mut types: Vec<TypeRef>, wanted: &str, at: &str, doc: String) -> TypeRef {
        if types.len() == 1 {
            return types.remove(0);
        }
        let mut scope = Scope::with_reserved(["Unknown"]);
        let variants = types
            .into_iter()
            .map(|ty| UnionVariant {
                name: scope.claim(&variant_name(&ty)),
                ty,
                tags: Vec::new(),
                boxed: false,
                constants: Vec::new(),
            })
            .collect();
        let name = self.scope.claim(wanted);
        self.push(&name, at, Some(doc), TypeKind::Union(Union { variants, discriminator: None, multipart: false }));
        TypeRef::Named(name)
    }

    pub(super) fn lower_union(
        &mut self,
        v: &View<'_>,
        list: &[ReferenceOr<Schema>],
        key: &str,
        slot: &Slot<'_>,
        at: &str,
    ) -> Result<TypeRef> {
        let base = Self::slot_name(slot);
        let disc = v.data.discriminator.as_ref();
        // Each distinct variant type with the discriminator value its schema declares.
        let mut lowered: Vec<Lowered> = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let item_at = format!("{at}/{key}/{i}");
            let (t, n) = self.lower_ref(s, &format!("{base}Variant{}", i + 1), &item_at)?;
            let t = if n { TypeRef::Nullable(Box::new(t)) } else { t };
            if !lowered.iter().any(|l| l.ty == t) {
                let declared = disc.and_then(|d| self.declared_tag(s, &d.property_name, 0));
                lowered.push(Lowered { ty: t, declared, identity: None });
            }
        }
        self.union_of(lowered, disc, doc_of(v.data), slot, at)
    }

    /// The union of variant types lowered already (one type: that type), named in `slot`.
    pub(super) fn union_of(
        &mut self,
        mut lowered: Vec<Lowered>,
        disc: Option<&Discriminator>,
        doc: Option<String>,
        slot: &Slot<'_>,
        at: &str,
    ) -> Result<TypeRef> {
        let base = Self::slot_name(slot);
        if lowered.len() == 1 {
            return Ok(lowered.remove(0).ty);
        }
        let mut scope = Scope::with_reserved(["Unknown"]);
        let mut variants = Vec::new();
        let mut from_default = Vec::new();
        for Lowered { ty: t, declared, identity } in lowered {
            // An inline variant type is named `{Union}Variant{n}`; its variant is `Variant{n}`.
            // Only a suffix that starts a new word: `Foo2` or `Foos` as a variant of `Foo` keep
            // their whole name (a variant cannot be `2`, and `s` is not a name).
            let wanted = match &t {
                TypeRef::Named(n)
                    if n.starts_with(&base) && n[base.len()..].starts_with(|c: char| c.is_ascii_uppercase()) =>
                {
                    naming::variant(&n[base.len()..])
                }
                other => variant_name(other),
            };
            let name = scope.claim(&wanted);
            let mut tags = Vec::new();
            // The type a discriminator mapping names this variant by.
            let identity = identity.as_ref().unwrap_or(&t);
            if let (Some(d), TypeRef::Named(n)) = (disc, identity) {
                for (value, target) in &d.mapping {
                    if let Ok(TypeRef::Named(m)) = self.ref_type(target, &format!("{at}/discriminator/mapping")) {
                        if &m == n {
                            tags.push(value.clone());
                        }
                    }
                }
                if tags.is_empty() {
                    // Without a mapping, OpenAPI says the value is the schema name; Telnyx's
                    // servers send the value the variant's schema pins for the property. Both
                    // decode; the pinned one is written.
                    if let Some((value, evidence)) = declared {
                        if evidence == Evidence::Default {
                            from_default.push(format!("{n} = {value:?}"));
                        }
                        tags.push(value);
                    }
                    if let Some((schema, _)) = self.components.iter().find(|(_, rust)| *rust == n) {
                        if !tags.contains(schema) {
                            tags.push(schema.clone());
                        }
                    }
                }
            }
            let constants = match (disc, identity) {
                (Some(d), TypeRef::Named(n)) => match self.components.iter().find(|(_, rust)| *rust == n) {
                    Some((schema, _)) => {
                        let reference =
                            format!("#/components/schemas/{}", schema.replace('~', "~0").replace('/', "~1"));
                        self.pinned_members(&ReferenceOr::Reference { reference }, &d.property_name, 0)
                    }
                    None => Vec::new(),
                },
                _ => Vec::new(),
            };
            variants.push(UnionVariant { name, ty: t, tags, boxed: false, constants });
        }
        if let (Some(d), false) = (disc, from_default.is_empty()) {
            self.warnings.push((
                DEFAULT_TAG,
                format!(
                    "{at}: discriminator `{}` without a mapping: variant values taken from the `default` of their \
                     property ({})",
                    d.property_name,
                    from_default.join(", ")
                ),
            ));
        }
        let union = Union { variants, discriminator: disc.map(|d| d.property_name.clone()), multipart: false };
        Ok(self.define(slot, at, doc, TypeKind::Union(union)))
    }
}

/// One variant type of a union being built.
pub(super) struct Lowered {
    pub(super) ty: TypeRef,
    /// The discriminator value the variant's schema pins.
    pub(super) declared: Option<(String, Evidence)>,
    /// The type a discriminator mapping refers to the variant by, when not `ty` itself (a
    /// variant merged from an `allOf` is mapped by the `oneOf` branch it was made from).
    pub(super) identity: Option<TypeRef>,
}

pub(super) fn variant_name(t: &TypeRef) -> String {
    match t {
        TypeRef::String => "String".into(),
        TypeRef::Integer => "Integer".into(),
        TypeRef::Number => "Number".into(),
        TypeRef::Boolean => "Boolean".into(),
        TypeRef::Json => "Json".into(),
        TypeRef::JsonMap => "Object".into(),
        TypeRef::File => "File".into(),
        TypeRef::Array(inner) => format!("{}List", variant_name(inner)),
        TypeRef::Map(inner) => format!("{}Map", variant_name(inner)),
        TypeRef::Nullable(inner) => variant_name(inner),
        TypeRef::Named(n) => n.clone(),
    }
}
