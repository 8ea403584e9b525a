//! The Cargo features of telnyx-api: every tag of the pinned spec's operations (with those
//! `spec/overlays/` adds) is in exactly one group of `spec/features.toml`, and the crate's
//! `[features]` are those groups plus `full` (all of them, the default). Expectations come from
//! the spec and the table, not typed in.

use std::collections::{BTreeMap, BTreeSet};

use codegen::features::Groups;
use workspace_tests::{generated_spec, root, METHODS};

fn groups() -> Groups {
    let path = root().join("spec/features.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Groups::from_toml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_tag_of_the_pinned_spec_is_in_one_group() {
    let spec = generated_spec();
    // Operations are grouped under their first tag.
    let mut tags: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let tag = op["tags"].get(0).and_then(|t| t.as_str()).unwrap_or("Other");
            tags.entry(tag.to_owned()).or_insert_with(|| format!("{} {path}", m.to_uppercase()));
        }
    }
    let groups = groups();
    let mut owner: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for g in &groups.groups {
        for t in &g.tags {
            owner.entry(t.as_str()).or_default().push(g.name.as_str());
        }
    }
    let missing: Vec<String> = tags
        .iter()
        .filter(|(t, _)| !owner.contains_key(t.as_str()))
        .map(|(t, op)| format!("{t:?} (e.g. {op})"))
        .collect();
    assert!(missing.is_empty(), "tags of the spec in no group of spec/features.toml: {}", missing.join(", "));
    for (t, gs) in &owner {
        assert_eq!(gs.len(), 1, "tag {t:?} is in several groups: {gs:?}");
    }
}

#[test]
fn the_crate_features_are_the_groups_and_full() {
    let path = root().join("telnyx-api/Cargo.toml");
    let manifest: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let features = manifest["features"].as_table().expect("[features]");
    let list = |k: &str| -> BTreeSet<String> {
        features[k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    };
    let groups = groups().groups;
    let leaves: BTreeSet<String> = groups.iter().filter(|g| !g.is_umbrella()).map(|g| g.name.clone()).collect();
    // `full` is every group, plus the types only it compiles (their crate, and the shared
    // crate's part).
    let types_crate = |g: &str| root().join("telnyx-api/types").join(g).join("Cargo.toml").is_file();
    let mut full = leaves.clone();
    full.insert("telnyx-api-types/full".to_owned());
    if types_crate("full") {
        full.insert("dep:telnyx-api-types-full".to_owned());
    }
    assert_eq!(list("full"), full);
    assert_eq!(list("default"), BTreeSet::from(["full".to_owned()]));
    for g in &groups {
        // A group of tags enables its types (its crate, where it has types of its own, and its
        // part of the shared one) and nothing else; an umbrella exactly its groups.
        let wanted: BTreeSet<String> = if g.is_umbrella() {
            g.includes.iter().cloned().collect()
        } else {
            let mut own = BTreeSet::from([format!("telnyx-api-types/{}", g.name)]);
            if types_crate(&g.name) {
                own.insert(format!("dep:telnyx-api-types-{}", g.name));
            }
            own
        };
        assert_eq!(list(&g.name), wanted, "feature {}", g.name);
    }
}
