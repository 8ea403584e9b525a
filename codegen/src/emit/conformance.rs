//! The conformance tables for the workspace tests (`tests/generated/conformance.rs`): for each
//! operation a function that takes its arguments from JSON values and calls the public generated
//! method, and for each type a JSON round-trip function keyed by the schema's JSON pointer.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::calls::{Calls, Input};
use super::types::{ident, module_ident, type_tokens};
use crate::ir::*;

fn op_fn(op: &Operation, calls: &Calls<'_>) -> TokenStream {
    let prefix = quote!(types::);
    let name = ident(&op.rust_name);
    let module = module_ident(&op.tag_module);
    let input = calls.input(op, op.body.as_ref());
    let mut lets = Vec::new();
    let mut args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let var = ident(&p.name);
        let api = &p.api_name;
        let getter = match p.location {
            ParamLocation::Path => quote!(path),
            ParamLocation::Query => quote!(query),
            ParamLocation::Header => quote!(header),
        };
        let ty = type_tokens(&p.ty, &prefix);
        lets.push(quote!(let #var: #ty = a.#getter(#api)?;));
        args.push(match &p.ty {
            TypeRef::Integer | TypeRef::Number | TypeRef::Boolean => quote!(#var),
            _ => quote!(&#var),
        });
    }
    // The whole input, set after the call is made (its required members are arguments too).
    let mut replace = TokenStream::new();
    if let Some(b) = &op.body {
        match (&b.kind, input) {
            (BodyKind::Bytes(_), _) => args.push(quote!(bytes::Bytes::from(a.raw_body()))),
            (BodyKind::Text(_), _) => {
                lets.push(quote!(let body = a.raw_body();));
                args.push(quote!(&body));
            }
            (_, Input::Body(def, s)) => {
                let st = ident(&def.name);
                lets.push(quote!(let body: types::#st = a.body()?;));
                for f in s.fields.iter().filter(|f| f.required) {
                    let name = ident(&f.name);
                    let copy = matches!(f.ty, TypeRef::Integer | TypeRef::Number | TypeRef::Boolean);
                    args.push(match (f.boxed, f.nullable) {
                        (false, _) if copy => quote!(body.#name),
                        (false, _) => quote!(body.#name.clone()),
                        (true, false) => quote!(*body.#name.clone()),
                        (true, true) => quote!(body.#name.clone().map(|b| *b)),
                    });
                }
                replace = quote!(.replace_input(body));
            }
            _ => {
                let ty = type_tokens(&b.ty, &prefix);
                lets.push(quote!(let body: #ty = a.body()?;));
                args.push(quote!(&body));
            }
        }
    }
    if let Some(ps) = &op.params_struct {
        let ps = ident(ps);
        let fields = op.params.iter().filter(|p| !p.required).map(|p| {
            let f = ident(&p.name);
            let api = &p.api_name;
            let getter = match p.location {
                ParamLocation::Header => quote!(header_opt),
                _ => quote!(query_opt),
            };
            quote!(#f: a.#getter(#api)?,)
        });
        lets.push(quote!(let params = telnyx_api::apis::#module::#ps { #(#fields)* };));
        if let Input::Params = input {
            replace = quote!(.replace_input(params));
        } else {
            args.push(quote!(&params));
        }
    }
    let uses_args = !lets.is_empty();
    let a = if uses_args { quote!(a) } else { quote!(_a) };
    // A JSON response also reports the members its type does not declare.
    let send = match op.response {
        ResponseKind::Json(_) => quote!(send_json),
        ResponseKind::JsonOrText(_) => quote!(send_json_or_text),
        ResponseKind::WebSocket(_) => quote!(send_websocket),
        _ => quote!(send),
    };
    let resources = op.call_resources.iter().map(|r| {
        let r = ident(r);
        quote!(.#r())
    });
    let method = ident(&op.call_method);
    quote! {
        pub fn #name(c: &Client, #a: &Args) -> Result<CallFuture, String> {
            #(#lets)*
            Ok(#send(c #(#resources)* .#method(#(#args),*) #replace))
        }
    }
}

pub fn conformance(ir: &Ir, calls: &Calls<'_>) -> TokenStream {
    let mut by_module: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in &ir.operations {
        by_module.entry(op.tag_module.as_str()).or_default().push(op);
    }
    let modules = by_module.iter().map(|(m, ops)| {
        let m = module_ident(m);
        let fns = ops.iter().map(|op| op_fn(op, calls));
        quote! {
            pub mod #m {
                #[allow(unused_imports)]
                use telnyx_api::types;
                use telnyx_api::Client;
                #[allow(unused_imports)]
                use crate::conformance::{send, send_json, send_json_or_text, send_websocket, Args, CallFuture};
                #(#fns)*
            }
        }
    });
    let entries = ir.operations.iter().map(|op| {
        let id = &op.id;
        let method = &op.method;
        let path = &op.path;
        let m = module_ident(&op.tag_module);
        let f = ident(&op.rust_name);
        quote!(OpEntry { operation_id: #id, method: #method, path: #path, call: ops::#m::#f },)
    });
    let schemas = ir.types.iter().map(|t| {
        let pointer = &t.pointer;
        let name = &t.name;
        let ty = ident(&t.name);
        // A nullable schema's value may be `null`: round-trip it as `Option<T>`.
        let ty = if t.nullable { quote!(Option<types::#ty>) } else { quote!(types::#ty) };
        quote!(SchemaEntry { pointer: #pointer, type_name: #name, roundtrip: roundtrip::<#ty> },)
    });
    quote! {
        #![allow(deprecated)]
        use telnyx_api::types;
        use crate::conformance::{roundtrip, OpEntry, SchemaEntry};

        /// Call functions, one module per tag.
        pub mod ops {
            #(#modules)*
        }

        /// Every operation, in spec order.
        pub static OPERATIONS: &[OpEntry] = &[#(#entries)*];

        /// Every generated type, by the JSON pointer of its schema.
        pub static SCHEMAS: &[SchemaEntry] = &[#(#schemas)*];
    }
}
