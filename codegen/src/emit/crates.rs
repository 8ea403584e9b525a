//! The generated types as crates of their own: one per feature group (the types only that
//! group's operations reach), one, `telnyx-api-types`, for the types several groups share (or
//! every group, or an always-compiled webhook), and one, `telnyx-api-types-full`, for the types
//! no operation reaches, which only `full` compiles. References only go down: a group's types
//! name their own and shared ones (a type two groups reach is reached by everything it names),
//! the `full` crate's name anything, shared ones only shared ones. [`check`] makes sure of it:
//! a spec whose features broke it would be an internal error naming the types, not crates that
//! fail to compile. `telnyx-api` depends on them and re-exports them all under
//! `types`, so users see one crate; rustc sees many, each with its own (and smaller) memory
//! peak, and cargo builds them in parallel.
//!
//! Each crate is `telnyx-api/types/<dir>/`: a generated `Cargo.toml`, a `src/lib.rs` of module
//! declarations and re-exports, and the type modules, whose text is what it was inside
//! `telnyx-api` (they `use super::*`, and the crate root brings the shared types, `codec` and
//! the multipart values into scope under the names the modules use).

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::features::{cfg, module_features, toml_str, FULL};
use crate::error::{GenError, Result};
use crate::ir::*;

/// Where the types crates go, relative to the workspace root.
pub const TYPES_DIR: &str = "telnyx-api/types";
/// The directory of the crate of shared types.
pub const COMMON: &str = "common";
/// The package name of the crate of shared types; a group's is `telnyx-api-types-<group>`.
pub const COMMON_PACKAGE: &str = "telnyx-api-types";
/// The hand-written crate the types are built from (`codec`, `Multipart`, `UploadFile`).
pub const CORE_PACKAGE: &str = "telnyx-api-core";

/// The crate a type goes in, by its features: the group it alone belongs to, [`FULL`] for a
/// type only `full` compiles, or `None` (the shared crate) for a type several groups reach or
/// one that is always compiled.
pub fn crate_of<'a>(ir: &Ir, t: &'a TypeDef) -> Option<&'a str> {
    match t.features.as_slice() {
        [one] if one == FULL || ir.features.iter().any(|f| f.name == *one && f.includes.is_empty()) => Some(one),
        _ => None,
    }
}

/// Whether the types of crate `from` can name those of crate `to`: the shared crate is below
/// every other, the `full` crate above every other.
fn visible(from: Option<&str>, to: Option<&str>) -> bool {
    to.is_none() || from == to || from == Some(FULL)
}

/// The crate of every type, by name.
pub fn placement(ir: &Ir) -> BTreeMap<&str, Option<&str>> {
    ir.types.iter().map(|t| (t.name.as_str(), crate_of(ir, t))).collect()
}

