//! Deduplication of inline types.
//!
//! The spec repeats the same inline enum or object under many parents (one `status` enum in
//! `brands` and in `campaign`, one inline object in `call_commands` and in
//! `conference_commands`), and lowering names each copy after its parent. Each copy would be a
//! struct or enum of its own, with its own derives and serde code, for nothing.
//!
//! The rule: two types are the same when they are the same kind with the same content once the
//! named types they mention are seen through earlier merges: struct fields with the same Rust
//! and JSON names, types, `required`, `nullable` and boxing, in order, and the same `multipart`;
//! enum variants with the same names and values, in order; union variants with the same names,
//! types and discriminator tags, and the same discriminator. Docs do not count (the spec words
//! one field differently in different places); the definition that stays keeps its own.
//!
//! - A set of identical inline types shares one definition under a name that fits all of them:
//!   the words their names all end with, at least two (`CreateOAuthClientResponse`,
//!   `GetOAuthClientResponse` → `OAuthClientResponse`, a new type or one of the set). Every name
//!   of the set becomes an alias of it (`pub type GetOAuthClientResponse =
//!   OAuthClientResponse;`), so every public name stays and is the same Rust type, and none is
//!   documented as an alias of a type named after another operation. The definition keeps the
//!   docs of the first of the set (in the order lowering created them). A set whose names share
//!   less (`SpeakCallResponse`, `CancelFaxResponse`) is not merged: each keeps its own
//!   definition (see [`dedup`]).
//! - Component schemas are never aliased away (users name them, and each keeps a type of its
//!   own); an inline type identical to a component becomes an alias of the component.
//! - References are not rewritten: a parent keeps naming its own (now alias) type, so the alias
//!   lives next to its parent and only the definition it names is shared across tags.
//! - Merging runs to a fixpoint: once inner types merge, their parents may become identical.
//!
//! It runs before boxing is decided ([`crate::lower`] marks boxes afterwards, through aliases),
//! so `boxed` is the same everywhere here and merging cannot disagree with it.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{TypeDef, TypeKind, TypeRef};
use crate::naming::Scope;

/// Collapse structurally identical inline types into aliases of one definition named for all
/// of them. `components` are the type names of component schemas: they keep their definitions;
/// `scope` holds every name taken (the shared definitions' new names are claimed in it).
/// Returns how many types became aliases.
///
/// A set of identical inline types shares one definition only under a name that fits every
/// use: the longest run of words all their names end with, at least two
/// (`CreateOAuthClientResponse`, `GetOAuthClientResponse` → `OAuthClientResponse`), and free or
/// one of theirs. Every name of the set becomes an alias of it. A set whose names share less
/// (`SpeakCallResponse` and `CancelFaxResponse` end in `Response` only) is not merged: each
/// keeps a definition under its own name, and the merging is done again without them (their
/// parents may no longer be identical).
pub fn dedup(types: &mut Vec<TypeDef>, components: &BTreeSet<&str>, scope: &mut Scope) -> usize {
    let is_component: Vec<bool> = types.iter().map(|t| components.contains(t.name.as_str())).collect();
    let mut apart: BTreeSet<usize> = BTreeSet::new();
    let (target, merged, names) = loop {
        let (target, merged) = merges(types, &is_component, &apart);
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in (0..types.len()).filter(|&i| merged[i] && !is_component[i]) {
            let root = resolve(&target, i);
            if !is_component[root] {
                groups.entry(root).or_insert_with(|| vec![root]).push(i);
            }
        }
        let mut names: BTreeMap<usize, String> = BTreeMap::new();
        let mut chosen: BTreeSet<String> = BTreeSet::new();
        let mut unfit = Vec::new();
        for (root, members) in groups {
            let own: BTreeSet<&str> = members.iter().map(|&i| types[i].name.as_str()).collect();
            // A new name is free in the scope and not chosen by another set of this pass.
            match shared_name(&own) {
                Some(name) if own.contains(name.as_str()) || (!scope.contains(&name) && !chosen.contains(&name)) => {
                    chosen.insert(name.clone());
                    names.insert(root, name);
                }
                _ => unfit.extend(members),
            }
        }
        if unfit.is_empty() {
            break (target, merged, names);
        }
        apart.extend(unfit);
    };
    let index: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    // Each shared definition moves to its name: a name of the set (that type takes the
    // definition) or a new one.
    let mut definition: BTreeMap<usize, usize> = BTreeMap::new();
    for (&root, name) in &names {
        let at = match index.get(name) {
            Some(&i) => i,
            None => {
                scope.claim(name);
                let mut def = types[root].clone();
                def.name = name.clone();
                types.push(def);
                types.len() - 1
            }
        };
        if at != root {
            types[at].kind = types[root].kind.clone();
            types[root].kind = TypeKind::Alias(TypeRef::Named(name.clone()));
        }
        definition.insert(root, at);
    }
    let mut count = 0;
    for i in 0..merged.len() {
        if merged[i] {
            let root = resolve(&target, i);
            let to = types[definition.get(&root).copied().unwrap_or(root)].name.clone();
            if types[i].name != to {
                types[i].kind = TypeKind::Alias(TypeRef::Named(to));
                count += 1;
            }
        }
    }
    count + names.iter().filter(|(&root, _)| definition[&root] != root).count()
}

