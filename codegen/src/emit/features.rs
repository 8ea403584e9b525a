//! Cargo features: `#[cfg]` attributes from the features recorded in the IR, and the text
//! sections outside `src/` that list the features (the `[features]` block of the crate's
//! `Cargo.toml`, the table in the README).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::*;

/// The feature every group is part of, and the default.
pub use crate::features::FULL;

/// `#[cfg(feature = "a")]`, `#[cfg(any(feature = "a", feature = "b"))]`, or nothing for no
/// features (always compiled).
pub fn cfg(features: &[String]) -> TokenStream {
    match features {
        [] => TokenStream::new(),
        [one] => quote!(#[cfg(feature = #one)]),
        many => quote!(#[cfg(any(#(feature = #many),*))]),
    }
}

/// The features gating a module of types: any of its types' features, or none when one of them
/// is always compiled.
pub fn module_features(defs: &[&TypeDef]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in defs {
        if d.features.is_empty() {
            return Vec::new();
        }
        out.extend(d.features.iter().cloned());
    }
    out.sort();
    out.dedup();
    out
}

/// A part of a hand-maintained file that regeneration rewrites: the lines strictly between the
/// line `begin` and the line `end`.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Relative to the workspace root.
    pub path: String,
    pub begin: String,
    pub end: String,
    pub content: String,
}

/// Where the `[features]` block of the crate goes.
pub const CARGO_TOML: &str = "telnyx-api/Cargo.toml";
/// Where the table of features goes.
pub const README: &str = "README.md";

/// The sections listing the features; none without a feature table.
pub fn sections(ir: &Ir) -> Vec<Section> {
    if ir.features.is_empty() {
        return Vec::new();
    }
    let source = "by `cargo xtask regenerate` from spec/features.toml";
    vec![
        Section {
            path: CARGO_TOML.to_owned(),
            begin: format!("# BEGIN features generated {source}"),
            end: "# END features".to_owned(),
            content: cargo_features(ir),
        },
        Section {
            path: CARGO_TOML.to_owned(),
            begin: format!("# BEGIN types crates generated {source}"),
            end: "# END types crates".to_owned(),
            content: super::crates::dependencies(ir),
        },
        Section {
            path: README.to_owned(),
            begin: format!("<!-- BEGIN features generated {source} -->"),
            end: "<!-- END features -->".to_owned(),
            content: readme_table(ir),
        },
    ]
}

/// TOML string literal (basic string).
pub(crate) fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `default`, `full` and one line per group, each with its doc as a comment.
fn cargo_features(ir: &Ir) -> String {
    let names: Vec<String> = ir.features.iter().filter(|f| f.includes.is_empty()).map(|f| toml_str(&f.name)).collect();
    let mut out = String::new();
    out.push_str(&format!("default = [{}]\n", toml_str(FULL)));
    out.push_str("# Every group of operations below.\n");
    // `full` also compiles the types no operation reaches (their own crate, and any the shared
    // crate has to hold).
    let mut full = names;
    full.push(toml_str(&format!("{}/{FULL}", super::crates::COMMON_PACKAGE)));
    if super::crates::has_full_crate(ir) {
        full.push(toml_str(&format!("dep:{}", super::crates::package(Some(FULL)))));
    }
    out.push_str(&format!("{FULL} = [{}]\n", full.join(", ")));
    let group_crates = super::crates::group_crates(ir);
    for f in &ir.features {
        if let Some(doc) = &f.doc {
            out.push_str(&format!("# {}\n", doc.replace('\n', " ")));
        }
        // Feature names are bare TOML keys (checked when the table is read). An umbrella
        // enables groups; a group enables its types (its crate and its part of the shared one).
        let enables: Vec<String> = if f.includes.is_empty() {
            super::crates::feature_enables(&group_crates, &f.name).iter().map(|e| toml_str(e)).collect()
        } else {
            f.includes.iter().map(|i| toml_str(i)).collect()
        };
        out.push_str(&format!("{} = [{}]\n", f.name, enables.join(", ")));
    }
    out
}

/// The README table: feature, what it covers, its tags (modules), operation count.
fn readme_table(ir: &Ir) -> String {
    let module_of = |tag: &str| ir.tags.iter().find(|t| t.name == tag).map_or_else(String::new, |t| t.module.clone());
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out =
        String::from("| feature | operations | covers | tags (`client.…()` accessors) |\n| --- | ---: | --- | --- |\n");
    for f in &ir.features {
        let tags: Vec<String> = if f.includes.is_empty() {
            f.tags.iter().map(|t| format!("{} (`{}`)", cell(t), module_of(t))).collect()
        } else {
            vec![format!("all of {}", f.includes.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", "))]
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            f.name,
            f.operations,
            cell(f.doc.as_deref().unwrap_or("")),
            tags.join(", ")
        ));
    }
    out
}
