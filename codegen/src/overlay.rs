//! Corrections to the spec as [OpenAPI Overlay 1.0] documents (`spec/overlays/*.yaml`): where
//! the spec is wrong and no general rule can tell (a path served from another host, say), the
//! correction is written down with its reason instead of patched into generated code.
//!
//! An overlay is a list of actions, each a JSONPath (RFC 9535, `serde_json_path`) `target` with
//! an `update` (merged into every node the target selects: objects key by key, recursively;
//! a list target gets the update appended; anything else is replaced) or `remove: true`. They
//! are applied on loading, after repairs and the 3.1 normalisation, in file-name order, each
//! action reported as a warning with its target and the reason its `description` gives. An
//! action whose target selects nothing is an error naming it: a spec update that fixed the spec
//! should make us delete the action, not leave it silently unused. Only an action marked
//! `x-optional: true` (an Overlay extension; its description says why the spec may lack the
//! target) is skipped there, with a warning.
//!
//! One more extension, `x-if-absent: true`, is for definitions that some specs carry themselves
//! and others lack (operations the spec dropped while the service still serves them): its
//! `update` (an object) adds to each selected object only the members it does not have yet. A
//! member the spec already has is kept exactly as the spec writes it, neither merged with the
//! overlay's (merging would append the overlay's parameters to the spec's, or give a response
//! two media types) nor replaced; each kept member is a warning. Where nothing is added at all,
//! the spec has caught up, and that is treated like a target that matches nothing: an error,
//! unless the action is `x-optional` (or the corpus runs it over older specs).
//!
//! [OpenAPI Overlay 1.0]: https://spec.openapis.org/overlay/v1.0.0.html

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::error::{GenError, Result, Warnings};

/// A parsed overlay document.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// Where it came from (`spec/overlays/storage.yaml`), for warnings and errors.
    pub source: String,
    pub title: String,
    pub actions: Vec<Action>,
    /// Whether an action that matches nothing is an error (the default) or only a warning
    /// (`cargo xtask corpus` runs the overlays over specs from other years, which the
    /// corrections of today's spec need not fit).
    pub strict: bool,
}

/// One action of an overlay.
#[derive(Debug, Clone)]
pub struct Action {
    pub target: String,
    path: JsonPath,
    /// The reason for the correction (the action's `description`).
    pub description: String,
    pub update: Option<Value>,
    pub remove: bool,
    /// `x-optional: true`: where the target matches nothing, skipped with a warning.
    pub optional: bool,
    /// `x-if-absent: true`: the update adds only the members a selected object lacks.
    pub if_absent: bool,
}

impl Overlay {
    /// Parse an overlay document (YAML or JSON); errors name `source` and the pointer into it.
    pub fn parse(source: &str, text: &str) -> Result<Self> {
        let at = |p: &str| format!("{source}#{p}");
        let doc = crate::load::parse_value(text).map_err(|e| GenError::new(at(""), e.message))?;
        match doc.get("overlay").and_then(Value::as_str) {
            Some(v) if v.starts_with("1.") => {}
            other => {
                return Err(GenError::new(
                    at("/overlay"),
                    format!("not an OpenAPI Overlay 1.x document (overlay: {other:?})"),
                ))
            }
        }
        let title = doc.pointer("/info/title").and_then(Value::as_str).unwrap_or("").to_owned();
        let Some(list) = doc.get("actions").and_then(Value::as_array) else {
            return Err(GenError::new(at("/actions"), "an overlay needs a list of actions"));
        };
        let mut actions = Vec::new();
        for (i, a) in list.iter().enumerate() {
            let a_at = format!("/actions/{i}");
            let Some(target) = a.get("target").and_then(Value::as_str) else {
                return Err(GenError::new(at(&format!("{a_at}/target")), "an action needs a JSONPath `target`"));
            };
            let path = JsonPath::parse(target).map_err(|e| {
                GenError::new(at(&format!("{a_at}/target")), format!("invalid JSONPath {target:?}: {e}"))
            })?;
            let Some(description) = a.get("description").and_then(Value::as_str).filter(|d| !d.trim().is_empty())
            else {
                return Err(GenError::new(
                    at(&format!("{a_at}/description")),
                    "an action needs a `description`: the reason for the correction",
                ));
            };
            let remove = a.get("remove").and_then(Value::as_bool).unwrap_or(false);
            let update = a.get("update").cloned();
            if remove == update.is_some() {
                return Err(GenError::new(at(&a_at), "an action has either `update` or `remove: true`"));
            }
            let if_absent = a.get("x-if-absent").and_then(Value::as_bool).unwrap_or(false);
            if if_absent && !update.as_ref().is_some_and(Value::is_object) {
                return Err(GenError::new(
                    at(&format!("{a_at}/x-if-absent")),
                    "`x-if-absent: true` needs an `update` that is an object (the members to add where absent)",
                ));
            }
            actions.push(Action {
                target: target.to_owned(),
                path,
                description: description.split_whitespace().collect::<Vec<_>>().join(" "),
                update,
                remove,
                optional: a.get("x-optional").and_then(Value::as_bool).unwrap_or(false),
                if_absent,
            });
        }
        Ok(Overlay { source: source.to_owned(), title, actions, strict: true })
    }
}

