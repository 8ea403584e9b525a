//! Cargo features per group of tags, so that a user who needs only messaging compiles only
//! messaging.
//!
//! The groups come from a table (`spec/features.toml`: feature → tags). [`assign`] runs after
//! lowering and records in the IR which feature gates each tag's module and accessor
//! ([`Tag::feature`]) and which features need each type ([`TypeDef::features`]): the groups whose
//! operations reach the type through parameters, bodies, responses and callbacks (the webhooks
//! an operation triggers). Emitters read only those fields; the webhook event enum gates each
//! variant like its payload type.
//!
//! A table entry with `includes` instead of `tags` is an umbrella feature (`voice`): it only
//! enables the groups it lists, so nothing is gated by it directly.
//!
//! Webhooks that no operation declares as a callback (an OpenAPI 3.1 document's top-level
//! `webhooks`) reach no group through operations; a group's `webhooks` (prefixes of
//! `event_type`: `"call."`) claims them, the longest matching prefix winning. An event no group
//! claims is always compiled, with a warning. A type nothing reaches at all (a component no
//! operation or webhook names) is compiled with `full` only.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::error::Result;
use crate::ir::*;

/// Feature names the crate defines besides the groups.
/// `common` is the directory of the crate of the types several groups share (see
/// [`crate::emit::crates`]), so no group may have it as its own; nor may a group's crate
/// directory be one git ignores (`target`, `node_modules`).
pub const RESERVED: &[&str] = &["default", "full", CATCH_ALL, crate::emit::crates::COMMON, "target", "node_modules"];

/// The feature table: groups sorted by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Groups {
    pub groups: Vec<Group>,
}

/// One group: a Cargo feature and the spec tags it gates, or an umbrella feature that only
/// enables other groups (`voice` = `call-control` + `conferences` + …).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    /// One line for the README table.
    pub doc: Option<String>,
    /// Spec tags, as written in the spec (empty for an umbrella).
    pub tags: Vec<String>,
    /// The groups an umbrella enables (empty for a group of tags).
    pub includes: Vec<String>,
    /// Prefixes of the `event_type`s of the webhooks the group claims (`"call."`).
    pub webhooks: Vec<String>,
}

impl Group {
    /// A feature that only enables other groups.
    pub fn is_umbrella(&self) -> bool {
        !self.includes.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupEntry {
    #[serde(default)]
    doc: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    includes: Vec<String>,
    #[serde(default)]
    webhooks: Vec<String>,
}

impl Groups {
    /// Parse the feature table (`[<feature>]` tables with `doc` and `tags`).
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let table: BTreeMap<String, GroupEntry> =
            toml::from_str(text).map_err(|e| format!("invalid feature table: {e}"))?;
        let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, entry) in &table {
            let mut chars = name.chars();
            let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !valid {
                return Err(format!(
                    "invalid feature table: [{name}] is not a feature name (lower-case letters, digits, `_`, `-`)"
                ));
            }
            if RESERVED.contains(&name.as_str()) {
                return Err(format!("invalid feature table: [{name}] is reserved"));
            }
            // `a-b` and `a_b` would be two packages with one crate name (`telnyx_api_types_a_b`),
            // which cargo and crates.io take for the same.
            if let Some(other) = table.keys().find(|k| *k != name && k.replace('-', "_") == name.replace('-', "_")) {
                if other < name {
                    return Err(format!(
                        "invalid feature table: [{other}] and [{name}] differ only in `-` and `_` (their types \
                         crates would have one name)"
                    ));
                }
            }
            match (entry.tags.is_empty(), entry.includes.is_empty()) {
                (true, true) => return Err(format!("invalid feature table: [{name}] has no tags")),
                (false, false) => {
                    return Err(format!(
                        "invalid feature table: [{name}] has both tags and includes (an umbrella only includes)"
                    ))
                }
                _ => {}
            }
            if !entry.webhooks.is_empty() && entry.tags.is_empty() {
                return Err(format!(
                    "invalid feature table: [{name}] has webhooks but no tags (an umbrella only includes)"
                ));
            }
            for inc in &entry.includes {
                match table.get(inc) {
                    Some(e) if !e.tags.is_empty() => {}
                    Some(_) => {
                        return Err(format!(
                            "invalid feature table: [{name}] includes [{inc}], which is not a group of tags"
                        ))
                    }
                    None => {
                        return Err(format!(
                            "invalid feature table: [{name}] includes [{inc}], which is not in the table"
                        ))
                    }
                }
            }
            for tag in &entry.tags {
                if let Some(other) = owner.insert(tag, name) {
                    return Err(format!("invalid feature table: tag {tag:?} is in both [{other}] and [{name}]"));
                }
            }
        }
        let groups = table
            .into_iter()
            .map(|(name, e)| Group {
                name,
                doc: e.doc.filter(|d| !d.trim().is_empty()),
                tags: e.tags,
                includes: e.includes,
                webhooks: e.webhooks,
            })
            .collect();
        Ok(Groups { groups })
    }
}

