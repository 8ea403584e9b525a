//! The peak memory of the rustc compiling `telnyx_api` in the builds of `cargo xtask bench`: a
//! `RUSTC_WRAPPER` script that runs that one rustc under `/usr/bin/time`.

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
# The rustc that compiles telnyx_api runs under /usr/bin/time, which writes its peak resident
# set size (KiB) to $XTASK_BENCH_PEAK_FILE; every other rustc runs as is.
prev=
for arg in "$@"; do
    if [ "$prev" = --crate-name ] && [ "$arg" = telnyx_api ] && [ -n "$XTASK_BENCH_PEAK_FILE" ]; then
        exec /usr/bin/time -f %M -o "$XTASK_BENCH_PEAK_FILE" "$@"
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

    /// The peak of the last build, KiB; `None` when no rustc compiled `telnyx_api`.
    pub(super) fn read(&self) -> Option<u64> {
        parse_peak_kib(&std::fs::read_to_string(&self.out).ok()?)
    }
}

/// What `/usr/bin/time -f %M -o FILE` wrote: the peak in KiB on the last line (a failed command
/// gets a line `Command exited with non-zero status N` before it).
fn parse_peak_kib(text: &str) -> Option<u64> {
    text.lines().map(str::trim).rfind(|l| !l.is_empty())?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_is_the_last_line_of_the_time_output() {
        assert_eq!(parse_peak_kib("2345678\n"), Some(2_345_678));
        assert_eq!(parse_peak_kib("Command exited with non-zero status 1\n812344\n\n"), Some(812_344));
        assert_eq!(parse_peak_kib("Command terminated by signal 9\n"), None);
        assert_eq!(parse_peak_kib(""), None);
    }

    /// The wrapper times the rustc of `telnyx_api` and no other (`true` stands in for rustc).
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
        assert!(run("telnyx_api").is_some_and(|kib| kib > 0));
        assert_eq!(run("serde"), None);
        assert_eq!(run("telnyx_api_extra"), None);
    }
}