/// The overlays in `dir` (`*.yaml`, `*.yml`, `*.json`, in file-name order), each named
/// `{label}/{file}` in warnings and errors; none when the directory does not exist.
pub fn read_dir(dir: &std::path::Path, label: &str) -> Result<Vec<Overlay>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut files: Vec<std::path::PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|x| x.to_str()).is_some_and(|x| ["yaml", "yml", "json"].contains(&x)))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Overlay::parse(&format!("{label}/{name}"), &text).map_err(|e| e.to_string())
        })
        .collect()
}

/// Apply the overlays to the document in order; each action becomes a warning.
pub fn apply(doc: &mut Value, overlays: &[Overlay], warnings: &mut Warnings) -> Result<()> {
    for overlay in overlays {
        for (i, action) in overlay.actions.iter().enumerate() {
            let pointers: Vec<String> =
                action.path.query_located(doc).locations().map(|l| l.to_json_pointer()).collect();
            if pointers.is_empty() && (action.optional || !overlay.strict) {
                warnings.add(
                    format!(
                        "overlay {}: action {i} ({}) matches nothing in this spec: skipped",
                        overlay.source, action.target
                    ),
                    format!("{}#/actions/{i}", overlay.source),
                );
                continue;
            }
            if pointers.is_empty() {
                return Err(GenError::new(
                    format!("{}#/actions/{i}/target", overlay.source),
                    format!(
                        "overlay target {:?} matches nothing in this spec: if the spec is right now, delete the action \
                         ({})",
                        action.target, action.description
                    ),
                ));
            }
            if action.if_absent {
                add_absent(doc, overlay, i, action, &pointers, warnings)?;
                continue;
            }
            let verb = if action.remove { "removed" } else { "updated" };
            for p in &pointers {
                warnings.add(
                    format!(
                        "overlay {} ({}): {verb} {}: {}",
                        overlay.source, overlay.title, action.target, action.description
                    ),
                    format!("#{p}"),
                );
            }
            if action.remove {
                // Deepest (and, in a list, last) first, so that removing one node never moves another.
                let mut order = pointers.clone();
                order.sort_by(|a, b| pointer_order(b, a));
                for p in order {
                    remove_at(doc, &p);
                }
            } else if let Some(update) = &action.update {
                for p in &pointers {
                    if let Some(node) = doc.pointer_mut(p) {
                        merge(node, update);
                    }
                }
            }
        }
    }
    Ok(())
}

/// An `x-if-absent` action whose target matched `pointers`: add the update's members each
/// selected object lacks; keep (and report) those it has. Nothing added anywhere is the spec
/// having caught up: an error on a strict overlay unless the action is optional.
fn add_absent(
    doc: &mut Value,
    overlay: &Overlay,
    i: usize,
    action: &Action,
    pointers: &[String],
    warnings: &mut Warnings,
) -> Result<()> {
    let Some(Value::Object(update)) = &action.update else { return Ok(()) };
    // Decide before changing anything, so that an error leaves the document as it was.
    let mut plan = Vec::new();
    for p in pointers {
        let Some(Value::Object(node)) = doc.pointer(p) else {
            return Err(GenError::new(
                format!("{}#/actions/{i}/target", overlay.source),
                format!(
                    "`x-if-absent` adds members to objects, but {:?} selects #{p}, which is not one",
                    action.target
                ),
            ));
        };
        let (added, kept): (Vec<&String>, Vec<&String>) = update.keys().partition(|k| !node.contains_key(*k));
        plan.push((p, added, kept));
    }
    let names = |keys: &[&String]| keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    if plan.iter().all(|(_, added, _)| added.is_empty()) {
        let kept = plan.first().map(|(_, _, kept)| names(kept)).unwrap_or_default();
        if action.optional || !overlay.strict {
            warnings.add(
                format!(
                    "overlay {}: action {i} ({}) adds nothing: this spec has {kept} itself: skipped",
                    overlay.source, action.target
                ),
                format!("{}#/actions/{i}", overlay.source),
            );
            return Ok(());
        }
        return Err(GenError::new(
            format!("{}#/actions/{i}/target", overlay.source),
            format!(
                "overlay action with `x-if-absent` adds nothing: this spec has {kept} under {:?} itself; if the \
                 spec's own are right now, delete the action ({})",
                action.target, action.description
            ),
        ));
    }
    for (p, added, kept) in plan {
        if !added.is_empty() {
            warnings.add(
                format!(
                    "overlay {} ({}): added {} under {} (absent from this spec): {}",
                    overlay.source,
                    overlay.title,
                    names(&added),
                    action.target,
                    action.description
                ),
                format!("#{p}"),
            );
        }
        if !kept.is_empty() {
            warnings.add(
                format!(
                    "overlay {} ({}): kept this spec's own {} under {} (x-if-absent)",
                    overlay.source,
                    overlay.title,
                    names(&kept),
                    action.target
                ),
                format!("#{p}"),
            );
        }
        let Some(Value::Object(node)) = doc.pointer_mut(p) else { continue };
        for k in added {
            node.insert(k.clone(), update[k].clone());
        }
    }
    Ok(())
}

