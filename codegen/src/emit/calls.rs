//! Calls the way Telnyx's docs show them: the resource tree of the official SDKs' call paths
//! (`client.calls().actions().answer(&id)`, `generated/resources.rs`), and each operation's
//! input (its body, or its optional parameters) as setters on the returned
//! `ApiCall<T, Input>` (`generated/inputs.rs` for bodies; a tag's file for its parameters).
//!
//! An operation's input is decided here, once ([`Calls::input`]): a body whose type is a
//! struct (JSON, form, multipart or XML) is the input, its required members the method's
//! arguments (through the struct's `new`) and its optional ones setters; otherwise the optional
//! parameters are, when the operation has any; otherwise nothing (a body of another shape is an
//! argument, as a whole).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{lines_to_attrs, sanitize};
use super::features;
use super::types::{ident, type_tokens};
use crate::ir::*;

/// Methods every `ApiCall` has (`telnyx-api/src/request/call.rs`): a setter of the same name
/// would be a second definition, so it gets a `set_` prefix. `items` is the item stream of a
/// paged call.
pub const CALL_METHODS: &[&str] = &[
    "request",
    "input_mut",
    "edit_input",
    "replace_input",
    "into_built",
    "max_retries",
    "retry_policy",
    "timeout",
    "with_response",
    "send",
    "into_byte_stream",
    "into_future",
    "items",
    "retry_non_idempotent",
    "extra_header",
    "extra_query",
    "extra_body",
    // `crate::ws::WsCall`.
    "connect",
];

/// How the API lets a request be repeated without repeating its effect: its dedup key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupKey<'a> {
    /// A member of the body (`command_id`: "Telnyx will ignore any command with the same
    /// `command_id`"), by its name on the wire.
    Member(&'a str),
    /// A header parameter (`Idempotency-Key`), by its name on the wire.
    Header(&'a str),
}

impl DedupKey<'_> {
    /// `member:command_id`, `header:Idempotency-Key`: the catalogue's spelling.
    pub fn describe(&self) -> String {
        match self {
            DedupKey::Member(m) => format!("member:{m}"),
            DedupKey::Header(h) => format!("header:{h}"),
        }
    }
}

/// Whether a description promises that a repeat carrying the same value has no second effect:
/// it is ignored ("Telnyx will ignore any command with the same `command_id`"), replayed
/// ("safely retrying the same logical request"), or the value is called an idempotency key.
/// A value that must merely be unique ("must be unique across all submitted campaigns") makes a
/// repeat fail, not succeed: no dedup key.
pub fn promises_dedup(doc: &str) -> bool {
    let d = doc.to_ascii_lowercase();
    d.contains("idempoten")
        || d.contains("safely retrying")
        || (d.contains("ignore") && d.contains("with the same"))
        || (d.contains("duplicate") && d.contains("on retry"))
}

/// What an operation's call is built from before it is sent.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// Nothing: every input is an argument.
    None,
    /// The optional parameters (`…Params`).
    Params,
    /// The body: a struct (the resolved definition, never an alias).
    Body(&'a TypeDef, &'a Struct),
}

/// What the operations' calls are emitted from, decided for all operations at once.
pub struct Calls<'a> {
    ir: &'a Ir,
    by_name: BTreeMap<&'a str, &'a TypeDef>,
    /// Resource path → Rust struct ([`crate::call_paths::resource_structs`]).
    pub structs: BTreeMap<Vec<String>, String>,
    /// Paged operations (by pointer) whose item stream is not `items` (another operation's
    /// call has the same type): the name it has instead.
    items_renamed: BTreeMap<&'a str, String>,
}

