//! Module assignment: which generated module (a tag's, or `shared`) each type lives in.

use std::collections::{BTreeMap, BTreeSet};

use super::SHARED_MODULE;
use crate::ir::*;

/// Each type lives in the module of the only tag that uses it; types used by several tags (or
/// by none) live in `shared`. This is what lets a tag's module sit behind a Cargo feature.
pub(super) fn assign_modules(types: &mut [TypeDef], ops: &[Operation]) {
    let index: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    let children: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let mut refs = Vec::new();
            let mut add = |r: &TypeRef| {
                if let Some(n) = r.named() {
                    if let Some(&j) = index.get(n) {
                        refs.push(j);
                    }
                }
            };
            match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().for_each(|f| add(&f.ty)),
                TypeKind::Union(u) => u.variants.iter().for_each(|v| add(&v.ty)),
                TypeKind::Alias(a) => add(a),
                TypeKind::Enum(_) => {}
            }
            refs
        })
        .collect();
    let mut users: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); types.len()];
    for op in ops {
        let mut roots = Vec::new();
        for p in &op.params {
            roots.push(&p.ty);
        }
        if let Some(b) = &op.body {
            roots.push(&b.ty);
        }
        roots.extend(op.response.received());
        roots.extend(op.response.sent());
        // The webhooks an operation triggers live with it.
        roots.extend(&op.callbacks);
        let mut stack: Vec<usize> =
            roots.iter().filter_map(|r| r.named().and_then(|n| index.get(n).copied())).collect();
        let mut seen = BTreeSet::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            users[i].insert(op.tag_module.as_str());
            stack.extend(children[i].iter().copied());
        }
    }
    // Used by one tag: that tag's module. Used by several or by none (webhook payloads,
    // components no operation names): shared, and so is everything a shared type refers to, so
    // that `shared` never reaches into a tag's module (a deduplicated webhook payload, say, that
    // aliases a type only one tag's operations use).
    let mut shared: Vec<bool> = users.iter().map(|u| u.len() != 1).collect();
    let mut stack: Vec<usize> = (0..types.len()).filter(|&i| shared[i]).collect();
    while let Some(i) = stack.pop() {
        for &j in &children[i] {
            if !std::mem::replace(&mut shared[j], true) {
                stack.push(j);
            }
        }
    }
    for ((t, u), shared) in types.iter_mut().zip(users).zip(shared) {
        t.module = match u.first() {
            Some(tag) if !shared => (*tag).to_owned(),
            _ => SHARED_MODULE.to_owned(),
        };
    }
}
