//! Operations: each path and method becomes an [`Operation`] with its final method name,
//! parameters (merged from path and operation, in template order), body, response, auth and
//! server; paging is detected once all types exist ([`crate::paging`]).

use std::collections::BTreeMap;

use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr};
use serde_json::Value;

use super::{nullables, operation_id, tag_of, Lowerer};
use crate::error::{ptr, GenError, Result};
use crate::ir::*;
use crate::naming::{self, Scope};

impl Lowerer<'_> {
    pub(super) fn operations(&mut self) -> Result<(Vec<Operation>, Vec<UnrecognisedPaging>)> {
        let mut ops = Vec::new();
        let mut method_scopes: BTreeMap<String, Scope> = BTreeMap::new();
        // The methods the runtime adds to a hook operation's API struct are taken first.
        for (path, item) in &self.api.paths.paths {
            let ReferenceOr::Item(item) = item else { continue };
            for (method, op) in item.iter() {
                for hook in crate::hooks::hooks_for(method, path) {
                    let tag = tag_of(op);
                    let scope = method_scopes.entry(self.tag_module(&tag)).or_default();
                    for name in hook.reserved {
                        scope.claim(name);
                    }
                }
            }
        }
        let wanted = self.method_names();
        let mut wanted = wanted.into_iter();
        for (path, item) in &self.api.paths.paths {
            let path_at = ptr("#/paths", path);
            let item = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { .. } => {
                    return Err(GenError::new(path_at, "path item $ref is not supported"));
                }
            };
            for (method, op) in item.iter() {
                let at = format!("{path_at}/{method}");
                let name = wanted.next().unwrap_or_default();
                let lowered = self.operation(path, method, op, item, &at, (&name, &mut method_scopes))?;
                ops.push(lowered);
            }
        }
        // Before paging, whose field paths say whether a field is a double `Option`.
        nullables::flatten_response_only(&mut self.types, &ops);
        // Paging is decided once every type exists; item-stream names are claimed after all
        // operation names, so a stream method never takes an operation's name.
        let index: std::collections::HashMap<&str, &TypeDef> =
            self.types.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut unrecognised = Vec::new();
        for op in &mut ops {
            let scope = method_scopes.entry(op.tag_module.clone()).or_default();
            let claim = || scope.claim(&format!("{}_stream", op.rust_name));
            match crate::paging::detect(op, &index, claim) {
                crate::paging::Detection::NotPaged => {}
                crate::paging::Detection::Paged(p) => op.paging = Some(*p),
                crate::paging::Detection::Unrecognised(reason) => unrecognised.push(UnrecognisedPaging {
                    operation: op.id.clone(),
                    pointer: op.pointer.clone(),
                    reason,
                }),
            }
        }
        Ok((ops, unrecognised))
    }

    /// The wanted method name of every operation, in document order ([`crate::method_names`]).
    pub(super) fn method_names(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for (path, item) in &self.api.paths.paths {
            let ReferenceOr::Item(item) = item else { continue };
            for (method, op) in item.iter() {
                keys.push(crate::method_names::OperationKey {
                    tag_module: self.tag_module(&tag_of(op)),
                    id: operation_id(op, method, path),
                    method,
                    path,
                });
            }
        }
        crate::method_names::method_names(&keys, &self.overrides.operations)
    }

    pub(super) fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &openapiv3::Operation,
        item: &openapiv3::PathItem,
        at: &str,
        (wanted, method_scopes): (&str, &mut BTreeMap<String, Scope>),
    ) -> Result<Operation> {
        let (path_params, path_servers) = (&item.parameters, &item.servers);
        let id = operation_id(op, method, path);
        let has_spec_id = op.operation_id.as_ref().is_some_and(|id| !id.trim().is_empty());
        let tag = tag_of(op);
        let tag_module = self.tag_module(&tag);
        let rust_name = method_scopes.entry(tag_module.clone()).or_default().claim(wanted);
        let camel = naming::type_name(&rust_name);

        // Parameters: operation-level ones override path-level ones with the same name and place.
        let mut merged: Vec<(&Parameter, Option<String>, String)> = Vec::new();
        for (i, p) in op.parameters.iter().enumerate() {
            let p_at = format!("{at}/parameters/{i}");
            let (p, cache) = self.resolve_param(p, &p_at)?;
            merged.push((p, cache, p_at));
        }
        for (i, p) in path_params.iter().enumerate() {
            let p_at = format!("{}/parameters/{i}", at.rsplit_once('/').map_or(at, |x| x.0));
            let (p, cache) = self.resolve_param(p, &p_at)?;
            let data = p.parameter_data_ref();
            let dup = merged.iter().any(|(q, _, _)| {
                q.parameter_data_ref().name == data.name && std::mem::discriminant(*q) == std::mem::discriminant(p)
            });
            if !dup {
                merged.push((p, cache, p_at));
            }
        }
        let mut params = Vec::new();
        let mut names = Scope::with_reserved(["body", "params", "self"]);
        for (p, cache, p_at) in merged {
            let data = p.parameter_data_ref();
            let (location, style) = match p {
                Parameter::Path { .. } => (ParamLocation::Path, QueryStyle::FormComma),
                Parameter::Header { .. } => (ParamLocation::Header, QueryStyle::FormComma),
                Parameter::Query { style, .. } => {
                    let s = match style {
                        openapiv3::QueryStyle::DeepObject => QueryStyle::DeepObject,
                        openapiv3::QueryStyle::Form if data.explode == Some(false) => QueryStyle::FormComma,
                        openapiv3::QueryStyle::Form => QueryStyle::FormExplode,
                        other => {
                            return Err(GenError::new(p_at, format!("query style {other:?} is not supported")));
                        }
                    };
                    (ParamLocation::Query, s)
                }
                Parameter::Cookie { .. } => return Err(GenError::new(p_at, "cookie parameters are not supported")),
            };
            let ty = match &cache {
                Some(key) if self.cache.contains_key(key) => self.cache[key].clone(),
                _ => {
                    let hint = match &cache {
                        Some(key) => naming::type_name(key.rsplit('/').next().unwrap_or(&data.name)),
                        None => format!("{camel}{}", naming::camel(&data.name)),
                    };
                    let t = match &data.format {
                        ParameterSchemaOrContent::Schema(s) => self.lower_ref(s, &hint, &format!("{p_at}/schema"))?.0,
                        ParameterSchemaOrContent::Content(c) => match c.first() {
                            Some((_, media)) => match &media.schema {
                                Some(s) => self.lower_ref(s, &hint, &format!("{p_at}/content"))?.0,
                                None => TypeRef::Json,
                            },
                            None => return Err(GenError::new(p_at, "parameter has neither schema nor content")),
                        },
                    };
                    if let Some(key) = cache {
                        self.cache.insert(key, t.clone());
                    }
                    t
                }
            };
            // deepObject / object-valued query parameters stay structured.
            let style = if location == ParamLocation::Query && style == QueryStyle::FormExplode && self.is_object(&ty) {
                QueryStyle::DeepObject
            } else {
                style
            };
            params.push(Param {
                api_name: data.name.clone(),
                name: names.claim(&naming::snake(&data.name)),
                location,
                required: data.required || location == ParamLocation::Path,
                ty,
                style,
                doc: data.description.clone().filter(|d| !d.trim().is_empty()),
            });
        }
        // Path parameters in the order they appear in the template.
        let order: Vec<String> =
            path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned())).collect();
        for name in &order {
            if !params.iter().any(|p| p.location == ParamLocation::Path && &p.api_name == name) {
                return Err(GenError::new(at, format!("path parameter {{{name}}} is not declared")));
            }
        }
        params.sort_by_key(|p| match p.location {
            ParamLocation::Path => order.iter().position(|n| n == &p.api_name).unwrap_or(usize::MAX),
            _ => usize::MAX,
        });
        let params_struct = params.iter().any(|p| !p.required).then(|| self.scope.claim(&format!("{camel}Params")));

        // A WebSocket's request body is its client frames, not an HTTP body.
        let websocket = self.websocket(op, &camel, at)?;
        let (body, multipart_alternative) = match &op.request_body {
            Some(b) if websocket.is_none() => {
                let (main, alt) = self.request_body(b, &camel, &format!("{at}/requestBody"))?;
                (Some(main), alt)
            }
            _ => (None, None),
        };
        let response = match websocket {
            Some(ws) => ResponseKind::WebSocket(ws),
            None => self.response(op, &camel, at)?,
        };
        let auth = self.auth(op.security.as_ref().or(self.api.security.as_ref()));
        let server = match op.servers.first().or_else(|| path_servers.first()) {
            Some(s) => self.server(s),
            None => None,
        };
        Ok(Operation {
            id,
            has_spec_id,
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            pointer: at.to_owned(),
            tag,
            tag_module,
            rust_name,
            // Decided for all operations at once, after lowering (`call_paths::apply`).
            call_resources: Vec::new(),
            call_method: String::new(),
            summary: op.summary.clone().filter(|s| !s.trim().is_empty()),
            description: op.description.clone().filter(|s| !s.trim().is_empty()),
            deprecated: op.deprecated,
            auth,
            server,
            params,
            params_struct,
            body,
            multipart_alternative,
            response,
            paging: None,
            // Filled with the webhook payload types by `webhook_events`.
            callbacks: Vec::new(),
        })
    }

    /// How a security requirement list is sent: nothing for `[]`, else by its first
    /// requirement's first scheme (a SigV4 scheme, or the bearer API key).
    pub(super) fn auth(&self, security: Option<&Vec<openapiv3::SecurityRequirement>>) -> Auth {
        let Some(reqs) = security else { return Auth::Bearer };
        let Some(first) = reqs.first() else { return Auth::None };
        let schemes = self.api.components.as_ref().map(|c| &c.security_schemes);
        let sigv4 = first.keys().next().and_then(|name| schemes?.get(name)).is_some_and(|s| match s {
            ReferenceOr::Item(openapiv3::SecurityScheme::APIKey { extensions, .. })
            | ReferenceOr::Item(openapiv3::SecurityScheme::HTTP { extensions, .. }) => extensions
                .get("x-amazon-apigateway-authtype")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")),
            _ => false,
        });
        if sigv4 {
            Auth::AwsSigV4
        } else {
            Auth::Bearer
        }
    }

    /// The name of a path's or operation's server, recorded in [`Lowerer::servers`]; `None` when
    /// it is the document's own (the base URL).
    pub(super) fn server(&mut self, s: &openapiv3::Server) -> Option<String> {
        // A WebSocket server (`wss://api.telnyx.com/v2`) is reached by upgrading an HTTP request
        // to the same host: compared, and kept, as its `http(s)://` URL.
        let http_url = http_scheme(&s.url);
        let url = http_url.trim_end_matches('/');
        if self.api.servers.iter().any(|d| http_scheme(&d.url).trim_end_matches('/') == url) {
            return None;
        }
        if let Some(known) = self.servers.iter().find(|k| k.url == url) {
            return Some(known.name.clone());
        }
        let wanted = match s.extensions.get("x-telnyx-server-name").and_then(Value::as_str) {
            Some(n) => naming::snake(n),
            None => {
                // The first host label that is not a variable: `{region}.telnyxcloudstorage.com`.
                let host = url.split("://").nth(1).unwrap_or(url).split('/').next().unwrap_or("");
                naming::snake(host.split('.').find(|l| !l.contains('{')).unwrap_or("server"))
            }
        };
        let mut name = wanted.clone();
        let mut i = 2;
        while self.servers.iter().any(|k| k.name == name) {
            name = format!("{wanted}_{i}");
            i += 1;
        }
        let variables = s
            .variables
            .iter()
            .flatten()
            .map(|(n, v)| ServerVariable {
                name: n.clone(),
                default: v.default.clone(),
                values: v.enumeration.clone(),
                description: v.description.clone().filter(|d| !d.trim().is_empty()),
            })
            .collect();
        self.servers.push(Server {
            name: name.clone(),
            url: url.to_owned(),
            description: s.description.clone().filter(|d| !d.trim().is_empty()),
            variables,
        });
        Some(name)
    }

    pub(super) fn tags_in_use(&self, ops: &[Operation]) -> Vec<Tag> {
        let mut by_module: BTreeMap<String, Tag> = BTreeMap::new();
        let described: BTreeMap<&str, Option<String>> =
            self.api.tags.iter().map(|t| (t.name.as_str(), t.description.clone())).collect();
        for op in ops {
            by_module.entry(op.tag_module.clone()).or_insert_with(|| Tag {
                name: op.tag.clone(),
                module: op.tag_module.clone(),
                struct_name: format!("{}Api", naming::type_name(&op.tag_module)),
                doc: described.get(op.tag.as_str()).cloned().flatten().filter(|d| !d.trim().is_empty()),
                feature: None,
            });
        }
        by_module.into_values().collect()
    }
}

/// `url` with a WebSocket scheme replaced by its HTTP one (`wss://` by `https://`).
fn http_scheme(url: &str) -> std::borrow::Cow<'_, str> {
    for (ws, http) in [("wss://", "https://"), ("ws://", "http://")] {
        if url.len() >= ws.len() && url[..ws.len()].eq_ignore_ascii_case(ws) {
            return format!("{http}{}", &url[ws.len()..]).into();
        }
    }
    url.into()
}
