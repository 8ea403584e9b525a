//! `codegen::diff` on the fixture pair `tests/specs/diff/{old,new}.yaml`: one check per rule of
//! the module doc, plus the invariants of the report (counts, final line, symmetry, limits).

use std::collections::BTreeSet;
use std::path::Path;

use codegen::diff::{diff, Change, Kind, Report};
use codegen::ir::Ir;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/diff").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Lowered, with call paths by the rule (as `cargo xtask diff` has them, less the SDK's names).
fn lower(text: &str) -> Ir {
    let loaded = codegen::load::load(text).unwrap_or_else(|e| panic!("{e}"));
    let mut ir = codegen::lower::lower(&loaded.openapi, &codegen::naming::Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"));
    codegen::call_paths::apply(&mut ir, None);
    ir
}

fn fixture() -> Report {
    diff(&lower(&read("old.yaml")), &lower(&read("new.yaml")))
}

/// The one change of `kind` about `subject` (and `item`, when given).
fn one<'r>(r: &'r Report, kind: Kind, subject: &str, item: Option<&str>) -> &'r Change {
    let found: Vec<&Change> = r
        .changes
        .iter()
        .filter(|c| c.kind == kind && c.subject == subject && (item.is_none() || c.item.as_deref() == item))
        .collect();
    assert_eq!(found.len(), 1, "{kind:?} {subject} {item:?} in:\n{}", r.to_text());
    found[0]
}

fn breaking(r: &Report, kind: Kind, subject: &str, item: Option<&str>) -> bool {
    one(r, kind, subject, item).breaking
}

/// `operationId` → `METHOD /path`, read from the spec text.
fn operation_ids(text: &str) -> std::collections::BTreeMap<String, String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            out.insert(id, format!("{} {}", method.as_str().unwrap().to_uppercase(), path.as_str().unwrap()));
        }
    }
    out
}

#[test]
fn operations_added_and_removed_follow_the_operation_ids() {
    let r = fixture();
    let (old, new) = (operation_ids(&read("old.yaml")), operation_ids(&read("new.yaml")));
    let added: BTreeSet<&String> = new.iter().filter(|(id, _)| !old.contains_key(*id)).map(|(_, at)| at).collect();
    let removed: BTreeSet<&String> = old.iter().filter(|(id, _)| !new.contains_key(*id)).map(|(_, at)| at).collect();
    let of =
        |kind: Kind| -> BTreeSet<&String> { r.changes.iter().filter(|c| c.kind == kind).map(|c| &c.subject).collect() };
    assert!(!added.is_empty() && !removed.is_empty(), "the fixture should add and remove operations");
    assert_eq!(of(Kind::OperationAdded), added);
    assert_eq!(of(Kind::OperationRemoved), removed);
    assert!(r.changes.iter().filter(|c| c.kind == Kind::OperationAdded).all(|c| !c.breaking));
    assert!(r.changes.iter().filter(|c| c.kind == Kind::OperationRemoved).all(|c| c.breaking));
}

#[test]
fn a_moved_operation_is_a_change_and_renamed_path_parameters_are_none() {
    let r = fixture();
    let moved = one(&r, Kind::OperationPathChanged, "POST /widgets/{id}/actions/archive", None);
    assert!(!moved.breaking);
    // `/widgets/{id}` → `/widgets/{widget_id}`: the argument is positional, nothing changes.
    assert!(r.changes.iter().all(|c| c.subject != "PUT /widgets/{widget_id}"), "{}", r.to_text());
}

