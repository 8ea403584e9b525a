//! Lenient decoding on types shaped as the generator emits them: derived structs with required
//! fields, `optional_fields!` structs, string enums, unions with and without a discriminator,
//! each with the `shaped!` impl the generator writes beside it.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::*;

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Active,
    Unknown(String),
}

impl Status {
    fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Unknown(s) => s,
        }
    }
}

impl From<&str> for Status {
    fn from(s: &str) -> Self {
        match s {
            "active" => Self::Active,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

crate::codec::string_enum!(Status);

/// As generated for a schema with required members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Number {
    id: String,
    country_iso_alpha2: String,
    status: Status,
    tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<Endpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::codec::double_option")]
    note: Option<Option<String>>,
}

crate::shaped!(Number {
    "id": String,
    "country_iso_alpha2": String,
    "status": Status,
    "tags": Vec<String>,
    "from": Option<Endpoint>,
    "count": Option<i64>,
    "note": Option<Option<String>>,
});

/// As generated for a schema of optional members only.
#[derive(Debug, Clone, PartialEq, Default)]
struct Endpoint {
    phone_number: Option<String>,
    carrier: Option<String>,
}

crate::codec::optional_fields!(Endpoint { "phone_number" => phone_number, "carrier" => carrier });
crate::shaped!(Endpoint { "phone_number": Option<String>, "carrier": Option<String> });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Page {
    data: Vec<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    meta: Option<Meta>,
}

crate::shaped!(Page { "data": Vec<Number>, "meta": Option<Meta> });

#[derive(Debug, Clone, PartialEq, Default)]
struct Meta {
    total_results: Option<i64>,
}

crate::codec::optional_fields!(Meta { "total_results" => total_results });
crate::shaped!(Meta { "total_results": Option<i64> });

fn number(id: &str) -> serde_json::Value {
    json!({"id": id, "country_iso_alpha2": "US", "status": "active", "tags": ["a"], "from": {"phone_number": "+1"}})
}

fn decode<T: DeserializeOwned + Shaped>(v: serde_json::Value) -> Decoded<T> {
    decode_slice::<T>(v.to_string().as_bytes()).unwrap_or_else(|f| panic!("{f}"))
}

fn paths(d: &[Deviation]) -> Vec<(String, DeviationKind)> {
    d.iter().map(|d| (d.path.clone(), d.kind)).collect()
}

#[test]
fn a_conforming_body_has_no_deviations() {
    let d = decode::<Number>(number("1"));
    assert!(d.deviations.is_empty());
    assert_eq!(d.value.status, Status::Active);
}

#[test]
fn a_missing_required_member_is_its_empty_value() {
    let mut body = number("1");
    body.as_object_mut().unwrap().remove("country_iso_alpha2");
    body.as_object_mut().unwrap().remove("status");
    body.as_object_mut().unwrap().remove("tags");
    let d = decode::<Number>(body);
    assert_eq!(d.value.country_iso_alpha2, "");
    assert_eq!(d.value.status, Status::Unknown(String::new()));
    assert!(d.value.tags.is_empty());
    assert_eq!(d.value.id, "1", "the rest decodes");
    assert_eq!(
        paths(&d.deviations),
        [
            ("country_iso_alpha2".into(), DeviationKind::Missing),
            ("status".into(), DeviationKind::Missing),
            ("tags".into(), DeviationKind::Missing)
        ]
    );
    assert_eq!(d.deviations[0].found, None);
}

#[test]
fn a_string_where_an_object_is_declared_leaves_the_optional_field_none() {
    let mut body = number("1");
    body["from"] = json!("Sender");
    let d = decode::<Number>(body);
    assert_eq!(d.value.from, None);
    assert_eq!(d.value.country_iso_alpha2, "US");
    assert_eq!(paths(&d.deviations), [("from".into(), DeviationKind::Mismatch)]);
    assert_eq!(d.deviations[0].found, Some(json!("Sender")));
    assert_eq!(d.deviations[0].expected, "struct Endpoint");
}

#[test]
fn wrong_scalars_are_reported_with_what_was_expected_and_found() {
    let mut body = number("1");
    body["id"] = json!(42);
    body["count"] = json!("7");
    body["note"] = json!(5);
    body["tags"] = json!({"not": "a list"});
    let d = decode::<Number>(body);
    // A nullable member whose value does not fit reads as `null` (`Some(None)`); response-only
    // types have no `Option<Option<_>>` (lowering collapses it), so this is a request type's case.
    assert_eq!((d.value.id.as_str(), d.value.count, &d.value.note), ("", None, &Some(None)));
    assert!(d.value.tags.is_empty());
    let mut got = paths(&d.deviations);
    got.sort();
    assert_eq!(
        got,
        [
            ("count".into(), DeviationKind::Mismatch),
            ("id".into(), DeviationKind::Mismatch),
            ("note".into(), DeviationKind::Mismatch),
            ("tags".into(), DeviationKind::Mismatch)
        ]
    );
    let id = d.deviations.iter().find(|x| x.path == "id").unwrap();
    assert_eq!((id.expected.as_str(), id.found.clone()), ("a string", Some(json!(42))));
    assert_eq!(id.to_string(), "id: expected a string, found number 42");
}

#[test]
fn null_in_a_required_member_is_a_deviation_and_in_an_optional_one_is_none() {
    let mut body = number("1");
    body["id"] = json!(null);
    body["count"] = json!(null);
    let d = decode::<Number>(body);
    assert_eq!(paths(&d.deviations), [("id".into(), DeviationKind::Null)]);
    assert_eq!(d.value.count, None);
}

#[test]
fn every_record_of_a_list_keeps_its_own_values_and_deviations() {
    let mut records: Vec<_> = (0..20).map(|i| number(&i.to_string())).collect();
    for (i, r) in records.iter_mut().enumerate() {
        r.as_object_mut().unwrap().remove("country_iso_alpha2");
        if i % 2 == 0 {
            r["from"] = json!("Alpha");
        }
    }
    records[5]["count"] = json!(1.5);
    let d = decode::<Page>(json!({"data": records, "meta": {"total_results": 20}}));
    assert_eq!(d.value.data.len(), 20);
    assert_eq!(d.value.meta.as_ref().and_then(|m| m.total_results), Some(20));
    assert!(d.value.data.iter().enumerate().all(|(i, n)| n.id == i.to_string()));
    assert!(d.value.data.iter().enumerate().all(|(i, n)| n.from.is_some() == (i % 2 == 1)));
    assert_eq!(d.value.data[5].count, None);
    let count = |k: DeviationKind, suffix: &str| {
        d.deviations.iter().filter(|x| x.kind == k && x.path.ends_with(suffix)).count()
    };
    assert_eq!(count(DeviationKind::Missing, ".country_iso_alpha2"), 20);
    assert_eq!(count(DeviationKind::Mismatch, ".from"), 10);
    assert_eq!(count(DeviationKind::Mismatch, "data[5].count"), 1);
    assert_eq!(d.deviations.len(), 31, "{:#?}", d.deviations);
}

/// As generated for a `oneOf` with a discriminator.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    Call(Box<Number>),
    Unknown(serde_json::Value),
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = <serde_json::Value as Deserialize>::deserialize(d)?;
        match value.get("kind").and_then(serde_json::Value::as_str) {
            Some("call") => crate::codec::from_value(value).map(|v| Self::Call(Box::new(v))),
            _ => Ok(Self::Unknown(value)),
        }
    }
}

