//! Operations: one `…Api<'a>` struct per tag, one method per operation, a `…Params` struct
//! for each operation with optional parameters. Methods only describe the request; the
//! hand-written runtime sends it.

use proc_macro2::TokenStream;
use quote::quote;

use std::collections::BTreeMap;

use super::calls::{Calls, Input};
use super::docs::{lines_to_attrs, sanitize};
use super::types::{ident, type_tokens};
use crate::ir::*;

fn style_tokens(s: QueryStyle) -> TokenStream {
    match s {
        QueryStyle::FormExplode => quote!(QueryStyle::FormExplode),
        QueryStyle::FormComma => quote!(QueryStyle::FormComma),
        QueryStyle::DeepObject => quote!(QueryStyle::DeepObject),
    }
}

/// How a required parameter is taken as an argument.
pub fn arg_type(t: &TypeRef, prefix: &TokenStream) -> TokenStream {
    match t {
        TypeRef::String => quote!(&str),
        TypeRef::Integer => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        other => {
            let t = type_tokens(other, prefix);
            quote!(&#t)
        }
    }
}

/// How a request body is taken as an argument.
pub fn body_arg(b: &RequestBody, prefix: &TokenStream) -> TokenStream {
    match &b.kind {
        BodyKind::Bytes(_) => quote!(impl Into<crate::RawBody>),
        BodyKind::Text(_) => quote!(&str),
        // Always an argument, also where the spec leaves the body optional: an omitted body and
        // `{}` mean the same to the API, and `Option<&T>` on every `send_message` call would be
        // noise.
        BodyKind::Json | BodyKind::Form | BodyKind::Multipart | BodyKind::Xml(_) => {
            let ty = type_tokens(&b.ty, prefix);
            quote!(&#ty)
        }
    }
}

/// The arguments of an operation's method in order, as (name, type): its required parameters,
/// then the body's required members (a struct body, the call's input) or the whole body, then
/// the optional-parameters struct where a body is the input. `body` is the main body or the
/// multipart alternative. The emitter writes exactly these; [`crate::diff`] shows them.
pub fn method_args(
    op: &Operation,
    body: Option<&RequestBody>,
    prefix: &TokenStream,
    calls: &Calls<'_>,
) -> Vec<(String, TokenStream)> {
    let input = calls.input(op, body);
    let mut args: Vec<(String, TokenStream)> =
        op.params.iter().filter(|p| p.required).map(|p| (p.name.clone(), arg_type(&p.ty, prefix))).collect();
    match (body, input) {
        (Some(_), Input::Body(_, s)) => {
            for f in s.fields.iter().filter(|f| f.required) {
                let (ty, _) = super::calls::required_arg(f, prefix);
                args.push((member_arg(op, &f.name), ty));
            }
        }
        (Some(b), _) => args.push(("body".to_owned(), body_arg(b, prefix))),
        (None, _) => {}
    }
    if !matches!(input, Input::Params) {
        if let Some(ps) = &op.params_struct {
            let ps = ident(ps);
            args.push(("params".to_owned(), quote!(&#ps)));
        }
    }
    args
}

/// The argument a required body member is passed as: its name, unless a required parameter
/// has it (`{name}_member`).
fn member_arg(op: &Operation, member: &str) -> String {
    if op.params.iter().any(|p| p.required && p.name == member) {
        format!("{member}_member")
    } else {
        member.to_owned()
    }
}

/// What the method's `ApiCall` resolves to.
pub fn return_type(r: &ResponseKind, prefix: &TokenStream) -> TokenStream {
    match r {
        ResponseKind::Empty => quote!(()),
        ResponseKind::Json(t) => type_tokens(t, prefix),
        ResponseKind::Bytes => quote!(bytes::Bytes),
        ResponseKind::Text => quote!(String),
        ResponseKind::JsonOrText(t) => {
            let t = type_tokens(t, prefix);
            quote!(crate::JsonOrText<#t>)
        }
        ResponseKind::Xml(t) => type_tokens(t, prefix),
        ResponseKind::WebSocket(ws) => {
            let (c, s) = (frame_type(&ws.client, prefix), frame_type(&ws.server, prefix));
            quote!(crate::ws::Connection<#c, #s>)
        }
    }
}

/// The Rust type of one side's WebSocket frames.
fn frame_type(f: &WsFrame, prefix: &TokenStream) -> TokenStream {
    match f {
        WsFrame::Json(t) => type_tokens(t, prefix),
        WsFrame::Binary => quote!(bytes::Bytes),
        WsFrame::Text => quote!(String),
        WsFrame::None => quote!(crate::ws::Frame),
    }
}

/// How a WebSocket's frames are written and read (`crate::ws::Frames`).
fn frames(ws: &WebSocket, prefix: &TokenStream) -> TokenStream {
    let encode = match &ws.client {
        WsFrame::Json(_) => quote!(crate::ws::encode_json),
        WsFrame::Binary => quote!(crate::ws::encode_binary),
        WsFrame::Text => quote!(crate::ws::encode_text),
        WsFrame::None => quote!(crate::ws::encode_frame),
    };
    let decode = match &ws.server {
        WsFrame::Json(_) => quote!(crate::request::decode_json),
        WsFrame::Binary => quote!(crate::request::decode_bytes),
        WsFrame::Text | WsFrame::None => quote!(crate::request::decode_text),
    };
    let is_error = match (&ws.error_variant, &ws.server) {
        (Some(v), WsFrame::Json(t)) => {
            let t = type_tokens(t, prefix);
            let v = ident(v);
            quote!(|frame| matches!(frame, #t::#v(_)))
        }
        _ => quote!(crate::ws::no_error_frame),
    };
    quote!(crate::ws::Frames { encode: #encode, decode: #decode, is_error: #is_error })
}

fn method_doc(op: &Operation, calls: &Calls<'_>) -> TokenStream {
    let mut lines: Vec<String> = Vec::new();
    if let Some(s) = &op.summary {
        lines.extend(sanitize(s));
    }
    if let Some(d) = &op.description {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(sanitize(d));
    }
    if !lines.is_empty() {
        lines.push(String::new());
    }
    let id = if op.has_spec_id { format!("operation `{}`", op.id) } else { "no operationId in the spec".to_owned() };
    lines.push(format!("`{} {}` ({id})", op.method, op.path));
    let documented: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    if !documented.is_empty() {
        lines.push(String::new());
        lines.push("# Arguments".into());
        for p in documented {
            let desc = p.doc.as_deref().map(|d| sanitize(d).join(" ")).unwrap_or_default();
            let sep = if desc.is_empty() { "" } else { ": " };
            lines.push(format!("- `{}` (`{}`){sep}{desc}", p.name, p.api_name));
        }
    }
    match calls.input(op, op.body.as_ref()) {
        Input::Body(def, s) => {
            let required: Vec<String> =
                s.fields.iter().filter(|f| f.required).map(|f| format!("`{}`", f.api_name)).collect();
            lines.push(String::new());
            if !required.is_empty() {
                lines.push(format!(
                    "The body is a [`{0}`](types::{0}): its required members ({1}) are arguments, its other \
                     members setters on the returned call.",
                    def.name,
                    required.join(", ")
                ));
            } else {
                lines.push(format!(
                    "The body is a [`{0}`](types::{0}): its members are setters on the returned call.",
                    def.name
                ));
            }
        }
        Input::Params => {
            lines.push(String::new());
            lines.push("The optional parameters are setters on the returned call.".to_owned());
        }
        Input::None => {}
    }
    if let ResponseKind::WebSocket(ws) = &op.response {
        let side = |f: &WsFrame| match f {
            WsFrame::Json(t) => match t.named() {
                Some(n) => format!("[`{n}`](types::{n})s"),
                None => "JSON frames".to_owned(),
            },
            WsFrame::Binary => "binary frames (`bytes::Bytes`)".to_owned(),
            WsFrame::Text => "text frames".to_owned(),
            WsFrame::None => "untyped frames".to_owned(),
        };
        lines.push(String::new());
        let error = match (&ws.error_variant, ws.server.json().and_then(TypeRef::named)) {
            (Some(v), Some(n)) => format!(" (a `{n}::{v}` comes as `Err(Error::ServerFrame)`)"),
            _ => String::new(),
        };
        lines.push(format!(
            "A WebSocket: `.connect().await` opens a [`crate::ws::Connection`] that sends {} and yields {}{error}. \
             See [`crate::ws`].",
            side(&ws.client),
            side(&ws.server),
        ));
    }
    lines_to_attrs(&lines)
}

fn params_struct(op: &Operation, prefix: &TokenStream) -> TokenStream {
    let Some(name) = &op.params_struct else { return TokenStream::new() };
    let name = ident(name);
    let fields = op.params.iter().filter(|p| !p.required).map(|p| {
        let fname = ident(&p.name);
        let ty = type_tokens(&p.ty, prefix);
        let mut lines = p.doc.as_deref().map(sanitize).unwrap_or_default();
        if !lines.is_empty() {
            lines.push(String::new());
        }
        let place = match p.location {
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Path => "path",
        };
        lines.push(format!("Sent as {place} parameter `{}`.", p.api_name));
        let doc = lines_to_attrs(&lines);
        quote! {
            #doc
            pub #fname: Option<#ty>,
        }
    });
    let doc = format!(" Optional parameters of `{}` (`{} {}`).", op.rust_name, op.method, op.path);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
        }
    }
}

fn method(op: &Operation, prefix: &TokenStream, calls: &Calls<'_>) -> TokenStream {
    let main = method_with_body(op, op.body.as_ref(), &op.call_method, method_doc(op, calls), prefix, calls);
    let Some(alt) = &op.multipart_alternative else { return main };
    let name = format!("{}_multipart", op.call_method);
    let doc = lines_to_attrs(&[
        format!(
            "Like [`{}`](Self::{}), with a `multipart/form-data` body (for uploading a file).",
            op.call_method, op.call_method
        ),
        String::new(),
        format!("`{} {}` (operation `{}`)", op.method, op.path, op.id),
    ]);
    let alt = method_with_body(op, Some(alt), &name, doc, prefix, calls);
    quote!(#main #alt)
}

/// The Rust type of an operation's input in `ApiCall<T, I>` (`()`: none).
pub fn input_type(op: &Operation, input: Input<'_>, prefix: &TokenStream) -> TokenStream {
    match input {
        Input::None => quote!(()),
        Input::Params => {
            let ps = ident(op.params_struct.as_deref().unwrap_or_default());
            quote!(#ps)
        }
        Input::Body(def, _) => {
            let name = ident(&def.name);
            quote!(#prefix #name)
        }
    }
}

/// The item stream of a paged list operation: `items()` on its call (same input, same setters),
/// a `Paginator` over the items of every page.
fn stream_method(op: &Operation, prefix: &TokenStream, calls: &Calls<'_>) -> TokenStream {
    let Some(p) = &op.paging else { return TokenStream::new() };
    let name = ident(&calls.items_method(op));
    let input = input_type(op, calls.input(op, op.body.as_ref()), prefix);
    let (style, how) = match &p.style {
        PagingStyle::PageNumber { number, size } => {
            let size = match size {
                Some(s) => quote!(Some(#s)),
                None => quote!(None),
            };
            (quote!(PageStyle::Number { number: #number, size: #size }), format!("`{number}` paging"))
        }
        PagingStyle::Cursor { after } => {
            (quote!(PageStyle::Cursor { after: #after }), format!("`{after}` cursor paging"))
        }
        PagingStyle::NextUri { params } => {
            (quote!(PageStyle::NextUri { params: &[#(#params),*] }), "paging by `next_page_uri`".to_owned())
        }
    };
    let call: String = op.call_resources.iter().map(|r| format!(".{r}()")).collect();
    let doc = lines_to_attrs(&[
        format!("Every item of `client{call}.{}(…)`, page after page ({how}).", op.call_method),
        String::new(),
        "The returned [`Paginator`] is a `Stream`: it asks for a page only when the items of the previous \
         one are used up and ends after the last page."
            .to_owned(),
    ]);
    let item = type_tokens(&p.item, prefix);
    // Pages are decoded as JSON.
    let resp = match &op.response {
        ResponseKind::Json(t) | ResponseKind::JsonOrText(t) => type_tokens(t, prefix),
        _ => return TokenStream::new(),
    };
    let mut lets = Vec::new();
    let mut fields = Vec::new();
    for (field, path) in [
        ("total_pages", &p.total_pages),
        ("total_items", &p.total_items),
        ("next_cursor", &p.next_cursor),
        ("next_uri", &p.next_uri),
    ] {
        let Some(path) = path else { continue };
        let f = ident(field);
        let access = field_access(path);
        lets.push(quote!(let #f = #access;));
        fields.push(quote!(#f));
    }
    let items = items_expr(&p.items);
    let rest = if fields.len() < 4 { quote!(..PageData::default()) } else { TokenStream::new() };
    let deprecated = if op.deprecated {
        quote!(#[deprecated(note = "deprecated in the Telnyx API spec")])
    } else {
        TokenStream::new()
    };
    quote! {
        impl crate::ApiCall<#resp, #input> {
            #doc
            #deprecated
            pub fn #name(self) -> Paginator<#item> {
                Paginator::new(self, #style, |op, raw| {
                    let page: #resp = crate::request::decode_json(op, raw)?;
                    #(#lets)*
                    Ok(PageData { items: #items, #(#fields,)* #rest })
                })
            }
        }
    }
}

/// `Option<T>` of the scalar at the end of `path`, read from `page` (copied or cloned).
fn field_access(path: &FieldPath) -> TokenStream {
    // A place expression (`page.meta`) while every step is a plain field, then an `Option<&_>`
    // chain from the first optional (or boxed) field on.
    let mut expr = quote!(page);
    let mut is_option = false;
    for s in &path.steps {
        let f = ident(&s.name);
        let plain = !s.optional && !s.boxed;
        if !is_option && plain {
            expr = quote!(#expr.#f);
            continue;
        }
        let base = if is_option { quote!(v) } else { expr.clone() };
        let mut get = if s.optional { quote!(#base.#f.as_ref()) } else { quote!(Some(&#base.#f)) };
        if s.double {
            get = quote!(#get.and_then(Option::as_ref));
        }
        if s.boxed {
            get = quote!(#get.map(|b| &**b));
        }
        expr = if is_option {
            if plain {
                quote!(#expr.map(|v| &v.#f))
            } else {
                quote!(#expr.and_then(|v| #get))
            }
        } else {
            get
        };
        is_option = true;
    }
    if !is_option {
        expr = quote!(Some(&#expr));
    }
    match path.leaf {
        TypeRef::Integer => quote!(#expr.and_then(|n| u64::try_from(*n).ok())),
        // Counts sent as JSON numbers: truncation toward zero is the intended reading.
        TypeRef::Number => quote!(#expr.map(|n| *n as u64)),
        _ => quote!(#expr.cloned()),
    }
}

/// The page's items, moved out of `page`.
fn items_expr(s: &FieldStep) -> TokenStream {
    let f = ident(&s.name);
    let mut e = quote!(page.#f);
    if s.boxed {
        e = if s.optional { quote!(#e.map(|b| *b)) } else { quote!(*#e) };
    }
    match (s.optional, s.double) {
        (false, _) => e,
        (true, false) => quote!(#e.unwrap_or_default()),
        (true, true) => quote!(#e.flatten().unwrap_or_default()),
    }
}

fn method_with_body(
    op: &Operation,
    body: Option<&RequestBody>,
    name: &str,
    doc: TokenStream,
    prefix: &TokenStream,
    calls: &Calls<'_>,
) -> TokenStream {
    let name = ident(name);
    let input = calls.input(op, body);
    let args: Vec<TokenStream> = method_args(op, body, prefix, calls)
        .into_iter()
        .map(|(a, t)| {
            let a = ident(&a);
            quote!(#a: #t)
        })
        .collect();
    let mut stmts = Vec::new();
    // Path: literal pieces and percent-encoded arguments, concatenated.
    let mut pieces = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        if start > 0 {
            let lit = &rest[..start];
            pieces.push(quote!(#lit));
        }
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        let pname = &rest[start + 1..end];
        if let Some(p) = op.params.iter().find(|p| p.location == ParamLocation::Path && p.api_name == pname) {
            let a = ident(&p.name);
            pieces.push(quote!(&crate::request::path_arg(&#a)));
        }
        rest = &rest[(end + 1).min(rest.len())..];
    }
    if !rest.is_empty() {
        pieces.push(quote!(#rest));
    }
    let path_expr = match pieces.len() {
        0 => quote!(String::new()),
        1 if !op.path.contains('{') => {
            let p = &op.path;
            quote!(#p.to_owned())
        }
        _ => quote!([#(#pieces),*].concat()),
    };
    let method_ident = ident(&op.method);
    let id = &op.id;
    let template = &op.path;
    // Parameters: the required ones are arguments, written now; the optional ones are the
    // input (written when sent) or, beside a body input, the `params` argument.
    let mut optional = Vec::new();
    let params_arg = !matches!(input, Input::Params) && op.params_struct.is_some();
    for p in op.params.iter().filter(|p| p.location != ParamLocation::Path) {
        let api = &p.api_name;
        let value = if p.required {
            let a = ident(&p.name);
            quote!(&#a)
        } else {
            let f = ident(&p.name);
            quote!(&params.#f)
        };
        let stmt = match p.location {
            ParamLocation::Query => {
                let style = style_tokens(p.style);
                quote!(request.query(#api, #value, #style);)
            }
            ParamLocation::Header => quote!(request.header(#api, #value);),
            ParamLocation::Path => continue,
        };
        if p.required || params_arg {
            stmts.push(stmt);
        } else {
            optional.push(stmt);
        }
    }
    let write_body = |b: &RequestBody, body: TokenStream| match &b.kind {
        BodyKind::Bytes(ct) => quote!(request.raw_body(#ct, #body.into());),
        BodyKind::Text(ct) => quote!(request.raw(#ct, #body.to_owned());),
        BodyKind::Json => quote!(request.json(#body);),
        BodyKind::Form => quote!(request.form(#body);),
        BodyKind::Multipart => quote!(request.multipart(#body.into_multipart());),
        BodyKind::Xml(ct) => {
            let required = b.required;
            quote!(request.xml(#ct, #body, #required);)
        }
    };
    // The body: the input (required members as arguments), or an argument written now.
    let mut with_input = TokenStream::new();
    match (body, input) {
        (Some(b), Input::Body(def, s)) => {
            let ctor_args: Vec<TokenStream> = s
                .fields
                .iter()
                .filter(|f| f.required)
                .map(|f| {
                    let a = ident(&member_arg(op, &f.name));
                    quote!(#a)
                })
                .collect();
            let st = ident(&def.name);
            let init = if super::calls::needs_new(s) {
                quote!(#prefix #st::new(#(#ctor_args),*))
            } else {
                quote!(#prefix #st::default())
            };
            let write = write_body(b, quote!(body));
            with_input = quote!(.with_input(#init, |body, request| { #write }));
        }
        (Some(b), _) => stmts.push(write_body(b, quote!(body))),
        (None, _) => {}
    }
    if let Input::Params = input {
        let ps = ident(op.params_struct.as_deref().unwrap_or_default());
        with_input = quote!(.with_input(#ps::default(), |params, request| { #(#optional)* }));
    }
    // The dedup key: a header for every body, a member of the main body only (the multipart
    // alternative's form is another shape).
    match calls.dedup_key(op) {
        Some(super::calls::DedupKey::Member(m)) if body == op.body.as_ref() => {
            stmts.push(quote!(request.dedup_member(#m);))
        }
        Some(super::calls::DedupKey::Header(h)) => stmts.push(quote!(request.dedup_header(#h);)),
        _ => {}
    }
    match op.auth {
        Auth::None => stmts.push(quote!(request.no_auth();)),
        Auth::AwsSigV4 => stmts.push(quote!(request.sign_sigv4();)),
        Auth::Bearer => {}
    }
    if let Some(server) = &op.server {
        let s = super::servers::static_ident(server);
        stmts.push(quote!(request.server(&crate::generated::servers::#s);));
    }
    // `application/json`, the default, fits the other kinds (and every error body).
    match &op.response {
        ResponseKind::Bytes | ResponseKind::Text => stmts.push(quote!(request.accept("*/*");)),
        ResponseKind::Xml(_) => stmts.push(quote!(request.accept("application/xml");)),
        ResponseKind::Empty | ResponseKind::Json(_) | ResponseKind::JsonOrText(_) | ResponseKind::WebSocket(_) => {}
    }
    let ret = return_type(&op.response, prefix);
    let input_ty = match input {
        Input::None => TokenStream::new(),
        _ => {
            let t = input_type(op, input, prefix);
            quote!(, #t)
        }
    };
    let decode = match &op.response {
        ResponseKind::Empty => quote!(crate::request::decode_empty),
        ResponseKind::Json(_) => quote!(crate::request::decode_json),
        ResponseKind::Bytes => quote!(crate::request::decode_bytes),
        ResponseKind::Text => quote!(crate::request::decode_text),
        ResponseKind::JsonOrText(_) => quote!(crate::request::decode_json_or_text),
        ResponseKind::Xml(_) => quote!(crate::xml::decode_xml),
        ResponseKind::WebSocket(_) => TokenStream::new(),
    };
    let deprecated = if op.deprecated {
        quote!(#[deprecated(note = "deprecated in the Telnyx API spec")])
    } else {
        TokenStream::new()
    };
    let client = if op.call_resources.is_empty() { quote!(self) } else { quote!(self.client) };
    let mutability = if stmts.is_empty() { TokenStream::new() } else { quote!(mut) };
    // `&self` counts as one.
    let allow = super::calls::many_arguments(args.len() + 1);
    if let ResponseKind::WebSocket(ws) = &op.response {
        let (c, s) = (frame_type(&ws.client, prefix), frame_type(&ws.server, prefix));
        let frames = frames(ws, prefix);
        return quote! {
            #doc
            #deprecated
            #allow
            pub fn #name(&self, #(#args),*) -> crate::ws::WsCall<#c, #s #input_ty> {
                let #mutability request = Request::new(reqwest::Method::#method_ident, #id, #template, #path_expr);
                #(#stmts)*
                crate::ws::WsCall::new(#client, request, #frames) #with_input
            }
        };
    }
    quote! {
        #doc
        #deprecated
        #allow
        pub fn #name(&self, #(#args),*) -> ApiCall<#ret #input_ty> {
            let #mutability request = Request::new(reqwest::Method::#method_ident, #id, #template, #path_expr);
            #(#stmts)*
            ApiCall::new(#client, request, #decode) #with_input
        }
    }
}

/// The file of one tag: its parameters structs and their setters, its operations as methods of
/// their resources (`impl crate::resources::CallsActions`), the item streams of its paged ones.
pub fn tag_file(ops: &[&Operation], calls: &Calls<'_>) -> TokenStream {
    let prefix = quote!(types::);
    let params = ops.iter().map(|op| {
        let st = params_struct(op, &prefix);
        let setters = match calls.input(op, op.body.as_ref()) {
            Input::Params => super::calls::params_setters(op, &prefix),
            _ => TokenStream::new(),
        };
        quote!(#st #setters)
    });
    let mut by_resource: BTreeMap<&[String], Vec<TokenStream>> = BTreeMap::new();
    for op in ops {
        by_resource.entry(op.call_resources.as_slice()).or_default().push(method(op, &prefix, calls));
    }
    let impls = by_resource.into_iter().map(|(resources, methods)| {
        if resources.is_empty() {
            quote!(impl crate::Client { #(#methods)* })
        } else {
            let st = ident(calls.struct_of(resources));
            quote!(impl crate::resources::#st<'_> { #(#methods)* })
        }
    });
    let streams = ops.iter().map(|op| stream_method(op, &prefix, calls));
    let paged = ops.iter().any(|op| op.paging.is_some());
    let paging_import = if paged {
        quote!(
            use crate::pagination::{PageData, PageStyle, Paginator};
        )
    } else {
        TokenStream::new()
    };
    let uses_query = ops.iter().any(|op| op.params.iter().any(|p| p.location == ParamLocation::Query));
    let query_import = if uses_query {
        quote!(
            use crate::request::QueryStyle;
        )
    } else {
        TokenStream::new()
    };
    let uses_types = ops.iter().any(|op| {
        op.params.iter().any(|p| p.ty.named().is_some())
            || op
                .body
                .as_ref()
                .is_some_and(|b| b.ty.named().is_some() && !matches!(b.kind, BodyKind::Bytes(_) | BodyKind::Text(_)))
            || op.response.received().is_some_and(|t| t.named().is_some())
            || op.response.sent().is_some_and(|t| t.named().is_some())
    });
    let types_import = if uses_types {
        quote!(
            use crate::types;
        )
    } else {
        TokenStream::new()
    };
    // WebSockets are `crate::ws::WsCall`s.
    let request_import = if ops.iter().all(|op| matches!(op.response, ResponseKind::WebSocket(_))) {
        quote!(
            use crate::request::Request;
        )
    } else {
        quote!(
            use crate::request::{ApiCall, Request};
        )
    };
    quote! {
        #request_import
        #paging_import
        #query_import
        #types_import

        #(#params)*
        #(#impls)*
        #(#streams)*
    }
}