#[test]
fn parameters() {
    let r = fixture();
    let list = "GET /widgets";
    assert!(breaking(&r, Kind::ParameterAdded, list, Some("parameter `owner` (query)")), "new required parameter");
    assert!(!breaking(&r, Kind::ParameterAdded, list, Some("parameter `cursor` (query)")), "new optional parameter");
    assert!(!breaking(&r, Kind::DeprecationChanged, list, None));
    // The first optional parameter adds a `params` argument.
    assert!(!breaking(&r, Kind::ParameterAdded, "GET /things", Some("parameter `page[size]` (query)")));
    assert!(breaking(&r, Kind::ParamsStructAdded, "GET /things", None));
    assert!(breaking(&r, Kind::ParameterRequiredChanged, "GET /reports", Some("parameter `from` (query)")));
    let folded = one(&r, Kind::ParametersRegrouped, "GET /search", Some("parameter `filter` (query)"));
    assert!(folded.breaking);
    assert!(folded.detail.contains("`filter[name]`") && folded.detail.contains("`filter[kind]`"), "{}", folded.detail);
    assert!(
        r.changes.iter().all(|c| c.subject != "GET /search" || c.kind == Kind::ParametersRegrouped),
        "bracketed parameters are reported once, as a regrouping:\n{}",
        r.to_text()
    );
}

#[test]
fn new_fields_break_only_what_callers_construct() {
    let r = fixture();
    assert!(breaking(&r, Kind::FieldAdded, "WidgetCreate", Some("field `owner`")), "required, request");
    assert!(!breaking(&r, Kind::FieldAdded, "WidgetCreate", Some("field `color`")), "optional, request, Default");
    assert!(breaking(&r, Kind::FieldAdded, "Order", Some("field `priority`")), "optional, request, no Default");
    assert!(!breaking(&r, Kind::FieldAdded, "Widget", Some("field `created_at`")), "required, response");
    assert!(!breaking(&r, Kind::FieldAdded, "Widget", Some("field `tags`")), "optional, response");
}

#[test]
fn type_and_required_ness_changes() {
    let r = fixture();
    assert!(breaking(&r, Kind::FieldTypeChanged, "Widget", Some("field `size`")));
    // required → optional: `String` → `Option<String>`.
    assert!(breaking(&r, Kind::FieldRequiredChanged, "Widget", Some("field `name`")));
    // required + nullable → optional: `Option<String>` either way.
    let label = one(&r, Kind::FieldRequiredChanged, "Widget", Some("field `label`"));
    assert!(!label.breaking && label.detail.contains("stays `Option<String>`"), "{}", label.detail);
    assert!(breaking(&r, Kind::ResponseTypeChanged, "GET /widgets/{widget_id}", Some("response")));
}

#[test]
fn enum_values() {
    let r = fixture();
    assert!(!breaking(&r, Kind::EnumValueAdded, "Status", Some("value \"archived\"")));
    let response = one(&r, Kind::EnumValueRemoved, "Status", Some("value \"legacy\""));
    assert!(response.breaking && response.detail.contains("response type"), "{}", response.detail);
    let request = one(&r, Kind::EnumValueRemoved, "Kind", Some("value \"huge\""));
    assert!(request.breaking && request.detail.contains("request type"), "{}", request.detail);
}

#[test]
fn schemas_added_removed_and_reshaped() {
    let r = fixture();
    assert!(breaking(&r, Kind::TypeRemoved, "Legacy", None));
    assert!(!breaking(&r, Kind::TypeAdded, "Gadget", None));
    assert!(breaking(&r, Kind::TypeKindChanged, "Shape", None));
    assert!(!breaking(&r, Kind::UnionVariantAdded, "Pet", Some("variant `Bird`")));
}

#[test]
fn a_renamed_inline_type_is_one_change() {
    let spec = |id: &str| {
        format!(
            "openapi: 3.0.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /things/{{id}}:\n    get:\n      operationId: {id}\n      tags: [Things]\n      parameters:\n        - {{name: id, in: path, required: true, schema: {{type: string}}}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{type: object, properties: {{name: {{type: string}}}}}}\n"
        )
    };
    let r = diff(&lower(&spec("getThing")), &lower(&spec("fetchThing")));
    // The call is where it was (`client.things().retrieve()`: call paths do not follow the
    // operationId); the response still has the same type, under its new name.
    assert!(!r.changes.iter().any(|c| c.kind == Kind::OperationRenamed), "{}", r.to_text());
    let renamed = one(&r, Kind::TypeRenamed, "FetchThingResponse", None);
    assert!(renamed.breaking && renamed.detail.contains("GetThingResponse"), "{}", renamed.detail);
    assert_eq!(r.changes.len(), 1, "{}", r.to_text());
}