impl<'a> Calls<'a> {
    pub fn new(ir: &'a Ir) -> Self {
        let by_name = ir.types.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut calls =
            Calls { ir, by_name, structs: crate::call_paths::resource_structs(ir), items_renamed: BTreeMap::new() };
        // Two paged calls of one type (response and input) cannot both have `items`.
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        let mut renamed = BTreeMap::new();
        for op in &ir.operations {
            let (Some(_), ResponseKind::Json(t) | ResponseKind::JsonOrText(t)) = (&op.paging, &op.response) else {
                continue;
            };
            let resp = t.unalias(|n| calls.by_name.get(n).copied()).clone();
            let input = match calls.input(op, op.body.as_ref()) {
                Input::None => "()".to_owned(),
                Input::Params => format!("{}::{}", op.tag_module, op.params_struct.as_deref().unwrap_or_default()),
                Input::Body(def, _) => def.name.clone(),
            };
            if !seen.insert((format!("{resp:?}"), input)) {
                renamed.insert(op.pointer.as_str(), format!("{}_items", op.call_method));
            }
        }
        calls.items_renamed = renamed;
        calls
    }

    pub fn lookup(&self, name: &str) -> Option<&'a TypeDef> {
        self.by_name.get(name).copied()
    }

    /// The input of `op` when sent with `body` (its body or its multipart alternative).
    /// The operation's dedup key, by a general rule on the spec: a header parameter named
    /// `Idempotency-Key` or described as one ([`promises_dedup`]), else a string member of its
    /// JSON or form body described as one (`command_id` of the Call Control commands). The
    /// client generates a value for a call that has none and sends it on every retry.
    pub fn dedup_key<'o>(&self, op: &'o Operation) -> Option<DedupKey<'o>>
    where
        'a: 'o,
    {
        let header = op.params.iter().find(|p| {
            p.location == ParamLocation::Header
                && (p.api_name.eq_ignore_ascii_case("idempotency-key") || p.doc.as_deref().is_some_and(promises_dedup))
        });
        if let Some(p) = header {
            return Some(DedupKey::Header(&p.api_name));
        }
        let body = op.body.as_ref().filter(|b| matches!(b.kind, BodyKind::Json | BodyKind::Form))?;
        let Input::Body(_, s) = self.input(op, Some(body)) else { return None };
        s.fields
            .iter()
            .find(|f| f.ty == TypeRef::String && f.doc.as_deref().is_some_and(promises_dedup))
            .map(|f| DedupKey::Member(&f.api_name))
    }

    pub fn input(&self, op: &Operation, body: Option<&RequestBody>) -> Input<'a> {
        if let Some(b) = body {
            if matches!(b.kind, BodyKind::Json | BodyKind::Form | BodyKind::Multipart | BodyKind::Xml(_)) {
                if let Some(def) = b.ty.resolve(|n| self.lookup(n)) {
                    if let TypeKind::Struct(s) = &def.kind {
                        return Input::Body(def, s);
                    }
                }
            }
        }
        if op.params_struct.is_some() {
            Input::Params
        } else {
            Input::None
        }
    }

    /// The name of `op`'s item stream method (`items`, unless taken).
    pub fn items_method(&self, op: &Operation) -> String {
        self.items_renamed.get(op.pointer.as_str()).cloned().unwrap_or_else(|| "items".to_owned())
    }

    /// The structs some operation takes as its input, by name (each gets setters, and a `new`
    /// when it has required members).
    pub fn input_structs(&self) -> BTreeMap<&'a str, (&'a TypeDef, &'a Struct)> {
        let mut out = BTreeMap::new();
        for op in &self.ir.operations {
            for body in [op.body.as_ref(), op.multipart_alternative.as_ref()] {
                if body.is_none() {
                    continue;
                }
                if let Input::Body(def, s) = self.input(op, body) {
                    out.insert(def.name.as_str(), (def, s));
                }
            }
        }
        out
    }

    /// The struct of a resource path.
    pub fn struct_of(&self, resources: &[String]) -> &str {
        self.structs.get(resources).map_or("", String::as_str)
    }
}

/// A struct requests send gets `new` with its required members as arguments when it has any
/// (it derives no `Default` then, see [`super::types::defaultable`]).
pub fn needs_new(s: &Struct) -> bool {
    s.fields.iter().any(|f| f.required)
}

/// The name of the setter of a member or parameter named `name`.
pub fn setter_name(name: &str) -> String {
    if CALL_METHODS.contains(&name) {
        format!("set_{name}")
    } else {
        name.to_owned()
    }
}

