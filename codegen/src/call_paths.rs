//! Call paths: where each operation sits in the client, as Telnyx's official SDKs name it
//! (`client.calls.actions.answer(call_control_id)` for `POST /calls/{call_control_id}/actions/answer`,
//! in Rust `client.calls().actions().answer(&id)`).
//!
//! Two sources, per operation:
//! - the SDK's own name, read from its `api.md` ([`Names`], pinned in `spec/pin.toml` as
//!   `names.*`) and joined to the spec's operations by HTTP method and path, parameter names
//!   disregarded ([`normalize_path`]);
//! - for an operation the SDK does not have (or with no source at all), the general rule of
//!   [`rule`], which follows the SDK's conventions. Its resources take the SDK's spelling where
//!   the SDK names the same resource otherwise (`10dlc` → `messaging_10dlc`).
//!
//! [`assign`] gives every operation a call path of Rust identifiers, unique among all
//! operations: a collision (two operations, one call path) is settled deterministically and
//! reported. [`agreement`] measures how often the rule alone says what the SDK says.

mod names;
pub mod rule;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use names::{Entry, Names, NamesError};

use crate::{ir, naming};

/// What call-path naming reads of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint<'a> {
    /// HTTP method, any case.
    pub method: &'a str,
    /// Path template (`/calls/{call_control_id}/actions/answer`).
    pub path: &'a str,
    /// It returns one page of a list (the IR's [`ir::Operation::paging`]): its `GET` is a `list`.
    pub paged: bool,
    /// The server it is sent to when not the document's ([`ir::Operation::server`], `storage`).
    pub server: Option<&'a str>,
    /// The spec's `operationId`, when it gives one.
    pub id: Option<&'a str>,
    /// The spec's `summary` (`Send a message`), when it gives one.
    pub summary: Option<&'a str>,
}

impl<'a> Endpoint<'a> {
    /// An endpoint not known to be paged.
    pub fn new(method: &'a str, path: &'a str) -> Self {
        Endpoint { method, path, paged: false, server: None, id: None, summary: None }
    }
}

impl<'a> From<&'a ir::Operation> for Endpoint<'a> {
    fn from(op: &'a ir::Operation) -> Self {
        Endpoint {
            method: &op.method,
            path: &op.path,
            paged: op.paging.is_some(),
            server: op.server.as_deref(),
            id: op.has_spec_id.then_some(op.id.as_str()),
            summary: op.summary.as_deref(),
        }
    }
}

/// Where a call path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// The SDK's name ([`Names`]).
    Source,
    /// The naming rule ([`rule`]).
    Rule,
}

/// One operation's place in the client: identifiers, valid in Rust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallPath {
    /// Resource accessors from the client (`["calls", "actions"]`); empty for a method of the
    /// client itself.
    pub resources: Vec<String>,
    /// The method (`answer`).
    pub method: String,
    pub origin: Origin,
}

impl fmt::Display for CallPath {
    /// `calls.actions.answer`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.resources {
            write!(f, "{r}.")?;
        }
        f.write_str(&self.method)
    }
}

/// The call path of every operation, and how it was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// One per operation, in the order given.
    pub calls: Vec<CallPath>,
    /// Operations named by the SDK.
    pub from_source: usize,
    /// Operations named by the rule.
    pub by_rule: usize,
    /// One line per operation whose call path was changed to settle a collision.
    pub collisions: Vec<String>,
    /// SDK endpoints (method, path) no operation has, in source order.
    pub source_only: Vec<(String, String)>,
}

/// A path with parameter names erased, for joining (`/calls/{id}` and `/calls/{call_control_id}`
/// → `/calls/{}`); the query and a trailing `/` are dropped.
pub fn normalize_path(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    while out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

/// A Rust identifier from a snake case name, by the conventions of [`naming`]: a keyword gets a
/// trailing `_` (`type_`), a leading digit an `n` (`n10dlc`), anything else not allowed `_`.
pub fn identifier(name: &str) -> String {
    let mut s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if s.is_empty() {
        s = "empty".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'n');
    }
    if naming::is_keyword(&s) || s == "_" {
        s.push('_');
    }
    s
}

