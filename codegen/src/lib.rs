//! The telnyx-api generator: OpenAPI 3.0 (or 3.1, normalised to 3.0 on loading) document → Rust
//! source of the `telnyx-api` crate.
//!
//! ```text
//! spec ──load──▶ openapiv3::OpenAPI ──lower──▶ ir::Ir ──emit──▶ TokenStream ──prettyplease──▶ files
//! ```

pub mod call_paths;
pub mod dedup;
pub mod diff;
pub mod emit;
pub mod error;
pub mod features;
pub mod hooks;
pub mod ir;
pub mod load;
pub mod lower;
pub mod method_names;
pub mod naming;
mod normalize;
pub mod overlay;
pub mod paging;
mod repair;
mod walk;

pub use error::GenError;

use std::time::{Duration, Instant};

/// Time spent in each phase of one generation.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Text → `serde_json::Value` → `openapiv3`.
    pub load: Duration,
    /// `openapiv3` → IR.
    pub lower: Duration,
    /// IR → token streams.
    pub emit: Duration,
    /// Token streams → formatted text.
    pub format: Duration,
    /// Threads emit and format ran on.
    pub threads: usize,
}

/// The result of one generation.
#[derive(Debug)]
pub struct Generated {
    /// File path (relative to `telnyx-api/src/generated/`) → content.
    pub files: emit::Files,
    /// Parts of hand-maintained files to rewrite (the feature list in `Cargo.toml` and README).
    pub sections: Vec<emit::features::Section>,
    /// The IR the files were emitted from.
    pub ir: ir::Ir,
    /// Repairs and other notes from loading, and notes on the feature table.
    pub warnings: Vec<String>,
    /// How often each kind of warning was given (see [`error::Warnings::kinds`]).
    pub warning_kinds: Vec<(String, usize)>,
    pub timings: Timings,
}

/// Generate the crate's generated part from spec text, without feature groups (nothing gated).
pub fn generate(spec_text: &str, overrides: &naming::Overrides) -> Result<Generated, GenError> {
    let t = Instant::now();
    let loaded = load::load(spec_text)?;
    generate_loaded(loaded, overrides, None, t)
}

/// Generate from an already loaded spec, gating tags and types by `features` when given;
/// `started` is when loading began (for timings). The generated crates are depended on at
/// version `0.0.0` (see [`generate_loaded_at`]).
pub fn generate_loaded(
    loaded: load::Loaded,
    overrides: &naming::Overrides,
    features: Option<&features::Groups>,
    started: Instant,
) -> Result<Generated, GenError> {
    generate_loaded_at(loaded, overrides, features, "0.0.0", None, started)
}

/// [`generate_loaded`], with the version the generated types crates are depended on with
/// (`version = "…"` of path dependencies, which publishing needs): the workspace's, see
/// [`features::workspace_version`]; and the official SDK's names of the operations
/// ([`call_paths::Names`]), without which every call path is the naming rule's.
pub fn generate_loaded_at(
    loaded: load::Loaded,
    overrides: &naming::Overrides,
    features: Option<&features::Groups>,
    crate_version: &str,
    names: Option<&call_paths::Names>,
    started: Instant,
) -> Result<Generated, GenError> {
    let mut timings = Timings { load: started.elapsed(), ..Timings::default() };
    let mut warnings = loaded.warnings;
    let mut warning_kinds = loaded.warning_kinds;
    let t = Instant::now();
    let mut ir = lower::lower_with_webhooks(&loaded.openapi, &loaded.webhooks, overrides)?;
    ir.crate_version = crate_version.to_owned();
    let mut notes: Vec<(String, String)> = ir.warnings.clone();
    notes.extend(call_paths::apply(&mut ir, names));
    if let Some(groups) = features {
        notes.extend(features::assign(&mut ir, groups)?.into_iter().map(|(k, w)| (k.to_owned(), w)));
    }
    for (kind, w) in notes {
        match warning_kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => warning_kinds.push((kind, 1)),
        }
        warnings.push(w);
    }
    timings.lower = t.elapsed();
    let out = emit::emit_and_format(&ir)?;
    timings.emit = out.emit;
    timings.format = out.format;
    timings.threads = out.threads;
    let sections = emit::features::sections(&ir);
    Ok(Generated { files: out.files, sections, ir, warnings, warning_kinds, timings })
}
