//! Success responses: the type each 2xx status returns, JSON, XML, text or bytes; several
//! differing JSON bodies become an untagged union of them.

use openapiv3::StatusCode;

use super::{xml, Lowerer};
use crate::error::{ptr, GenError, Result};
use crate::ir::*;
use crate::naming;

impl Lowerer<'_> {
    pub(super) fn response(&mut self, op: &openapiv3::Operation, camel: &str, at: &str) -> Result<ResponseKind> {
        let mut kinds: Vec<ResponseKind> = Vec::new();
        for (status, resp) in &op.responses.responses {
            let code = match status {
                StatusCode::Code(c) => *c,
                StatusCode::Range(r) => *r * 100,
            };
            if !(200..300).contains(&code) {
                continue;
            }
            let r_at = ptr(&format!("{at}/responses"), &status.to_string());
            let (resp, cache_key, r_at) = self.response_item(resp, &r_at)?;
            let hint = match &cache_key {
                Some(n) => naming::type_name(n),
                None => format!("{camel}Response"),
            };
            let json = resp.content.iter().find(|(ct, _)| ct.contains("json"));
            let other = resp.content.iter().find(|(ct, _)| !ct.contains("json"));
            let json_ty = match json {
                Some((ct, media)) => {
                    let key = format!("{r_at}|{ct}");
                    Some(match self.cache.get(&key) {
                        Some(t) => t.clone(),
                        None => {
                            let t = match &media.schema {
                                Some(s) => {
                                    self.lower_ref(
                                        s,
                                        &hint,
                                        &format!("{}/schema", ptr(&format!("{r_at}/content"), ct)),
                                    )?
                                    .0
                                }
                                None => TypeRef::Json,
                            };
                            self.cache.insert(key, t.clone());
                            t
                        }
                    })
                }
                None => None,
            };
            let kind = match (json_ty, other) {
                (None, None) => ResponseKind::Empty,
                (Some(t), None) => ResponseKind::Json(t),
                (Some(t), Some(_)) => ResponseKind::JsonOrText(t),
                (None, Some((ct, media))) => match &media.schema {
                    Some(schema) if xml::is_xml(ct) => {
                        let at = format!("{}/schema", ptr(&format!("{r_at}/content"), ct));
                        let t = self.lower_ref(schema, &hint, &at)?.0;
                        if !matches!(self.unalias(&t), TypeRef::String | TypeRef::File) && self.record_xml(schema, &t) {
                            ResponseKind::Xml(t)
                        } else {
                            ResponseKind::Text
                        }
                    }
                    _ if ct.starts_with("text/") => ResponseKind::Text,
                    _ => ResponseKind::Bytes,
                },
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(match kinds.len() {
            0 => ResponseKind::Empty,
            1 => kinds.remove(0),
            _ => {
                // Several success statuses with different bodies: an untagged union of them.
                let mut types: Vec<TypeRef> = Vec::new();
                for k in &kinds {
                    match k {
                        ResponseKind::Json(t) if !types.contains(t) => types.push(t.clone()),
                        ResponseKind::Json(_) | ResponseKind::Empty => {}
                        _ => {
                            return Err(GenError::new(
                                format!("{at}/responses"),
                                "success responses mix JSON and non-JSON bodies",
                            ))
                        }
                    }
                }
                let doc =
                    format!("The success responses of `{}`, by shape.", op.operation_id.as_deref().unwrap_or(camel));
                ResponseKind::Json(self.union_of_types(
                    types,
                    &format!("{camel}Response"),
                    &format!("{at}/responses"),
                    doc,
                ))
            }
        })
    }
}
