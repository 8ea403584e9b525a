//! `generated/hooks.rs`: one `macro_rules!` per [`crate::hooks::HOOKS`] entry, which implements
//! the hand-written items it is given on the resource struct of the hook's operation (with the
//! operation's body type as the alias named first), or expands to nothing when the spec has no
//! such operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::features;
use super::types::{ident, type_tokens};
use crate::hooks::HOOKS;
use crate::ir::*;

pub fn hooks(ir: &Ir, calls: &super::calls::Calls<'_>) -> TokenStream {
    let macros = HOOKS.iter().map(|hook| {
        let name = format_ident!("{}", hook.macro_name);
        let op = ir.operations.iter().find(|op| op.method.eq_ignore_ascii_case(hook.method) && op.path == hook.path);
        let tag = op.and_then(|op| ir.tags.iter().find(|t| t.module == op.tag_module));
        let (doc, arms) = match (op, tag) {
            (Some(op), Some(tag)) => {
                let cfg = features::cfg(&tag.feature.iter().cloned().collect::<Vec<_>>());
                let (target, shown) = match calls.structs.get(&op.call_resources) {
                    Some(st_name) => {
                        let st = ident(st_name);
                        (quote!(crate::resources::#st<'_>), format!("crate::resources::{st_name}"))
                    }
                    None => (quote!(crate::Client), "crate::Client".to_owned()),
                };
                let body = match &op.body {
                    Some(b) => type_tokens(&b.ty, &quote!(crate::types::)),
                    None => quote!(serde_json::Value),
                };
                let doc = format!(
                    " `{} {}` is operation `{}` of tag `{}` (`client.{}`): implements {} on [`{shown}`], \
                     with `$body` an alias of its request body type.",
                    hook.method,
                    hook.path,
                    op.id,
                    tag.name,
                    op.call_resources.iter().map(|r| format!("{r}().")).collect::<String>() + &op.call_method,
                    hook.doc,
                );
                let arms = quote! {
                    ($body:ident; $($item:item)*) => {
                        #cfg
                        type $body = #body;
                        #cfg
                        impl #target {
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
