//! Webhook events: the payloads the spec declares in operation `callbacks` (3.0) and in the
//! top-level `webhooks` section (3.1), keyed by the `event_type` value their schema fixes
//! (`data.event_type`, or `event_type` at the top for fax events).

use std::collections::BTreeMap;

use indexmap::IndexMap;
use openapiv3::{PathItem, ReferenceOr, RequestBody as OaBody};

use super::Lowerer;
use crate::error::{ptr, GenError, Result};
use crate::ir::*;
use crate::naming::{self, Scope};

/// One declared delivery: where it is declared, its name there, and its JSON body schema.
struct Delivery<'a> {
    pointer: String,
    /// The operation declaring the callback, or the `webhooks` entry name.
    source: String,
    /// The pointer of the operation declaring the callback (none for a `webhooks` entry).
    operation: Option<String>,
    name: &'a str,
    body: &'a ReferenceOr<OaBody>,
}

impl<'a> Lowerer<'a> {
    /// The webhook events, and the payloads without an `event_type`. Each operation's
    /// [`Operation::callbacks`] gets the payload types its callbacks declare.
    pub(super) fn webhook_events(
        &mut self,
        webhooks: &'a IndexMap<String, ReferenceOr<PathItem>>,
        operations: &mut [Operation],
    ) -> Result<(Vec<WebhookEvent>, Vec<UnkeyedWebhook>)> {
        let mut deliveries = Vec::new();
        for (path, item) in &self.api.paths.paths {
            let ReferenceOr::Item(item) = item else { continue };
            for (method, op) in item.iter() {
                let op_at = format!("{}/{method}", ptr("#/paths", path));
                let source = super::operation_id(op, method, path);
                for (cb_name, callback) in &op.callbacks {
                    let cb_at = ptr(&format!("{op_at}/callbacks"), cb_name);
                    for (expr, cb_item) in callback {
                        collect(cb_item, &ptr(&cb_at, expr), (&source, Some(&op_at)), cb_name, &mut deliveries);
                    }
                }
            }
        }
        for (name, item) in webhooks {
            let at = ptr("#/webhooks", name);
            match item {
                ReferenceOr::Item(item) => {
                    collect(item, &at, (&format!("webhooks/{name}"), None), name, &mut deliveries)
                }
                ReferenceOr::Reference { reference } => {
                    return Err(GenError::new(at, format!("webhook $ref {reference:?} is not supported")))
                }
            }
        }

        // One entry per event type, in first-declaration order; sources accumulate.
        let mut events: Vec<WebhookEvent> = Vec::new();
        let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
        let mut unkeyed: Vec<UnkeyedWebhook> = Vec::new();
        let mut variants = Scope::default();
        variants.claim("Unknown");
        for d in deliveries {
            let body_at = format!("{}/requestBody", d.pointer);
            let (body, _, _) = self.request_body_item(d.body, &body_at)?;
            let Some(schema) = body.content.get("application/json").and_then(|m| m.schema.as_ref()) else {
                unkeyed.push(UnkeyedWebhook {
                    ty: None,
                    pointer: body_at,
                    reason: "no application/json body schema".into(),
                });
                continue;
            };
            let schema_at = format!("{body_at}/content/application~1json/schema");
            let hint = format!("{}Event", naming::type_name(d.name));
            let (ty, _) = self.lower_ref(schema, &hint, &schema_at)?;
            if let Some(op) = d.operation.as_deref().and_then(|at| operations.iter_mut().find(|o| o.pointer == at)) {
                if ty.named().is_some() && !op.callbacks.contains(&ty) {
                    op.callbacks.push(ty.clone());
                }
            }
            let Some(name) = ty.named().map(str::to_owned) else {
                unkeyed.push(UnkeyedWebhook {
                    ty: None,
                    pointer: schema_at,
                    reason: "the body is not an object".into(),
                });
                continue;
            };
            let values = self.event_types(&name);
            if values.is_empty() {
                if !unkeyed.iter().any(|u| u.ty.as_deref() == Some(&name)) {
                    unkeyed.push(UnkeyedWebhook {
                        ty: Some(name),
                        pointer: schema_at,
                        reason: "no `event_type` enum at `data.event_type` or `event_type`".into(),
                    });
                }
                continue;
            }
            for value in values {
                match by_type.get(&value) {
                    Some(&i) if events[i].ty == name => {
                        if !events[i].sources.contains(&d.source) {
                            events[i].sources.push(d.source.clone());
                        }
                    }
                    Some(&i) => unkeyed.push(UnkeyedWebhook {
                        ty: Some(name.clone()),
                        pointer: schema_at.clone(),
                        reason: format!("event type {value:?} is already decoded as {}", events[i].ty),
                    }),
                    None => {
                        by_type.insert(value.clone(), events.len());
                        events.push(WebhookEvent {
                            variant: variants.claim(&naming::type_name(&value)),
                            event_type: value,
                            ty: name.clone(),
                            pointer: schema_at.clone(),
                            sources: vec![d.source.clone()],
                        });
                    }
                }
            }
        }
        Ok((events, unkeyed))
    }

    /// The `event_type` values a payload type fixes: the variants of the enum at
    /// `data.event_type`, or at `event_type`.
    fn event_types(&self, type_name: &str) -> Vec<String> {
        let Some(top) = self.resolve(&TypeRef::Named(type_name.to_owned())) else { return Vec::new() };
        let et = field(top, "event_type")
            .or_else(|| self.resolve(&field(top, "data")?).and_then(|d| field(d, "event_type")));
        match et.as_ref().and_then(|t| self.resolve(t)).map(|d| &d.kind) {
            Some(TypeKind::Enum(variants)) => variants.iter().map(|v| v.value.clone()).collect(),
            _ => Vec::new(),
        }
    }
}

fn field(def: &TypeDef, api: &str) -> Option<TypeRef> {
    match &def.kind {
        TypeKind::Struct(s) => s.fields.iter().find(|f| f.api_name == api).map(|f| f.ty.clone()),
        _ => None,
    }
}

/// The deliveries of a callback or `webhooks` entry; `source` is its name in the docs and the
/// pointer of the declaring operation.
fn collect<'a>(
    item: &'a PathItem,
    at: &str,
    (source, operation): (&str, Option<&str>),
    name: &'a str,
    out: &mut Vec<Delivery<'a>>,
) {
    for (method, op) in item.iter() {
        if let Some(body) = &op.request_body {
            out.push(Delivery {
                pointer: format!("{at}/{method}"),
                source: source.to_owned(),
                operation: operation.map(str::to_owned),
                name,
                body,
            });
        }
    }
}
