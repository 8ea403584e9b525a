//! Identity across the two specs: which old operation is which new one (method and path with
//! parameter names blanked, then `operationId`), which type is which (Rust name, then the spec
//! pointer for renames), and which types requests and responses reach.

use std::collections::{BTreeMap, BTreeSet};

use super::{accessor, kind_name, location, signature, Differ, Kind, Subject};
use crate::emit::calls::Calls;
use crate::emit::types::defaultable;
use crate::ir::*;

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Usage {
    pub(super) request: bool,
    pub(super) response: bool,
}

impl Usage {
    pub(super) fn or(self, o: Usage) -> Usage {
        Usage { request: self.request || o.request, response: self.response || o.response }
    }

    pub(super) fn note(self) -> &'static str {
        match (self.request, self.response) {
            (true, true) => "request and response type",
            (true, false) => "request type",
            (false, true) => "response type",
            (false, false) => "unused type",
        }
    }
}

/// One side, indexed.
pub(super) struct Indexed<'a> {
    pub(super) types: BTreeMap<&'a str, &'a TypeDef>,
    pub(super) usage: BTreeMap<&'a str, Usage>,
    pub(super) default: BTreeMap<&'a str, bool>,
}

impl<'a> Indexed<'a> {
    pub(super) fn new(ir: &'a Ir) -> Self {
        Indexed {
            types: ir.types.iter().map(|t| (t.name.as_str(), t)).collect(),
            usage: usage(ir),
            default: defaultable(&ir.types),
        }
    }

    pub(super) fn usage(&self, name: &str) -> Usage {
        self.usage.get(name).copied().unwrap_or_default()
    }
}

/// Which named types each operation reaches through its parameters and bodies (request) and
/// its success response.
fn usage(ir: &Ir) -> BTreeMap<&str, Usage> {
    let by_name: BTreeMap<&str, &TypeDef> = ir.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut request = Vec::new();
    let mut response = Vec::new();
    for op in &ir.operations {
        request.extend(op.params.iter().map(|p| &p.ty));
        request.extend(op.body.iter().chain(&op.multipart_alternative).map(|b| &b.ty));
        if let ResponseKind::Json(t) | ResponseKind::JsonOrText(t) | ResponseKind::Xml(t) = &op.response {
            response.push(t);
        }
    }
    let mut out: BTreeMap<&str, Usage> = BTreeMap::new();
    for n in reach(&by_name, request) {
        out.entry(n).or_default().request = true;
    }
    for n in reach(&by_name, response) {
        out.entry(n).or_default().response = true;
    }
    out
}

/// The named types reachable from `roots`.
fn reach<'i>(by_name: &BTreeMap<&'i str, &'i TypeDef>, roots: Vec<&'i TypeRef>) -> BTreeSet<&'i str> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = roots.into_iter().filter_map(TypeRef::named).collect();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        let Some(def) = by_name.get(n) else { continue };
        match &def.kind {
            TypeKind::Struct(s) => stack.extend(s.fields.iter().filter_map(|f| f.ty.named())),
            TypeKind::Union(u) => stack.extend(u.variants.iter().filter_map(|v| v.ty.named())),
            TypeKind::Alias(a) => stack.extend(a.named()),
            TypeKind::Enum(_) => {}
        }
    }
    seen
}