/// `[workspace.package] version` of a workspace's `Cargo.toml`: the version of telnyx-api and
/// of the generated crates it depends on.
pub fn workspace_version(cargo_toml: &str) -> Result<String, String> {
    let table: toml::Table = toml::from_str(cargo_toml).map_err(|e| format!("invalid Cargo.toml: {e}"))?;
    table
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| "Cargo.toml has no `[workspace.package] version`".to_owned())
}

/// The catch-all feature: the tags of a spec that are in no group of the table (a spec update
/// that adds tags still generates, and `cargo xtask update-spec` lists them to place).
pub const CATCH_ALL: &str = "other";

/// Warning kinds of [`assign`].
pub const UNPLACED: &str = "tag in no group of spec/features.toml (put in the catch-all feature)";
pub const EMPTY_GROUP: &str = "group of spec/features.toml whose tags are all gone (kept, empty)";
pub const GONE_TAG: &str = "tag of spec/features.toml that no operation has";
pub const UNCLAIMED_WEBHOOK: &str = "webhook that no operation declares and no group claims (always compiled)";

/// The feature every group is part of; what nothing reaches is compiled with it only.
pub const FULL: &str = "full";

/// Record the features of tags and types in `ir` (and the groups in [`Ir::features`]).
///
/// A tag of the spec's operations that is in no group goes into the catch-all feature
/// [`CATCH_ALL`] (part of `full`), with a warning naming it and its operation count. A group
/// none of whose tags any operation has any more stays a feature (so that users' `Cargo.toml`
/// keeps working), with no operations and a warning. Returns the warnings as (kind, text).
pub fn assign(ir: &mut Ir, groups: &Groups) -> Result<Vec<(&'static str, String)>> {
    let group_of: BTreeMap<&str, &str> =
        groups.groups.iter().flat_map(|g| g.tags.iter().map(move |t| (t.as_str(), g.name.as_str()))).collect();

    let mut warnings = Vec::new();
    let mut unplaced = Vec::new();
    for tag in &mut ir.tags {
        let feature = match group_of.get(tag.name.as_str()) {
            Some(g) => (*g).to_owned(),
            None => {
                let ops: Vec<&Operation> = ir.operations.iter().filter(|op| op.tag_module == tag.module).collect();
                let first = ops.first().map_or("#", |op| op.pointer.as_str());
                warnings.push((
                    UNPLACED,
                    format!(
                        "{first}: tag {:?} ({} operations) is in no group of spec/features.toml: put in the catch-all \
                         feature `{CATCH_ALL}`",
                        tag.name,
                        ops.len()
                    ),
                ));
                unplaced.push(tag.name.clone());
                CATCH_ALL.to_owned()
            }
        };
        tag.feature = Some(feature);
    }

    let used: BTreeSet<&str> = ir.tags.iter().map(|t| t.name.as_str()).collect();
    for g in groups.groups.iter().filter(|g| !g.is_umbrella()) {
        let gone: Vec<&String> = g.tags.iter().filter(|t| !used.contains(t.as_str())).collect();
        if gone.len() == g.tags.len() {
            warnings.push((
                EMPTY_GROUP,
                format!(
                    "feature table: none of the tags of [{}] is the tag of an operation any more: the feature is \
                     kept, with no operations",
                    g.name
                ),
            ));
        } else {
            for t in gone {
                warnings
                    .push((GONE_TAG, format!("feature table: tag {t:?} of [{}] is the tag of no operation", g.name)));
            }
        }
    }

    let feature_of_module: BTreeMap<&str, &str> =
        ir.tags.iter().filter_map(|t| Some((t.module.as_str(), t.feature.as_deref()?))).collect();
    let operations_of = |tags: &[&str]| ir.operations.iter().filter(|op| tags.contains(&op.tag.as_str())).count();
    let mut features = Vec::new();
    for g in &groups.groups {
        let tags: Vec<String> = g.tags.iter().filter(|t| used.contains(t.as_str())).cloned().collect();
        let mut all_tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        for inc in &g.includes {
            all_tags.extend(
                groups.groups.iter().filter(|o| &o.name == inc).flat_map(|o| o.tags.iter().map(String::as_str)),
            );
        }
        features.push(FeatureGroup {
            name: g.name.clone(),
            doc: g.doc.clone(),
            operations: operations_of(&all_tags),
            tags,
            includes: g.includes.clone(),
            catch_all: false,
        });
    }
    if !unplaced.is_empty() {
        let tags: Vec<&str> = unplaced.iter().map(String::as_str).collect();
        features.push(FeatureGroup {
            name: CATCH_ALL.to_owned(),
            doc: Some("Tags of the spec that are in no group of spec/features.toml yet".to_owned()),
            operations: operations_of(&tags),
            tags: unplaced,
            includes: Vec::new(),
            catch_all: true,
        });
        features.sort_by(|a, b| a.name.cmp(&b.name));
    }

    // Webhooks no operation declares: the group claiming the longest prefix of the event type.
    let declared: BTreeSet<&str> =
        ir.operations.iter().flat_map(|op| op.callbacks.iter().filter_map(TypeRef::named)).collect();
    let mut claimed: Vec<(&str, &str)> = Vec::new();
    let mut unclaimed: Vec<&str> = Vec::new();
    let mut unclaimed_events = Vec::new();
    for e in ir.webhook_events.iter().filter(|e| !declared.contains(e.ty.as_str())) {
        let best = groups
            .groups
            .iter()
            .flat_map(|g| g.webhooks.iter().map(move |p| (p.as_str(), g.name.as_str())))
            .filter(|(p, _)| e.event_type.starts_with(p))
            .max_by_key(|(p, _)| p.len());
        match best {
            Some((_, g)) => claimed.push((g, e.ty.as_str())),
            None => {
                unclaimed.push(e.ty.as_str());
                unclaimed_events.push(e.event_type.as_str());
            }
        }
    }
    if !unclaimed_events.is_empty() && !groups.groups.is_empty() {
        let n = unclaimed_events.len();
        let first: Vec<&str> = unclaimed_events.iter().take(5).copied().collect();
        warnings.push((
            UNCLAIMED_WEBHOOK,
            format!(
                "feature table: {n} webhook event types no operation declares and no group's `webhooks` claims                  are always compiled ({}{})",
                first.join(", "),
                if n > first.len() { ", …" } else { "" }
            ),
        ));
    }
    let roots = Roots { claimed: &claimed, unclaimed: &unclaimed, gate_unreached: !groups.groups.is_empty() };
    let needs = type_features(&ir.types, &ir.operations, &feature_of_module, &roots);
    for (t, f) in ir.types.iter_mut().zip(needs) {
        t.features = f;
    }
    ir.features = features;
    Ok(warnings)
}

