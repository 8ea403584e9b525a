//! The typed webhook event enum: one variant per `event_type` lowering found (operation
//! `callbacks`, 3.1 `webhooks`, the unions and enums in their payloads, delivery-shaped
//! component schemas), plus `Unknown` keeping anything else as JSON.

use proc_macro2::TokenStream;
use quote::quote;

use std::collections::BTreeMap;

use super::docs::lines_to_attrs;
use super::features::cfg;
use super::types::ident;
use crate::ir::*;

/// At most this many declaring operations are named in a variant's doc.
const MAX_SOURCES: usize = 4;

pub fn events(ir: &Ir) -> TokenStream {
    // A variant exists only when its payload type does: gated by the same features.
    let features: BTreeMap<&str, &[String]> =
        ir.types.iter().map(|t| (t.name.as_str(), t.features.as_slice())).collect();
    let gate = |e: &WebhookEvent| cfg(features.get(e.ty.as_str()).copied().unwrap_or_default());
    let variants = ir.webhook_events.iter().map(|e| {
        let cfg = gate(e);
        let v = ident(&e.variant);
        let ty = ident(&e.ty);
        let mut lines =
            vec![format!("`{}`: [`types::{}`](crate::types::{}).", e.event_type, e.ty, e.ty), String::new()];
        // The union is named, not linked: Cargo features may compile it out while the payload
        // type stays.
        match &e.key {
            EventKey::Enum => {}
            EventKey::Discriminator { union } => {
                lines.push(format!("A value of the discriminator on `event_type` of `types::{union}`."));
            }
            EventKey::Branch { union } => {
                lines.push(format!("A value of the `event_type` enum of a branch of `types::{union}`."));
            }
            EventKey::Record { union } => lines.push(format!(
                "Declared by no callback or `webhooks` entry: an event record of `types::{union}` (the \
                 resource of the events API), which the delivery carries in `data`."
            )),
            EventKey::Envelope => lines.push(
                "Declared by no callback or `webhooks` entry: the schema has the shape of a delivery \
                 (`data.event_type` an enum, `data.record_type` fixed to `event`)."
                    .to_owned(),
            ),
        }
        if !e.sources.is_empty() {
            let mut shown: Vec<String> = e.sources.iter().take(MAX_SOURCES).map(|s| format!("`{s}`")).collect();
            if e.sources.len() > MAX_SOURCES {
                shown.push(format!("{} more", e.sources.len() - MAX_SOURCES));
            }
            if lines.len() > 2 {
                lines.push(String::new());
            }
            lines.push(format!("Declared by {}.", shown.join(", ")));
        }
        let doc = lines_to_attrs(&lines);
        quote! {
            #doc
            #cfg
            #v(crate::types::#ty),
        }
    });
    let decode_arms = ir.webhook_events.iter().map(|e| {
        let cfg = gate(e);
        let v = ident(&e.variant);
        let value = &e.event_type;
        match e.key {
            EventKey::Record { .. } => quote!(#cfg #value => Self::#v(crate::webhooks::decode_event_data(value)?),),
            _ => quote!(#cfg #value => Self::#v(crate::webhooks::decode_event(value)?),),
        }
    });
    let type_arms = ir.webhook_events.iter().map(|e| {
        let cfg = gate(e);
        let v = ident(&e.variant);
        let value = &e.event_type;
        quote!(#cfg Self::#v(_) => Some(#value),)
    });
    let ser_arms = ir.webhook_events.iter().map(|e| {
        let cfg = gate(e);
        let v = ident(&e.variant);
        match e.key {
            EventKey::Record { .. } => quote!(#cfg Self::#v(e) => crate::webhooks::InData { data: e }.serialize(s),),
            _ => quote!(#cfg Self::#v(e) => e.serialize(s),),
        }
    });
    let table = ir.webhook_events.iter().map(|e| {
        let cfg = gate(e);
        let (t, ty, p) = (&e.event_type, &e.ty, &e.pointer);
        quote!(#cfg EventInfo { event_type: #t, type_name: #ty, schema_pointer: #p },)
    });
    // A payload type compiled out by features cannot be linked to: the line links only when it is
    // compiled, and names the type in code otherwise.
    let unkeyed: Vec<TokenStream> = ir
        .webhook_unkeyed
        .iter()
        .map(|u| match &u.ty {
            Some(t) => {
                let linked = format!(" - [`types::{t}`](crate::types::{t}) (`{}`): {}", u.pointer, u.reason);
                match features.get(t.as_str()).copied().unwrap_or_default() {
                    [] => quote!(#[doc = #linked]),
                    gate => {
                        let plain = format!(" - `types::{t}` (`{}`): {}", u.pointer, u.reason);
                        let on = match gate {
                            [one] => quote!(feature = #one),
                            many => quote!(any(#(feature = #many),*)),
                        };
                        quote! {
                            #[cfg_attr(#on, doc = #linked)]
                            #[cfg_attr(not(#on), doc = #plain)]
                        }
                    }
                }
            }
            None => {
                let line = format!(" - `{}`: {}", u.pointer, u.reason);
                quote!(#[doc = #line])
            }
        })
        .collect();
    let mut enum_doc = vec![
        "A webhook delivery, decoded by its `event_type` (at `data.event_type`, or at the top for fax \
         events) into the payload type the spec declares for it."
            .to_owned(),
        String::new(),
        "Event types the spec does not declare, and bodies without an `event_type`, become \
         [`Unknown`](Self::Unknown) with the JSON kept; a declared event whose body does not match its \
         type is an error naming the JSON path."
            .to_owned(),
    ];
    if ir.webhook_events.iter().any(|e| matches!(e.key, EventKey::Discriminator { .. } | EventKey::Branch { .. })) {
        enum_doc.push(String::new());
        enum_doc.push(
            "A payload that is a union, or whose `data` is one, gives the event types of its branches (the \
             union's discriminator on `event_type`, else each branch's `event_type` enum): the body decodes as \
             that branch, or as the declared payload around the union."
                .to_owned(),
        );
    }
    if ir.webhook_events.iter().any(|e| matches!(e.key, EventKey::Record { .. })) {
        enum_doc.push(String::new());
        enum_doc.push(
            "Some come from component unions on `event_type` of event records (the resources of an events \
             API, such as porting's): a delivery carries the record in `data`, which the variant holds."
                .to_owned(),
        );
    }
    if ir.webhook_events.iter().any(|e| e.key == EventKey::Envelope) {
        enum_doc.push(String::new());
        enum_doc.push(
            "Some event types no callback or `webhooks` entry declares come from component schemas with the \
             shape of a delivery (`data.event_type` an enum, `data.record_type` fixed to `event`); their \
             variants say so."
                .to_owned(),
        );
    }
    if !ir.features.is_empty() {
        enum_doc.push(String::new());
        enum_doc.push(
            "A variant exists only when a Cargo feature its payload type needs is enabled: that of an \
             operation declaring the event, or of the group whose `webhooks` claim its event type \
             (`spec/features.toml`); with none of them enabled, the event arrives as `Unknown`."
                .to_owned(),
        );
    }
    if !unkeyed.is_empty() {
        enum_doc.push(String::new());
        enum_doc.push(
            "Payloads the spec declares without an `event_type` to key them by (they arrive as `Unknown`; \
             decode them with `serde_json::from_value`):"
                .to_owned(),
        );
    }
    let enum_doc = lines_to_attrs(&enum_doc);
    quote! {
        use serde::{Deserialize, Serialize};

        use crate::webhooks::{event_type_of, WebhookError};

        #enum_doc
        #(#unkeyed)*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum WebhookEvent {
            #(#variants)*
            /// Any other event, kept as JSON.
            Unknown(serde_json::Value),
        }

        /// One event type the spec declares.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct EventInfo {
            /// The `event_type` value.
            pub event_type: &'static str,
            /// The payload type's name in [`crate::types`].
            pub type_name: &'static str,
            /// JSON pointer of the payload schema in the spec.
            pub schema_pointer: &'static str,
        }

        impl WebhookEvent {
            /// Every event type that decodes into a typed variant.
            pub const EVENTS: &'static [EventInfo] = &[#(#table)*];

            /// Decode a parsed body.
            // Every arm but the last may be compiled out by Cargo features (or the spec may
            // declare no events), leaving one.
            #[allow(clippy::match_single_binding)]
            pub fn from_value(value: serde_json::Value) -> Result<Self, WebhookError> {
                let Some(event_type) = event_type_of(&value).map(str::to_owned) else {
                    return Ok(Self::Unknown(value));
                };
                Ok(match event_type.as_str() {
                    #(#decode_arms)*
                    _ => Self::Unknown(value),
                })
            }

            /// The event type (`None` for an `Unknown` body without one).
            #[allow(clippy::match_single_binding)]
            pub fn event_type(&self) -> Option<&str> {
                match self {
                    #(#type_arms)*
                    Self::Unknown(v) => event_type_of(v),
                }
            }
        }

        impl<'de> Deserialize<'de> for WebhookEvent {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(d)?;
                Self::from_value(value).map_err(serde::de::Error::custom)
            }
        }

        /// Any JSON value: an event's payload is decoded leniently by its own type
        /// (`from_value`), anything else is `Unknown`.
        impl crate::shape::Shaped for WebhookEvent {
            const SHAPE: &'static crate::shape::Shape = &crate::shape::Shape::Any;
        }

        impl Serialize for WebhookEvent {
            #[allow(clippy::match_single_binding)]
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#ser_arms)*
                    Self::Unknown(v) => v.serialize(s),
                }
            }
        }
    }
}
