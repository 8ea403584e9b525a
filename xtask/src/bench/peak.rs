//! The peak memory of the rustcs compiling telnyx-api (`telnyx_api` and the crates it is made
//! of, `telnyx_api_core` and the `telnyx_api_types*` crates) in the builds of `cargo xtask
//! bench`: a `RUSTC_WRAPPER` script that runs each of them under `/usr/bin/time`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `/usr/bin/time` is: GNU time, whose `-f %M` is the peak resident set size in KiB.
pub(super) const TIME: &str = "/usr/bin/time";

/// The variable that tells the wrapper script where to write the peak.
const PEAK_FILE_VAR: &str = "XTASK_BENCH_PEAK_FILE";

/// The `RUSTC_WRAPPER` of the builds. Cargo runs `wrapper rustc ARGS…` (with
/// `RUSTC_WORKSPACE_WRAPPER`, if any, between them); timing all of `"$@"` is right either way,
/// since time reports the largest of the processes it waited for.
const WRAPPER_SCRIPT: &str = r#"#!/bin/sh
# Written by `cargo xtask bench` (xtask/src/bench/peak.rs): cargo's RUSTC_WRAPPER for its builds.
# The rustcs that compile telnyx_api and its own crates (telnyx_api_*) run under /usr/bin/time,
# which appends "<crate> <peak resident set size, KiB>" to $XTASK_BENCH_PEAK_FILE; every other
# rustc runs as is.
prev=
for arg in "$@"; do
    if [ "$prev" = --crate-name ] && [ -n "$XTASK_BENCH_PEAK_FILE" ]; then
        case "$arg" in
            telnyx_api | telnyx_api_*) exec /usr/bin/time -a -f "$arg %M" -o "$XTASK_BENCH_PEAK_FILE" "$@" ;;
        esac
    fi
    prev=$arg
done
exec "$@"
"#;

/// How the builds learn the peak memory of the rustc compiling `telnyx_api`: cargo runs every
/// rustc through [`WRAPPER_SCRIPT`] (written into `target/bench`), and the figure of the last
/// build is read back from a file.
pub(super) struct PeakProbe {
    script: PathBuf,
    out: PathBuf,
}

impl PeakProbe {
    /// `None` (and a note) where there is no `/usr/bin/time` or no `sh`.
    pub(super) fn new(dir: &Path) -> Result<Option<Self>, String> {
        if !cfg!(unix) || !Path::new(TIME).is_file() {
            eprintln!("bench: no {TIME}: the peak memory of rustc is not measured");
            return Ok(None);
        }
        if let Some(w) = std::env::var_os("RUSTC_WRAPPER").filter(|w| !w.is_empty()) {
            // A caching wrapper (sccache) would turn the clean builds into cache hits.
            eprintln!("bench: RUSTC_WRAPPER={} is replaced by the bench's own for the builds", w.to_string_lossy());
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let script = dir.join("rustc-peak.sh");
        std::fs::write(&script, WRAPPER_SCRIPT).map_err(|e| format!("cannot write {}: {e}", script.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("cannot make {} executable: {e}", script.display()))?;
        }
        Ok(Some(PeakProbe { script, out: dir.join("rustc-peak.kib") }))
    }

    pub(super) fn apply(&self, cmd: &mut Command) {
        cmd.env("RUSTC_WRAPPER", &self.script).env(PEAK_FILE_VAR, &self.out);
    }

    pub(super) fn reset(&self) {
        let _ = std::fs::remove_file(&self.out);
    }

    /// The largest peak of the last build's rustcs, KiB, and the crate it compiled; `None` when
    /// none of telnyx-api's crates was compiled.
    pub(super) fn read(&self) -> Option<(u64, String)> {
        largest_peak(&std::fs::read_to_string(&self.out).ok()?)
    }
}

/// What `/usr/bin/time -a -f "CRATE %M" -o FILE` appended, one line per rustc (a failed one
/// gets a line `Command exited with non-zero status N` before its own): the largest peak, KiB,
/// and its crate.
fn largest_peak(text: &str) -> Option<(u64, String)> {
    text.lines()
        .filter_map(|l| {
            let (krate, kib) = l.trim().split_once(' ')?;
            Some((kib.parse::<u64>().ok()?, krate.to_owned()))
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_is_the_largest_of_the_lines_of_the_time_output() {
        let kib = |text: &str| largest_peak(text).map(|(k, c)| (k, c.to_owned()));
        assert_eq!(kib("telnyx_api 2345678\n"), Some((2_345_678, "telnyx_api".to_owned())));
        assert_eq!(
            kib(
                "telnyx_api_types 300\nCommand exited with non-zero status 1\ntelnyx_api 812344\ntelnyx_api_core 9\n\n"
            ),
            Some((812_344, "telnyx_api".to_owned()))
        );
        assert_eq!(kib("Command terminated by signal 9\n"), None);
        assert_eq!(kib(""), None);
    }

    /// The wrapper times the rustcs of telnyx-api's crates and no other (`true` stands in for
    /// rustc).
    #[cfg(unix)]
    #[test]
    fn the_wrapper_times_only_telnyx_api() {
        if !Path::new(TIME).is_file() {
            eprintln!("no {TIME}; skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let probe = PeakProbe::new(dir.path()).unwrap().unwrap();
        let run = |crate_name: &str| {
            probe.reset();
            let status = Command::new(&probe.script)
                .args(["true", "--edition=2021", "--crate-name", crate_name, "--crate-type", "lib"])
                .env(PEAK_FILE_VAR, &probe.out)
                .status()
                .unwrap();
            assert!(status.success());
            probe.read()
        };
        assert!(run("telnyx_api").is_some_and(|(kib, name)| kib > 0 && name == "telnyx_api"));
        assert!(run("telnyx_api_types_messaging").is_some_and(|(_, name)| name == "telnyx_api_types_messaging"));
        assert_eq!(run("serde"), None);
        assert_eq!(run("telnyx_apix"), None);
    }
}
