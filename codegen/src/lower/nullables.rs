//! Optional nullable fields of types only ever received become `Option<T>`.
//!
//! An optional field that may also be `null` is an `Option<Option<T>>` so that a request can tell
//! "leave unchanged" (absent) from "set to null" (`Some(None)`). A type that no request reaches
//! (only responses and webhooks decode it) has no use for the distinction: there, absent and
//! `null` both read as `None`, and the field is a plain `Option<T>`. Decoding is as lenient as
//! before; only the Rust type is simpler.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Operation, TypeDef, TypeKind, TypeRef};

/// Clear `nullable` on the optional fields of every type no request parameter or body reaches;
/// returns how many fields changed. Idempotent, so it can run again once more types exist.
pub(super) fn flatten_response_only(types: &mut [TypeDef], ops: &[Operation]) -> usize {
    let index: BTreeMap<&str, usize> = types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let mut sent = BTreeSet::new();
    let mut stack: Vec<usize> = Vec::new();
    let push = |r: &TypeRef, stack: &mut Vec<usize>| {
        if let Some(&i) = r.named().and_then(|n| index.get(n)) {
            stack.push(i);
        }
    };
    for op in ops {
        op.params.iter().for_each(|p| push(&p.ty, &mut stack));
        op.body.iter().chain(&op.multipart_alternative).for_each(|b| push(&b.ty, &mut stack));
        op.response.sent().into_iter().for_each(|t| push(t, &mut stack));
    }
    while let Some(i) = stack.pop() {
        if !sent.insert(i) {
            continue;
        }
        match &types[i].kind {
            TypeKind::Struct(s) => s.fields.iter().for_each(|f| push(&f.ty, &mut stack)),
            TypeKind::Union(u) => u.variants.iter().for_each(|v| push(&v.ty, &mut stack)),
            TypeKind::Alias(a) => push(a, &mut stack),
            TypeKind::Enum(_) => {}
        }
    }
    let mut changed = 0;
    for (i, t) in types.iter_mut().enumerate() {
        if sent.contains(&i) {
            continue;
        }
        if let TypeKind::Struct(s) = &mut t.kind {
            for f in s.fields.iter_mut().filter(|f| !f.required && f.nullable) {
                f.nullable = false;
                changed += 1;
            }
        }
    }
    changed
}
