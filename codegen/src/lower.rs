//! Lowering: `openapiv3::OpenAPI` → [`Ir`]. The only module that understands OpenAPI.
//!
//! It resolves `$ref`s, names every inline schema (`{Parent}{Field}`, `{Operation}Body`,
//! `{Operation}Response`), merges `allOf` into one struct, turns `oneOf`/`anyOf` into unions,
//! picks parameter encodings and body kinds, collapses identical inline types into aliases of one
//! ([`crate::dedup`]), and assigns each type a module.
//!
//! The steps, one module each under `lower/`: `refs` follows `$ref`s; `schemas` and `unions`
//! turn schemas into types; `operations` (with `bodies` and `responses`) builds the operations;
//! `webhooks` the webhook events; `xml` the XML forms of XML bodies; then `nullables`, `boxes`
//! and `modules` finish the types. This file holds the entry point and the state they share
//! (`Lowerer`).

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use openapiv3::{OpenAPI, ReferenceOr};

use crate::error::Result;
use crate::ir::*;
use crate::naming::{self, Overrides, Scope};

/// Module holding types used by more than one tag (or by none).
pub const SHARED_MODULE: &str = "shared";

mod bodies;
mod boxes;
mod modules;
mod nullables;
mod operations;
mod refs;
mod responses;
mod schemas;
mod unions;
mod webhooks;
mod websocket;
mod xml;

pub use unions::DEFAULT_TAG;
pub use websocket::UNSIDED_FRAME;

/// Lower a loaded 3.0 document (no `webhooks` section).
pub fn lower(api: &OpenAPI, overrides: &Overrides) -> Result<Ir> {
    lower_with_webhooks(api, &IndexMap::new(), overrides)
}

/// Lower a loaded spec with its (3.1) `webhooks` section.
pub fn lower_with_webhooks(
    api: &OpenAPI,
    webhooks: &IndexMap<String, ReferenceOr<openapiv3::PathItem>>,
    overrides: &Overrides,
) -> Result<Ir> {
    let mut l = Lowerer::new(api, overrides);
    l.components()?;
    let (mut operations, paging_unrecognised) = l.operations()?;
    let (webhook_events, webhook_unkeyed) = l.webhook_events(webhooks, &mut operations)?;
    // Again for the webhook payload types, which exist only now (none is paged).
    nullables::flatten_response_only(&mut l.types, &operations);
    let mut types = std::mem::take(&mut l.types);
    let components: BTreeSet<&str> = l.components.values().map(String::as_str).collect();
    crate::dedup::dedup(&mut types, &components, &mut l.scope);
    boxes::mark_boxes(&mut types);
    let tags = l.tags_in_use(&operations);
    let warnings = std::mem::take(&mut l.warnings).into_iter().map(|(k, w)| (k.to_owned(), w)).collect();
    let servers = std::mem::take(&mut l.servers);
    let xml_docs = std::mem::take(&mut l.xml_docs);
    modules::assign_modules(&mut types, &operations);
    types.sort_by(|a, b| (a.module.as_str(), a.name.as_str()).cmp(&(b.module.as_str(), b.name.as_str())));
    Ok(Ir {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        tags,
        types,
        operations,
        paging_unrecognised,
        webhook_events,
        webhook_unkeyed,
        features: Vec::new(),
        crate_version: "0.0.0".to_owned(),
        warnings,
        servers,
        xml_docs,
        oauth_token_url: oauth_token_url(api),
    })
}

/// The token URL of the document's first OAuth 2.0 scheme with a client-credentials flow
/// (`components.securitySchemes.*.flows.clientCredentials.tokenUrl`), in the order the document
/// lists its schemes.
fn oauth_token_url(api: &OpenAPI) -> Option<String> {
    api.components.as_ref()?.security_schemes.values().find_map(|s| match s {
        ReferenceOr::Item(openapiv3::SecurityScheme::OAuth2 { flows, .. }) => {
            flows.client_credentials.as_ref().map(|f| f.token_url.clone())
        }
        _ => None,
    })
}