/// Named types a type refers to directly.
pub(crate) fn children(t: &TypeDef) -> Vec<&str> {
    match &t.kind {
        TypeKind::Struct(s) => s.fields.iter().filter_map(|f| f.ty.named()).collect(),
        TypeKind::Union(u) => u.variants.iter().filter_map(|v| v.ty.named()).collect(),
        TypeKind::Alias(a) => a.named().into_iter().collect(),
        TypeKind::Enum(_) => Vec::new(),
    }
}

/// Types an operation's generated methods name (parameters, bodies, the response), and the
/// requests of its callbacks.
fn roots(op: &Operation) -> Vec<&str> {
    let mut out: Vec<&str> = op.params.iter().filter_map(|p| p.ty.named()).collect();
    for b in op.body.iter().chain(&op.multipart_alternative) {
        out.extend(b.ty.named());
    }
    out.extend(op.response.received().and_then(TypeRef::named));
    out.extend(op.response.sent().and_then(TypeRef::named));
    if let Some(p) = &op.paging {
        out.extend(p.item.named());
    }
    // The webhooks the operation triggers belong with it.
    out.extend(op.callbacks.iter().filter_map(TypeRef::named));
    out
}

/// What reaches types besides operations.
struct Roots<'a> {
    /// (group, payload type) of the webhooks a group claims.
    claimed: &'a [(&'a str, &'a str)],
    /// Payload types of the webhooks no group claims: always compiled.
    unclaimed: &'a [&'a str],
    /// Compile what nothing reaches with `full` only (there is a feature table).
    gate_unreached: bool,
}