/// The argument a required member is taken as, and the expression that stores it.
pub fn required_arg(f: &Field, prefix: &TokenStream) -> (TokenStream, TokenStream) {
    let a = ident(&f.name);
    let ty = type_tokens(&f.ty, prefix);
    if f.nullable {
        let value = if f.boxed { quote!(#a.map(Box::new)) } else { quote!(#a) };
        (quote!(Option<#ty>), value)
    } else {
        let value = if f.boxed { quote!(Box::new(#a.into())) } else { quote!(#a.into()) };
        (quote!(impl Into<#ty>), value)
    }
}

/// `impl Name { pub fn new(required members) -> Self }` for a struct requests send.
pub fn constructor(t: &TypeDef, s: &Struct, cfg: &TokenStream) -> TokenStream {
    if !needs_new(s) {
        return TokenStream::new();
    }
    let none = TokenStream::new();
    let name = ident(&t.name);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut documented = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.name);
        if f.required {
            let (ty, value) = required_arg(f, &none);
            args.push(quote!(#fname: #ty));
            inits.push(quote!(#fname: #value));
            documented.push(format!("`{}`", f.name));
        } else {
            inits.push(quote!(#fname: None));
        }
    }
    if let Some(a) = &s.additional {
        let a = ident(a);
        inits.push(quote!(#a: serde_json::Map::new()));
    }
    let doc = format!(" A value with its required members ({}) and no optional one.", documented.join(", "));
    let allow = many_arguments(args.len());
    quote! {
        #cfg
        impl #name {
            #[doc = #doc]
            #allow
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
        }
    }
}

/// Clippy's `too_many_arguments` allowed where the spec requires more than seven inputs: each
/// is one the request cannot go without.
pub fn many_arguments(n: usize) -> TokenStream {
    if n > 7 {
        quote!(#[allow(clippy::too_many_arguments, reason = "one argument per input the spec requires")])
    } else {
        TokenStream::new()
    }
}

/// One setter: `value` stored as `place` (`self.input_mut().to`) of `ty`.
fn setter(name: &str, doc: Option<&str>, ty: &TokenStream, store: TokenStream, deprecated: bool) -> TokenStream {
    let setter = ident(&setter_name(name));
    let mut lines = doc.map(sanitize).unwrap_or_default();
    if lines.is_empty() {
        lines.push(format!("Sets `{name}`."));
    }
    let doc = lines_to_attrs(&lines);
    let deprecated =
        if deprecated { quote!(#[deprecated(note = "deprecated in the Telnyx API spec")]) } else { quote!() };
    quote! {
        #doc
        #deprecated
        pub fn #setter(mut self, value: impl Into<#ty>) -> Self {
            #store
            self
        }
    }
}

/// The setters of a struct input's optional members, on `ApiCall<T, Name>`.
pub fn struct_setters(t: &TypeDef, s: &Struct, prefix: &TokenStream, cfg: &TokenStream) -> TokenStream {
    let name = ident(&t.name);
    let setters =
        s.fields.iter().filter(|f| !f.required && s.additional.as_deref() != Some(f.name.as_str())).map(|f| {
            let fname = ident(&f.name);
            let ty = type_tokens(&f.ty, prefix);
            let mut value = quote!(value.into());
            if f.boxed {
                value = quote!(Box::new(#value));
            }
            if f.nullable {
                value = quote!(Some(#value));
            }
            setter(&f.name, f.doc.as_deref(), &ty, quote!(self.input_mut().#fname = Some(#value);), false)
        });
    quote! {
        #cfg
        impl<T> crate::ApiCall<T, #prefix #name> {
            #(#setters)*
        }
    }
}

/// The setters of an operation's optional parameters, on `ApiCall<T, …Params>`.
pub fn params_setters(op: &Operation, prefix: &TokenStream) -> TokenStream {
    let Some(ps) = &op.params_struct else { return TokenStream::new() };
    let ps = ident(ps);
    let setters = op.params.iter().filter(|p| !p.required).map(|p| {
        let fname = ident(&p.name);
        let ty = type_tokens(&p.ty, prefix);
        setter(&p.name, p.doc.as_deref(), &ty, quote!(self.input_mut().#fname = Some(value.into());), false)
    });
    // A WebSocket's call is a `WsCall`.
    let target = match &op.response {
        ResponseKind::WebSocket(_) => quote!(<C, S> crate::ws::WsCall<C, S, #ps>),
        _ => quote!(<T> crate::ApiCall<T, #ps>),
    };
    quote! {
        impl #target {
            #(#setters)*
        }
    }
}

/// `generated/inputs.rs`: the setters of every struct an operation takes as its body, each
/// compiled where the struct is.
pub fn inputs(calls: &Calls<'_>) -> TokenStream {
    let prefix = quote!(crate::types::);
    let impls =
        calls.input_structs().into_values().map(|(t, s)| struct_setters(t, s, &prefix, &features::cfg(&t.features)));
    quote!(#(#impls)*)
}

/// `generated/resources.rs`: a struct per resource of the call paths, with an accessor for each
/// child resource, and the accessors of the top-level ones on the client. A resource is compiled
/// with any feature of the operations under it (always, when one of them is); the operations
/// are methods of these structs, compiled with their tag's feature.
pub fn resources(calls: &Calls<'_>) -> TokenStream {
    let ir = calls.ir;
    let mut children: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    let mut operations: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    // The features of the operations under each resource; `None`: one of them is ungated.
    let mut gates: BTreeMap<Vec<String>, Option<BTreeSet<String>>> = BTreeMap::new();
    for op in &ir.operations {
        *operations.entry(op.call_resources.clone()).or_default() += 1;
        let feature = ir.tags.iter().find(|t| t.module == op.tag_module).and_then(|t| t.feature.clone());
        for k in 0..op.call_resources.len() {
            children.entry(op.call_resources[..k].to_vec()).or_default().insert(op.call_resources[k].clone());
            let gate = gates.entry(op.call_resources[..=k].to_vec()).or_insert_with(|| Some(BTreeSet::new()));
            match (&feature, gate.as_mut()) {
                (Some(f), Some(set)) => {
                    set.insert(f.clone());
                }
                (None, _) => *gate = None,
                (Some(_), None) => {}
            }
        }
    }
    let cfg_of = |path: &[String]| match gates.get(path) {
        Some(Some(set)) => features::cfg(&set.iter().cloned().collect::<Vec<_>>()),
        _ => TokenStream::new(),
    };
    let accessor = |parent: &[String], child: &str| {
        let mut path = parent.to_vec();
        path.push(child.to_owned());
        let st = ident(calls.struct_of(&path));
        let m = ident(child);
        let call: String = path.iter().map(|p| format!(".{p}()")).collect();
        let doc = format!(" `client{call}`");
        let cfg = cfg_of(&path);
        quote! {
            #[doc = #doc]
            #cfg
            pub fn #m(&self) -> #st<'a> {
                #st { client: self.client }
            }
        }
    };
    let structs = calls.structs.iter().map(|(path, st_name)| {
        let st = ident(st_name);
        let call: String = path.iter().map(|p| format!(".{p}()")).collect();
        let n = operations.get(path).copied().unwrap_or(0);
        let doc = format!(" `client{call}`: {n} operations here, and the resources below.");
        let accessors = children.get(path).into_iter().flatten().map(|c| accessor(path, c));
        let cfg = cfg_of(path);
        quote! {
            #[doc = #doc]
            #cfg
            #[derive(Debug, Clone, Copy)]
            pub struct #st<'a> {
                pub(crate) client: &'a crate::Client,
            }
            #cfg
            impl<'a> #st<'a> {
                #(#accessors)*
            }
        }
    });
    let top = children.get(&Vec::new()).into_iter().flatten().map(|c| {
        let st = ident(calls.struct_of(std::slice::from_ref(c)));
        let m = ident(c);
        let doc = format!(" `client.{c}()`");
        let cfg = cfg_of(std::slice::from_ref(c));
        quote! {
            #[doc = #doc]
            #cfg
            pub fn #m(&self) -> #st<'_> {
                #st { client: self }
            }
        }
    });
    quote! {
        #(#structs)*
        impl crate::Client {
            #(#top)*
        }
    }
}