/// How a parameter is matched across specs: path parameters by position, the others by
/// location and wire name.
pub(super) type ParamKey = (&'static str, String);

pub(super) fn param_keys(op: &Operation) -> Vec<(ParamKey, &Param)> {
    let mut i = 0;
    op.params
        .iter()
        .map(|p| {
            let k = match p.location {
                ParamLocation::Path => {
                    i += 1;
                    ("path", format!("#{i}"))
                }
                l => (location(l), p.api_name.clone()),
            };
            (k, p)
        })
        .collect()
}

impl<'a> Differ<'a> {
    pub(super) fn new(old_ir: &'a Ir, new_ir: &'a Ir) -> Self {
        let old = Indexed::new(old_ir);
        let new = Indexed::new(new_ir);
        // A type whose name changed but which comes from the same place in the spec (an inline
        // schema whose parent was renamed, a collision suffix that moved) is renamed, provided
        // the pointer names exactly one removed and one added type.
        let mut removed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for t in &old_ir.types {
            if !new.types.contains_key(t.name.as_str()) {
                removed.entry(t.pointer.as_str()).or_default().push(&t.name);
            }
        }
        let mut added: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for t in &new_ir.types {
            if !old.types.contains_key(t.name.as_str()) {
                added.entry(t.pointer.as_str()).or_default().push(&t.name);
            }
        }
        let renames = removed
            .iter()
            .filter_map(|(p, olds)| match (olds.as_slice(), added.get(p).map(Vec::as_slice)) {
                ([o], Some([n])) => Some((*o, *n)),
                _ => None,
            })
            .collect();
        Differ {
            old_ir,
            new_ir,
            old,
            new,
            renames,
            old_calls: Calls::new(old_ir),
            new_calls: Calls::new(new_ir),
            changes: Vec::new(),
        }
    }

    /// An old type reference in new names.
    pub(super) fn map(&self, t: &TypeRef) -> TypeRef {
        match t {
            TypeRef::Named(n) => TypeRef::Named(self.renames.get(n.as_str()).map_or(n.as_str(), |r| r).to_owned()),
            TypeRef::Array(i) => TypeRef::Array(Box::new(self.map(i))),
            TypeRef::Map(i) => TypeRef::Map(Box::new(self.map(i))),
            TypeRef::Nullable(i) => TypeRef::Nullable(Box::new(self.map(i))),
            other => other.clone(),
        }
    }

    pub(super) fn same(&self, old: &TypeRef, new: &TypeRef) -> bool {
        self.map(old) == *new
    }

    pub(super) fn operations(&mut self) {
        let key = |op: &Operation| (op.method.clone(), blank_params(&op.path));
        let index = |ir: &'a Ir| {
            let mut m: BTreeMap<(String, String), &'a Operation> = BTreeMap::new();
            for op in &ir.operations {
                // Two templates differing only in parameter names are not allowed by OpenAPI;
                // should a spec have them anyway, the second keeps its literal path.
                let k = key(op);
                if m.contains_key(&k) {
                    m.insert((op.method.clone(), op.path.clone()), op);
                } else {
                    m.insert(k, op);
                }
            }
            m
        };
        let old = index(self.old_ir);
        let new = index(self.new_ir);
        let mut pairs: Vec<(&Operation, &Operation)> = Vec::new();
        let mut gone: Vec<&Operation> = Vec::new();
        for (k, o) in &old {
            match new.get(k) {
                Some(n) => pairs.push((o, n)),
                None => gone.push(o),
            }
        }
        let mut fresh: Vec<&Operation> = new.iter().filter(|(k, _)| !old.contains_key(*k)).map(|(_, n)| *n).collect();
        // Unmatched on both sides with the same operationId: the operation moved.
        let ids = |ops: &[&Operation]| -> BTreeMap<String, usize> {
            let mut c = BTreeMap::new();
            for op in ops.iter().filter(|o| o.has_spec_id) {
                *c.entry(op.id.clone()).or_insert(0) += 1;
            }
            c
        };
        let (gone_ids, fresh_ids) = (ids(&gone), ids(&fresh));
        let moved =
            |op: &Operation| op.has_spec_id && gone_ids.get(&op.id) == Some(&1) && fresh_ids.get(&op.id) == Some(&1);
        for o in gone.iter().filter(|o| moved(o)) {
            if let Some(n) = fresh.iter().find(|n| n.has_spec_id && n.id == o.id) {
                pairs.push((o, n));
            }
        }
        gone.retain(|o| !moved(o));
        fresh.retain(|n| !moved(n));

        for o in gone {
            let s = Subject { name: &format!("{} {}", o.method, o.path), rust: Some(accessor(o)), pointer: &o.pointer };
            self.push(&s, Kind::OperationRemoved, true, None, format!("`{}`", signature(o, &self.old_calls)));
        }
        for n in fresh {
            let s = Subject { name: &format!("{} {}", n.method, n.path), rust: Some(accessor(n)), pointer: &n.pointer };
            self.push(&s, Kind::OperationAdded, false, None, format!("`{}`", signature(n, &self.new_calls)));
        }
        for (o, n) in pairs {
            self.operation(o, n);
        }
    }

    pub(super) fn types(&mut self) {
        let renamed_to: BTreeSet<&str> = self.renames.values().copied().collect();
        let mut pairs: Vec<(&'a TypeDef, &'a TypeDef)> = Vec::new();
        let old_types: Vec<(&'a str, &'a TypeDef)> = self.old.types.iter().map(|(k, v)| (*k, *v)).collect();
        for (name, o) in old_types {
            if let Some(n) = self.new.types.get(name) {
                pairs.push((o, n));
            } else if let Some(n) = self.renames.get(name).and_then(|r| self.new.types.get(r)) {
                pairs.push((o, n));
            } else {
                let s = Subject { name, rust: None, pointer: &o.pointer };
                self.push(&s, Kind::TypeRemoved, true, None, kind_name(&o.kind).to_owned());
            }
        }
        let fresh: Vec<&TypeDef> = self
            .new
            .types
            .iter()
            .filter(|(n, _)| !self.old.types.contains_key(*n) && !renamed_to.contains(*n))
            .map(|(_, t)| *t)
            .collect();
        for n in fresh {
            let s = Subject { name: &n.name, rust: None, pointer: &n.pointer };
            self.push(&s, Kind::TypeAdded, false, None, kind_name(&n.kind).to_owned());
        }
        for (o, n) in pairs {
            self.type_def(o, n);
        }
    }
}

/// `/calls/{call_id}/actions` → `/calls/{}/actions`.
pub(super) fn blank_params(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}
