//! Webhook events: the payloads the spec declares in operation `callbacks` (3.0) and in the
//! top-level `webhooks` section (3.1), keyed by `event_type` (at `data.event_type`, or at the
//! top). The rules, each general (no event type is named here):
//!
//! - A declared payload whose `event_type` is a string enum (a `const` is one by now): each value
//!   is an event decoded as that payload ([`EventKey::Enum`]; several values share the type).
//! - A declared payload that is a union, or whose `data` is one: per branch, its discriminator
//!   values when the union's discriminator is `event_type` (a mapping entry, or the value the
//!   branch pins; OpenAPI's implicit value, the schema's name, only when the branch's own enum
//!   has it) ([`EventKey::Discriminator`]), else the values of the branch's own `event_type`
//!   enum ([`EventKey::Branch`]). The body decodes as the branch when the union is the body and
//!   one branch claims the value; otherwise as the declared payload, whose union dispatches.
//! - A component schema no callback or `webhooks` entry declares counts only when its shape is
//!   that of a delivery: an object whose `data` is an object with an `event_type` enum and
//!   `record_type` fixed to `event` ([`EventKey::Envelope`]), and only for event types nothing
//!   declared and no other such schema claims. Schemas with a top-level `event_type` and no
//!   `data` do not count there: those are REST resources, and a delivery (`{data: {event_type,
//!   …}, meta}`) decoded as one would come out empty rather than fail.
//! - A component union on `event_type` no callback or `webhooks` entry declares, whose branches
//!   are such records (a top-level `event_type`, no `data`: the porting and port-out events of
//!   `GET /porting/events`), gives its discriminator values (else its branches' `event_type`
//!   enums) as events whose delivery carries the record in `data` ([`EventKey::Record`]; the
//!   variant decodes `data`), for event types nothing else claims and no other such union
//!   claims. Telnyx's guides show port-out deliveries so: `{"data": {"event_type":
//!   "portout.new_comment", "payload": {…}, "record_type": "event"}, "meta": {…}}`.

