//! `generated/xml.rs`: `crate::xml::XmlType` for each type sent or received as XML, with the
//! description of its XML form that lowering read from the spec's `xml` objects.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::features::cfg;
use super::types::ident;
use crate::ir::*;

fn node(n: &XmlNodeDef) -> TokenStream {
    match n {
        XmlNodeDef::Text(t) => {
            let s = match t.as_str() {
                "integer" => quote!(Integer),
                "number" => quote!(Number),
                "boolean" => quote!(Boolean),
                _ => quote!(String),
            };
            quote!(crate::xml::XmlNode::Text(crate::xml::Scalar::#s))
        }
        XmlNodeDef::List { item, node: inner } => {
            let inner = node(inner);
            quote!(crate::xml::XmlNode::List { item: #item, node: &#inner })
        }
        XmlNodeDef::Object(fields) => {
            let fields = fields.iter().map(|f| {
                let (json, xml, attribute) = (&f.json, &f.xml, f.attribute);
                let repeat = match (&f.wrapped_item, f.list) {
                    (Some(item), _) => quote!(crate::xml::Repeat::Wrapped(#item)),
                    (None, true) => quote!(crate::xml::Repeat::Unwrapped),
                    (None, false) => quote!(crate::xml::Repeat::One),
                };
                let inner = node(&f.node);
                quote!(crate::xml::XmlField { json: #json, xml: #xml, attribute: #attribute, repeat: #repeat, node: &#inner })
            });
            quote!(crate::xml::XmlNode::Object(&[#(#fields),*]))
        }
    }
}

pub fn xml(ir: &Ir) -> TokenStream {
    let features: BTreeMap<&str, &[String]> =
        ir.types.iter().map(|t| (t.name.as_str(), t.features.as_slice())).collect();
    let impls = ir.xml_docs.iter().map(|d| {
        let cfg = cfg(features.get(d.type_name.as_str()).copied().unwrap_or_default());
        let ty = ident(&d.type_name);
        let root = &d.root;
        let namespace = match &d.namespace {
            Some(n) => quote!(Some(#n)),
            None => quote!(None),
        };
        let body = node(&d.body);
        let doc = format!(" `{}` as the XML document `<{root}>`.", d.type_name);
        quote! {
            #[doc = #doc]
            #cfg
            impl crate::xml::XmlType for crate::types::#ty {
                const XML: &'static crate::xml::XmlDoc =
                    &crate::xml::XmlDoc { root: #root, namespace: #namespace, body: #body };
            }
        }
    });
    quote!(#(#impls)*)
}
