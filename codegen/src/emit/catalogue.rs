//! The operation catalogue: one static entry per operation.

use quote::quote;

use crate::error::Result;
use crate::ir::Ir;

pub fn catalogue(ir: &Ir) -> Result<proc_macro2::TokenStream> {
    let entries = ir.operations.iter().map(|op| {
        let id = &op.id;
        let has = op.has_spec_id;
        let method = &op.method;
        let path = &op.path;
        let tag = &op.tag;
        let module = &op.tag_module;
        let rust = &op.rust_name;
        quote! {
            OperationInfo {
                operation_id: #id,
                has_operation_id: #has,
                method: #method,
                path: #path,
                tag: #tag,
                module: #module,
                rust_method: #rust,
            },
        }
    });
    let body = quote! {
        /// One operation of the API, as the spec declares it and as this crate exposes it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct OperationInfo {
            /// `operationId`, or a name derived from method and path when the spec has none.
            pub operation_id: &'static str,
            /// Whether the spec gives an `operationId`.
            pub has_operation_id: bool,
            /// HTTP method, upper case.
            pub method: &'static str,
            /// Path template, e.g. `/messages/{id}`.
            pub path: &'static str,
            /// The spec tag the operation is grouped under.
            pub tag: &'static str,
            /// The client accessor of the tag's module (`client.messages()`).
            pub module: &'static str,
            /// The Rust method name.
            pub rust_method: &'static str,
        }

        /// Every operation, in spec order.
        pub static OPERATIONS: &[OperationInfo] = &[
            #(#entries)*
        ];
    };
    super::file(&["The catalogue of every operation of the spec."], body, "catalogue.rs")
}
