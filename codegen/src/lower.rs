//! Lowering: `openapiv3::OpenAPI` → [`Ir`]. The only module that understands OpenAPI.
//!
//! It resolves `$ref`s, names every inline schema (`{Parent}{Field}`, `{Operation}Body`,
//! `{Operation}Response`), merges `allOf` into one struct, turns `oneOf`/`anyOf` into unions,
//! picks parameter encodings and body kinds, collapses identical inline types into aliases of one
//! ([`crate::dedup`]), and assigns each type a module.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody as OaBody, Response,
    Schema, SchemaData, SchemaKind, StatusCode, Type,
};
use serde_json::Value;

use crate::error::{ptr, GenError, Result};
use crate::ir::*;
use crate::naming::{self, Overrides, Scope};

/// Module holding types used by more than one tag (or by none).
pub const SHARED_MODULE: &str = "shared";

mod nullables;
mod webhooks;
mod xml;

/// Lower a loaded 3.0 document (no `webhooks` section).
pub fn lower(api: &OpenAPI, overrides: &Overrides) -> Result<Ir> {
    lower_with_webhooks(api, &IndexMap::new(), overrides)
}

/// Lower a loaded spec with its (3.1) `webhooks` section.
pub fn lower_with_webhooks(
    api: &OpenAPI,
    webhooks: &IndexMap<String, ReferenceOr<openapiv3::PathItem>>,
    overrides: &Overrides,
) -> Result<Ir> {
    let mut l = Lowerer::new(api, overrides);
    l.components()?;
    let (mut operations, paging_unrecognised) = l.operations()?;
    let (webhook_events, webhook_unkeyed) = l.webhook_events(webhooks, &mut operations)?;
    // Again for the webhook payload types, which exist only now (none is paged).
    nullables::flatten_response_only(&mut l.types, &operations);
    let mut types = std::mem::take(&mut l.types);
    let components: BTreeSet<&str> = l.components.values().map(String::as_str).collect();
    crate::dedup::dedup(&mut types, &components);
    mark_boxes(&mut types);
    let tags = l.tags_in_use(&operations);
    let warnings = std::mem::take(&mut l.warnings).into_iter().map(|(k, w)| (k.to_owned(), w)).collect();
    let servers = std::mem::take(&mut l.servers);
    let xml_docs = std::mem::take(&mut l.xml_docs);
    assign_modules(&mut types, &operations);
    types.sort_by(|a, b| (a.module.as_str(), a.name.as_str()).cmp(&(b.module.as_str(), b.name.as_str())));
    Ok(Ir {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        tags,
        types,
        operations,
        paging_unrecognised,
        webhook_events,
        webhook_unkeyed,
        features: Vec::new(),
        warnings,
        servers,
        xml_docs,
    })
}

/// The operation's first tag, which decides its module; `Other` for an operation without one.
fn tag_of(op: &openapiv3::Operation) -> String {
    op.tags.first().cloned().unwrap_or_else(|| "Other".to_owned())
}

/// The operationId, or one derived from the method and path when the spec gives none.
fn operation_id(op: &openapiv3::Operation, method: &str, path: &str) -> String {
    match &op.operation_id {
        Some(id) if !id.trim().is_empty() => id.clone(),
        _ => naming::derived_operation_name(method, path),
    }
}

/// A schema seen through one lens, whether `openapiv3` parsed it as a typed schema or as
/// `AnySchema` (no `type`, or a mix of keywords).
struct View<'s> {
    data: &'s SchemaData,
    ty: Option<&'s str>,
    format: Option<String>,
    enum_values: Vec<Value>,
    properties: Option<&'s IndexMap<String, ReferenceOr<Box<Schema>>>>,
    required: &'s [String],
    additional: Option<&'s AdditionalProperties>,
    items: Option<&'s ReferenceOr<Box<Schema>>>,
    one_of: &'s [ReferenceOr<Schema>],
    any_of: &'s [ReferenceOr<Schema>],
    all_of: &'s [ReferenceOr<Schema>],
    has_not: bool,
}

