//! Paging styles: which list operations get an item stream, and how it asks for the next page.
//!
//! Works on the lowered operations and types (no OpenAPI here): an operation is a candidate when
//! one of its query parameters is a paging parameter ([`is_paging_param`]); a candidate is paged
//! when its JSON response is an object with an item array and the pieces its style needs:
//!
//! | style | query parameters | next page | last page |
//! |---|---|---|---|
//! | page number | `page[number]` (+ `page[size]`), `page_number` or `page` (+ `recordsPerPage`, `page_size`), `Page` (+ `PageSize`) | number + 1 | `meta.total_pages`, `totalRecords`/`total_records`/`meta.total_results`, a short or empty page |
//! | cursor | `page[after]`, `page_cursor`, `cursor` | `meta.cursors.after`, `meta.page_cursor`, `meta.cursor` | no cursor, or an empty page |
//! | next URI | `Page`/`PageToken` with a `next_page_uri` response field | the link's query parameters | no link, or an empty page |
//!
//! A deepObject parameter of an object type counts as its members (`page` with `number` and
//! `size` is `page[number]` and `page[size]`), which is how they go on the wire.
//!
//! Candidates that fit none of these are reported in [`crate::ir::Ir::paging_unrecognised`].

use std::collections::HashMap;

use crate::ir::*;

/// Query parameters that page a list (case-insensitive); anything else, such as `limit` alone,
/// does not make an operation a list operation.
pub fn is_paging_param(api_name: &str) -> bool {
    let n = api_name.to_ascii_lowercase();
    n.starts_with("page[")
        || matches!(
            n.as_str(),
            "page"
                | "pagetoken"
                | "page_token"
                | "pagesize"
                | "page_size"
                | "page_number"
                | "page_cursor"
                | "per_page"
                | "recordsperpage"
                | "cursor"
                | "offset"
                | "next_page_token"
                | "starting_after"
                | "ending_before"
        )
}

/// What [`detect`] found for one operation.
pub enum Detection {
    NotPaged,
    Paged(Box<Paging>),
    Unrecognised(String),
}

/// Cursor parameters, each with where the response carries the next page's cursor.
const CURSORS: &[(&str, &[&str])] = &[
    ("page[after]", &["meta", "cursors", "after"]),
    ("page_cursor", &["meta", "page_cursor"]),
    ("cursor", &["meta", "cursor"]),
];

/// Size parameters that go with a page-number parameter, in order of preference.
const SIZE_PARAMS: &[&str] = &["page[size]", "recordsPerPage", "page_size", "per_page", "PageSize"];