use std::collections::{BTreeMap, BTreeSet};

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
        let mut declared: BTreeSet<String> = BTreeSet::new();
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
            declared.insert(name.clone());
            let keyed = self.event_keys(&name);
            if keyed.is_empty() {
                if !unkeyed.iter().any(|u| u.ty.as_deref() == Some(&name)) {
                    let union = matches!(self.resolve(&ty).map(|t| &t.kind), Some(TypeKind::Union(_)));
                    let reason = if union {
                        "a union none of whose branches fixes an `event_type`"
                    } else {
                        "no `event_type` enum at `data.event_type` or `event_type`"
                    };
                    unkeyed.push(UnkeyedWebhook { ty: Some(name), pointer: schema_at, reason: reason.into() });
                }
                continue;
            }
            for Keyed { value, ty, key } in keyed {
                match by_type.get(&value) {
                    Some(&i) if events[i].ty == ty => {
                        if !events[i].sources.contains(&d.source) {
                            events[i].sources.push(d.source.clone());
                        }
                    }
                    Some(&i) => unkeyed.push(UnkeyedWebhook {
                        ty: Some(ty),
                        pointer: schema_at.clone(),
                        reason: format!("event type {value:?} is already decoded as {}", events[i].ty),
                    }),
                    None => {
                        // The schema decoded: the declared one, or the branch chosen in it.
                        let pointer = match self.type_def(&ty) {
                            Some(def) if ty != name => def.pointer.clone(),
                            _ => schema_at.clone(),
                        };
                        let keyed = Keyed { value, ty, key };
                        push_event(&mut events, &mut by_type, &mut variants, keyed, pointer, vec![d.source.clone()]);
                    }
                }
            }
        }

        // Then the envelopes nothing declares, in spec order; an event type two of them claim
        // is left out (which one the server sends cannot be told).
        let mut claims: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        let mut envelopes: Vec<(&str, Vec<String>)> = Vec::new();
        for schema in self.schemas().into_iter().flat_map(|s| s.keys()) {
            let Some(name) = self.components.get(schema) else { continue };
            if declared.contains(name) {
                continue;
            }
            let values: Vec<String> =
                self.envelope_event_types(name).into_iter().filter(|v| !by_type.contains_key(v)).collect();
            for v in &values {
                claims.entry(v.clone()).or_default().push(name);
            }
            if !values.is_empty() {
                envelopes.push((name, values));
            }
        }
        for (name, values) in envelopes {
            for value in values.into_iter().filter(|v| claims[v].len() == 1) {
                let pointer = self.type_def(name).map(|d| d.pointer.clone()).unwrap_or_default();
                by_type.insert(value.clone(), events.len());
                events.push(WebhookEvent {
                    variant: variants.claim(&naming::type_name(&value)),
                    event_type: value,
                    ty: name.to_owned(),
                    pointer,
                    sources: Vec::new(),
                    key: EventKey::Envelope,
                });
            }
        }

        // Then the unions of event records, in spec order, likewise.
        let mut claims: BTreeMap<String, usize> = BTreeMap::new();
        let mut records: Vec<Keyed> = Vec::new();
        for schema in self.schemas().into_iter().flat_map(|s| s.keys()) {
            let Some(name) = self.components.get(schema) else { continue };
            if declared.contains(name) {
                continue;
            }
            for keyed in self.record_keys(name).into_iter().filter(|k| !by_type.contains_key(&k.value)) {
                *claims.entry(keyed.value.clone()).or_default() += 1;
                records.push(keyed);
            }
        }
        for keyed in records.into_iter().filter(|k| claims[&k.value] == 1) {
            let pointer = self.type_def(&keyed.ty).map(|d| d.pointer.clone()).unwrap_or_default();
            push_event(&mut events, &mut by_type, &mut variants, keyed, pointer, Vec::new());
        }
        Ok((events, unkeyed))
    }

    /// The event types of `name` when it is a union on `event_type` of event records (see the
    /// module docs), keyed [`EventKey::Record`]; none otherwise.
    fn record_keys(&self, name: &str) -> Vec<Keyed> {
        let Some(def) = self.resolve(&TypeRef::Named(name.to_owned())) else { return Vec::new() };
        let TypeKind::Union(u) = &def.kind else { return Vec::new() };
        let is_record = |branch: &str| {
            self.resolve(&TypeRef::Named(branch.to_owned())).is_some_and(|b| {
                matches!(b.kind, TypeKind::Struct(_))
                    && field(b, "data").is_none()
                    && field(b, "event_type").and_then(|t| self.enum_values(&t)).is_some()
            })
        };
        let branches: Vec<&str> = u.variants.iter().filter_map(|v| v.ty.named()).collect();
        if u.discriminator.as_deref() != Some("event_type")
            || branches.is_empty()
            || branches.len() != u.variants.len()
            || !branches.iter().all(|b| is_record(b))
        {
            return Vec::new();
        }
        let union = def.name.clone();
        self.union_keys(u, &union, name, false)
            .into_iter()
            .map(|k| Keyed { key: EventKey::Record { union: union.clone() }, ..k })
            .collect()
    }

    /// The event types a declared payload type keys, each with the type its body decodes as
    /// (see the module docs for the rules).
    fn event_keys(&self, name: &str) -> Vec<Keyed> {
        let Some(def) = self.resolve(&TypeRef::Named(name.to_owned())) else { return Vec::new() };
        match &def.kind {
            TypeKind::Union(u) => self.union_keys(u, &def.name, name, false),
            TypeKind::Struct(_) => {
                let own = self.own_event_types(def);
                if !own.is_empty() {
                    return own
                        .into_iter()
                        .map(|value| Keyed { value, ty: name.to_owned(), key: EventKey::Enum })
                        .collect();
                }
                match field(def, "data").and_then(|d| self.resolve(&d)) {
                    Some(data @ TypeDef { kind: TypeKind::Union(u), .. }) => self.union_keys(u, &data.name, name, true),
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    /// The event types of the union `union`: the body `body` itself, or its `data` when
    /// `envelope` (then every value decodes as the body). A value one branch claims decodes as
    /// that branch; one several branches claim, as the body (the union tells them apart).
    fn union_keys(&self, u: &Union, union: &str, body: &str, envelope: bool) -> Vec<Keyed> {
        let on_event_type = u.discriminator.as_deref() == Some("event_type");
        // Value → (the branches claiming it, whether a discriminator value gave it).
        let mut found: IndexMap<&str, (Vec<&str>, bool)> = IndexMap::new();
        let owns: Vec<(&str, Vec<String>)> = u
            .variants
            .iter()
            .filter_map(|v| v.ty.named())
            .map(|b| {
                (b, self.resolve(&TypeRef::Named(b.to_owned())).map(|d| self.own_event_types(d)).unwrap_or_default())
            })
            .collect();
        for (v, (branch, own)) in u.variants.iter().filter(|v| v.ty.named().is_some()).zip(&owns) {
            // Without a mapping entry, OpenAPI's value is the schema's name: not an event type
            // unless the branch's own enum says so.
            let implicit = self.components.iter().find(|(_, rust)| rust == branch).map(|(spec, _)| spec.as_str());
            let tags: Vec<&str> = if on_event_type {
                v.tags
                    .iter()
                    .map(String::as_str)
                    .filter(|t| Some(*t) != implicit || own.iter().any(|o| o == t))
                    .collect()
            } else {
                Vec::new()
            };
            let (values, by_tag) =
                if tags.is_empty() { (own.iter().map(String::as_str).collect(), false) } else { (tags, true) };
            for value in values {
                let (branches, _) = found.entry(value).or_insert((Vec::new(), by_tag));
                if !branches.contains(branch) {
                    branches.push(branch);
                }
            }
        }
        found
            .into_iter()
            .map(|(value, (branches, by_tag))| {
                let ty = match branches.as_slice() {
                    [one] if !envelope => (*one).to_owned(),
                    _ => body.to_owned(),
                };
                let union = union.to_owned();
                let key = if by_tag { EventKey::Discriminator { union } } else { EventKey::Branch { union } };
                Keyed { value: value.to_owned(), ty, key }
            })
            .collect()
    }

    /// The values of the `event_type` enum at the top of `def`, or else at its `data`.
    fn own_event_types(&self, def: &TypeDef) -> Vec<String> {
        let at = |d: &TypeDef| field(d, "event_type").and_then(|t| self.enum_values(&t));
        at(def).or_else(|| at(self.resolve(&field(def, "data")?)?)).unwrap_or_default()
    }

    /// The `data.event_type` values of a type shaped like a delivery: `data` an object with an
    /// `event_type` enum and `record_type` fixed to `event`; none for any other type.
    fn envelope_event_types(&self, name: &str) -> Vec<String> {
        let data = self
            .resolve(&TypeRef::Named(name.to_owned()))
            .filter(|d| matches!(d.kind, TypeKind::Struct(_)))
            .and_then(|top| self.resolve(&field(top, "data")?))
            .filter(|d| matches!(d.kind, TypeKind::Struct(_)));
        let Some(data) = data else { return Vec::new() };
        let record_type = field(data, "record_type").and_then(|t| self.enum_values(&t));
        if record_type.as_deref() != Some(&["event".to_owned()][..]) {
            return Vec::new();
        }
        field(data, "event_type").and_then(|t| self.enum_values(&t)).unwrap_or_default()
    }

    /// The values of a string enum type; `None` for anything else.
    fn enum_values(&self, t: &TypeRef) -> Option<Vec<String>> {
        match &self.resolve(t)?.kind {
            TypeKind::Enum(variants) if !variants.is_empty() => {
                Some(variants.iter().map(|v| v.value.clone()).collect())
            }
            _ => None,
        }
    }
}

/// One event type a payload keys: its value, the type the body decodes as, and where it was read.
struct Keyed {
    value: String,
    ty: String,
    key: EventKey,
}

/// Add the event `keyed` (its variant named after the event type), indexed in `by_type`.
fn push_event(
    events: &mut Vec<WebhookEvent>,
    by_type: &mut BTreeMap<String, usize>,
    variants: &mut Scope,
    Keyed { value, ty, key }: Keyed,
    pointer: String,
    sources: Vec<String>,
) {
    by_type.insert(value.clone(), events.len());
    events.push(WebhookEvent {
        variant: variants.claim(&naming::type_name(&value)),
        event_type: value,
        ty,
        pointer,
        sources,
        key,
    });
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