crate::shaped!(Event tagged "kind" { "call": Box<Number> });

#[derive(Debug, Deserialize)]
struct Envelope {
    data: Event,
}

crate::shaped!(Envelope { "data": Event });

#[test]
fn a_variant_of_a_tagged_union_decodes_leniently_with_its_paths() {
    let mut call = number("c");
    call["kind"] = json!("call");
    call.as_object_mut().unwrap().remove("tags");
    let d = decode::<Envelope>(json!({"data": call}));
    let Event::Call(n) = d.value.data else { panic!("{:?}", d.value.data) };
    assert_eq!(n.id, "c");
    assert_eq!(paths(&d.deviations), [("data.tags".into(), DeviationKind::Missing)]);
}

/// As generated for a `oneOf` without a discriminator.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum Either {
    Text(String),
    Count(i64),
}

crate::shaped!(Either untagged [String, i64]);

#[derive(Debug, Deserialize)]
struct WithUnion {
    either: Option<Either>,
    required_either: Either,
    name: String,
}

crate::shaped!(WithUnion { "either": Option<Either>, "required_either": Either, "name": String });

#[test]
fn a_union_that_nothing_fits_is_empty_and_the_rest_decodes() {
    let d = decode::<WithUnion>(json!({"either": [1], "required_either": {"x": 1}, "name": "n"}));
    assert_eq!(d.value.either, None);
    assert_eq!(d.value.required_either, Either::Text(String::new()));
    assert_eq!(d.value.name, "n");
    let mut got = paths(&d.deviations);
    got.sort();
    assert_eq!(got, [("either".into(), DeviationKind::Mismatch), ("required_either".into(), DeviationKind::Mismatch)]);
}