fn fmt_of<T: serde::Serialize>(f: &openapiv3::VariantOrUnknownOrEmpty<T>) -> Option<String> {
    match f {
        openapiv3::VariantOrUnknownOrEmpty::Item(i) => serde_json::to_value(i).ok()?.as_str().map(str::to_owned),
        openapiv3::VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        openapiv3::VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn view(s: &Schema) -> View<'_> {
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
        SchemaKind::Type(Type::Boolean(_)) => v.ty = Some("boolean"),
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
    let branches = if v.one_of.is_empty() { v.any_of } else { v.one_of };
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
    v.properties.is_some_and(|p| !p.is_empty()) && branches.iter().all(constraint_only)
}

fn doc_of(data: &SchemaData) -> Option<String> {
    data.description.clone().or_else(|| data.title.clone()).filter(|d| !d.trim().is_empty())
}

/// Where a lowered schema gets its name from.
enum Slot<'n> {
    /// A component schema: its name is reserved already.
    Fixed(&'n str),
    /// An inline schema: a name is claimed from this hint only if a named type is needed.
    Hint(&'n str),
}

struct Lowerer<'a> {
    api: &'a OpenAPI,
    overrides: &'a Overrides,
    scope: Scope,
    /// Component schema name → Rust type name.
    components: BTreeMap<String, String>,
    /// Lowered component parameters / request bodies / responses by pointer.
    cache: BTreeMap<String, TypeRef>,
    types: Vec<TypeDef>,
    /// Warnings: (kind, text).
    warnings: Vec<(&'static str, String)>,
    /// Servers of paths and operations other than the document's.
    servers: Vec<Server>,
    /// The XML forms of XML body and response types.
    xml_docs: Vec<XmlDocDef>,
}

/// Where a union variant's discriminator value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    /// A one-value `enum` (or `const`) on the variant's discriminator property.
    Enum,
    /// Only the property's `default`.
    Default,
}

/// Warning kind: a discriminator value read from a `default`.
pub const DEFAULT_TAG: &str = "discriminator without a mapping: a variant's value taken from its property's `default`";

const COMPONENT_SCHEMA: &str = "#/components/schemas/";

impl<'a> Lowerer<'a> {
    fn new(api: &'a OpenAPI, overrides: &'a Overrides) -> Self {
        Lowerer {
            api,
            overrides,
            scope: Scope::default(),
            components: BTreeMap::new(),
            cache: BTreeMap::new(),
            types: Vec::new(),
            warnings: Vec::new(),
            servers: Vec::new(),
            xml_docs: Vec::new(),
        }
    }

    /// How a security requirement list is sent: nothing for `[]`, else by its first
    /// requirement's first scheme (a SigV4 scheme, or the bearer API key).
    fn auth(&self, security: Option<&Vec<openapiv3::SecurityRequirement>>) -> Auth {
        let Some(reqs) = security else { return Auth::Bearer };
        let Some(first) = reqs.first() else { return Auth::None };
        let schemes = self.api.components.as_ref().map(|c| &c.security_schemes);
        let sigv4 = first.keys().next().and_then(|name| schemes?.get(name)).is_some_and(|s| match s {
            ReferenceOr::Item(openapiv3::SecurityScheme::APIKey { extensions, .. })
            | ReferenceOr::Item(openapiv3::SecurityScheme::HTTP { extensions, .. }) => extensions
                .get("x-amazon-apigateway-authtype")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")),
            _ => false,
        });
        if sigv4 {
            Auth::AwsSigV4
        } else {
            Auth::Bearer
        }
    }

    /// The name of a path's or operation's server, recorded in [`Lowerer::servers`]; `None` when
    /// it is the document's own (the base URL).
    fn server(&mut self, s: &openapiv3::Server) -> Option<String> {
        let url = s.url.trim_end_matches('/');
        if self.api.servers.iter().any(|d| d.url.trim_end_matches('/') == url) {
            return None;
        }
        if let Some(known) = self.servers.iter().find(|k| k.url == url) {
            return Some(known.name.clone());
        }
        let wanted = match s.extensions.get("x-telnyx-server-name").and_then(Value::as_str) {
            Some(n) => naming::snake(n),
            None => {
                // The first host label that is not a variable: `{region}.telnyxcloudstorage.com`.
                let host = url.split("://").nth(1).unwrap_or(url).split('/').next().unwrap_or("");
                naming::snake(host.split('.').find(|l| !l.contains('{')).unwrap_or("server"))
            }
        };
        let mut name = wanted.clone();
        let mut i = 2;
        while self.servers.iter().any(|k| k.name == name) {
            name = format!("{wanted}_{i}");
            i += 1;
        }
        let variables = s
            .variables
            .iter()
            .flatten()
            .map(|(n, v)| ServerVariable {
                name: n.clone(),
                default: v.default.clone(),
                values: v.enumeration.clone(),
                description: v.description.clone().filter(|d| !d.trim().is_empty()),
            })
            .collect();
        self.servers.push(Server {
            name: name.clone(),
            url: url.to_owned(),
            description: s.description.clone().filter(|d| !d.trim().is_empty()),
            variables,
        });
        Some(name)
    }

    /// The value a variant schema pins for the discriminator property `prop` (through
    /// references and `allOf`): a one-value string `enum` (a `const` is one by now), else a
    /// string `default`.
    fn declared_tag(&self, s: &ReferenceOr<Schema>, prop: &str, depth: usize) -> Option<(String, Evidence)> {
        if depth > 16 {
            return None;
        }
        let schema = match s {
            ReferenceOr::Reference { reference } => match self.component_schema(reference, "#").ok()?.1 {
                r @ ReferenceOr::Reference { .. } => return self.declared_tag(r, prop, depth + 1),
                ReferenceOr::Item(s) => s,
            },
            ReferenceOr::Item(s) => s,
        };
        let v = view(schema);
        if let Some(p) = v.properties.and_then(|ps| ps.get(prop)) {
            let p: &Schema = match p {
                ReferenceOr::Item(p) => p,
                ReferenceOr::Reference { reference } => match self.component_schema(reference, "#").ok()?.1 {
                    ReferenceOr::Item(s) => s,
                    ReferenceOr::Reference { .. } => return None,
                },
            };
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

    fn schemas(&self) -> Option<&'a IndexMap<String, ReferenceOr<Schema>>> {
        self.api.components.as_ref().map(|c| &c.schemas)
    }

    /// Reserve the names of all component schemas first, so inline names never take them.
    fn components(&mut self) -> Result<()> {
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

    fn push(&mut self, name: &str, pointer: &str, doc: Option<String>, kind: TypeKind) {
        self.types.push(TypeDef {
            name: name.to_owned(),
            pointer: pointer.to_owned(),
            doc,
            module: String::new(),
            nullable: false,
            kind,
            features: Vec::new(),
        });
    }

    fn component_schema(&self, reference: &str, at: &str) -> Result<(&'a str, &'a ReferenceOr<Schema>)> {
        let name = reference.strip_prefix(COMPONENT_SCHEMA).ok_or_else(|| {
            GenError::new(at, format!("unsupported $ref {reference:?}: only #/components/schemas/… is supported here"))
        })?;
        let name = unescape(name);
        self.schemas()
            .and_then(|s| s.get_key_value(name.as_str()))
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| GenError::new(at, format!("dangling $ref {reference:?}: no such schema")))
    }

    fn ref_type(&self, reference: &str, at: &str) -> Result<TypeRef> {
        let (name, _) = self.component_schema(reference, at)?;
        Ok(TypeRef::Named(self.components[name].clone()))
    }

    /// Is the schema behind this reference `nullable`? (Follows chains of references.)
    fn ref_nullable(&self, reference: &str, at: &str) -> Result<bool> {
        let mut seen = BTreeSet::new();
        let mut current = reference.to_owned();
        loop {
            let (name, s) = self.component_schema(&current, at)?;
            if !seen.insert(name) {
                return Err(GenError::new(at, format!("$ref cycle through {current:?}")));
            }
            match s {
                ReferenceOr::Reference { reference } => current = reference.clone(),
                ReferenceOr::Item(s) => return Ok(s.schema_data.nullable),
            }
        }
    }

    /// Lower a schema or reference in a position named by `hint`. Returns the type and whether
    /// the position is nullable.
    fn lower_ref(&mut self, s: &ReferenceOr<Schema>, hint: &str, at: &str) -> Result<(TypeRef, bool)> {
        match s {
            ReferenceOr::Reference { reference } => self.lower_reference(reference, at),
            ReferenceOr::Item(s) => self.lower_schema(s, Slot::Hint(hint), at),
        }
    }

    fn lower_boxed(&mut self, s: &ReferenceOr<Box<Schema>>, hint: &str, at: &str) -> Result<(TypeRef, bool)> {
        match s {
            ReferenceOr::Reference { reference } => self.lower_reference(reference, at),
            ReferenceOr::Item(s) => self.lower_schema(s, Slot::Hint(hint), at),
        }
    }

    /// A `$ref` position: the referenced type, nullable when the referenced schema is.
    fn lower_reference(&self, reference: &str, at: &str) -> Result<(TypeRef, bool)> {
        Ok((self.ref_type(reference, at)?, self.ref_nullable(reference, at)?))
    }

    /// Define a named type in `slot` and return a reference to it.
    fn define(&mut self, slot: &Slot<'_>, at: &str, doc: Option<String>, kind: TypeKind) -> TypeRef {
        let name = match slot {
            Slot::Fixed(n) => (*n).to_owned(),
            Slot::Hint(h) => self.scope.claim(&naming::type_name(h)),
        };
        self.push(&name, at, doc, kind);
        TypeRef::Named(name)
    }

    fn slot_name(slot: &Slot<'_>) -> String {
        match slot {
            Slot::Fixed(n) => (*n).to_owned(),
            Slot::Hint(h) => naming::type_name(h),
        }
    }

    fn lower_schema(&mut self, s: &Schema, slot: Slot<'_>, at: &str) -> Result<(TypeRef, bool)> {
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
                            let (t, n) = self.lower_boxed(items, &format!("{base}Item"), &format!("{at}/items"))?;
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

    fn lower_struct<'p>(
        &mut self,
        parent: &str,
        props: impl IntoIterator<Item = (&'p String, &'p ReferenceOr<Box<Schema>>)>,
        required: &[String],
        open: bool,
        at: &str,
    ) -> Result<Struct> {
        let mut scope = Scope::default();
        let mut fields = Vec::new();
        for (api_name, schema) in props {
            let pointer = ptr(&format!("{at}/properties"), api_name);
            let hint = format!("{parent}{}", naming::camel(api_name));
            let (ty, nullable) = self.lower_boxed(schema, &hint, &pointer)?;
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
        let multipart =
            fields.iter().any(|f| matches!(&f.ty, TypeRef::File) || f.ty == TypeRef::Array(Box::new(TypeRef::File)));
        // The undeclared members, as JSON values whatever the schema of `additionalProperties`
        // says (a multipart body sends only its declared parts).
        let additional = (open && !multipart).then(|| scope.claim("additional_properties"));
        Ok(Struct { fields, multipart, additional })
    }

    /// Collect the properties of every `allOf` part (following references and nested `allOf`).
    fn collect_all_of(
        &self,
        parts: &[ReferenceOr<Schema>],
        at: &str,
        props: &mut IndexMap<String, (ReferenceOr<Box<Schema>>, String)>,
        required: &mut Vec<String>,
        depth: usize,
    ) -> Result<()> {
        if depth > 32 {
            return Err(GenError::new(at, "allOf nested too deeply (cycle?)"));
        }
        for (i, part) in parts.iter().enumerate() {
            let part_at = format!("{at}/allOf/{i}");
            let (schema, base_at): (&Schema, String) = match part {
                ReferenceOr::Reference { reference } => {
                    let mut current = reference.clone();
                    loop {
                        let (name, s) = self.component_schema(&current, &part_at)?;
                        match s {
                            ReferenceOr::Reference { reference } => current = reference.clone(),
                            ReferenceOr::Item(s) => break (s, ptr("#/components/schemas", name)),
                        }
                    }
                }
                ReferenceOr::Item(s) => (s, part_at.clone()),
            };
            let v = view(schema);
            if !v.one_of.is_empty() || !v.any_of.is_empty() {
                return Err(GenError::new(part_at, "allOf with a oneOf/anyOf part is not supported"));
            }
            if !v.all_of.is_empty() {
                self.collect_all_of(v.all_of, &base_at, props, required, depth + 1)?;
            }
            for (k, s) in v.properties.into_iter().flatten() {
                props.entry(k.clone()).or_insert_with(|| (s.clone(), base_at.clone()));
            }
            for r in v.required {
                if !required.contains(r) {
                    required.push(r.clone());
                }
            }
        }
        Ok(())
    }

    /// `allOf` is merged into one struct (properties of all parts, first definition wins,
    /// `required` united). An `allOf` of a single reference is that type.
    fn lower_all_of(&mut self, v: &View<'_>, slot: &Slot<'_>, at: &str) -> Result<TypeRef> {
        let own_props = v.properties.is_some_and(|p| !p.is_empty());
        if v.all_of.len() == 1 && !own_props {
            // `allOf: [$ref]` (often used to attach a description) is that type; a component
            // defined this way becomes an alias of it.
            let (t, _) = self.lower_ref(&v.all_of[0], &Self::slot_name(slot), &format!("{at}/allOf/0"))?;
            return Ok(t);
        }
        let mut props = IndexMap::new();
        let mut required: Vec<String> = v.required.to_vec();
        self.collect_all_of(v.all_of, at, &mut props, &mut required, 0)?;
        for (k, s) in v.properties.into_iter().flatten() {
            props.entry(k.clone()).or_insert_with(|| (s.clone(), at.to_owned()));
        }
        let doc = doc_of(v.data);
        if props.is_empty() {
            return Ok(TypeRef::JsonMap);
        }
        let base = Self::slot_name(slot);
        let mut scope = Scope::default();
        let mut fields = Vec::new();
        for (api_name, (schema, part_at)) in &props {
            let pointer = ptr(&format!("{part_at}/properties"), api_name);
            let hint = format!("{base}{}", naming::camel(api_name));
            let (ty, nullable) = self.lower_boxed(schema, &hint, &pointer)?;
            let fdoc = match schema {
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
                doc: fdoc,
            });
        }
        let multipart = fields.iter().any(|f| f.ty == TypeRef::File);
        Ok(self.define(slot, at, doc, TypeKind::Struct(Struct { fields, multipart, additional: None })))
    }

    fn lower_union(
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
        let mut lowered: Vec<(TypeRef, Option<(String, Evidence)>)> = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let item_at = format!("{at}/{key}/{i}");
            let (t, n) = self.lower_ref(s, &format!("{base}Variant{}", i + 1), &item_at)?;
            let t = if n { TypeRef::Nullable(Box::new(t)) } else { t };
            if !lowered.iter().any(|(l, _)| l == &t) {
                let declared = disc.and_then(|d| self.declared_tag(s, &d.property_name, 0));
                lowered.push((t, declared));
            }
        }
        if lowered.len() == 1 {
            return Ok(lowered.remove(0).0);
        }
        let mut scope = Scope::with_reserved(["Unknown"]);
        let mut variants = Vec::new();
        let mut from_default = Vec::new();
        for (t, declared) in lowered {
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
            if let (Some(d), TypeRef::Named(n)) = (disc, &t) {
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
            variants.push(UnionVariant { name, ty: t, tags, boxed: false });
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
        Ok(self.define(slot, at, doc_of(v.data), TypeKind::Union(union)))
    }

    // ----- operations -----

    fn operations(&mut self) -> Result<(Vec<Operation>, Vec<UnrecognisedPaging>)> {
        let mut ops = Vec::new();
        let mut method_scopes: BTreeMap<String, Scope> = BTreeMap::new();
        // The methods the runtime adds to a hook operation's API struct are taken first.
        for (path, item) in &self.api.paths.paths {
            let ReferenceOr::Item(item) = item else { continue };
            for (method, op) in item.iter() {
                for hook in crate::hooks::hooks_for(method, path) {
                    let tag = tag_of(op);
                    let scope = method_scopes.entry(self.tag_module(&tag)).or_default();
                    for name in hook.reserved {
                        scope.claim(name);
                    }
                }
            }
        }
        let wanted = self.method_names();
        let mut wanted = wanted.into_iter();
        for (path, item) in &self.api.paths.paths {
            let path_at = ptr("#/paths", path);
            let item = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { .. } => {
                    return Err(GenError::new(path_at, "path item $ref is not supported"));
                }
            };
            for (method, op) in item.iter() {
                let at = format!("{path_at}/{method}");
                let name = wanted.next().unwrap_or_default();
                let lowered = self.operation(path, method, op, item, &at, (&name, &mut method_scopes))?;
                ops.push(lowered);
            }
        }
        // Before paging, whose field paths say whether a field is a double `Option`.
        nullables::flatten_response_only(&mut self.types, &ops);
        // Paging is decided once every type exists; item-stream names are claimed after all
        // operation names, so a stream method never takes an operation's name.
        let index: std::collections::HashMap<&str, &TypeDef> =
            self.types.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut unrecognised = Vec::new();
        for op in &mut ops {
            let scope = method_scopes.entry(op.tag_module.clone()).or_default();
            let claim = || scope.claim(&format!("{}_stream", op.rust_name));
            match crate::paging::detect(op, &index, claim) {
                crate::paging::Detection::NotPaged => {}
                crate::paging::Detection::Paged(p) => op.paging = Some(*p),
                crate::paging::Detection::Unrecognised(reason) => unrecognised.push(UnrecognisedPaging {
                    operation: op.id.clone(),
                    pointer: op.pointer.clone(),
                    reason,
                }),
            }
        }
        Ok((ops, unrecognised))
    }

    /// The wanted method name of every operation, in document order ([`crate::method_names`]).
    fn method_names(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for (path, item) in &self.api.paths.paths {
            let ReferenceOr::Item(item) = item else { continue };
            for (method, op) in item.iter() {
                keys.push(crate::method_names::OperationKey {
                    tag_module: self.tag_module(&tag_of(op)),
                    id: operation_id(op, method, path),
                    method,
                    path,
                });
            }
        }
        crate::method_names::method_names(&keys, &self.overrides.operations)
    }

    fn resolve_param<'p>(&self, p: &'p ReferenceOr<Parameter>, at: &str) -> Result<(&'p Parameter, Option<String>)>
    where
        'a: 'p,
    {
        match p {
            ReferenceOr::Item(p) => Ok((p, None)),
            ReferenceOr::Reference { reference } => {
                let name = reference
                    .strip_prefix("#/components/parameters/")
                    .ok_or_else(|| GenError::new(at, format!("unsupported parameter $ref {reference:?}")))?;
                let name = unescape(name);
                let p = self
                    .api
                    .components
                    .as_ref()
                    .and_then(|c| c.parameters.get(&name))
                    .ok_or_else(|| GenError::new(at, format!("dangling $ref {reference:?}")))?;
                match p {
                    ReferenceOr::Item(p) => Ok((p, Some(ptr("#/components/parameters", &name)))),
                    ReferenceOr::Reference { .. } => {
                        Err(GenError::new(at, "parameter $ref to a $ref is not supported"))
                    }
                }
            }
        }
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &openapiv3::Operation,
        item: &openapiv3::PathItem,
        at: &str,
        (wanted, method_scopes): (&str, &mut BTreeMap<String, Scope>),
    ) -> Result<Operation> {
        let (path_params, path_servers) = (&item.parameters, &item.servers);
        let id = operation_id(op, method, path);
        let has_spec_id = op.operation_id.as_ref().is_some_and(|id| !id.trim().is_empty());
        let tag = tag_of(op);
        let tag_module = self.tag_module(&tag);
        let rust_name = method_scopes.entry(tag_module.clone()).or_default().claim(wanted);
        let camel = naming::type_name(&rust_name);

        // Parameters: operation-level ones override path-level ones with the same name and place.
        let mut merged: Vec<(&Parameter, Option<String>, String)> = Vec::new();
        for (i, p) in op.parameters.iter().enumerate() {
            let p_at = format!("{at}/parameters/{i}");
            let (p, cache) = self.resolve_param(p, &p_at)?;
            merged.push((p, cache, p_at));
        }
        for (i, p) in path_params.iter().enumerate() {
            let p_at = format!("{}/parameters/{i}", at.rsplit_once('/').map_or(at, |x| x.0));
            let (p, cache) = self.resolve_param(p, &p_at)?;
            let data = p.parameter_data_ref();
            let dup = merged.iter().any(|(q, _, _)| {
                q.parameter_data_ref().name == data.name && std::mem::discriminant(*q) == std::mem::discriminant(p)
            });
            if !dup {
                merged.push((p, cache, p_at));
            }
        }
        let mut params = Vec::new();
        let mut names = Scope::with_reserved(["body", "params", "self"]);
        for (p, cache, p_at) in merged {
            let data = p.parameter_data_ref();
            let (location, style) = match p {
                Parameter::Path { .. } => (ParamLocation::Path, QueryStyle::FormComma),
                Parameter::Header { .. } => (ParamLocation::Header, QueryStyle::FormComma),
                Parameter::Query { style, .. } => {
                    let s = match style {
                        openapiv3::QueryStyle::DeepObject => QueryStyle::DeepObject,
                        openapiv3::QueryStyle::Form if data.explode == Some(false) => QueryStyle::FormComma,
                        openapiv3::QueryStyle::Form => QueryStyle::FormExplode,
                        other => {
                            return Err(GenError::new(p_at, format!("query style {other:?} is not supported")));
                        }
                    };
                    (ParamLocation::Query, s)
                }
                Parameter::Cookie { .. } => return Err(GenError::new(p_at, "cookie parameters are not supported")),
            };
            let ty = match &cache {
                Some(key) if self.cache.contains_key(key) => self.cache[key].clone(),
                _ => {
                    let hint = match &cache {
                        Some(key) => naming::type_name(key.rsplit('/').next().unwrap_or(&data.name)),
                        None => format!("{camel}{}", naming::camel(&data.name)),
                    };
                    let t = match &data.format {
                        ParameterSchemaOrContent::Schema(s) => self.lower_ref(s, &hint, &format!("{p_at}/schema"))?.0,
                        ParameterSchemaOrContent::Content(c) => match c.first() {
                            Some((_, media)) => match &media.schema {
                                Some(s) => self.lower_ref(s, &hint, &format!("{p_at}/content"))?.0,
                                None => TypeRef::Json,
                            },
                            None => return Err(GenError::new(p_at, "parameter has neither schema nor content")),
                        },
                    };
                    if let Some(key) = cache {
                        self.cache.insert(key, t.clone());
                    }
                    t
                }
            };
            // deepObject / object-valued query parameters stay structured.
            let style = if location == ParamLocation::Query && style == QueryStyle::FormExplode && self.is_object(&ty) {
                QueryStyle::DeepObject
            } else {
                style
            };
            params.push(Param {
                api_name: data.name.clone(),
                name: names.claim(&naming::snake(&data.name)),
                location,
                required: data.required || location == ParamLocation::Path,
                ty,
                style,
                doc: data.description.clone().filter(|d| !d.trim().is_empty()),
            });
        }
        // Path parameters in the order they appear in the template.
        let order: Vec<String> =
            path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned())).collect();
        for name in &order {
            if !params.iter().any(|p| p.location == ParamLocation::Path && &p.api_name == name) {
                return Err(GenError::new(at, format!("path parameter {{{name}}} is not declared")));
            }
        }
        params.sort_by_key(|p| match p.location {
            ParamLocation::Path => order.iter().position(|n| n == &p.api_name).unwrap_or(usize::MAX),
            _ => usize::MAX,
        });
        let params_struct = params.iter().any(|p| !p.required).then(|| self.scope.claim(&format!("{camel}Params")));

        let (body, multipart_alternative) = match &op.request_body {
            None => (None, None),
            Some(b) => {
                let (main, alt) = self.request_body(b, &camel, &format!("{at}/requestBody"))?;
                (Some(main), alt)
            }
        };
        let response = self.response(op, &camel, at)?;
        let auth = self.auth(op.security.as_ref().or(self.api.security.as_ref()));
        let server = match op.servers.first().or_else(|| path_servers.first()) {
            Some(s) => self.server(s),
            None => None,
        };
        Ok(Operation {
            id,
            has_spec_id,
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            pointer: at.to_owned(),
            tag,
            tag_module,
            rust_name,
            summary: op.summary.clone().filter(|s| !s.trim().is_empty()),
            description: op.description.clone().filter(|s| !s.trim().is_empty()),
            deprecated: op.deprecated,
            auth,
            server,
            params,
            params_struct,
            body,
            multipart_alternative,
            response,
            paging: None,
            // Filled with the webhook payload types by `webhook_events`.
            callbacks: Vec::new(),
        })
    }

    /// A multipart body is a struct, or a `oneOf` of structs (`VoiceCloneUploadRequest`: one
    /// per provider) whose value is the multipart body of whichever variant it holds.
    fn mark_multipart(&mut self, ty: &TypeRef, at: &str) -> Result<()> {
        let name = ty.named().map(str::to_owned);
        let def = name.as_deref().and_then(|n| self.types.iter().position(|d| d.name == n));
        let variants: Vec<String> = match def.map(|i| &self.types[i].kind) {
            Some(TypeKind::Struct(_)) => Vec::new(),
            Some(TypeKind::Union(u)) if !u.variants.iter().any(|v| !v.tags.is_empty()) => {
                let names: Vec<String> = u.variants.iter().filter_map(|v| v.ty.named().map(str::to_owned)).collect();
                let all_structs = names.len() == u.variants.len()
                    && names
                        .iter()
                        .all(|n| self.types.iter().any(|d| &d.name == n && matches!(d.kind, TypeKind::Struct(_))));
                if !all_structs {
                    return Err(GenError::new(
                        at,
                        "a multipart body that is a oneOf must be a oneOf of object schemas",
                    ));
                }
                names
            }
            _ => return Err(GenError::new(at, "a multipart body must be an object schema")),
        };
        for d in self.types.iter_mut() {
            let mine = Some(&d.name) == name.as_ref() || variants.contains(&d.name);
            match &mut d.kind {
                TypeKind::Struct(s) if mine => s.multipart = true,
                TypeKind::Union(u) if mine => u.multipart = true,
                _ => {}
            }
        }
        Ok(())
    }

    /// What a type is once aliases (`SttClientEvent = UploadFile`) are seen through.
    fn unalias<'t>(&'t self, t: &'t TypeRef) -> &'t TypeRef {
        let mut current = t;
        // Bounded, whatever the aliases look like.
        for _ in 0..16 {
            let TypeRef::Named(n) = current else { break };
            match self.types.iter().find(|d| &d.name == n) {
                Some(TypeDef { kind: TypeKind::Alias(inner), .. }) => current = inner,
                _ => break,
            }
        }
        current
    }

    fn is_object(&self, t: &TypeRef) -> bool {
        match t {
            TypeRef::JsonMap | TypeRef::Map(_) => true,
            TypeRef::Named(n) => self.types.iter().any(|d| &d.name == n && matches!(d.kind, TypeKind::Struct(_))),
            _ => false,
        }
    }

    fn request_body(
        &mut self,
        b: &ReferenceOr<OaBody>,
        camel: &str,
        at: &str,
    ) -> Result<(RequestBody, Option<RequestBody>)> {
        let (body, cache_key, at) = request_body_item(self.api, b, at)?;
        let pick = ["application/json", "multipart/form-data", "application/x-www-form-urlencoded", "text/xml", "*/*"]
            .iter()
            .find_map(|ct| body.content.get_key_value(*ct))
            .or_else(|| body.content.first());
        let Some((ct, media)) = pick else {
            return Err(GenError::new(format!("{at}/content"), "request body without content"));
        };
        let hint = match &cache_key {
            Some(n) => naming::type_name(n),
            None => format!("{camel}Body"),
        };
        let main = self.body_content(ct, media, body.required, &hint, &at)?;
        let alt = match body.content.get_key_value("multipart/form-data") {
            Some((mct, mmedia)) if main.kind == BodyKind::Json => {
                Some(self.body_content(mct, mmedia, body.required, &format!("{hint}Multipart"), &at)?)
            }
            _ => None,
        };
        Ok((main, alt))
    }

    fn body_content(
        &mut self,
        ct: &str,
        media: &openapiv3::MediaType,
        required: bool,
        hint: &str,
        at: &str,
    ) -> Result<RequestBody> {
        let media_at = ptr(&format!("{at}/content"), ct);
        let ty = match &media.schema {
            Some(s) => {
                let key = format!("{at}|{ct}");
                match self.cache.get(&key) {
                    Some(t) => t.clone(),
                    None => {
                        let t = self.lower_ref(s, hint, &format!("{media_at}/schema"))?.0;
                        self.cache.insert(key, t.clone());
                        t
                    }
                }
            }
            None => TypeRef::Json,
        };
        let kind = match ct {
            "application/json" => BodyKind::Json,
            "multipart/form-data" => BodyKind::Multipart,
            "application/x-www-form-urlencoded" => BodyKind::Form,
            c if xml::is_xml(c)
                && !matches!(self.unalias(&ty), TypeRef::String | TypeRef::File)
                && media.schema.as_ref().is_some_and(|s| self.record_xml(s, &ty)) =>
            {
                BodyKind::Xml(c.to_owned())
            }
            c if c.starts_with("text/") => BodyKind::Text(c.to_owned()),
            c if matches!(self.unalias(&ty), TypeRef::File | TypeRef::String) => {
                BodyKind::Bytes(if c == "*/*" { "application/octet-stream".to_owned() } else { c.to_owned() })
            }
            c if c.contains("json") || c == "*/*" => BodyKind::Json,
            c => return Err(GenError::new(media_at, format!("unsupported request content type {c:?}"))),
        };
        if kind == BodyKind::Multipart {
            self.mark_multipart(&ty, &media_at)?;
        }
        Ok(RequestBody { kind, ty, required })
    }

    fn response(&mut self, op: &openapiv3::Operation, camel: &str, at: &str) -> Result<ResponseKind> {
        let mut kinds: Vec<ResponseKind> = Vec::new();
        for (status, resp) in &op.responses.responses {
            let code = match status {
                StatusCode::Code(c) => *c,
                StatusCode::Range(r) => *r * 100,
            };
            if !(200..300).contains(&code) {
                continue;
            }
            let r_at = ptr(&format!("{at}/responses"), &status.to_string());
            let (resp, cache_key, r_at): (&Response, Option<String>, String) = match resp {
                ReferenceOr::Item(r) => (r, None, r_at),
                ReferenceOr::Reference { reference } => {
                    let name = reference
                        .strip_prefix("#/components/responses/")
                        .ok_or_else(|| GenError::new(&r_at, format!("unsupported response $ref {reference:?}")))?;
                    let name = unescape(name);
                    let r = self
                        .api
                        .components
                        .as_ref()
                        .and_then(|c| c.responses.get(&name))
                        .ok_or_else(|| GenError::new(&r_at, format!("dangling $ref {reference:?}")))?;
                    match r {
                        ReferenceOr::Item(r) => (r, Some(name.clone()), ptr("#/components/responses", &name)),
                        ReferenceOr::Reference { .. } => return Err(GenError::new(r_at, "response $ref to a $ref")),
                    }
                }
            };
            let hint = match &cache_key {
                Some(n) => naming::type_name(n),
                None => format!("{camel}Response"),
            };
            let json = resp.content.iter().find(|(ct, _)| ct.contains("json"));
            let other = resp.content.iter().find(|(ct, _)| !ct.contains("json"));
            let json_ty = match json {
                Some((ct, media)) => {
                    let key = format!("{r_at}|{ct}");
                    Some(match self.cache.get(&key) {
                        Some(t) => t.clone(),
                        None => {
                            let t = match &media.schema {
                                Some(s) => {
                                    self.lower_ref(
                                        s,
                                        &hint,
                                        &format!("{}/schema", ptr(&format!("{r_at}/content"), ct)),
                                    )?
                                    .0
                                }
                                None => TypeRef::Json,
                            };
                            self.cache.insert(key, t.clone());
                            t
                        }
                    })
                }
                None => None,
            };
            let kind = match (json_ty, other) {
                (None, None) => ResponseKind::Empty,
                (Some(t), None) => ResponseKind::Json(t),
                (Some(t), Some(_)) => ResponseKind::JsonOrText(t),
                (None, Some((ct, media))) => match &media.schema {
                    Some(schema) if xml::is_xml(ct) => {
                        let at = format!("{}/schema", ptr(&format!("{r_at}/content"), ct));
                        let t = self.lower_ref(schema, &hint, &at)?.0;
                        if !matches!(self.unalias(&t), TypeRef::String | TypeRef::File) && self.record_xml(schema, &t) {
                            ResponseKind::Xml(t)
                        } else {
                            ResponseKind::Text
                        }
                    }
                    _ if ct.starts_with("text/") => ResponseKind::Text,
                    _ => ResponseKind::Bytes,
                },
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(match kinds.len() {
            0 => ResponseKind::Empty,
            1 => kinds.remove(0),
            _ => {
                // Several success statuses with different bodies: an untagged union of them.
                let mut variants = Vec::new();
                let mut scope = Scope::with_reserved(["Unknown"]);
                for k in &kinds {
                    match k {
                        ResponseKind::Json(t) if !variants.iter().any(|v: &UnionVariant| &v.ty == t) => {
                            variants.push(UnionVariant {
                                name: scope.claim(&variant_name(t)),
                                ty: t.clone(),
                                tags: Vec::new(),
                                boxed: false,
                            })
                        }
                        ResponseKind::Json(_) | ResponseKind::Empty => {}
                        _ => {
                            return Err(GenError::new(
                                format!("{at}/responses"),
                                "success responses mix JSON and non-JSON bodies",
                            ))
                        }
                    }
                }
                if variants.len() == 1 {
                    ResponseKind::Json(variants.remove(0).ty)
                } else {
                    let name = self.scope.claim(&format!("{camel}Response"));
                    let doc = Some(format!(
                        "The success responses of `{}`, by shape.",
                        op.operation_id.as_deref().unwrap_or(camel)
                    ));
                    self.push(
                        &name,
                        &format!("{at}/responses"),
                        doc,
                        TypeKind::Union(Union { variants, discriminator: None, multipart: false }),
                    );
                    ResponseKind::Json(TypeRef::Named(name))
                }
            }
        })
    }

    fn tag_module(&self, tag: &str) -> String {
        self.overrides.tags.get(tag).cloned().unwrap_or_else(|| naming::snake(tag))
    }

    fn tags_in_use(&self, ops: &[Operation]) -> Vec<Tag> {
        let mut by_module: BTreeMap<String, Tag> = BTreeMap::new();
        let described: BTreeMap<&str, Option<String>> =
            self.api.tags.iter().map(|t| (t.name.as_str(), t.description.clone())).collect();
        for op in ops {
            by_module.entry(op.tag_module.clone()).or_insert_with(|| Tag {
                name: op.tag.clone(),
                module: op.tag_module.clone(),
                struct_name: format!("{}Api", naming::type_name(&op.tag_module)),
                doc: described.get(op.tag.as_str()).cloned().flatten().filter(|d| !d.trim().is_empty()),
                feature: None,
            });
        }
        by_module.into_values().collect()
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
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

fn variant_name(t: &TypeRef) -> String {
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

/// Box fields and variants that close a cycle of direct containment (`RecursiveCluster`).
fn mark_boxes(types: &mut [TypeDef]) {
    let index: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    // Direct edges: a named type held by value (not through Vec/Map, which already indirect).
    let direct = |t: &TypeRef| -> Option<String> {
        match t {
            TypeRef::Named(n) => Some(n.clone()),
            TypeRef::Nullable(inner) => match &**inner {
                TypeRef::Named(n) => Some(n.clone()),
                _ => None,
            },
            _ => None,
        }
    };
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let refs: Vec<&TypeRef> = match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
                TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
                TypeKind::Alias(a) => vec![a],
                TypeKind::Enum(_) => vec![],
            };
            refs.into_iter().filter_map(|r| direct(r).and_then(|n| index.get(&n).copied())).collect()
        })
        .collect();
    let reaches = |from: usize, to: usize| -> bool {
        let mut stack = vec![from];
        let mut seen = vec![false; edges.len()];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            stack.extend(edges[n].iter().copied());
        }
        false
    };
    for (me, t) in types.iter_mut().enumerate() {
        match &mut t.kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    if let Some(j) = direct(&f.ty).and_then(|n| index.get(&n).copied()) {
                        f.boxed = reaches(j, me);
                    }
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    if let Some(j) = direct(&v.ty).and_then(|n| index.get(&n).copied()) {
                        v.boxed = reaches(j, me);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Each type lives in the module of the only tag that uses it; types used by several tags (or
/// by none) live in `shared`. This is what lets a tag's module sit behind a Cargo feature.
/// A request body, through a `#/components/requestBodies/…` reference: the body, the
/// component's name when it is one, and the body's own pointer.
fn request_body_item<'b>(
    api: &'b OpenAPI,
    b: &'b ReferenceOr<OaBody>,
    at: &str,
) -> Result<(&'b OaBody, Option<String>, String)> {
    match b {
        ReferenceOr::Item(b) => Ok((b, None, at.to_owned())),
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/requestBodies/")
                .ok_or_else(|| GenError::new(at, format!("unsupported requestBody $ref {reference:?}")))?;
            let name = unescape(name);
            let b = api
                .components
                .as_ref()
                .and_then(|c| c.request_bodies.get(&name))
                .ok_or_else(|| GenError::new(at, format!("dangling $ref {reference:?}")))?;
            match b {
                ReferenceOr::Item(b) => {
                    let at = ptr("#/components/requestBodies", &name);
                    Ok((b, Some(name), at))
                }
                ReferenceOr::Reference { .. } => Err(GenError::new(at, "requestBody $ref to a $ref")),
            }
        }
    }
}

fn assign_modules(types: &mut [TypeDef], ops: &[Operation]) {
    let index: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    let children: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let mut refs = Vec::new();
            let mut add = |r: &TypeRef| {
                if let Some(n) = r.named() {
                    if let Some(&j) = index.get(n) {
                        refs.push(j);
                    }
                }
            };
            match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().for_each(|f| add(&f.ty)),
                TypeKind::Union(u) => u.variants.iter().for_each(|v| add(&v.ty)),
                TypeKind::Alias(a) => add(a),
                TypeKind::Enum(_) => {}
            }
            refs
        })
        .collect();
    let mut users: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); types.len()];
    for op in ops {
        let mut roots = Vec::new();
        for p in &op.params {
            roots.push(&p.ty);
        }
        if let Some(b) = &op.body {
            roots.push(&b.ty);
        }
        if let ResponseKind::Json(t) | ResponseKind::JsonOrText(t) | ResponseKind::Xml(t) = &op.response {
            roots.push(t);
        }
        // The webhooks an operation triggers live with it.
        roots.extend(&op.callbacks);
        let mut stack: Vec<usize> =
            roots.iter().filter_map(|r| r.named().and_then(|n| index.get(n).copied())).collect();
        let mut seen = BTreeSet::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            users[i].insert(op.tag_module.as_str());
            stack.extend(children[i].iter().copied());
        }
    }
    // Used by one tag: that tag's module. Used by several or by none (webhook payloads,
    // components no operation names): shared, and so is everything a shared type refers to, so
    // that `shared` never reaches into a tag's module (a deduplicated webhook payload, say, that
    // aliases a type only one tag's operations use).
    let mut shared: Vec<bool> = users.iter().map(|u| u.len() != 1).collect();
    let mut stack: Vec<usize> = (0..types.len()).filter(|&i| shared[i]).collect();
    while let Some(i) = stack.pop() {
        for &j in &children[i] {
            if !std::mem::replace(&mut shared[j], true) {
                stack.push(j);
            }
        }
    }
    for ((t, u), shared) in types.iter_mut().zip(users).zip(shared) {
        t.module = match u.first() {
            Some(tag) if !shared => (*tag).to_owned(),
            _ => SHARED_MODULE.to_owned(),
        };
    }
}
