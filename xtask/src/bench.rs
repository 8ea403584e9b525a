//! `cargo xtask bench`: the performance figures of the generator and the crate, measured in one
//! run so that their ratios hold on a noisy machine.
//!
//! - regeneration with a release-built generator (this program, built with `--release` into
//!   `target/bench` unless it already is one), best of N, by phase, against the floor of
//!   parsing the spec straight into `openapiv3`;
//! - clean debug builds of `telnyx-api` (dependencies already built) with all features, with
//!   single groups (`--group A,B`, or `--all-groups`: every group of the `[features]` block) and
//!   with none: wall and CPU time (user + system of the build's processes) and the largest peak
//!   memory of the rustcs compiling telnyx-api's crates (`telnyx_api`, `telnyx_api_core`, the
//!   `telnyx_api_types*` crates), with the crate it was (through a `RUSTC_WRAPPER` that runs
//!   those under `/usr/bin/time`);
//! - with `--baseline REV`, the same builds (all features, and each group that was one there)
//!   of the crate as it was at REV (a temporary `git worktree` under `target/bench`, with its
//!   own target directory), taking turns with the others, so that new/baseline compares builds
//!   of one run;
//! - the build-cost budget of a release: full ≤ 1.5× the baseline, every group ≤ 15 % of full,
//!   every rustc's peak memory ≤ 2 GiB, each pass or miss;
//! - the size of the generated code;
//! - the SSE decoding benchmark (`cargo bench -p telnyx-api --bench sse`).
//!
//! Everything is built in `target/bench`, so normal builds keep their artifacts.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;

use crate::spec::root;

use budget::{budget, print_budget};
use builds::{builds, default_groups, feature_groups, load_average, print_builds, print_group_comparison};
use peak::PeakProbe;
pub use regen::bench_regen;
use worktree::Worktree;

mod budget;
mod builds;
mod peak;
mod regen;
mod sse;
mod worktree;

/// Where the benchmark builds go, relative to the workspace root.
const TARGET_DIR: &str = "target/bench";

pub struct BenchOptions {
    /// Regeneration runs (the best counts).
    pub runs: usize,
    /// Groups to build alone; empty: the group of tags with the most operations, and `messaging`.
    pub groups: Vec<String>,
    /// Build every group of the `[features]` block alone (and `groups` besides).
    pub all_groups: bool,
    /// A git revision whose full crate is built in the same run, for the new/baseline ratio.
    pub baseline: Option<String>,
    /// Rounds of builds (each builds every feature set once; the best of each counts).
    pub build_runs: usize,
    pub builds: bool,
    pub sse: bool,
}

/// `cargo xtask bench`.
pub fn bench(opts: &BenchOptions) -> Result<ExitCode, String> {
    let root = root();
    let target = root.join(TARGET_DIR);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("cargo xtask bench: {threads} CPUs, builds in {TARGET_DIR}\n");

    let regen = regen::figures(&root, &target, opts.runs)?;
    regen::print_regen(&regen);

    if opts.builds {
        let manifest = root.join("telnyx-api/Cargo.toml");
        let leaves = feature_groups(
            &std::fs::read_to_string(&manifest).map_err(|e| format!("cannot read {}: {e}", manifest.display()))?,
        )?;
        let mut groups = if opts.all_groups {
            leaves.clone()
        } else if opts.groups.is_empty() {
            default_groups(&regen)
        } else {
            Vec::new()
        };
        groups.extend(opts.groups.iter().filter(|g| !groups.contains(g)).cloned().collect::<Vec<_>>());
        let baseline = opts.baseline.as_deref().map(|rev| Worktree::add(&root, &target, rev)).transpose()?;
        let load_before = load_average();
        let built = builds(&root, &groups, &leaves, baseline.as_ref(), opts.build_runs);
        // The worktree goes before anything else can fail.
        drop(baseline);
        let built = built?;
        print_builds(&built, opts.build_runs);
        print_group_comparison(&built);
        if let (Some(before), Some(after)) = (load_before, load_average()) {
            println!("load average (1, 5, 15 min) before the builds: {before}; after: {after} ({threads} CPUs)");
        }
        print_budget(&budget(&built, &leaves));
    } else if opts.all_groups || opts.baseline.is_some() {
        return Err("--all-groups and --baseline measure builds: drop --no-builds".to_owned());
    }
    regen::print_size(&regen);
    if opts.sse {
        sse::sse(&root)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Run cargo in `workspace` with target directory `target` (and the peak probe's wrapper, when
/// given); its output goes to the terminal.
fn cargo(workspace: &Path, target: &Path, args: &[&str], probe: Option<&PeakProbe>) -> Result<(), String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.args(args).env("CARGO_TARGET_DIR", target).current_dir(workspace);
    if let Some(p) = probe {
        p.apply(&mut cmd);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} (in {}) failed ({status})", args.join(" "), workspace.display()))
    }
}