#[test]
fn a_body_of_another_shape_is_the_empty_value_with_one_deviation() {
    let d = decode::<Number>(json!([1, 2]));
    assert_eq!(d.value.id, "");
    assert_eq!(paths(&d.deviations), [(".".into(), DeviationKind::Mismatch)]);
}

#[test]
fn a_body_that_is_not_json_is_a_failure_with_its_position() {
    let f = decode_slice::<Number>(b"{\"id\": ").unwrap_err();
    assert!(f.position.is_some(), "{f:?}");
    let f = decode_slice::<Number>(b"<html>").unwrap_err();
    assert_eq!(f.position, Some((1, 1)));
}

#[test]
fn undeclared_members_are_listed_with_their_paths() {
    let mut body = number("1");
    body["extra"] = json!({"a": 1});
    body["from"]["region"] = json!("IL");
    let page = json!({"data": [body], "cursor": "x"});
    let found = undeclared::<Page>(page.to_string().as_bytes());
    let got: Vec<_> = found.iter().map(|d| (d.path.as_str(), d.found.clone().unwrap())).collect();
    assert_eq!(got, [("data[0].from.region", json!("IL")), ("data[0].extra", json!({"a": 1})), ("cursor", json!("x"))]);
    assert!(decode::<Page>(page).deviations.is_empty(), "undeclared members are not deviations");
}

#[test]
fn hostile_bodies_decode_in_one_walk() {
    // Every member of every record wrong: decodes, each deviation found.
    let bad =
        json!({"id": [], "country_iso_alpha2": {}, "status": [[]], "tags": 3, "from": 1, "count": {}, "note": []});
    let d = decode::<Page>(json!({"data": vec![bad; 50], "meta": "x"}));
    assert_eq!(d.value.data.len(), 50);
    assert!(d.deviations.len() >= 50 * 7, "{}", d.deviations.len());
}

/// As generated for a `oneOf` without a discriminator (`codec::untagged`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
enum Contact {
    Number(Box<Number>),
    Page(Page),
}

impl<'de> Deserialize<'de> for Contact {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::codec::untagged(
            d,
            "Contact",
            &[|v| crate::codec::variant(v, |x| Self::Number(Box::new(x))), |v| crate::codec::variant(v, Self::Page)],
        )
    }
}

crate::shaped!(Contact untagged [Box<Number>, Page]);

#[derive(Debug, Deserialize)]
struct WithContact {
    contact: Contact,
}

crate::shaped!(WithContact { "contact": Contact });

#[test]
fn an_untagged_union_takes_the_variant_that_fits_best_and_keeps_the_paths_inside() {
    // Strictly the first variant that fits, as serde's `untagged`.
    let d = decode::<WithContact>(json!({"contact": number("n")}));
    assert!(matches!(d.value.contact, Contact::Number(_)) && d.deviations.is_empty());
    let d = decode::<WithContact>(json!({"contact": {"data": []}}));
    assert!(matches!(d.value.contact, Contact::Page(_)) && d.deviations.is_empty());
    // A number lacking a member and with one of the wrong type: no variant fits strictly. The
    // page misses one member (`data`) and declares none of the number's five; the number costs
    // two deviations: it fits best, and its deviations keep their paths inside the union.
    let mut n = number("n");
    n.as_object_mut().unwrap().remove("tags");
    n["count"] = json!("x");
    let d = decode::<WithContact>(json!({"contact": n}));
    assert!(matches!(&d.value.contact, Contact::Number(x) if x.id == "n"), "{:?}", d.value.contact);
    assert_eq!(
        paths(&d.deviations),
        [("contact.count".into(), DeviationKind::Mismatch), ("contact.tags".into(), DeviationKind::Missing)]
    );
    // Undeclared members inside a union are listed too.
    let mut n = number("n");
    n["extra"] = json!(1);
    let found = undeclared::<WithContact>(json!({"contact": n}).to_string().as_bytes());
    assert_eq!(found.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["contact.extra"]);
}

