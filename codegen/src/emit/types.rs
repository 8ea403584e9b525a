//! Types: structs, string enums with an `Unknown` variant, unions, aliases.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::docs::{doc_attrs, lines_to_attrs, sanitize};
use crate::ir::*;

pub fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// The Rust type for a [`TypeRef`]; named types are prefixed with `prefix` (e.g. `types::`).
pub fn type_tokens(t: &TypeRef, prefix: &TokenStream) -> TokenStream {
    match t {
        TypeRef::String => quote!(String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::JsonMap => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::File => quote!(crate::UploadFile),
        TypeRef::Array(inner) => {
            let inner = type_tokens(inner, prefix);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens(inner, prefix);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Nullable(inner) => {
            let inner = type_tokens(inner, prefix);
            quote!(Option<#inner>)
        }
        TypeRef::Named(n) => {
            let n = ident(n);
            quote!(#prefix #n)
        }
    }
}

/// The Rust type of a struct field: boxed where it closes a cycle; `Option` when optional or
/// `nullable`, `Option<Option<_>>` when both (so `null` and "absent" stay distinct).
pub fn field_type(f: &Field, prefix: &TokenStream) -> TokenStream {
    let mut ty = type_tokens(&f.ty, prefix);
    if f.boxed {
        ty = quote!(Box<#ty>);
    }
    match (f.required, f.nullable) {
        (true, false) => ty,
        (true, true) | (false, false) => quote!(Option<#ty>),
        (false, true) => quote!(Option<Option<#ty>>),
    }
}

/// A union dispatched on its discriminator (with an `Unknown(serde_json::Value)` fallback)
/// rather than tried variant by variant.
pub fn union_is_tagged(u: &Union) -> bool {
    u.discriminator.is_some() && u.variants.iter().any(|v| !v.tags.is_empty())
}

/// Which named types implement `Default` (so structs holding them can derive it).
pub fn defaultable(types: &[TypeDef]) -> BTreeMap<&str, bool> {
    let by_name: BTreeMap<&str, &TypeDef> = types.iter().map(|t| (t.name.as_str(), t)).collect();
    // Optimistic fixpoint: start with every struct/alias defaultable, remove until stable.
    let mut ok: BTreeMap<&str, bool> =
        types.iter().map(|t| (t.name.as_str(), matches!(t.kind, TypeKind::Struct(_) | TypeKind::Alias(_)))).collect();
    loop {
        let mut changed = false;
        for t in types {
            if !ok[t.name.as_str()] {
                continue;
            }
            let still = match &t.kind {
                // A required member has no default: a request type must not send `""` for a
                // member its caller never set (it has `new` instead, see `calls::constructor`).
                TypeKind::Struct(s) => s.fields.iter().all(|f| !f.required || f.nullable),
                TypeKind::Alias(a) => ref_default(a, &ok, &by_name),
                _ => false,
            };
            if !still {
                ok.insert(t.name.as_str(), false);
                changed = true;
            }
        }
        if !changed {
            return ok;
        }
    }
}

/// The named types `types` refers to, and those they refer to, and so on.
fn closure<'a>(by_name: &BTreeMap<&'a str, &'a TypeDef>, roots: Vec<&TypeRef>) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = roots.into_iter().filter_map(TypeRef::named).collect();
    while let Some(name) = stack.pop() {
        let Some(t) = by_name.get(name) else { continue };
        if !seen.insert(t.name.as_str()) {
            continue;
        }
        match &t.kind {
            TypeKind::Struct(s) => stack.extend(s.fields.iter().filter_map(|f| f.ty.named())),
            TypeKind::Union(u) => stack.extend(u.variants.iter().filter_map(|v| v.ty.named())),
            TypeKind::Alias(a) => stack.extend(a.named()),
            TypeKind::Enum(_) => {}
        }
    }
    seen
}

/// The types requests send: parameters and bodies, and every type they refer to. Each struct
/// of them with a required member gets `new` ([`super::calls::constructor`]).
pub fn sent(ir: &Ir) -> BTreeSet<&str> {
    let by_name: BTreeMap<&str, &TypeDef> = ir.types.iter().map(|t| (t.name.as_str(), t)).collect();
    closure(
        &by_name,
        ir.operations
            .iter()
            .flat_map(|op| {
                op.params
                    .iter()
                    .map(|p| &p.ty)
                    .chain(op.body.iter().chain(&op.multipart_alternative).map(|b| &b.ty))
                    .chain(op.response.sent())
            })
            .collect(),
    )
}

/// The types that get an `impl Shaped` (the lenient decoding's view of a type): all but those
/// only requests send. A type a response, a paged item, a webhook or a callback carries is
/// shaped, as is one nothing reaches (users decode such schemas themselves), and so is every
/// type a shaped one refers to.
pub fn shaped(ir: &Ir) -> BTreeSet<&str> {
    let by_name: BTreeMap<&str, &TypeDef> = ir.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let sent = sent(ir);
    let received = ir.operations.iter().flat_map(|op| {
        op.response.received().into_iter().chain(op.paging.iter().map(|p| &p.item)).chain(&op.callbacks)
    });
    let named: Vec<TypeRef> = ir
        .webhook_events
        .iter()
        .map(|e| TypeRef::Named(e.ty.clone()))
        .chain(ir.webhook_unkeyed.iter().filter_map(|u| u.ty.clone().map(TypeRef::Named)))
        .chain(ir.types.iter().filter(|t| !sent.contains(t.name.as_str())).map(|t| TypeRef::Named(t.name.clone())))
        .collect();
    closure(&by_name, received.chain(&named).collect())
}

fn ref_default(t: &TypeRef, ok: &BTreeMap<&str, bool>, by_name: &BTreeMap<&str, &TypeDef>) -> bool {
    match t {
        TypeRef::Named(n) => ok.get(n.as_str()).copied().unwrap_or(false) && by_name.contains_key(n.as_str()),
        _ => true,
    }
}

/// The doc of a type: the spec's description, then where in the spec the type comes from.
fn type_doc(t: &TypeDef) -> TokenStream {
    let mut lines = t.doc.as_deref().map(sanitize).unwrap_or_default();
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!("Spec: `{}`", t.pointer));
    lines_to_attrs(&lines)
}

/// Tokens for one type definition; `cfg` (a `#[cfg]` attribute or nothing) goes on each item.
pub fn type_def(
    t: &TypeDef,
    default: &BTreeMap<&str, bool>,
    shaped: &BTreeSet<&str>,
    inputs: &BTreeSet<&str>,
    cfg: &TokenStream,
) -> TokenStream {
    let shaped = shaped.contains(t.name.as_str());
    let name = ident(&t.name);
    let doc = type_doc(t);
    let none = TokenStream::new();
    match &t.kind {
        TypeKind::Alias(target) => {
            let target = type_tokens(target, &none);
            quote! {
                #doc
                #cfg
                pub type #name = #target;
            }
        }
        TypeKind::Struct(s) => {
            let def = struct_def(t, s, default.get(t.name.as_str()).copied().unwrap_or(false), shaped, cfg);
            let ctor = if inputs.contains(t.name.as_str()) {
                super::calls::constructor(t, s, cfg)
            } else {
                TokenStream::new()
            };
            quote!(#def #ctor)
        }
        TypeKind::Enum(variants) => enum_def(&name, doc, variants, cfg),
        TypeKind::Union(u) => union_def(&name, doc, u, shaped, cfg),
    }
}

fn struct_def(t: &TypeDef, s: &Struct, derive_default: bool, shaped: bool, cfg: &TokenStream) -> TokenStream {
    let name = ident(&t.name);
    let doc = type_doc(t);
    let none = TokenStream::new();
    // A struct of optional fields only (and so `Default`) gets its serde impls from
    // `codec::optional_fields!`, which compiles to far less than serde's derives; one with a
    // required field keeps the derives (whose `Deserialize` reports the missing field).
    // Undeclared members kept in a map need serde's `flatten`: derives then too.
    let all_optional = derive_default && s.fields.iter().all(|f| !f.required) && s.additional.is_none();
    let fields = s.fields.iter().map(|f| {
        let fname = ident(&f.name);
        let ty = field_type(f, &none);
        let fdoc = doc_attrs(f.doc.as_deref());
        // `optional_fields!` (de)serializes by wire name: no serde attributes then.
        let serde_attrs = if all_optional {
            TokenStream::new()
        } else {
            let rename = if f.name != f.api_name {
                let api = &f.api_name;
                quote!(#[serde(rename = #api)])
            } else {
                TokenStream::new()
            };
            let attrs = match (f.required, f.nullable) {
                (true, _) => TokenStream::new(),
                (false, false) => quote!(#[serde(default, skip_serializing_if = "Option::is_none")]),
                (false, true) => {
                    quote!(#[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::codec::double_option")])
                }
            };
            quote!(#rename #attrs)
        };
        quote! {
            #fdoc
            #serde_attrs
            pub #fname: #ty,
        }
    });
    let additional = s.additional.as_deref().map(|a| {
        let a = ident(a);
        quote! {
            /// Members the spec does not declare (it admits any): received as sent, and sent as
            /// members of this object.
            #[serde(flatten)]
            pub #a: serde_json::Map<String, serde_json::Value>,
        }
    });
    let derive_default = if derive_default { quote!(Default,) } else { TokenStream::new() };
    let multipart = if s.multipart {
        let parts = s.fields.iter().map(|f| {
            let fname = ident(&f.name);
            let api = &f.api_name;
            match (&f.ty, f.required && !f.nullable) {
                (TypeRef::File, true) => quote!(form.file(#api, &self.#fname);),
                (TypeRef::File, false) if !f.nullable => quote!(form.file_opt(#api, &self.#fname);),
                (TypeRef::Array(inner), true) if **inner == TypeRef::File => quote! {
                    for file in &self.#fname { form.file(#api, file); }
                },
                (TypeRef::Array(inner), false) if **inner == TypeRef::File && !f.nullable => quote! {
                    for file in self.#fname.iter().flatten() { form.file(#api, file); }
                },
                _ => quote!(form.text(#api, &self.#fname);),
            }
        });
        quote! {
            #cfg
            impl #name {
                /// The `multipart/form-data` body for this value: file fields as file parts,
                /// everything else as text parts.
                pub fn into_multipart(&self) -> crate::Multipart {
                    let mut form = crate::Multipart::new();
                    #(#parts)*
                    form
                }
            }
        }
    } else {
        TokenStream::new()
    };
    // The shape the lenient decoding walks a deviating body with (`telnyx_api_core::shape`).
    let shape_fields = s.fields.iter().map(|f| {
        let api = &f.api_name;
        let ty = field_type(f, &none);
        quote!(crate::shape::field::<#ty>(#api))
    });
    let open = s.additional.is_some();
    let name_text = t.name.as_str();
    let shape =
        shaped.then(|| shape_impl(&name, quote!(crate::shape::object(#name_text, &[#(#shape_fields),*], #open)), cfg));
    let (derives, serde_impls) = if all_optional {
        (quote!(Debug, Clone, PartialEq, Default), optional_fields(&name, s, cfg))
    } else {
        (quote!(Debug, Clone, PartialEq, #derive_default serde::Serialize, serde::Deserialize), TokenStream::new())
    };
    quote! {
        #doc
        #cfg
        #[derive(#derives)]
        pub struct #name {
            #(#fields)*
            #additional
        }
        #serde_impls
        #shape
        #multipart
    }
}

/// `Serialize` and `Deserialize` for a struct whose fields are all optional: each member by
/// its wire name, decoded with one `match` on the name (`telnyx_api::codec::optional_fields!`).
fn optional_fields(name: &Ident, s: &Struct, cfg: &TokenStream) -> TokenStream {
    let members = s.fields.iter().map(|f| {
        let fname = ident(&f.name);
        let api = &f.api_name;
        // `Option<Option<T>>`: a `null` member is `Some(None)`, kept apart from absent.
        let nullable = if f.nullable { quote!(nullable) } else { TokenStream::new() };
        quote!(#api => #fname #nullable)
    });
    quote! {
        #cfg
        crate::codec::optional_fields!(#name { #(#members),* });
    }
}

fn enum_def(name: &Ident, doc: TokenStream, variants: &[EnumVariant], cfg: &TokenStream) -> TokenStream {
    let decl = variants.iter().map(|v| {
        let vn = ident(&v.name);
        let vdoc = if v.value.is_empty() {
            " The empty string.".to_owned()
        } else {
            format!(" `{}`", v.value.replace('`', "'"))
        };
        quote!(#[doc = #vdoc] #vn,)
    });
    let as_str = variants.iter().map(|v| {
        let vn = ident(&v.name);
        let value = &v.value;
        quote!(Self::#vn => #value,)
    });
    let from = variants.iter().map(|v| {
        let vn = ident(&v.name);
        let value = &v.value;
        quote!(#value => Self::#vn,)
    });
    quote! {
        #doc
        #cfg
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#decl)*
            /// A value this version of the crate does not know, kept as sent.
            Unknown(String),
        }
        #cfg
        impl #name {
            /// The value as it goes on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    Self::Unknown(other) => other,
                }
            }
        }
        #cfg
        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }
        #cfg
        crate::codec::string_enum!(#name);
    }
}

fn union_def(name: &Ident, doc: TokenStream, u: &Union, shaped: bool, cfg: &TokenStream) -> TokenStream {
    let none = TokenStream::new();
    let tagged = union_is_tagged(u);
    let decl = u.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let mut ty = type_tokens(&v.ty, &none);
        if v.boxed {
            ty = quote!(Box<#ty>);
        }
        quote!(#vn(#ty),)
    });
    if !tagged {
        // Lowering only marks untagged unions of multipart structs as multipart.
        let multipart = if u.multipart {
            let arms = u.variants.iter().map(|v| {
                let vn = ident(&v.name);
                quote!(Self::#vn(v) => v.into_multipart(),)
            });
            quote! {
                #cfg
                impl #name {
                    /// The `multipart/form-data` body of whichever variant this is.
                    pub fn into_multipart(&self) -> crate::Multipart {
                        match self {
                            #(#arms)*
                        }
                    }
                }
            }
        } else {
            TokenStream::new()
        };
        // Decoded by `codec::untagged`: the first variant that fits, as serde's `untagged` (a
        // lenient decoding has brought the value to the variant that fits best: its shape).
        let variants = u.variants.iter().map(|v| {
            let vn = ident(&v.name);
            let wrap = if v.boxed { quote!(|x| Self::#vn(Box::new(x))) } else { quote!(Self::#vn) };
            quote!(|v| crate::codec::variant(v, #wrap),)
        });
        let shapes = u.variants.iter().map(|v| {
            let ty = variant_type(v, &none);
            quote!(crate::shape::of::<#ty>())
        });
        let name_text = name.to_string();
        let shape = shaped.then(|| {
            shape_impl(name, quote!(crate::shape::Shape::Untagged { name: #name_text, variants: &[#(#shapes),*] }), cfg)
        });
        return quote! {
            #doc
            #cfg
            #[derive(Debug, Clone, PartialEq, serde::Serialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#decl)*
            }
            #cfg
            impl<'de> serde::Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    crate::codec::untagged(deserializer, #name_text, &[#(#variants)*])
                }
            }
            #shape
            #multipart
        };
    }
    let prop = u.discriminator.clone().unwrap_or_default();
    let arms = u.variants.iter().filter(|v| !v.tags.is_empty()).map(|v| {
        let vn = ident(&v.name);
        let tags = &v.tags;
        let wrap = if v.boxed { quote!(|v| Self::#vn(Box::new(v))) } else { quote!(Self::#vn) };
        quote!(#(Some(#tags))|* => crate::codec::from_value(value).map(#wrap),)
    });
    let tagged_shapes = u.variants.iter().flat_map(|v| {
        let ty = variant_type(v, &none);
        v.tags.iter().map(move |tag| quote!((#tag, crate::shape::of::<#ty>())))
    });
    let name_text = name.to_string();
    let shape = shaped.then(|| {
        shape_impl(
            name,
            quote!(crate::shape::Shape::Tagged { name: #name_text, property: #prop, variants: &[#(#tagged_shapes),*] }),
            cfg,
        )
    });
    // Without the discriminator member, the variant the members tell (a shaped union only:
    // `codec::tagless` reads the variants' shapes).
    let tag = if shaped {
        let constants = u.variants.iter().filter(|v| !v.constants.is_empty()).filter_map(|v| {
            let tag = v.tags.first()?;
            let pinned = v.constants.iter().map(|(m, json)| quote!((#m, #json)));
            Some(quote!((#tag, &[#(#pinned),*])))
        });
        quote! {
            match value.get(#prop) {
                Some(tag) => tag.as_str(),
                None => crate::codec::tagless(&value, <Self as crate::shape::Shaped>::SHAPE, &[#(#constants),*]),
            }
        }
    } else {
        quote!(value.get(#prop).and_then(serde_json::Value::as_str))
    };
    let unknown_doc = format!(
        " A `{prop}` value this version of the crate does not know (or, without `{prop}`, members no variant \
         fits), kept as JSON."
    );
    // Written with the discriminator value the server sends, also when the variant's own field
    // for it is left empty.
    let ser_arms = u.variants.iter().map(|v| {
        let vn = ident(&v.name);
        match v.tags.first() {
            Some(tag) => quote!(Self::#vn(v) => crate::codec::serialize_tagged(v, #prop, #tag, serializer),),
            None => quote!(Self::#vn(v) => serde::Serialize::serialize(v, serializer),),
        }
    });
    quote! {
        #doc
        #cfg
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#decl)*
            #[doc = #unknown_doc]
            Unknown(serde_json::Value),
        }
        #cfg
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#ser_arms)*
                    Self::Unknown(v) => serde::Serialize::serialize(v, serializer),
                }
            }
        }
        #cfg
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let tag = #tag;
                match tag {
                    #(#arms)*
                    _ => Ok(Self::Unknown(value)),
                }
            }
        }
        #shape
    }
}

/// `impl Shaped for #name` with the shape `shape` (an expression of type `Shape`): what the
/// lenient decoding walks a deviating body with (`telnyx_api_core::shape`): a `static` behind a
/// function of the type's own crate (`Shape::Named`), which other types' shapes refer to
/// (recursive types make cycles), compiled once, there.
fn shape_impl(name: &Ident, shape: TokenStream, cfg: &TokenStream) -> TokenStream {
    quote! {
        #cfg
        impl crate::shape::Shaped for #name {
            const SHAPE: &'static crate::shape::Shape = {
                fn shape() -> &'static crate::shape::Shape {
                    static SHAPE: crate::shape::Shape = #shape;
                    &SHAPE
                }
                &crate::shape::Shape::Named(shape)
            };
        }
    }
}

/// The Rust type of a union's variant (boxed where it closes a cycle).
fn variant_type(v: &UnionVariant, prefix: &TokenStream) -> TokenStream {
    let ty = type_tokens(&v.ty, prefix);
    if v.boxed {
        quote!(Box<#ty>)
    } else {
        ty
    }
}

/// Identifier for a module name.
pub fn module_ident(m: &str) -> Ident {
    format_ident!("{}", m)
}
