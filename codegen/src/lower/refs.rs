//! `$ref` resolution: from a reference to the component it names (schemas, parameters, request
//! bodies, responses), with the JSON pointer of where it is defined. Lowering follows
//! references only through here.

use std::borrow::Borrow;
use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{Parameter, ReferenceOr, RequestBody as OaBody, Response, Schema};

use super::Lowerer;
use crate::error::{ptr, GenError, Result};
use crate::ir::*;

const COMPONENT_SCHEMA: &str = "#/components/schemas/";

impl<'a> Lowerer<'a> {
    pub(super) fn schemas(&self) -> Option<&'a IndexMap<String, ReferenceOr<Schema>>> {
        self.api.components.as_ref().map(|c| &c.schemas)
    }

    pub(super) fn component_schema(&self, reference: &str, at: &str) -> Result<(&'a str, &'a ReferenceOr<Schema>)> {
        let name = reference.strip_prefix(COMPONENT_SCHEMA).ok_or_else(|| {
            GenError::new(at, format!("unsupported $ref {reference:?}: only #/components/schemas/… is supported here"))
        })?;
        let name = unescape(name);
        self.schemas()
            .and_then(|s| s.get_key_value(name.as_str()))
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| GenError::new(at, format!("dangling $ref {reference:?}: no such schema")))
    }

    pub(super) fn ref_type(&self, reference: &str, at: &str) -> Result<TypeRef> {
        let (name, _) = self.component_schema(reference, at)?;
        Ok(TypeRef::Named(self.components[name].clone()))
    }

    /// The schema behind a reference to a component schema, following chains of references
    /// (`A: {$ref: B}`), with the name of the component that holds it; a cycle is an error at `at`.
    /// Every place lowering needs the schema itself (not its name) comes through here.
    pub(super) fn schema_behind(&self, reference: &str, at: &str) -> Result<(&'a str, &'a Schema)> {
        let mut seen = BTreeSet::new();
        let mut current = reference;
        loop {
            let (name, s) = self.component_schema(current, at)?;
            if !seen.insert(name) {
                return Err(GenError::new(at, format!("$ref cycle through {current:?}")));
            }
            match s {
                ReferenceOr::Reference { reference } => current = reference,
                ReferenceOr::Item(s) => return Ok((name, s)),
            }
        }
    }

    /// A schema or the schema behind its reference; `None` for a reference that does not resolve
    /// (callers that use this only read, and treat an unresolvable one as saying nothing).
    pub(super) fn resolved<'s, S: Borrow<Schema>>(&'s self, s: &'s ReferenceOr<S>) -> Option<&'s Schema> {
        match s {
            ReferenceOr::Item(s) => Some(s.borrow()),
            ReferenceOr::Reference { reference } => self.schema_behind(reference, "#").ok().map(|(_, s)| s),
        }
    }

    /// Is the schema behind this reference `nullable`? (Follows chains of references.)
    pub(super) fn ref_nullable(&self, reference: &str, at: &str) -> Result<bool> {
        Ok(self.schema_behind(reference, at)?.1.schema_data.nullable)
    }

    /// A parameter, or the component parameter it references and that component's pointer.
    pub(super) fn resolve_param<'p>(
        &self,
        p: &'p ReferenceOr<Parameter>,
        at: &str,
    ) -> Result<(&'p Parameter, Option<String>)>
    where
        'a: 'p,
    {
        let components = self.api.components.as_ref().map(|c| &c.parameters);
        let (p, component) = item_or_component(p, components, "parameters", "parameter", at)?;
        Ok((p, component.map(|c| c.pointer)))
    }

    /// A request body, or the `#/components/requestBodies/…` one it references: the body, the
    /// component's name when it is one, and the body's own pointer.
    pub(super) fn request_body_item<'b>(
        &self,
        b: &'b ReferenceOr<OaBody>,
        at: &str,
    ) -> Result<(&'b OaBody, Option<String>, String)>
    where
        'a: 'b,
    {
        let components = self.api.components.as_ref().map(|c| &c.request_bodies);
        let (b, component) = item_or_component(b, components, "requestBodies", "requestBody", at)?;
        Ok(match component {
            Some(c) => (b, Some(c.name), c.pointer),
            None => (b, None, at.to_owned()),
        })
    }

    /// A response, or the `#/components/responses/…` one it references: the response, the
    /// component's name when it is one, and the response's own pointer.
    pub(super) fn response_item<'r>(
        &self,
        r: &'r ReferenceOr<Response>,
        at: &str,
    ) -> Result<(&'r Response, Option<String>, String)>
    where
        'a: 'r,
    {
        let components = self.api.components.as_ref().map(|c| &c.responses);
        let (r, component) = item_or_component(r, components, "responses", "response", at)?;
        Ok(match component {
            Some(c) => (r, Some(c.name), c.pointer),
            None => (r, None, at.to_owned()),
        })
    }
}

/// The component a `#/components/<section>/<name>` reference names.
struct Component {
    /// `<name>`, unescaped.
    name: String,
    /// The component's own pointer.
    pointer: String,
}

/// An item, or the component of `section` it references (one level: a component that is itself
/// a reference is an error, as is a reference into another section). `what` names the kind of
/// object in errors.
fn item_or_component<'c, T>(
    item: &'c ReferenceOr<T>,
    components: Option<&'c IndexMap<String, ReferenceOr<T>>>,
    section: &str,
    what: &str,
    at: &str,
) -> Result<(&'c T, Option<Component>)> {
    let reference = match item {
        ReferenceOr::Item(t) => return Ok((t, None)),
        ReferenceOr::Reference { reference } => reference,
    };
    let name = reference
        .strip_prefix(&format!("#/components/{section}/"))
        .ok_or_else(|| GenError::new(at, format!("unsupported {what} $ref {reference:?}")))?;
    let name = unescape(name);
    let target = components
        .and_then(|c| c.get(&name))
        .ok_or_else(|| GenError::new(at, format!("dangling $ref {reference:?}")))?;
    match target {
        ReferenceOr::Item(t) => {
            let pointer = ptr(&format!("#/components/{section}"), &name);
            Ok((t, Some(Component { name, pointer })))
        }
        ReferenceOr::Reference { .. } => Err(GenError::new(at, format!("{what} $ref to a $ref is not supported"))),
    }
}

pub(super) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}
