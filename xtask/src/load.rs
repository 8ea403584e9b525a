//! `cargo xtask bench --load [--requests N] [--concurrency C]`: the crate's load benchmark
//! (`telnyx-api/benches/load/`) and nothing else, as the one `cargo bench` command it prints.
//! `--requests` and `--concurrency` reach the benchmark as `LOAD_BENCH_REQUESTS` and
//! `LOAD_BENCH_CONCURRENCY`, for a short run.

use std::process::{Command, ExitCode};

use crate::{root, runs, Args};

/// The benchmark needs one group of operations (`ListPhoneNumbers` is in `numbers`); the full
/// crate would take minutes and gigabytes to build for it.
const CARGO_ARGS: [&str; 8] =
    ["bench", "-p", "telnyx-api", "--bench", "load", "--no-default-features", "--features", "numbers"];

/// With `--load`, run the benchmark and return its exit code; without, `None` (and an error
/// for the options that only `--load` takes).
pub fn load(a: &Args) -> Result<Option<ExitCode>, String> {
    let options = [("--requests", "LOAD_BENCH_REQUESTS"), ("--concurrency", "LOAD_BENCH_CONCURRENCY")];
    if !a.flag("--load") {
        return match options.iter().find(|(o, _)| a.value(o).is_some()) {
            Some((o, _)) => Err(format!("{o} goes with --load")),
            None => Ok(None),
        };
    }
    let mut env = Vec::new();
    for (option, var) in options {
        if a.value(option).is_some() {
            env.push((var, runs(a, option, 0)?.to_string()));
        }
    }
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    println!("{}cargo {}", shown.concat(), CARGO_ARGS.join(" "));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(CARGO_ARGS)
        .envs(env)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(Some(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE }))
}