/// The name a set of identical inline types shares: the words all its names end with, when
/// there are at least two.
fn shared_name(names: &BTreeSet<&str>) -> Option<String> {
    let words: Vec<Vec<&str>> = names.iter().map(|n| camel_words(n)).collect();
    let shortest = words.iter().map(Vec::len).min()?;
    let common =
        (1..=shortest).take_while(|&k| words.iter().all(|w| w[w.len() - k] == words[0][words[0].len() - k])).last()?;
    (common >= 2).then(|| words[0][words[0].len() - common..].concat())
}

/// `OAuthClientResponse` → `O`, `Auth`, `Client`, `Response`; digits run on as a word.
fn camel_words(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = name.as_bytes();
    for i in 1..bytes.len() {
        let upper = bytes[i].is_ascii_uppercase();
        let digit_start = bytes[i].is_ascii_digit() && !bytes[i - 1].is_ascii_digit();
        if upper || digit_start {
            out.push(&name[start..i]);
            start = i;
        }
    }
    if start < name.len() {
        out.push(&name[start..]);
    }
    out
}

/// Which types merge into which: `target[i]` is the type `i` stands for, `merged[i]` whether
/// `i` became an alias. Types in `apart` merge with nothing.
fn merges(types: &[TypeDef], is_component: &[bool], apart: &BTreeSet<usize>) -> (Vec<Option<usize>>, Vec<bool>) {
    let index: BTreeMap<&str, usize> = types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    // `target[i]`: the type `i` stands for; a component alias of a named type
    // (`Foo: {$ref: Bar}`) is that type already.
    let mut target: Vec<Option<usize>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Alias(TypeRef::Named(n)) => index.get(n.as_str()).copied(),
            _ => None,
        })
        .collect();
    let mut merged = vec![false; types.len()];
    // Components first, so that an inline type identical to a component aliases the component.
    let order: Vec<usize> = (0..types.len())
        .filter(|&i| is_component[i])
        .chain((0..types.len()).filter(|&i| !is_component[i]))
        .filter(|&i| !matches!(types[i].kind, TypeKind::Alias(_)))
        .collect();
    loop {
        // Merges found in one pass are applied after it, so every key of a pass is computed
        // against the same merges.
        let mut first: BTreeMap<String, usize> = BTreeMap::new();
        let mut found = Vec::new();
        for &i in &order {
            if merged[i] {
                continue;
            }
            let mut key = shape_key(&types[i].kind, &|n: &str| match index.get(n) {
                Some(&j) => types[resolve(&target, j)].name.clone(),
                None => n.to_owned(),
            });
            if apart.contains(&i) {
                key.push_str(&types[i].name);
            }
            match first.get(&key) {
                Some(&j) if !is_component[i] => found.push((i, j)),
                Some(_) => {}
                None => {
                    first.insert(key, i);
                }
            }
        }
        if found.is_empty() {
            break;
        }
        for (i, j) in found {
            target[i] = Some(j);
            merged[i] = true;
        }
    }
    (target, merged)
}