/// The operation's first tag, which decides its module; `Other` for an operation without one.
fn tag_of(op: &openapiv3::Operation) -> String {
    op.tags.first().cloned().unwrap_or_else(|| "Other".to_owned())
}

/// The operationId, or one derived from the method and path when the spec gives none.
fn operation_id(op: &openapiv3::Operation, method: &str, path: &str) -> String {
    match &op.operation_id {
        Some(id) if !id.trim().is_empty() => id.clone(),
        _ => naming::derived_operation_name(method, path),
    }
}

/// Where a lowered schema gets its name from.
enum Slot<'n> {
    /// A component schema: its name is reserved already.
    Fixed(&'n str),
    /// An inline schema: a name is claimed from this hint only if a named type is needed.
    Hint(&'n str),
}

/// The state of one lowering, shared by the steps: the spec, the names claimed so far, and the
/// types, warnings, servers and XML forms collected.
struct Lowerer<'a> {
    api: &'a OpenAPI,
    overrides: &'a Overrides,
    scope: Scope,
    /// Component schema name → Rust type name.
    components: BTreeMap<String, String>,
    /// Lowered component parameters / request bodies / responses by pointer.
    cache: BTreeMap<String, TypeRef>,
    types: Vec<TypeDef>,
    /// Warnings: (kind, text).
    warnings: Vec<(&'static str, String)>,
    /// Servers of paths and operations other than the document's.
    servers: Vec<Server>,
    /// The XML forms of XML body and response types.
    xml_docs: Vec<XmlDocDef>,
}

impl<'a> Lowerer<'a> {
    fn new(api: &'a OpenAPI, overrides: &'a Overrides) -> Self {
        Lowerer {
            api,
            overrides,
            scope: Scope::default(),
            components: BTreeMap::new(),
            cache: BTreeMap::new(),
            types: Vec::new(),
            warnings: Vec::new(),
            servers: Vec::new(),
            xml_docs: Vec::new(),
        }
    }

    fn push(&mut self, name: &str, pointer: &str, doc: Option<String>, kind: TypeKind) {
        self.types.push(TypeDef {
            name: name.to_owned(),
            pointer: pointer.to_owned(),
            doc,
            module: String::new(),
            nullable: false,
            kind,
            features: Vec::new(),
        });
    }

    /// Define a named type in `slot` and return a reference to it.
    fn define(&mut self, slot: &Slot<'_>, at: &str, doc: Option<String>, kind: TypeKind) -> TypeRef {
        let name = match slot {
            Slot::Fixed(n) => (*n).to_owned(),
            Slot::Hint(h) => self.scope.claim(&naming::type_name(h)),
        };
        self.push(&name, at, doc, kind);
        TypeRef::Named(name)
    }

    fn slot_name(slot: &Slot<'_>) -> String {
        match slot {
            Slot::Fixed(n) => (*n).to_owned(),
            Slot::Hint(h) => naming::type_name(h),
        }
    }

    /// What a type is once aliases (`SttClientEvent = UploadFile`) are seen through.
    fn unalias<'t>(&'t self, t: &'t TypeRef) -> &'t TypeRef {
        t.unalias(|n| self.type_def(n))
    }

    /// The definition behind a named type, through aliases.
    fn resolve(&self, t: &TypeRef) -> Option<&TypeDef> {
        t.resolve(|n| self.type_def(n))
    }

    /// The type lowered so far under `name`.
    fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|d| d.name == name)
    }

    fn is_object(&self, t: &TypeRef) -> bool {
        match t {
            TypeRef::JsonMap | TypeRef::Map(_) => true,
            TypeRef::Named(n) => self.types.iter().any(|d| &d.name == n && matches!(d.kind, TypeKind::Struct(_))),
            _ => false,
        }
    }

    fn tag_module(&self, tag: &str) -> String {
        self.overrides.tags.get(tag).cloned().unwrap_or_else(|| naming::snake(tag))
    }
}