/// For each type (in order), the features that need it; empty for always compiled.
///
/// A type is compiled when any feature whose operations (or claimed webhooks) reach it is on.
/// The payload of a webhook no group claims is always compiled, and so is everything it refers
/// to (an always-compiled type cannot name a gated one), as is a type every feature reaches
/// (same as always, and simpler). A type nothing reaches is compiled with [`FULL`].
fn type_features(
    types: &[TypeDef],
    ops: &[Operation],
    feature_of_module: &BTreeMap<&str, &str>,
    extra: &Roots<'_>,
) -> Vec<Vec<String>> {
    let index: BTreeMap<&str, usize> = types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let edges: Vec<Vec<usize>> =
        types.iter().map(|t| children(t).into_iter().filter_map(|n| index.get(n).copied()).collect()).collect();
    let closure = |start: Vec<usize>| -> Vec<bool> {
        let mut seen = vec![false; types.len()];
        let mut stack = start;
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(edges[i].iter().copied());
            }
        }
        seen
    };

    let mut roots_by_feature: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for op in ops {
        let Some(f) = feature_of_module.get(op.tag_module.as_str()) else { continue };
        roots_by_feature.entry(f).or_default().extend(roots(op).into_iter().filter_map(|n| index.get(n).copied()));
    }
    for (f, ty) in extra.claimed {
        roots_by_feature.entry(f).or_default().extend(index.get(ty).copied());
    }
    let all: BTreeSet<&str> = feature_of_module.values().copied().collect();
    let mut needs: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); types.len()];
    for (f, start) in roots_by_feature {
        for (i, reached) in closure(start).into_iter().enumerate() {
            if reached {
                needs[i].insert(f);
            }
        }
    }
    let unreached = |i: &usize| needs[*i].is_empty();
    let always = if extra.gate_unreached {
        closure(extra.unclaimed.iter().filter_map(|n| index.get(n).copied()).filter(unreached).collect())
    } else {
        closure((0..types.len()).filter(unreached).collect())
    };
    needs
        .into_iter()
        .zip(always)
        .map(|(n, always)| {
            if always || n == all {
                Vec::new()
            } else if n.is_empty() {
                vec![FULL.to_owned()]
            } else {
                n.into_iter().map(str::to_owned).collect()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_validation() {
        let ok = Groups::from_toml("[b]\ntags = [\"B\"]\n[\"10dlc\"]\ndoc = \"x\"\ntags = [\"A\"]\n").unwrap();
        let names: Vec<&str> = ok.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["10dlc", "b"]);
        for (text, wanted) in [
            ("[a]\ntags = [\"X\"]\n[b]\ntags = [\"X\"]\n", "tag \"X\" is in both [a] and [b]"),
            ("[full]\ntags = [\"X\"]\n", "[full] is reserved"),
            ("[common]\ntags = [\"X\"]\n", "[common] is reserved"),
            ("[a-b]\ntags = [\"X\"]\n[a_b]\ntags = [\"Y\"]\n", "[a-b] and [a_b] differ only in `-` and `_`"),
            ("[Voice]\ntags = [\"X\"]\n", "[Voice] is not a feature name"),
            ("[a]\ntags = []\n", "[a] has no tags"),
            ("[a]\ntag = [\"X\"]\n", "unknown field"),
            ("[a]\ntags = [\"X\"]\nincludes = [\"b\"]\n[b]\ntags = [\"Y\"]\n", "[a] has both tags and includes"),
            ("[a]\nincludes = [\"b\"]\n", "[a] includes [b], which is not in the table"),
            (
                "[a]\nincludes = [\"b\"]\n[b]\nincludes = [\"c\"]\n[c]\ntags = [\"X\"]\n",
                "[a] includes [b], which is not a group of tags",
            ),
        ] {
            let e = Groups::from_toml(text).unwrap_err();
            assert!(e.contains(wanted), "{text}: {e}");
        }
    }
}
