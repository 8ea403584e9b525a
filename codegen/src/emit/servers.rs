//! `generated/servers.rs`: the servers some operations are sent to instead of the base URL (a
//! path's or operation's own `servers`), as `crate::servers::ServerSpec` statics, and the list
//! of them that client configuration reads (`TELNYX_<SERVER>_<VARIABLE>`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::lines_to_attrs;
use crate::ir::*;

/// `storage` → `STORAGE`.
pub fn static_ident(name: &str) -> proc_macro2::Ident {
    format_ident!("{}", name.to_ascii_uppercase())
}

pub fn servers(ir: &Ir) -> TokenStream {
    let statics = ir.servers.iter().map(|s| {
        let id = static_ident(&s.name);
        let vars_id = format_ident!("{}_VARIABLES", s.name.to_ascii_uppercase());
        let (name, url) = (&s.name, &s.url);
        let description = s.description.clone().unwrap_or_default();
        let operations: Vec<String> = ir
            .operations
            .iter()
            .filter(|op| op.server.as_deref() == Some(s.name.as_str()))
            .map(|op| format!("`{}`", op.rust_name))
            .collect();
        let mut doc = vec![format!("`{url}`: the server of {}.", operations.join(", "))];
        if let Some(d) = &s.description {
            doc.push(String::new());
            doc.push(d.replace('\n', " "));
        }
        let doc = lines_to_attrs(&doc);
        let vars = s.variables.iter().map(|v| {
            let (n, d) = (&v.name, &v.default);
            let values = &v.values;
            let vd = v.description.clone().unwrap_or_default();
            quote!(crate::servers::ServerVariable { name: #n, default: #d, values: &[#(#values),*], description: #vd })
        });
        let n = proc_macro2::Literal::usize_unsuffixed(s.variables.len());
        quote! {
            static #vars_id: [crate::servers::ServerVariable; #n] = [#(#vars),*];
            #doc
            pub static #id: crate::servers::ServerSpec = crate::servers::ServerSpec {
                name: #name,
                url: #url,
                variables: &#vars_id,
                description: #description,
            };
        }
    });
    let ids = ir.servers.iter().map(|s| static_ident(&s.name));
    let token_url = match &ir.oauth_token_url {
        Some(u) => quote!(Some(#u)),
        None => quote!(None),
    };
    quote! {
        #(#statics)*
        /// Every server of the spec other than the base URL.
        pub static SERVERS: &[&crate::servers::ServerSpec] = &[#(&#ids),*];

        /// Where OAuth 2.0 client credentials are exchanged for an access token: the spec's
        /// client-credentials `tokenUrl` (`crate::oauth`). Under the default base URL, it
        /// follows the client's base URL.
        pub const OAUTH_TOKEN_URL: Option<&str> = #token_url;
    }
}