/// Find the paging style of `op`; `method` is the name to give the item-stream method.
pub fn detect(op: &Operation, types: &HashMap<&str, &TypeDef>, method: impl FnOnce() -> String) -> Detection {
    // The names on the wire: a deepObject parameter of an object type is sent as
    // `page[number]`, `page[size]`, … (the 2026 specs consolidate `page[number]` and
    // `page[size]` into one such `page`).
    let mut wire: Vec<String> = Vec::new();
    for p in op.params.iter().filter(|p| p.location == ParamLocation::Query) {
        match (p.style, struct_fields(&p.ty, types)) {
            (QueryStyle::DeepObject, Some(fields)) => {
                wire.extend(fields.iter().map(|f| format!("{}[{}]", p.api_name, f.api_name)));
            }
            _ => wire.push(p.api_name.clone()),
        }
    }
    let query: Vec<&str> = wire.iter().map(String::as_str).collect();
    if !query.iter().any(|q| is_paging_param(q)) {
        return Detection::NotPaged;
    }
    // JSON or text (CSV) by `Accept`/`format`: the stream reads the JSON form.
    let (ResponseKind::Json(resp) | ResponseKind::JsonOrText(resp)) = &op.response else {
        return Detection::Unrecognised("the success response is not JSON".into());
    };
    let Some(fields) = struct_fields(resp, types) else {
        return Detection::Unrecognised(format!("the response type {} is not an object", show(resp)));
    };
    // Items: `data` when it is an array, else the only array field.
    let arrays: Vec<&Field> = fields.iter().filter(|f| array_item(&f.ty, types).is_some()).collect();
    let items = fields
        .iter()
        .find(|f| f.api_name == "data" && array_item(&f.ty, types).is_some())
        .or(if arrays.len() == 1 { Some(arrays[0]) } else { None });
    let Some(items) = items else {
        let names: Vec<&str> = arrays.iter().map(|f| f.api_name.as_str()).collect();
        return Detection::Unrecognised(if names.is_empty() {
            "the response has no array of items".into()
        } else {
            format!("the response has several arrays and none is `data`: {}", names.join(", "))
        });
    };
    let Some(item) = array_item(&items.ty, types) else { return Detection::NotPaged };

    let has = |name: &str| query.contains(&name);
    // The first cursor parameter whose next value the response carries. A consolidated `page`
    // may offer both cursors and numbers: the response tells which.
    let cursor = CURSORS.iter().find_map(|(param, at)| {
        let next = path(fields, at, types).filter(|p| p.leaf == TypeRef::String);
        next.filter(|_| has(param)).map(|p| (*param, p))
    });
    let next_uri = path(fields, &["next_page_uri"], types).filter(|p| p.leaf == TypeRef::String);
    let style = if let Some((after, _)) = &cursor {
        PagingStyle::Cursor { after: (*after).into() }
    } else if has("page[after]") && !has("page[number]") {
        return Detection::Unrecognised("`page[after]` but no `meta.cursors.after` in the response".into());
    } else if next_uri.is_some() && (has("Page") || has("PageToken")) {
        PagingStyle::NextUri { params: query.iter().map(|q| (*q).to_owned()).collect() }
    } else if let Some(number) = ["page[number]", "page_number", "page", "Page"].into_iter().find(|n| has(n)) {
        let size = SIZE_PARAMS.iter().find(|s| has(s)).map(|s| (*s).to_owned());
        PagingStyle::PageNumber { number: number.into(), size }
    } else {
        let names: Vec<&str> = query.iter().copied().filter(|q| is_paging_param(q)).collect();
        return Detection::Unrecognised(format!("no known paging style uses {}", names.join(", ")));
    };
    let count = |p: &FieldPath| matches!(p.leaf, TypeRef::Integer | TypeRef::Number);
    let (total_pages, total_items) = match style {
        PagingStyle::PageNumber { .. } => (
            path(fields, &["meta", "total_pages"], types).filter(count),
            [&["meta", "total_results"][..], &["totalRecords"], &["total_records"]]
                .iter()
                .find_map(|p| path(fields, p, types).filter(count)),
        ),
        _ => (None, None),
    };
    Detection::Paged(Box::new(Paging {
        method: method(),
        next_cursor: cursor.map(|(_, next)| next),
        next_uri: if matches!(style, PagingStyle::NextUri { .. }) { next_uri } else { None },
        style,
        item,
        items: step(items),
        total_pages,
        total_items,
    }))
}

fn show(t: &TypeRef) -> String {
    match t {
        TypeRef::Named(n) => n.clone(),
        other => format!("{other:?}"),
    }
}

/// Follow aliases to a named type's definition.
fn resolve<'t>(t: &TypeRef, types: &HashMap<&str, &'t TypeDef>) -> Option<&'t TypeDef> {
    t.resolve(|n| types.get(n).copied())
}

fn struct_fields<'t>(t: &TypeRef, types: &HashMap<&str, &'t TypeDef>) -> Option<&'t [Field]> {
    match &resolve(t, types)?.kind {
        TypeKind::Struct(s) => Some(&s.fields),
        _ => None,
    }
}

/// The item type when `t` is an array (directly or through an alias).
fn array_item(t: &TypeRef, types: &HashMap<&str, &TypeDef>) -> Option<TypeRef> {
    match t.unalias(|n| types.get(n).copied()) {
        TypeRef::Array(item) => Some((**item).clone()),
        _ => None,
    }
}

fn step(f: &Field) -> FieldStep {
    FieldStep {
        name: f.name.clone(),
        optional: !f.required || f.nullable,
        double: !f.required && f.nullable,
        boxed: f.boxed,
    }
}

/// The field path `names` (JSON property names) from `fields` down to a scalar.
fn path(fields: &[Field], names: &[&str], types: &HashMap<&str, &TypeDef>) -> Option<FieldPath> {
    let (first, rest) = names.split_first()?;
    let f = fields.iter().find(|f| f.api_name == *first)?;
    if rest.is_empty() {
        // Only a direct scalar. An alias of one is not followed, and never was: the arm meant
        // to follow it went through `resolve`, which never returns an alias. Following it
        // would be a behaviour change (none for the pinned spec), not part of a refactor.
        let leaf = match &f.ty {
            t @ (TypeRef::String | TypeRef::Integer | TypeRef::Number) => t.clone(),
            _ => return None,
        };
        return Some(FieldPath { steps: vec![step(f)], leaf });
    }
    let inner = struct_fields(&f.ty, types)?;
    let mut p = path(inner, rest, types)?;
    p.steps.insert(0, step(f));
    Some(p)
}
