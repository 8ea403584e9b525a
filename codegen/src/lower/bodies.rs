//! Request bodies: which content type is sent (JSON first, then multipart, form, XML, …), the
//! body's type and kind, and the multipart alternative of a JSON body.

use openapiv3::{ReferenceOr, RequestBody as OaBody};

use super::{xml, Lowerer};
use crate::error::{ptr, GenError, Result};
use crate::ir::*;
use crate::naming;

impl Lowerer<'_> {
    /// A multipart body is a struct, or a `oneOf` of structs (`VoiceCloneUploadRequest`: one
    /// per provider) whose value is the multipart body of whichever variant it holds.
    pub(super) fn mark_multipart(&mut self, ty: &TypeRef, at: &str) -> Result<()> {
        let name = ty.named().map(str::to_owned);
        let def = name.as_deref().and_then(|n| self.types.iter().position(|d| d.name == n));
        let variants: Vec<String> = match def.map(|i| &self.types[i].kind) {
            Some(TypeKind::Struct(_)) => Vec::new(),
            Some(TypeKind::Union(u)) if !u.variants.iter().any(|v| !v.tags.is_empty()) => {
                let names: Vec<String> = u.variants.iter().filter_map(|v| v.ty.named().map(str::to_owned)).collect();
                let all_structs = names.len() == u.variants.len()
                    && names
                        .iter()
                        .all(|n| self.types.iter().any(|d| &d.name == n && matches!(d.kind, TypeKind::Struct(_))));
                if !all_structs {
                    return Err(GenError::new(
                        at,
                        "a multipart body that is a oneOf must be a oneOf of object schemas",
                    ));
                }
                names
            }
            _ => return Err(GenError::new(at, "a multipart body must be an object schema")),
        };
        for d in self.types.iter_mut() {
            let mine = Some(&d.name) == name.as_ref() || variants.contains(&d.name);
            match &mut d.kind {
                TypeKind::Struct(s) if mine => s.multipart = true,
                TypeKind::Union(u) if mine => u.multipart = true,
                _ => {}
            }
        }
        Ok(())
    }

    pub(super) fn request_body(
        &mut self,
        b: &ReferenceOr<OaBody>,
        camel: &str,
        at: &str,
    ) -> Result<(RequestBody, Option<RequestBody>)> {
        let (body, cache_key, at) = self.request_body_item(b, at)?;
        let pick = ["application/json", "multipart/form-data", "application/x-www-form-urlencoded", "text/xml", "*/*"]
            .iter()
            .find_map(|ct| body.content.get_key_value(*ct))
            .or_else(|| body.content.first());
        let Some((ct, media)) = pick else {
            return Err(GenError::new(format!("{at}/content"), "request body without content"));
        };
        let hint = match &cache_key {
            Some(n) => naming::type_name(n),
            None => format!("{camel}Body"),
        };
        let main = self.body_content(ct, media, body.required, &hint, &at)?;
        let alt = match body.content.get_key_value("multipart/form-data") {
            Some((mct, mmedia)) if main.kind == BodyKind::Json => {
                Some(self.body_content(mct, mmedia, body.required, &format!("{hint}Multipart"), &at)?)
            }
            _ => None,
        };
        Ok((main, alt))
    }

    pub(super) fn body_content(
        &mut self,
        ct: &str,
        media: &openapiv3::MediaType,
        required: bool,
        hint: &str,
        at: &str,
    ) -> Result<RequestBody> {
        let media_at = ptr(&format!("{at}/content"), ct);
        let ty = match &media.schema {
            Some(s) => {
                let key = format!("{at}|{ct}");
                match self.cache.get(&key) {
                    Some(t) => t.clone(),
                    None => {
                        let t = self.lower_ref(s, hint, &format!("{media_at}/schema"))?.0;
                        self.cache.insert(key, t.clone());
                        t
                    }
                }
            }
            None => TypeRef::Json,
        };
        let kind = match ct {
            "application/json" => BodyKind::Json,
            "multipart/form-data" => BodyKind::Multipart,
            "application/x-www-form-urlencoded" => BodyKind::Form,
            c if xml::is_xml(c)
                && !matches!(self.unalias(&ty), TypeRef::String | TypeRef::File)
                && media.schema.as_ref().is_some_and(|s| self.record_xml(s, &ty)) =>
            {
                BodyKind::Xml(c.to_owned())
            }
            c if c.starts_with("text/") => BodyKind::Text(c.to_owned()),
            c if matches!(self.unalias(&ty), TypeRef::File | TypeRef::String) => {
                BodyKind::Bytes(if c == "*/*" { "application/octet-stream".to_owned() } else { c.to_owned() })
            }
            c if c.contains("json") || c == "*/*" => BodyKind::Json,
            c => return Err(GenError::new(media_at, format!("unsupported request content type {c:?}"))),
        };
        if kind == BodyKind::Multipart {
            self.mark_multipart(&ty, &media_at)?;
        }
        Ok(RequestBody { kind, ty, required })
    }
}