/// Overlay `update` semantics: objects merge key by key (recursively), a list gets the update
/// appended (each element of a list update), anything else is replaced.
fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(target), Value::Object(u)) => {
            for (k, v) in u {
                match target.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        target.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(items), Value::Array(u)) => items.extend(u.iter().cloned()),
        (Value::Array(items), u) => items.push(u.clone()),
        (node, u) => *node = u.clone(),
    }
}

/// Document order of two pointers, list indices compared as numbers.
fn pointer_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.split('/'), b.split('/'));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(s), Some(t)) => {
                let o = match (s.parse::<usize>(), t.parse::<usize>()) {
                    (Ok(i), Ok(j)) => i.cmp(&j),
                    _ => s.cmp(t),
                };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

fn remove_at(doc: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else { return };
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < items.len() {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OVERLAY: &str = "overlay: 1.0.0\ninfo: {title: fixes, version: '1'}\nactions:\n  - target: $.paths['/a'].get\n    description: the real host\n    update: {servers: [{url: 'https://x.example'}], tags: [B]}\n  - target: $.paths['/b']\n    description: gone\n    remove: true\n  - target: $.paths.*.get.tags\n    description: another tag\n    update: C\n";

    #[test]
    fn updates_merge_removes_remove_and_each_is_a_warning() {
        let overlay = Overlay::parse("o.yaml", OVERLAY).unwrap();
        let mut doc = json!({"paths": {"/a": {"get": {"operationId": "a", "tags": ["A"]}}, "/b": {"get": {}}}});
        let mut w = Warnings::default();
        apply(&mut doc, &[overlay], &mut w).unwrap();
        assert_eq!(
            doc,
            json!({"paths": {"/a": {"get": {"operationId": "a", "tags": ["B", "C"],
                                            "servers": [{"url": "https://x.example"}]}}}})
        );
        let lines = w.into_lines();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], "#/paths/~1a/get: overlay o.yaml (fixes): updated $.paths['/a'].get: the real host");
        assert_eq!(lines[1], "#/paths/~1b: overlay o.yaml (fixes): removed $.paths['/b']: gone");
    }

    #[test]
    fn an_optional_action_is_skipped_where_its_target_is_missing() {
        let text = OVERLAY.replace("    description: gone\n", "    description: gone\n    x-optional: true\n");
        let overlay = Overlay::parse("o.yaml", &text).unwrap();
        let mut doc = json!({"paths": {"/a": {"get": {}}}});
        let mut w = Warnings::default();
        apply(&mut doc, &[overlay], &mut w).unwrap();
        assert!(w.into_lines().iter().any(|l| l.starts_with("o.yaml#/actions/1: ") && l.contains("skipped")));
    }

    #[test]
    fn list_elements_are_removed_from_the_last() {
        let overlay = Overlay::parse(
            "o.yaml",
            "overlay: 1.0.0\nactions:\n  - {target: '$.l[?@ > 1]', description: big ones, remove: true}\n",
        )
        .unwrap();
        let mut doc = json!({"l": [0, 5, 1, 7, 1, 1, 1, 1, 1, 1, 9, 1]});
        apply(&mut doc, &[overlay], &mut Warnings::default()).unwrap();
        assert_eq!(doc, json!({"l": [0, 1, 1, 1, 1, 1, 1, 1, 1]}));
    }

    #[test]
    fn a_target_that_matches_nothing_is_an_error() {
        let overlay = Overlay::parse("o.yaml", OVERLAY).unwrap();
        let mut doc = json!({"paths": {"/a": {"get": {}}}});
        let e = apply(&mut doc, &[overlay], &mut Warnings::default()).unwrap_err();
        assert_eq!(e.pointer, "o.yaml#/actions/1/target");
        assert!(e.message.contains("$.paths['/b']") && e.message.contains("gone"), "{e}");
        // Not strict (the corpus of older specs): a warning, and the rest still applies.
        let mut lenient = Overlay::parse("o.yaml", OVERLAY).unwrap();
        lenient.strict = false;
        let mut w = Warnings::default();
        apply(&mut doc, &[lenient], &mut w).unwrap();
        assert_eq!(doc["paths"]["/a"]["get"]["tags"], json!(["B", "C"]));
        assert!(w
            .into_lines()
            .iter()
            .any(|l| l.contains("action 1 ($.paths['/b']) matches nothing in this spec: skipped")));
    }

    const IF_ABSENT: &str = "overlay: 1.0.0\ninfo: {title: restore, version: '1'}\nactions:\n  - target: $.paths\n    \
                             description: still served\n    x-if-absent: true\n    update:\n      \
                             /a: {get: {parameters: [{name: mine, in: query}]}}\n      /b: {get: {operationId: b}}\n";

    #[test]
    fn if_absent_adds_only_the_members_the_spec_lacks() {
        let overlay = Overlay::parse("o.yaml", IF_ABSENT).unwrap();
        let spec_a = json!({"get": {"operationId": "a", "parameters": [{"name": "theirs", "in": "query"}]}});
        let mut doc = json!({"paths": {"/a": spec_a.clone()}});
        let mut w = Warnings::default();
        apply(&mut doc, &[overlay], &mut w).unwrap();
        // The spec's own `/a` is kept as it is: not merged (no second parameter), not replaced.
        assert_eq!(doc, json!({"paths": {"/a": spec_a, "/b": {"get": {"operationId": "b"}}}}));
        assert_eq!(
            w.into_lines(),
            [
                "#/paths: overlay o.yaml (restore): added `/b` under $.paths (absent from this spec): still served",
                "#/paths: overlay o.yaml (restore): kept this spec's own `/a` under $.paths (x-if-absent)",
            ]
        );
        // On a spec without either, both are added, in the overlay's order.
        let mut bare = json!({"paths": {"/z": {}}});
        apply(&mut bare, &[Overlay::parse("o.yaml", IF_ABSENT).unwrap()], &mut Warnings::default()).unwrap();
        let keys: Vec<&String> = bare["paths"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["/z", "/a", "/b"]);
    }

    #[test]
    fn if_absent_adding_nothing_is_an_error_unless_optional() {
        let full = json!({"paths": {"/a": {}, "/b": {}}});
        let mut doc = full.clone();
        let e = apply(&mut doc, &[Overlay::parse("o.yaml", IF_ABSENT).unwrap()], &mut Warnings::default()).unwrap_err();
        assert_eq!(e.pointer, "o.yaml#/actions/0/target");
        assert!(e.message.contains("`/a`, `/b`") && e.message.contains("still served"), "{e}");
        assert_eq!(doc, full, "an error changes nothing");
        let optional = IF_ABSENT.replace("    x-if-absent: true\n", "    x-if-absent: true\n    x-optional: true\n");
        let mut w = Warnings::default();
        apply(&mut doc, &[Overlay::parse("o.yaml", &optional).unwrap()], &mut w).unwrap();
        assert_eq!(doc, full);
        assert_eq!(
            w.into_lines(),
            ["o.yaml#/actions/0: overlay o.yaml: action 0 ($.paths) adds nothing: this spec has `/a`, `/b` itself: skipped"]
        );
        // A target that is not an object cannot take members.
        let mut list = json!({"paths": []});
        let e =
            apply(&mut list, &[Overlay::parse("o.yaml", IF_ABSENT).unwrap()], &mut Warnings::default()).unwrap_err();
        assert!(e.message.contains("#/paths, which is not one"), "{e}");
    }

    #[test]
    fn malformed_overlays_name_the_place() {
        for (text, at) in [
            ("openapi: 3.0.0\n", "o.yaml#/overlay"),
            ("overlay: 1.0.0\n", "o.yaml#/actions"),
            (
                "overlay: 1.0.0\nactions:\n  - {target: '$[', description: x, remove: true}\n",
                "o.yaml#/actions/0/target",
            ),
            ("overlay: 1.0.0\nactions:\n  - {target: '$.a', remove: true}\n", "o.yaml#/actions/0/description"),
            ("overlay: 1.0.0\nactions:\n  - {target: '$.a', description: x}\n", "o.yaml#/actions/0"),
            (
                "overlay: 1.0.0\nactions:\n  - {target: '$.a', description: x, remove: true, x-if-absent: true}\n",
                "o.yaml#/actions/0/x-if-absent",
            ),
            (
                "overlay: 1.0.0\nactions:\n  - {target: '$.a', description: x, update: [1], x-if-absent: true}\n",
                "o.yaml#/actions/0/x-if-absent",
            ),
        ] {
            assert_eq!(Overlay::parse("o.yaml", text).unwrap_err().pointer, at, "{text}");
        }
    }
}
