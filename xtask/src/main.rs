//! `cargo xtask`: maintainer commands. Run `cargo xtask help`.
//!
//! This file holds the `help` text and hands each command to its module; no generator logic
//! lives in xtask: it finds and pins the spec, calls `codegen` (including `codegen::diff` for
//! the spec diff), writes files and prints timings and reports.

use std::path::PathBuf;
use std::process::ExitCode;

use args::{runs, Args};
use regenerate::{Mode, Options};
use spec::root;

mod args;
mod bench;
mod corpus;
mod diff;
mod fuzz;
mod load;
mod regenerate;
mod spec;
#[cfg(test)]
mod test_support;
mod update_spec;

const USAGE: &str = "\
cargo xtask <command> [options]

Commands:
  regenerate [--spec PATH] [--names PATH] [--timings]
                                         regenerate telnyx-api/src/generated, telnyx-api/types (and tests/generated) from the spec
  check      [--spec PATH] [--names PATH]
                                         fail (naming the files) when the committed generated code is stale
  diff OLD NEW [--json] [--fail-on-breaking]
                                         what changed between two spec files for users of the generated
                                         crate, each change marked breaking or not; ends with
                                         `breaking: N, non-breaking: M`. Exit code 0 unless
                                         --fail-on-breaking is given and N > 0
  update-spec PATH [--source URL] [--commit SHA] [--report FILE] [--timings]
                                         pin PATH (sha256, file name, source, upstream commit) in
                                         spec/pin.toml, copy it to spec/cache/, regenerate, and print the
                                         diff against the previously pinned spec (--report FILE also
                                         writes it as Markdown, for a pull request body)
  bench [--runs N] [--build-runs M] [--group A,B] [--all-groups] [--baseline REV] [--no-builds] [--no-sse]
                                         performance figures in one run: regeneration with a
                                         release-built generator by phase, best of N (default 5),
                                         against parsing the spec alone; clean debug builds of
                                         telnyx-api (all features, each --group alone (default:
                                         the largest group and messaging; --all-groups: every
                                         group of the [features] block), none: wall and CPU
                                         seconds, share of full, the largest peak of the rustcs of
                                         telnyx-api's crates, best of M rounds (default 1));
                                         --baseline REV also builds the crate (all features and
                                         each group) as of git revision REV (a temporary
                                         worktree) and prints new/baseline; the build-cost budget
                                         (full ≤ 1.5× baseline, each group ≤ 15 % of full, every
                                         rustc ≤ 2 GiB),
                                         pass or miss; generated lines; `cargo bench --bench sse`.
                                         Builds go to target/bench. Takes several minutes
  bench --load [--requests N] [--concurrency C]
                                         only the load benchmark, as the `cargo bench` command it
                                         prints (default 20000 requests, 256 in flight)
  corpus [DIR|FILE…] [--compile] [--json]
                                         generate in memory from every spec of a corpus (default:
                                         ../shared/spec/history/ and ../shared/spec/), one row per spec:
                                         OpenAPI version, operations, types, warnings, seconds, status
                                         (ok / error with pointer / panic); then warnings by kind and
                                         spec; ends with `corpus: G/N generate, C/N compile, P panics`.
                                         --compile also regenerates each into a scratch copy of the
                                         workspace (temporary directory, one shared target directory)
                                         and runs `cargo clippy -p telnyx-api --all-features -- -D
                                         warnings`. Exit code 1 on any error, panic or failed compile
  fuzz --list | fuzz TARGET|all [--seconds N] [-- LIBFUZZER-ARGS…]
                                         build the libFuzzer targets of fuzz/ (stable toolchain,
                                         target/fuzz) and run each for N seconds (default 10) from
                                         its seeds in fuzz/corpus/TARGET; prints executions and
                                         crashes per target. Exit code 1 on any crash
  help                                   this text

The spec is found by --spec PATH, then $TELNYX_OPENAPI_SPEC, then spec/cache/<file> if present,
then ../shared/spec/<file> (file name and sha256 pinned in spec/pin.toml). The pinned sha256 is
checked unless --spec is given. spec/cache/ is git-ignored: the spec is third-party data.
The official SDK's call names (names.* in spec/pin.toml) are found the same way: --names PATH, then
$TELNYX_SDK_NAMES, then spec/cache/<names.file>, then ../shared/sdk/<names.file>.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((cmd, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    };
    match cmd.as_str() {
        "regenerate" => {
            let a = Args::parse(rest, 0, &["--timings"], &["--spec", "--names"])?;
            regenerate::regenerate(&Options::from(&a), Mode::Write)
        }
        "check" => {
            let a = Args::parse(rest, 0, &[], &["--spec", "--names"])?;
            regenerate::regenerate(&Options::from(&a), Mode::Check)
        }
        "diff" => {
            let a = Args::parse(rest, 2, &["--json", "--fail-on-breaking"], &[])?;
            diff::diff(&a)
        }
        "update-spec" => {
            let a = Args::parse(rest, 1, &["--timings"], &["--source", "--commit", "--report"])?;
            let opts = update_spec::UpdateOptions {
                spec: PathBuf::from(&a.positional[0]),
                source: a.value("--source").map(str::to_owned),
                commit: a.value("--commit").map(str::to_owned),
                report: a.value("--report").map(PathBuf::from),
                timings: a.flag("--timings"),
            };
            update_spec::update_spec(&root(), &opts, std::env::var_os("TELNYX_OPENAPI_SPEC").map(PathBuf::from))
        }
        "bench" => {
            let a = Args::parse(
                rest,
                0,
                &["--no-builds", "--no-sse", "--all-groups", "--load"],
                &["--runs", "--build-runs", "--group", "--baseline", "--requests", "--concurrency"],
            )?;
            if let Some(code) = load::load(&a)? {
                return Ok(code);
            }
            let opts = bench::BenchOptions {
                runs: runs(&a, "--runs", 5)?,
                build_runs: runs(&a, "--build-runs", 1)?,
                groups: a.value("--group").map(|g| g.split(',').map(str::to_owned).collect()).unwrap_or_default(),
                all_groups: a.flag("--all-groups"),
                baseline: a.value("--baseline").map(str::to_owned),
                builds: !a.flag("--no-builds"),
                sse: !a.flag("--no-sse"),
            };
            bench::bench(&opts)
        }
        "corpus" => {
            let a = Args::parse_any(rest, &["--compile", "--json"], &[])?;
            let opts = corpus::CorpusOptions {
                inputs: a.positional.iter().map(PathBuf::from).collect(),
                compile: a.flag("--compile"),
                json: a.flag("--json"),
            };
            corpus::corpus(&opts)
        }
        // What `bench` runs in a release build of this program; prints JSON.
        "bench-regen" => bench::bench_regen(runs(&Args::parse(rest, 0, &[], &["--runs"])?, "--runs", 5)?),
        "fuzz" => fuzz::fuzz(&root(), rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    }
}
