//! `$ref` resolution: from a reference to the component it names (schemas, parameters, request
//! bodies), with the JSON pointer of where it is defined. Lowering follows references only
//! through here.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{OpenAPI, Parameter, ReferenceOr, RequestBody as OaBody, Schema};

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

    /// Is the schema behind this reference `nullable`? (Follows chains of references.)
    pub(super) fn ref_nullable(&self, reference: &str, at: &str) -> Result<bool> {
        let mut seen = BTreeSet::new();
        let mut current = reference.to_owned();
        loop {
            let (name, s) = self.component_schema(&current, at)?;
            if !seen.insert(name) {
                return Err(GenError::new(at, format!("$ref cycle through {current:?}")));
            }
            match s {
                ReferenceOr::Reference { reference } => current = reference.clone(),
                ReferenceOr::Item(s) => return Ok(s.schema_data.nullable),
            }
        }
    }

    pub(super) fn resolve_param<'p>(
        &self,
        p: &'p ReferenceOr<Parameter>,
        at: &str,
    ) -> Result<(&'p Parameter, Option<String>)>
    where
        'a: 'p,
    {
        match p {
            ReferenceOr::Item(p) => Ok((p, None)),
            ReferenceOr::Reference { reference } => {
                let name = reference
                    .strip_prefix("#/components/parameters/")
                    .ok_or_else(|| GenError::new(at, format!("unsupported parameter $ref {reference:?}")))?;
                let name = unescape(name);
                let p = self
                    .api
                    .components
                    .as_ref()
                    .and_then(|c| c.parameters.get(&name))
                    .ok_or_else(|| GenError::new(at, format!("dangling $ref {reference:?}")))?;
                match p {
                    ReferenceOr::Item(p) => Ok((p, Some(ptr("#/components/parameters", &name)))),
                    ReferenceOr::Reference { .. } => {
                        Err(GenError::new(at, "parameter $ref to a $ref is not supported"))
                    }
                }
            }
        }
    }
}

/// A request body, through a `#/components/requestBodies/…` reference: the body, the
/// component's name when it is one, and the body's own pointer.
pub(super) fn request_body_item<'b>(
    api: &'b OpenAPI,
    b: &'b ReferenceOr<OaBody>,
    at: &str,
) -> Result<(&'b OaBody, Option<String>, String)> {
    match b {
        ReferenceOr::Item(b) => Ok((b, None, at.to_owned())),
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/requestBodies/")
                .ok_or_else(|| GenError::new(at, format!("unsupported requestBody $ref {reference:?}")))?;
            let name = unescape(name);
            let b = api
                .components
                .as_ref()
                .and_then(|c| c.request_bodies.get(&name))
                .ok_or_else(|| GenError::new(at, format!("dangling $ref {reference:?}")))?;
            match b {
                ReferenceOr::Item(b) => {
                    let at = ptr("#/components/requestBodies", &name);
                    Ok((b, Some(name), at))
                }
                ReferenceOr::Reference { .. } => Err(GenError::new(at, "requestBody $ref to a $ref")),
            }
        }
    }
}

pub(super) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}