#[test]
fn every_member_that_does_not_fit_is_found_in_one_walk() {
    // 100 optional members, each of another path and the wrong type: each `None`.
    let body: serde_json::Map<String, serde_json::Value> = (0..100).map(|i| (format!("m{i}"), json!("x"))).collect();
    let d = decode::<std::collections::BTreeMap<String, Option<i64>>>(json!(body));
    assert_eq!(d.value.len(), 100);
    assert!(d.value.values().all(Option::is_none));
    assert_eq!(d.deviations.len(), 100);
    // A string enum refuses an object, at 100 places: each the empty value, the rest kept.
    let body: serde_json::Map<String, serde_json::Value> =
        (0..100).map(|i| (format!("m{i}"), if i % 2 == 0 { json!({"a": i}) } else { json!("active") })).collect();
    let d = decode::<std::collections::BTreeMap<String, Status>>(json!(body));
    assert_eq!((d.value.len(), d.deviations.len()), (100, 50));
    assert_eq!((&d.value["m2"], &d.value["m3"]), (&Status::Unknown(String::new()), &Status::Active));
    assert_eq!(d.deviations[0].to_string(), "m0: expected a string (enum Status), found an object of 1 members");
}

/// A hand-written type whose shape says otherwise than its `Deserialize`.
#[derive(Debug, Default, Deserialize)]
struct Misdeclared {
    #[serde(default)]
    count: i64,
}

crate::shaped!(Misdeclared { "count": String });

#[test]
fn a_type_that_refuses_its_repaired_body_is_its_empty_value_with_the_body_kept() {
    let d = decode::<Misdeclared>(json!({"count": "x"}));
    assert_eq!(d.value.count, 0);
    assert_eq!(paths(&d.deviations), [(".".into(), DeviationKind::Mismatch)]);
    assert_eq!(d.deviations[0].found, Some(json!({"count": "x"})));
}

#[test]
fn the_empty_value_of_a_struct_holds_the_empty_values_of_its_required_members() {
    let d = decode::<Page>(json!({"meta": {}}));
    assert!(d.value.data.is_empty());
    let d = decode::<Envelope>(json!({"data": 1}));
    // A tagged union takes any value: what it does not know is its `Unknown`.
    assert!(matches!(d.value.data, Event::Unknown(ref v) if *v == json!(1)), "{:?}", d.value.data);
    assert!(d.deviations.is_empty());
    let d = decode::<Envelope>(json!({}));
    assert!(matches!(d.value.data, Event::Unknown(ref v) if *v == json!({})), "{:?}", d.value.data);
    assert_eq!(paths(&d.deviations), [("data".into(), DeviationKind::Missing)]);
}

/// A type that holds itself: shapes refer to each other by address, so the cycle is fine.
#[derive(Debug, Deserialize)]
struct Tree {
    name: String,
    #[serde(default)]
    children: Option<Vec<Tree>>,
}

crate::shaped!(Tree { "name": String, "children": Option<Vec<Tree>> });

#[test]
fn a_recursive_type_decodes_leniently_at_every_depth() {
    let d = decode::<Tree>(json!({"name": "a", "children": [{"name": 1, "children": [{"children": []}]}]}));
    let child = &d.value.children.as_ref().unwrap()[0];
    assert_eq!((d.value.name.as_str(), child.name.as_str()), ("a", ""));
    assert_eq!(child.children.as_ref().unwrap()[0].name, "");
    assert_eq!(
        paths(&d.deviations),
        [
            ("children[0].name".into(), DeviationKind::Mismatch),
            ("children[0].children[0].name".into(), DeviationKind::Missing)
        ]
    );
}
