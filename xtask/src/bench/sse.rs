//! SSE throughput for `cargo xtask bench`: the crate's SSE decoding benchmark
//! (`cargo bench -p telnyx-api --bench sse`), its output indented under a heading.

use std::path::Path;
use std::process::{Command, Stdio};

use super::TARGET_DIR;

/// Run the benchmark in `root` (into `target/bench`) and print what it printed.
pub(super) fn sse(root: &Path) -> Result<(), String> {
    eprintln!("bench: cargo bench -p telnyx-api --bench sse …");
    let args = ["bench", "-q", "-p", "telnyx-api", "--bench", "sse", "--no-default-features"];
    let out = Command::new("cargo")
        .args(args)
        .args(["--target-dir", TARGET_DIR])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err("cargo bench --bench sse failed".to_owned());
    }
    println!("\nSSE decoding (cargo {}):", args.join(" "));
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        println!("  {line}");
    }
    Ok(())
}