/// That every type names only types its crate can see. The features make it so (a type two
/// groups reach is reached by everything it names; nothing gated is named by what is always
/// compiled), so a failure is a generator bug: the error names the first such type.
pub fn check(ir: &Ir) -> Result<()> {
    let of = placement(ir);
    for t in &ir.types {
        let from = of[t.name.as_str()];
        for child in crate::features::children(t) {
            if let Some(to) = of.get(child).copied().filter(|to| !visible(from, *to)) {
                return Err(GenError::new(
                    &t.pointer,
                    format!(
                        "internal error: type {} (crate {}) names {child} (crate {}), which that crate cannot see",
                        t.name,
                        package(from),
                        package(to)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The directory under [`TYPES_DIR`] of a group's crate (`None`: the shared crate).
pub fn dir(group: Option<&str>) -> &str {
    group.unwrap_or(COMMON)
}

/// The package name of a group's crate (`None`: the shared crate).
pub fn package(group: Option<&str>) -> String {
    match group {
        Some(g) => format!("{COMMON_PACKAGE}-{g}"),
        None => COMMON_PACKAGE.to_owned(),
    }
}

/// The crate name code refers to it by (`telnyx_api_types_10dlc`).
pub fn lib_ident(group: Option<&str>) -> proc_macro2::Ident {
    format_ident!("{}", package(group).replace('-', "_"))
}

/// The path of a file of a types crate, relative to the workspace root.
pub fn path(group: Option<&str>, file: &str) -> String {
    format!("{TYPES_DIR}/{}/{file}", dir(group))
}

/// The types of one crate, by module.
pub type Modules<'a> = BTreeMap<&'a str, Vec<&'a TypeDef>>;

/// Every types crate with its modules: the shared one first (it always exists, empty or not,
/// since `telnyx-api` depends on it), then the groups' and the `full` one in name order.
pub fn layout(ir: &Ir) -> BTreeMap<Option<&str>, Modules<'_>> {
    let of = placement(ir);
    let mut out: BTreeMap<Option<&str>, Modules<'_>> = BTreeMap::new();
    out.entry(None).or_default();
    for t in &ir.types {
        out.entry(of[t.name.as_str()]).or_default().entry(t.module.as_str()).or_default().push(t);
    }
    out
}

/// Inner attributes of every types crate: the style lints generated code is exempt from (as
/// in `telnyx-api`'s `mod generated`: spec prose is Markdown written for a web page, unions
/// mirror the spec's `oneOf` members one to one).
fn crate_lints() -> TokenStream {
    quote!(#![allow(clippy::doc_lazy_continuation, clippy::large_enum_variant)])
}

/// `src/lib.rs` of a types crate: its modules (gated, in the shared crate, by the features of
/// their types), re-exported flat. `groups`: every group's crate, which the `full` one uses.
pub fn lib(group: Option<&str>, modules: &Modules<'_>, groups: &[&str]) -> TokenStream {
    let core = format_ident!("{}", CORE_PACKAGE.replace('-', "_"));
    let common = lib_ident(None);
    let below: Vec<proc_macro2::Ident> = match group {
        None => Vec::new(),
        Some(FULL) => std::iter::once(common).chain(groups.iter().map(|g| lib_ident(Some(g)))).collect(),
        Some(_) => vec![common],
    };
    let shared = below.iter().map(|lib| {
        quote! {
            #[allow(unused_imports)]
            use #lib::*;
        }
    });
    let mods = modules.iter().map(|(m, defs)| {
        // A group's crate is compiled only with its feature: nothing in it is gated.
        let gate = if group.is_some() { TokenStream::new() } else { cfg(&module_features(defs)) };
        let m = super::types::module_ident(m);
        // `rustfmt::skip` first: the module's file and the (long) gate stay as generated.
        quote! {
            #[rustfmt::skip]
            #gate
            mod #m;
            #[rustfmt::skip]
            #gate
            pub use self::#m::*;
        }
    });
    let lints = crate_lints();
    quote! {
        #lints
        // What the type modules refer to as `crate::codec`, `crate::Multipart` and
        // `crate::UploadFile`, as they did inside telnyx-api.
        #[allow(unused_imports)]
        use #core::{codec, shape, Multipart, UploadFile};
        #(#shared)*
        #(#mods)*
    }
}

/// The first line of a crate's docs.
pub fn lib_doc(ir: &Ir, group: Option<&str>) -> String {
    match group {
        Some(FULL) => "The types of telnyx-api that no operation uses (schemas of the spec nothing refers to), \
                       compiled with the feature `full` only. Use them as `telnyx_api::types`, which re-exports \
                       them."
            .to_owned(),
        Some(g) => {
            let what = ir.features.iter().find(|f| f.name == g).and_then(|f| f.doc.as_deref());
            let what = what.map(|d| format!(" ({})", d.replace('\n', " "))).unwrap_or_default();
            format!(
                "The types only the operations of telnyx-api's feature `{g}`{what} use. Use them as \
                 `telnyx_api::types`, which re-exports them."
            )
        }
        None => "The types of telnyx-api that several feature groups share, or that are compiled with every one. \
                 Use them as `telnyx_api::types`, which re-exports them."
            .to_owned(),
    }
}

/// `Cargo.toml` of a types crate. `groups`: every group's crate, which the `full` one needs.
pub fn manifest(ir: &Ir, group: Option<&str>, groups: &[&str]) -> String {
    let version = toml_str(&ir.crate_version);
    let description = match group {
        Some(FULL) => {
            "Generated types of telnyx-api that only its `full` feature compiles (use them through telnyx-api)"
                .to_owned()
        }
        Some(g) => format!("Generated types of telnyx-api's `{g}` feature (use them through telnyx-api)"),
        None => "Generated types telnyx-api's features share (use them through telnyx-api)".to_owned(),
    };
    let mut out = format!(
        "# {}\n\n[package]\nname = {}\nversion.workspace = true\nedition.workspace = true\nlicense.workspace = true\n\
         repository.workspace = true\ndescription = {}\ndocumentation = \"https://docs.rs/telnyx-api\"\n\n\
         [dependencies]\n{CORE_PACKAGE} = {{ path = \"../../core\", version = {version} }}\n",
        super::HEADER,
        toml_str(&package(group)),
        toml_str(&description),
    );
    // The shared crate with the features of what this crate's types name: its group's, or
    // (the `full` crate) every group's, whose crates it also needs.
    let shared_features: Vec<String> = match group {
        Some(FULL) => ir.features.iter().filter(|f| f.includes.is_empty()).map(|f| toml_str(&f.name)).collect(),
        Some(g) => vec![toml_str(g)],
        None => Vec::new(),
    };
    if group.is_some() {
        out.push_str(&format!(
            "{COMMON_PACKAGE} = {{ path = \"../{COMMON}\", version = {version}, features = [{}] }}\n",
            shared_features.join(", ")
        ));
    }
    if group == Some(FULL) {
        for g in groups {
            out.push_str(&format!(
                "{} = {{ path = \"../{}\", version = {version} }}\n",
                package(Some(g)),
                dir(Some(g))
            ));
        }
    }
    out.push_str("serde.workspace = true\nserde_json.workspace = true\n");
    if group.is_none() {
        // The shared types are gated by the groups that reach them, as they were in telnyx-api.
        out.push_str("\n[features]\n");
        for f in ir.features.iter().filter(|f| f.includes.is_empty()) {
            out.push_str(&format!("{} = []\n", f.name));
        }
        if !ir.features.is_empty() {
            out.push_str(&format!("{FULL} = []\n"));
        }
        // Every shared type is gated: docs.rs documents them all.
        out.push_str("\n[package.metadata.docs.rs]\nall-features = true\n");
    }
    out
}

/// The dependencies of `telnyx-api` on the groups' crates (a section of its `Cargo.toml`).
pub fn dependencies(ir: &Ir) -> String {
    let version = toml_str(&ir.crate_version);
    layout(ir)
        .keys()
        .flatten()
        .map(|g| {
            format!(
                "{} = {{ path = \"types/{}\", version = {version}, optional = true }}\n",
                package(Some(g)),
                dir(Some(g))
            )
        })
        .collect()
}

/// What a group's feature of `telnyx-api` enables: its types crate (if it is one of
/// `group_crates`, the groups with types of their own) and its share of the shared crate.
pub fn feature_enables(group_crates: &[&str], group: &str) -> Vec<String> {
    let mut out = Vec::new();
    if group_crates.contains(&group) {
        out.push(format!("dep:{}", package(Some(group))));
    }
    out.push(format!("{COMMON_PACKAGE}/{group}"));
    out
}

/// The groups' crates (not the shared one, nor the `full` one), in name order.
pub fn group_crates(ir: &Ir) -> Vec<&str> {
    groups_of(&layout(ir))
}

/// The groups' crates of a [`layout`].
pub fn groups_of<'a>(layout: &BTreeMap<Option<&'a str>, Modules<'a>>) -> Vec<&'a str> {
    layout.keys().flatten().copied().filter(|g| *g != FULL).collect()
}

/// Whether there is a crate of types only `full` compiles.
pub fn has_full_crate(ir: &Ir) -> bool {
    placement(ir).values().any(|c| *c == Some(FULL))
}

/// `telnyx-api`'s `types` module: every crate's types, re-exported flat.
pub fn reexports(ir: &Ir) -> TokenStream {
    let uses = layout(ir).into_keys().map(|g| {
        let lib = lib_ident(g);
        let gate = cfg(&g.iter().map(|g| (*g).to_owned()).collect::<Vec<_>>());
        // Inlined, so the docs show every type under `telnyx_api::types`, as before the split.
        // The shared crate's types are all gated, so with no feature (or with a group that
        // shares none) it has nothing to re-export.
        let empty_ok = if g.is_none() { quote!(#[allow(unused_imports)]) } else { TokenStream::new() };
        quote!(#gate #empty_ok #[doc(inline)] pub use #lib::*;)
    });
    quote!(#(#uses)*)
}