#[test]
fn final_line_and_json_counts_match_the_entries() {
    let r = fixture();
    let b = r.changes.iter().filter(|c| c.breaking).count();
    let nb = r.changes.iter().filter(|c| !c.breaking).count();
    assert!(b > 0 && nb > 0);
    let expected = format!("breaking: {b}, non-breaking: {nb}");
    assert_eq!(r.to_text().lines().last(), Some(expected.as_str()));
    assert_eq!(r.to_markdown(60_000).lines().last(), Some(expected.as_str()));
    let json = r.to_json();
    assert_eq!(json["breaking"], b);
    assert_eq!(json["non_breaking"], nb);
    assert_eq!(json["changes"].as_array().map(Vec::len), Some(r.changes.len()));
    let summed: u64 = json["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v["breaking"].as_u64().unwrap() + v["non_breaking"].as_u64().unwrap())
        .sum();
    assert_eq!(summed as usize, r.changes.len());
    // Every change kind is spelled in snake case, as the summary table prints it.
    assert!(json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["kind"].as_str().is_some_and(|k| k.chars().all(|x| x.is_ascii_lowercase() || x == '_'))));
}

#[test]
fn identical_specs_report_nothing() {
    let old = lower(&read("old.yaml"));
    let r = diff(&old, &old);
    assert!(r.changes.is_empty(), "{}", r.to_text());
    assert_eq!(r.to_text().lines().last(), Some("breaking: 0, non-breaking: 0"));
}

#[test]
fn the_reverse_diff_mirrors_additions_and_removals() {
    let (old, new) = (lower(&read("old.yaml")), lower(&read("new.yaml")));
    let (fwd, back) = (diff(&old, &new), diff(&new, &old));
    let subjects = |r: &Report, k: Kind| -> BTreeSet<String> {
        r.changes.iter().filter(|c| c.kind == k).map(|c| c.subject.clone()).collect()
    };
    assert_eq!(subjects(&fwd, Kind::OperationAdded), subjects(&back, Kind::OperationRemoved));
    assert_eq!(subjects(&fwd, Kind::OperationRemoved), subjects(&back, Kind::OperationAdded));
    assert_eq!(subjects(&fwd, Kind::TypeAdded), subjects(&back, Kind::TypeRemoved));
    assert_eq!(subjects(&fwd, Kind::EnumValueAdded), subjects(&back, Kind::EnumValueRemoved));
}

#[test]
fn reports_are_deterministic() {
    assert_eq!(fixture().to_text(), fixture().to_text());
    assert_eq!(fixture().to_json(), fixture().to_json());
}

#[test]
fn markdown_stays_under_its_limit_breaking_changes_first() {
    let r = fixture();
    let full = r.to_markdown(usize::MAX);
    assert!(!full.contains("not listed"));
    let breaking_at = full.find("Breaking changes").unwrap();
    let non_breaking_at = full.find("Non-breaking changes").unwrap();
    assert!(breaking_at < non_breaking_at);
    let limit = full.len() / 2;
    let short = r.to_markdown(limit);
    assert!(short.len() <= limit, "{} > {limit}", short.len());
    assert!(short.contains("more changes not listed"), "{short}");
    assert_eq!(short.lines().last(), full.lines().last());
}

#[test]
fn report_snapshot() {
    let mut r = fixture();
    r.old.label = "old.yaml".into();
    r.new.label = "new.yaml".into();
    insta::assert_snapshot!("fixture_report", r.to_text());
}
