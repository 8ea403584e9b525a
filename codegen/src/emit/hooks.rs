//! `generated/hooks.rs`: one `macro_rules!` per [`crate::hooks::HOOKS`] entry, which implements
//! the hand-written items it is given on the API struct of the hook's operation (with the
//! operation's body type as the alias named first), or expands to nothing when the spec has no
//! such operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::features;
use super::types::{ident, module_ident, type_tokens};
use crate::hooks::HOOKS;
use crate::ir::*;

pub fn hooks(ir: &Ir) -> TokenStream {
    let macros = HOOKS.iter().map(|hook| {
        let name = format_ident!("{}", hook.macro_name);
        let op = ir.operations.iter().find(|op| op.method.eq_ignore_ascii_case(hook.method) && op.path == hook.path);
        let tag = op.and_then(|op| ir.tags.iter().find(|t| t.module == op.tag_module));
        let (doc, arms) = match (op, tag) {
            (Some(op), Some(tag)) => {
                let cfg = features::cfg(&tag.feature.iter().cloned().collect::<Vec<_>>());
                let m = module_ident(&tag.module);
                let st = ident(&tag.struct_name);
                let body = match &op.body {
                    Some(b) => type_tokens(&b.ty, &quote!(crate::types::)),
                    None => quote!(serde_json::Value),
                };
                let doc = format!(
                    " `{} {}` is operation `{}` of tag `{}`: implements {} on [`crate::apis::{}::{}`], \
                     with `$body` an alias of its request body type.",
                    hook.method, hook.path, op.id, tag.name, hook.doc, tag.module, tag.struct_name
                );
                let arms = quote! {
                    ($body:ident; $($item:item)*) => {
                        #cfg
                        type $body = #body;
                        #cfg
                        impl crate::apis::#m::#st<'_> {
                            $($item)*
                        }
                    };
                };
                (doc, arms)
            }
            _ => {
                let doc = format!(
                    " The spec has no `{} {}`: expands to nothing ({} are not defined).",
                    hook.method, hook.path, hook.doc
                );
                (doc, quote!(($body:ident; $($item:item)*) => {};))
            }
        };
        quote! {
            #[doc = #doc]
            macro_rules! #name {
                #arms
            }
            pub(crate) use #name;
        }
    });
    quote!(#(#macros)*)
}