/// The type `i` stands for once merges and component aliases are followed.
fn resolve(target: &[Option<usize>], i: usize) -> usize {
    let mut current = i;
    // Bounded: lowering rejects `$ref` cycles, but this must not loop whatever it is given.
    for _ in 0..target.len() {
        match target[current] {
            Some(next) if next != current => current = next,
            _ => break,
        }
    }
    current
}

/// What two types must share to be one: the kind with every named type replaced by what it
/// stands for and docs left out, as text. (The IR derives no `Ord`/`Hash`; its `Debug` form is
/// deterministic and complete.)
fn shape_key(kind: &TypeKind, canon: &impl Fn(&str) -> String) -> String {
    let mut kind = kind.clone();
    match &mut kind {
        TypeKind::Struct(s) => {
            for f in &mut s.fields {
                f.doc = None;
                canon_ref(&mut f.ty, canon);
            }
        }
        TypeKind::Enum(variants) => variants.iter_mut().for_each(|v| v.doc = None),
        TypeKind::Union(u) => u.variants.iter_mut().for_each(|v| canon_ref(&mut v.ty, canon)),
        TypeKind::Alias(t) => canon_ref(t, canon),
    }
    format!("{kind:?}")
}

fn canon_ref(t: &mut TypeRef, canon: &impl Fn(&str) -> String) {
    match t {
        TypeRef::Named(n) => *n = canon(n),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => canon_ref(inner, canon),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{EnumVariant, Field, Struct, Union, UnionVariant};

    fn def(name: &str, kind: TypeKind) -> TypeDef {
        TypeDef {
            name: name.to_owned(),
            pointer: format!("#/test/{name}"),
            doc: Some(format!("The {name} doc.")),
            module: String::new(),
            nullable: false,
            kind,
            features: Vec::new(),
        }
    }

    fn field(name: &str, ty: TypeRef, required: bool) -> Field {
        Field {
            name: name.to_owned(),
            api_name: name.to_owned(),
            ty,
            required,
            nullable: false,
            boxed: false,
            doc: Some(format!("{name}, described in its own words")),
        }
    }

    fn object(fields: Vec<Field>) -> TypeKind {
        TypeKind::Struct(Struct { fields, multipart: false, additional: None })
    }

    fn values(vs: &[&str]) -> TypeKind {
        TypeKind::Enum(
            vs.iter().map(|v| EnumVariant { name: v.to_uppercase(), value: (*v).to_owned(), doc: None }).collect(),
        )
    }

    fn named(n: &str) -> TypeRef {
        TypeRef::Named(n.to_owned())
    }

    fn run(types: &mut Vec<TypeDef>, components: &[&str]) -> usize {
        let mut scope = Scope::with_reserved(types.iter().map(|t| t.name.as_str()).collect::<Vec<_>>());
        dedup(types, &components.iter().copied().collect(), &mut scope)
    }

    fn alias_of<'t>(types: &'t [TypeDef], name: &str) -> Option<&'t str> {
        match &types.iter().find(|t| t.name == name)?.kind {
            TypeKind::Alias(TypeRef::Named(n)) => Some(n),
            _ => None,
        }
    }

    #[test]
    fn identical_shapes_share_a_definition_named_for_all_and_keep_their_docs() {
        let mut types = vec![
            def("AUserStatus", values(&["on", "off"])),
            def("BUserStatus", values(&["on", "off"])),
            def("CUserStatus", values(&["on", "off"])),
        ];
        assert_eq!(run(&mut types, &[]), 3);
        let shared = types.iter().find(|t| t.name == "UserStatus").expect("the shared definition");
        assert!(matches!(shared.kind, TypeKind::Enum(_)));
        assert_eq!(shared.doc.as_deref(), Some("The AUserStatus doc."));
        for name in ["AUserStatus", "BUserStatus", "CUserStatus"] {
            assert_eq!(alias_of(&types, name), Some("UserStatus"));
        }
        assert_eq!(types[1].doc.as_deref(), Some("The BUserStatus doc."));
    }

    #[test]
    fn names_sharing_one_word_keep_their_own_definitions() {
        // `SpeakCallResponse = CancelFaxResponse` would name a call's type after a fax's.
        let ok = || object(vec![field("result", TypeRef::String, true)]);
        let mut types = vec![def("CancelFaxResponse", ok()), def("SpeakCallResponse", ok())];
        let before = types.clone();
        assert_eq!(run(&mut types, &[]), 0);
        assert_eq!(types, before);
    }

    #[test]
    fn the_shared_name_may_be_one_of_the_set() {
        let mut types = vec![
            def("CreateOAuthClientResponse", values(&["x"])),
            def("OAuthClientResponse", values(&["x"])),
            def("GetOAuthClientResponse", values(&["x"])),
        ];
        assert_eq!(run(&mut types, &[]), 2);
        assert!(matches!(types[1].kind, TypeKind::Enum(_)));
        assert_eq!(types[1].doc.as_deref(), Some("The OAuthClientResponse doc."));
        assert_eq!(alias_of(&types, "CreateOAuthClientResponse"), Some("OAuthClientResponse"));
        assert_eq!(alias_of(&types, "GetOAuthClientResponse"), Some("OAuthClientResponse"));
        assert_eq!(types.len(), 3);
    }

    #[test]
    fn different_shapes_do_not_merge() {
        let union = |disc: Option<&str>, tag: &str| {
            TypeKind::Union(Union {
                variants: vec![
                    UnionVariant {
                        name: "Text".into(),
                        ty: TypeRef::String,
                        tags: vec![tag.into()],
                        boxed: false,
                        constants: Vec::new(),
                    },
                    UnionVariant {
                        name: "Count".into(),
                        ty: TypeRef::Integer,
                        tags: vec![],
                        boxed: false,
                        constants: Vec::new(),
                    },
                ],
                discriminator: disc.map(str::to_owned),
                multipart: false,
            })
        };
        let nullable = {
            let mut f = field("a", TypeRef::String, true);
            f.nullable = true;
            object(vec![f])
        };
        let renamed = {
            let mut f = field("a", TypeRef::String, true);
            f.api_name = "A".into();
            object(vec![f])
        };
        let mut types = vec![
            // Enums: other values, the same values in another order.
            def("E1", values(&["on", "off"])),
            def("E2", values(&["on", "off", "auto"])),
            def("E3", values(&["off", "on"])),
            // Structs: required vs optional, nullable, another JSON name, another type,
            // another field order, multipart.
            def("S1", object(vec![field("a", TypeRef::String, true), field("b", TypeRef::Integer, false)])),
            def("S2", object(vec![field("a", TypeRef::String, false), field("b", TypeRef::Integer, false)])),
            def("S3", nullable),
            def("S4", renamed),
            def("S5", object(vec![field("a", TypeRef::Number, true), field("b", TypeRef::Integer, false)])),
            def("S6", object(vec![field("b", TypeRef::Integer, false), field("a", TypeRef::String, true)])),
            def(
                "S7",
                TypeKind::Struct(Struct {
                    fields: vec![field("a", TypeRef::String, true), field("b", TypeRef::Integer, false)],
                    multipart: true,
                    additional: None,
                }),
            ),
            // Structs naming enums that differ.
            def("P1", object(vec![field("e", named("E1"), false)])),
            def("P2", object(vec![field("e", named("E2"), false)])),
            // Unions: another discriminator, other tags.
            def("U1", union(Some("kind"), "text")),
            def("U2", union(None, "text")),
            def("U3", union(Some("kind"), "words")),
        ];
        let before = types.clone();
        assert_eq!(run(&mut types, &[]), 0);
        assert_eq!(types, before);
    }

    #[test]
    fn parents_merge_once_their_children_have() {
        // A{inner: AInner{kind: AKind}} and B{inner: BInner{kind: BKind}}: only the enums are
        // identical at first; the structs above them become identical level by level.
        let mut types = vec![
            def("ANewOrderKind", values(&["x", "y"])),
            def("ANewOrderInner", object(vec![field("kind", named("ANewOrderKind"), false)])),
            def("ANewOrder", object(vec![field("inner", TypeRef::Array(Box::new(named("ANewOrderInner"))), true)])),
            def("BNewOrderKind", values(&["x", "y"])),
            def("BNewOrderInner", object(vec![field("kind", named("BNewOrderKind"), false)])),
            def("BNewOrder", object(vec![field("inner", TypeRef::Array(Box::new(named("BNewOrderInner"))), true)])),
        ];
        assert_eq!(run(&mut types, &[]), 6);
        for (a, b, shared) in [
            ("ANewOrderKind", "BNewOrderKind", "NewOrderKind"),
            ("ANewOrderInner", "BNewOrderInner", "NewOrderInner"),
            ("ANewOrder", "BNewOrder", "NewOrder"),
        ] {
            assert_eq!(alias_of(&types, a), Some(shared));
            assert_eq!(alias_of(&types, b), Some(shared));
        }
        // The shared definitions name each other's aliases, which are the same types.
        let outer = types.iter().find(|t| t.name == "NewOrder").unwrap();
        assert!(
            matches!(&outer.kind, TypeKind::Struct(s) if s.fields[0].ty == TypeRef::Array(Box::new(named("ANewOrderInner"))))
        );
    }

    #[test]
    fn components_keep_their_types_and_inline_copies_alias_them() {
        let money = || object(vec![field("amount", TypeRef::String, true)]);
        let mut types = vec![
            // Created before the component (inline types of a component come first).
            def("OrderPrice", money()),
            def("Money", money()),
            def("Cash", money()),
            def("RefundAmount", money()),
        ];
        assert_eq!(run(&mut types, &["Money", "Cash"]), 2);
        assert_eq!(alias_of(&types, "OrderPrice"), Some("Money"));
        assert_eq!(alias_of(&types, "RefundAmount"), Some("Money"));
        assert!(matches!(types[1].kind, TypeKind::Struct(_)));
        assert!(matches!(types[2].kind, TypeKind::Struct(_)), "components are never aliased away");
    }

    #[test]
    fn a_merge_chain_points_at_the_definition() {
        // BInner merges into AInner in the first pass; AInner itself then merges into the
        // component Inner once AKind has become an alias of Kind. BInner must name Inner, not
        // the alias AInner.
        let mut types = vec![
            def("Kind", values(&["x"])),
            def("Inner", object(vec![field("k", named("Kind"), true)])),
            def("AKind", values(&["x"])),
            def("AInner", object(vec![field("k", named("AKind"), true)])),
            def("BInner", object(vec![field("k", named("AKind"), true)])),
        ];
        assert_eq!(run(&mut types, &["Kind", "Inner"]), 3);
        assert_eq!(alias_of(&types, "AKind"), Some("Kind"));
        assert_eq!(alias_of(&types, "AInner"), Some("Inner"));
        assert_eq!(alias_of(&types, "BInner"), Some("Inner"));
    }

    #[test]
    fn component_aliases_are_seen_through() {
        // `Other: {$ref: Kind}` is the same Rust type as `Kind`.
        let mut types = vec![
            def("Kind", values(&["x"])),
            def("Other", TypeKind::Alias(named("Kind"))),
            def("FirstKindHolder", object(vec![field("k", named("Kind"), true)])),
            def("SecondKindHolder", object(vec![field("k", named("Other"), true)])),
        ];
        assert_eq!(run(&mut types, &["Kind", "Other"]), 2);
        assert_eq!(alias_of(&types, "FirstKindHolder"), Some("KindHolder"));
        assert_eq!(alias_of(&types, "SecondKindHolder"), Some("KindHolder"));
        assert_eq!(alias_of(&types, "Other"), Some("Kind"));
    }
}
