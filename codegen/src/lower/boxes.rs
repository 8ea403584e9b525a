//! Boxing: the fields and variants that close a cycle of direct containment get a `Box`, so every
//! type has a finite size.

use std::collections::BTreeMap;

use crate::ir::*;

/// Box fields and variants that close a cycle of direct containment (`RecursiveCluster`).
pub(super) fn mark_boxes(types: &mut [TypeDef]) {
    let index: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    // Direct edges: a named type held by value (not through Vec/Map, which already indirect).
    let direct = |t: &TypeRef| -> Option<String> {
        match t {
            TypeRef::Named(n) => Some(n.clone()),
            TypeRef::Nullable(inner) => match &**inner {
                TypeRef::Named(n) => Some(n.clone()),
                _ => None,
            },
            _ => None,
        }
    };
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let refs: Vec<&TypeRef> = match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
                TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
                TypeKind::Alias(a) => vec![a],
                TypeKind::Enum(_) => vec![],
            };
            refs.into_iter().filter_map(|r| direct(r).and_then(|n| index.get(&n).copied())).collect()
        })
        .collect();
    let reaches = |from: usize, to: usize| -> bool {
        let mut stack = vec![from];
        let mut seen = vec![false; edges.len()];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            stack.extend(edges[n].iter().copied());
        }
        false
    };
    for (me, t) in types.iter_mut().enumerate() {
        match &mut t.kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    if let Some(j) = direct(&f.ty).and_then(|n| index.get(&n).copied()) {
                        f.boxed = reaches(j, me);
                    }
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    if let Some(j) = direct(&v.ty).and_then(|n| index.get(&n).copied()) {
                        v.boxed = reaches(j, me);
                    }
                }
            }
            _ => {}
        }
    }
}