/// Give every operation a call path: the SDK's when `names` has the operation, else the rule's
/// (with the SDK's spelling of the resources they share: `source_spelling`). Collisions are
/// settled as `settle` describes, each with a line in [`Assignment::collisions`].
pub fn assign(ops: &[Endpoint<'_>], names: Option<&Names>) -> Assignment {
    let ruled = rule::rule_names(ops);
    let entries: Vec<Option<&Entry>> = ops.iter().map(|op| names.and_then(|n| n.lookup(op.method, op.path))).collect();
    let spelling = source_spelling(&ruled, &entries);
    let mut calls: Vec<CallPath> = ruled
        .iter()
        .zip(&entries)
        .zip(ops)
        .map(|(((resources, method), entry), op)| match entry {
            Some(e) => CallPath {
                resources: e.resources.iter().map(|r| identifier(r)).collect(),
                method: identifier(&e.verb),
                origin: Origin::Source,
            },
            None => {
                let resources: Vec<String> = (0..resources.len())
                    .map(|k| spelling.get(&resources[..=k]).unwrap_or(&resources[k]))
                    .map(|r| identifier(r))
                    .collect();
                let method = rule::id_verb(op, &resources, method)
                    .or_else(|| rule::summary_verb(op, &resources, method))
                    .unwrap_or_else(|| method.clone());
                CallPath { resources, method: identifier(&method), origin: Origin::Rule }
            }
        })
        .collect();
    let collisions = settle(ops, &mut calls);
    let from_source = calls.iter().filter(|c| c.origin == Origin::Source).count();
    let source_only = match names {
        Some(n) => {
            let have: BTreeSet<(String, String)> =
                ops.iter().map(|op| (op.method.to_ascii_lowercase(), normalize_path(op.path))).collect();
            n.endpoints()
                .filter(|e| !have.contains(&(e.method.clone(), normalize_path(&e.path))))
                .map(|e| (e.method.clone(), e.path.clone()))
                .collect()
        }
        None => Vec::new(),
    };
    Assignment { by_rule: calls.len() - from_source, from_source, calls, collisions, source_only }
}

/// How the SDK spells the resources the rule names otherwise: rule resource prefix → the SDK's
/// name of its last element, by majority over the operations both name with resource lists of
/// one length (ties: the smaller name). `["10dlc"]` → `messaging_10dlc`.
fn source_spelling(ruled: &[(Vec<String>, String)], entries: &[Option<&Entry>]) -> BTreeMap<Vec<String>, String> {
    let mut votes: BTreeMap<Vec<String>, BTreeMap<&str, usize>> = BTreeMap::new();
    for ((resources, _), entry) in ruled.iter().zip(entries) {
        let Some(e) = entry.filter(|e| e.resources.len() == resources.len()) else { continue };
        for k in 0..resources.len() {
            *votes.entry(resources[..=k].to_vec()).or_default().entry(&e.resources[k]).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .filter_map(|(prefix, names)| {
            // `max_by_key` keeps the last maximum; reversed, that is the smallest name.
            let (name, _) = names.into_iter().rev().max_by_key(|(_, n)| *n)?;
            (prefix.last().map(String::as_str) != Some(name)).then(|| (prefix, name.to_owned()))
        })
        .collect()
}

/// Make call paths unique, deterministically, and say what changed.
///
/// Operations sharing a call path (compared with their methods, and a method against a
/// resource of the same name under the same parent, which would be two Rust methods of one
/// name) keep it in this order of precedence: named by the SDK, more path parameters, path, HTTP
/// method. Each other one changes its method:
/// 1. `PUT` beside a `PATCH` of the same path: `replace` (the SDK's word for a whole update);
/// 2. a write of a whole collection beside one of an item: `{name}_bulk`;
/// 3. a path parameter the keeper lacks: `{name}_by_{parameter}`;
/// 4. fewer path parameters than the keeper: `{name}_all` (`GET /runs` beside
///    `GET /missions/{id}/runs`);
/// 5. else a static segment the keeper lacks, else the HTTP method;
/// 6. and `_2`, `_3`, … while still taken.
fn settle(ops: &[Endpoint<'_>], calls: &mut [CallPath]) -> Vec<String> {
    let mut warnings = Vec::new();
    let key = |c: &CallPath| (c.resources.clone(), c.method.clone());
    let mut groups: BTreeMap<(Vec<String>, String), Vec<usize>> = BTreeMap::new();
    for (i, c) in calls.iter().enumerate() {
        groups.entry(key(c)).or_default().push(i);
    }
    // A method named like a child resource: the resource keeps the name.
    let resources: BTreeSet<(Vec<String>, String)> = calls
        .iter()
        .flat_map(|c| (0..c.resources.len()).map(|k| (c.resources[..k].to_vec(), c.resources[k].clone())))
        .collect();
    let mut taken: BTreeSet<(Vec<String>, String)> = groups.keys().cloned().chain(resources.iter().cloned()).collect();
    for (k, mut group) in groups {
        let shadowed = resources.contains(&k);
        if group.len() < 2 && !shadowed {
            continue;
        }
        let params = |i: usize| -> Vec<String> {
            ops[i].path.split('/').filter(|s| rule::is_param(s)).map(|s| s.replace(['{', '}'], "")).collect()
        };
        group.sort_by_key(|&i| {
            (calls[i].origin, std::cmp::Reverse(params(i).len()), ops[i].path, ops[i].method.to_ascii_lowercase())
        });
        // With a resource of the name, no operation keeps it.
        let keeper = if shadowed { None } else { Some(group[0]) };
        for &i in group.iter().skip(usize::from(!shadowed)) {
            let method = ops[i].method.to_ascii_lowercase();
            let base = &calls[i].method;
            let suffix = match keeper {
                None => method.clone(),
                Some(j) => {
                    let same_path = normalize_path(ops[i].path) == normalize_path(ops[j].path);
                    let (mine, theirs) = (params(i), params(j));
                    let collection = !ops[i].path.trim_end_matches('/').ends_with('}');
                    let statics = |i: usize| -> Vec<String> {
                        ops[i]
                            .path
                            .split('/')
                            .filter(|s| !s.is_empty() && !rule::is_param(s))
                            .map(rule::snake)
                            .collect()
                    };
                    let theirs_static = statics(j);
                    if same_path && method == "put" && ops[j].method.eq_ignore_ascii_case("patch") {
                        String::new()
                    } else if collection && ops[j].path.trim_end_matches('/').ends_with('}') && method != "get" {
                        "bulk".to_owned()
                    } else if let Some(p) = mine.iter().rev().find(|p| !theirs.contains(p)) {
                        format!("by_{}", rule::snake(p))
                    } else if mine.len() < theirs.len() {
                        "all".to_owned()
                    } else if let Some(s) = statics(i).into_iter().rev().find(|s| !theirs_static.contains(s)) {
                        s
                    } else {
                        method.clone()
                    }
                }
            };
            let wanted = if suffix.is_empty() { "replace".to_owned() } else { identifier(&format!("{base}_{suffix}")) };
            let resources = calls[i].resources.clone();
            let mut name = wanted.clone();
            let mut n = 2;
            while !taken.insert((resources.clone(), name.clone())) {
                name = format!("{wanted}_{n}");
                n += 1;
            }
            warnings.push(format!(
                "{} {}: call path `{}` is taken{}; named `{}`",
                ops[i].method.to_ascii_uppercase(),
                ops[i].path,
                calls[i],
                match keeper {
                    Some(j) => format!(" by {} {}", ops[j].method.to_ascii_uppercase(), ops[j].path),
                    None => " by a resource".to_owned(),
                },
                CallPath { method: name.clone(), ..calls[i].clone() },
            ));
            calls[i].method = name;
        }
    }
    warnings
}

/// How far the rule alone agrees with the SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// Operations the SDK names and the rule names the same.
    pub agree: usize,
    /// Operations the SDK names.
    pub shared: usize,
    /// The others: (method, path, the rule's call path, the SDK's), in operation order.
    pub differ: Vec<(String, String, String, String)>,
}

impl Agreement {
    /// `agree / shared` (1 when nothing is shared).
    pub fn ratio(&self) -> f64 {
        if self.shared == 0 {
            1.0
        } else {
            self.agree as f64 / self.shared as f64
        }
    }
}

/// The rule alone (collisions settled, as [`assign`] without names) against the SDK, over the
/// operations both name. Names are compared as identifiers.
pub fn agreement(ops: &[Endpoint<'_>], names: &Names) -> Agreement {
    let ruled = assign(ops, None);
    let mut out = Agreement { agree: 0, shared: 0, differ: Vec::new() };
    for (op, call) in ops.iter().zip(&ruled.calls) {
        let Some(e) = names.lookup(op.method, op.path) else { continue };
        out.shared += 1;
        let sdk = CallPath {
            resources: e.resources.iter().map(|r| identifier(r)).collect(),
            method: identifier(&e.verb),
            origin: Origin::Source,
        };
        if sdk.resources == call.resources && sdk.method == call.method {
            out.agree += 1;
        } else {
            out.differ.push((op.method.to_ascii_lowercase(), op.path.to_owned(), call.to_string(), sdk.to_string()));
        }
    }
    out
}

/// Names the client's own methods take (hand-written in `telnyx-api/src/client.rs`): an
/// operation or resource of the client itself may not take one.
pub const CLIENT_METHODS: &[&str] =
    &["new", "builder", "from_env", "server_base", "base_url", "retry_policy", "get", "post", "put", "patch", "delete"];

/// Give every operation of `ir` its call path ([`ir::Operation::call_resources`],
/// [`ir::Operation::call_method`]): [`assign`], then the names the runtime uses itself. A method
/// of the client named like one of [`CLIENT_METHODS`], and a method named like one a hook of
/// [`crate::hooks`] defines by hand on the same resource, get `_op`. Returns the warnings
/// (collisions settled, names changed), as (kind, text).
pub fn apply(ir: &mut ir::Ir, names: Option<&Names>) -> Vec<(String, String)> {
    let assignment = {
        let endpoints: Vec<Endpoint<'_>> = ir.operations.iter().map(Endpoint::from).collect();
        assign(&endpoints, names)
    };
    let mut warnings: Vec<(String, String)> =
        assignment.collisions.into_iter().map(|w| ("call path collision settled".to_owned(), w)).collect();
    for (op, call) in ir.operations.iter_mut().zip(assignment.calls) {
        let CallPath { resources, mut method, .. } = call;
        let hooked = crate::hooks::hooks_for(&op.method, &op.path).any(|h| h.reserved.contains(&method.as_str()));
        let client_own = resources.is_empty() && CLIENT_METHODS.contains(&method.as_str());
        if hooked || client_own {
            let renamed = format!("{method}_op");
            warnings.push((
                "call path renamed".to_owned(),
                format!(
                    "{} {}: `{}` is defined by hand ({}); named `{renamed}`",
                    op.method,
                    op.path,
                    CallPath { resources: resources.clone(), method: method.clone(), origin: Origin::Rule },
                    if hooked { "a hook's method" } else { "a method of the client" },
                ),
            ));
            method = renamed;
        }
        op.call_resources = resources;
        op.call_method = method;
    }
    warnings
}

/// The Rust struct of every resource the operations of `ir` reach (every prefix of every
/// [`ir::Operation::call_resources`]), by its resource path: the path's names in CamelCase
/// (`["calls", "actions"]` → `CallsActions`), and `2`, `3`, … where two paths would give one
/// name.
pub fn resource_structs(ir: &ir::Ir) -> BTreeMap<Vec<String>, String> {
    let paths: BTreeSet<Vec<String>> = ir
        .operations
        .iter()
        .flat_map(|op| (1..=op.call_resources.len()).map(|k| op.call_resources[..k].to_vec()))
        .collect();
    let mut taken = BTreeSet::new();
    paths
        .into_iter()
        .map(|p| {
            let base = naming::camel(&p.join("_"));
            let mut name = base.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}{n}");
                n += 1;
            }
            (p, name)
        })
        .collect()
}
