//! Path templates and path parameters that disagree (seen in 2023-12-11 and 2024-12-18:
//! `/texml/Accounts/{accound_sid}/…` declaring `account_sid`, `…/Siprec/{siprec_sid}.json`
//! declaring no `siprec_sid`):
//!
//! | defect | repair |
//! |---|---|
//! | on one operation, one template variable that no path parameter declares and one declared path parameter that the template lacks, while another operation of the path item declares exactly the template's variables (`/rooms/{room_id}`: `get` declares `room_id`, `delete` declares `id`) | the operation's parameter is renamed after the template variable (a referenced component parameter is replaced by a renamed copy), since the template is shared and right for the others |
//! | one template variable that no path parameter declares, and one declared path parameter that the template lacks (on every operation that disagrees, no operation agreeing) | the template variable is renamed after the parameter (the name is only a placeholder; the request is the same) |
//! | a template variable no path parameter declares | declared on the operation: a required string path parameter |
//! | a declared path parameter the template lacks | dropped from the operation (it could not be sent) |
//!
//! Each is a warning naming the operation.

use serde_json::{json, Value};

use crate::error::{ptr, Warnings};
use crate::walk::METHODS;

pub(super) fn repair(doc: &mut Value, warnings: &mut Warnings) {
    let components = doc.pointer("/components/parameters").cloned().unwrap_or(Value::Null);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    let mut renames: Vec<(String, String)> = Vec::new();
    for (path, item) in paths.iter_mut() {
        let item_at = ptr("#/paths", path);
        let Some(item) = item.as_object_mut() else { continue };
        if item.contains_key("$ref") {
            continue;
        }
        let template = variables(path);
        let shared = declared(item.get("parameters"), &components);
        // Does one of the item's operations declare exactly the template's variables? Then the
        // template is right, and an operation naming one of them otherwise is the odd one out.
        let template_followed = METHODS.iter().any(|method| {
            let Some(op) = item.get(*method) else { return false };
            let own = declared(op.get("parameters"), &components);
            let mut names: Vec<&String> = own.iter().map(|(n, _)| n).chain(shared.iter().map(|(n, _)| n)).collect();
            names.sort();
            names.dedup();
            let mut vars: Vec<&String> = template.iter().collect();
            vars.sort();
            vars.dedup();
            names == vars
        });
        let mut new_path = path.clone();
        for method in METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else { continue };
            let at = ptr(&item_at, method);
            let own = declared(op.get("parameters"), &components);
            let all: Vec<&String> = own.iter().map(|(n, _)| n).chain(shared.iter().map(|(n, _)| n)).collect();
            let undeclared: Vec<&String> = template.iter().filter(|v| !all.contains(v)).collect();
            let unused: Vec<&String> = all.iter().copied().filter(|n| !template.contains(n)).collect();
            if let ([var], [param]) = (undeclared.as_slice(), unused.as_slice()) {
                let own_index = own.iter().find(|(n, _)| n == *param).map(|(_, i)| *i);
                if let (true, Some(i)) = (template_followed, own_index) {
                    let param_at = format!("{at}/parameters/{i}");
                    warnings.add(
                        format!(
                            "path parameter {param:?} is the template's {{{var}}}, which the path item's other \
                             operations declare by that name: the parameter is renamed after the template"
                        ),
                        param_at,
                    );
                    rename_parameter(op, i, var, &components);
                    continue;
                }
                let renamed = new_path.replace(&format!("{{{var}}}"), &format!("{{{param}}}"));
                if new_path == *path || renamed == new_path {
                    warnings.add(
                        format!(
                            "path template variable {{{var}}} is declared as path parameter {param:?}: the template \
                             is renamed after it"
                        ),
                        at.clone(),
                    );
                    new_path = renamed;
                    continue;
                }
            }
            for var in undeclared {
                warnings.add(
                    "path template variable that no parameter declares: declared as a required string path parameter",
                    format!("{at} ({{{var}}})"),
                );
                let params = op.entry("parameters").or_insert_with(|| json!([]));
                if let Some(list) = params.as_array_mut() {
                    list.push(json!({"name": var, "in": "path", "required": true, "schema": {"type": "string"}}));
                }
            }
            // Only the operation's own declarations can be dropped; a path-level one that only
            // some operations' templates lack is left to lowering.
            let unused_own: Vec<usize> = own.iter().filter(|(n, _)| !template.contains(n)).map(|(_, i)| *i).collect();
            if let Some(list) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                for i in unused_own.into_iter().rev() {
                    warnings.add(
                        "path parameter that the path template lacks: dropped (it could not be sent)",
                        format!("{at}/parameters/{i}"),
                    );
                    list.remove(i);
                }
            }
        }
        if new_path != *path {
            renames.push((path.clone(), new_path));
        }
    }
    renames.retain(|(_, new)| !paths.contains_key(new));
    if renames.is_empty() {
        return;
    }
    // Renamed in place: operations keep their order.
    let entries = std::mem::take(paths);
    for (path, item) in entries {
        let name = renames.iter().find(|(old, _)| *old == path).map_or(path, |(_, new)| new.clone());
        paths.insert(name, item);
    }
}

/// Rename the `i`th parameter of an operation; a reference to a component parameter (which
/// other operations may share) is replaced by a renamed copy of it.
fn rename_parameter(op: &mut serde_json::Map<String, Value>, i: usize, name: &str, components: &Value) {
    let Some(slot) = op.get_mut("parameters").and_then(Value::as_array_mut).and_then(|l| l.get_mut(i)) else {
        return;
    };
    if let Some(target) = slot.get("$ref").and_then(Value::as_str).and_then(|r| component_parameter(r, components)) {
        *slot = target.clone();
    }
    if let Some(param) = slot.as_object_mut() {
        param.insert("name".into(), Value::String(name.to_owned()));
    }
}

/// The component parameter a `#/components/parameters/…` reference names.
fn component_parameter<'c>(reference: &str, components: &'c Value) -> Option<&'c Value> {
    let name = reference.strip_prefix("#/components/parameters/")?;
    components.get(name.replace("~1", "/").replace("~0", "~"))
}

/// `{name}` variables of a path template, in order.
fn variables(path: &str) -> Vec<String> {
    path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned())).collect()
}

/// The path parameters of a `parameters` list (following `#/components/parameters` references):
/// name and index in the list.
fn declared(list: Option<&Value>, components: &Value) -> Vec<(String, usize)> {
    let Some(list) = list.and_then(Value::as_array) else { return Vec::new() };
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let p = p.get("$ref").and_then(Value::as_str).and_then(|r| component_parameter(r, components)).unwrap_or(p);
        if p.get("in").and_then(Value::as_str) == Some("path") {
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                out.push((name.to_owned(), i));
            }
        }
    }
    out
}
