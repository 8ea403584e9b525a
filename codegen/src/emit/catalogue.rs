//! The operation catalogue: one static entry per operation.

use quote::quote;

use crate::error::Result;
use crate::ir::{Ir, PagingStyle, ResponseKind};

pub fn catalogue(ir: &Ir, calls: &super::calls::Calls<'_>) -> Result<proc_macro2::TokenStream> {
    let entries = ir.operations.iter().map(|op| {
        let id = &op.id;
        let has = op.has_spec_id;
        let method = &op.method;
        let path = &op.path;
        let tag = &op.tag;
        let module = &op.tag_module;
        let rust = &op.rust_name;
        let call_path = op.call_resources.iter().map(|r| format!("{r}.")).collect::<String>() + &op.call_method;
        let dedup = match calls.dedup_key(op) {
            Some(k) => {
                let k = k.describe();
                quote!(Some(#k))
            }
            None => quote!(None),
        };
        let websocket = matches!(op.response, ResponseKind::WebSocket(_));
        let stream = match &op.paging {
            Some(p) => {
                let m = calls.items_method(op);
                let style = match &p.style {
                    PagingStyle::PageNumber { .. } => "page-number",
                    PagingStyle::Cursor { .. } => "cursor",
                    PagingStyle::NextUri { .. } => "next-uri",
                };
                quote!(Some(ItemStream { method: #m, style: #style }))
            }
            None => quote!(None),
        };
        quote! {
            OperationInfo {
                operation_id: #id,
                has_operation_id: #has,
                method: #method,
                path: #path,
                tag: #tag,
                module: #module,
                rust_method: #rust,
                call_path: #call_path,
                item_stream: #stream,
                dedup_key: #dedup,
                websocket: #websocket,
            },
        }
    });
    let unrecognised = ir.paging_unrecognised.iter().map(|u| {
        let (op, pointer, reason) = (&u.operation, &u.pointer, &u.reason);
        quote!(UnrecognisedPaging { operation_id: #op, pointer: #pointer, reason: #reason },)
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
            /// The module of `apis` with the tag's operations (`messages`).
            pub module: &'static str,
            /// The method's name in telnyx-api 0.2 (`client.<module>().<rust_method>()`), from the
            /// `operationId`: what to look for when migrating.
            pub rust_method: &'static str,
            /// Where the operation is called, as the official SDKs name it
            /// (`calls.actions.answer` for `client.calls().actions().answer(…)`).
            pub call_path: &'static str,
            /// The item stream of a paged list operation, a method of its call.
            pub item_stream: Option<ItemStream>,
            /// Where the operation takes a dedup key, which the client fills in when the caller
            /// gives none and sends again on every retry: `member:command_id` (a body member)
            /// or `header:Idempotency-Key`. See [`crate::retry`].
            pub dedup_key: Option<&'static str>,
            /// A WebSocket (the spec answers it with `101 Switching Protocols`): its method
            /// returns a [`crate::ws::WsCall`] to `connect()`, not a call to send.
            pub websocket: bool,
        }

        /// The item-stream method of a paged list operation (see [`crate::pagination`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ItemStream {
            /// The method of the operation's call (`items`: `client.messages().list().items()`).
            pub method: &'static str,
            /// `page-number`, `cursor` or `next-uri`.
            pub style: &'static str,
        }

        /// An operation with paging-like query parameters that has no item stream, because
        /// the generator does not recognise how it pages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct UnrecognisedPaging {
            /// `operationId` of the operation (as in [`OperationInfo::operation_id`]).
            pub operation_id: &'static str,
            /// JSON pointer of the operation in the spec.
            pub pointer: &'static str,
            /// What the generator missed.
            pub reason: &'static str,
        }

        /// Operations that look paged but get no item stream.
        pub static UNRECOGNISED_PAGING: &[UnrecognisedPaging] = &[
            #(#unrecognised)*
        ];

        /// Every operation, in spec order.
        pub static OPERATIONS: &[OperationInfo] = &[
            #(#entries)*
        ];
    };
    super::file(&["The catalogue of every operation of the spec."], body, "catalogue.rs")
}
