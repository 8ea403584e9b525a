//! Build cost for `cargo xtask bench`: clean debug builds of `telnyx-api` per feature set (all,
//! single groups, none, and the baseline's full crate), with wall and CPU time and peak rustc
//! memory, and their table.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::budget::GROUP_SHARE_MAX;
use super::peak::PeakProbe;
use super::worktree::Worktree;
use super::{cargo, secs, TARGET_DIR};

/// The group with the most operations, and `messaging` when there is one.
pub(super) fn default_groups(r: &Value) -> Vec<String> {
    // Umbrella features (`voice`) enable groups; the largest group of tags is what counts.
    let groups: Vec<Value> =
        r["groups"].as_array().into_iter().flatten().filter(|g| g["umbrella"] != true).cloned().collect();
    let name = |g: &Value| g["name"].as_str().unwrap_or_default().to_owned();
    let mut out: Vec<String> = groups.iter().max_by_key(|g| g["operations"].as_u64()).map(name).into_iter().collect();
    if groups.iter().any(|g| g["name"] == "messaging") && !out.iter().any(|g| g == "messaging") {
        out.push("messaging".to_owned());
    }
    out
}

/// What a build measures, for the table and the budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind {
    /// All features, the current tree.
    Full,
    /// All features, the tree at `--baseline REV`.
    Baseline,
    /// One group alone, the tree at `--baseline REV` (to compare with the same group now).
    BaselineGroup,
    /// One feature alone; `leaf` when it is a group of the `[features]` block (one that enables
    /// nothing else) rather than an umbrella such as `voice`.
    Group { leaf: bool },
    /// No features: the runtime alone.
    Runtime,
}

/// One feature set to build: in which workspace, into which target directory, with which flags.
struct BuildSet {
    label: String,
    kind: Kind,
    workspace: PathBuf,
    target: PathBuf,
    flags: Vec<String>,
}

/// The best figures of one feature set.
#[derive(Debug)]
pub(super) struct Build {
    pub(super) label: String,
    pub(super) kind: Kind,
    pub(super) wall: Duration,
    pub(super) cpu: Option<Duration>,
    /// The largest peak resident set size of the rustcs that compiled telnyx-api's crates, in
    /// KiB (the largest of the rounds).
    pub(super) peak_kib: Option<u64>,
    /// The crate whose rustc had that peak (`telnyx_api`, `telnyx_api_types_call_control`, …).
    pub(super) peak_crate: Option<String>,
}

/// The groups of operations: the features of the generated block of `telnyx-api/Cargo.toml`
/// (between `# BEGIN features` and `# END features`) that enable their own share of the shared
/// types crate (`g = [..., "telnyx-api-types/g"]`), `full` aside, in file order — the same list
/// `.ci/run` derives with `sed`. Also (unlike `.ci/run`, which only reads the current tree) a
/// block from before the types crates (a `--baseline`), where a group enabled nothing
/// (`g = []`), gives those.
pub(super) fn feature_groups(cargo_toml: &str) -> Result<Vec<String>, String> {
    let mut lines = cargo_toml.lines().skip_while(|l| !l.starts_with("# BEGIN features"));
    if lines.next().is_none() {
        return Err("telnyx-api/Cargo.toml has no line `# BEGIN features`".to_owned());
    }
    let mut groups = Vec::new();
    for line in lines {
        if line.starts_with("# END features") {
            return if groups.is_empty() {
                Err("telnyx-api/Cargo.toml: no feature groups (`g = [.., \"telnyx-api-types/g\"]`) in the features block"
                    .to_owned())
            } else {
                Ok(groups)
            };
        }
        let Some((name, list)) = line.split_once(" = [") else { continue };
        let own_share = format!("\"telnyx-api-types/{name}\"");
        let list = list.strip_suffix(']');
        if name != "full"
            && !name.is_empty()
            && name.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
            && list.is_some_and(|l| l.is_empty() || l.split(", ").any(|item| item == own_share))
        {
            groups.push(name.to_owned());
        }
    }
    Err("telnyx-api/Cargo.toml has no line `# END features` after `# BEGIN features`".to_owned())
}

/// Clean builds of `telnyx-api` per feature set, after one build per target directory that
/// brings the dependencies up to date. With several rounds the feature sets take turns (so a
/// load that comes and goes spreads over all of them) and each keeps its best wall and CPU time.
pub(super) fn builds(
    root: &Path,
    groups: &[String],
    leaves: &[String],
    baseline: Option<&Worktree>,
    rounds: usize,
) -> Result<Vec<Build>, String> {
    let target = root.join(TARGET_DIR);
    let probe = PeakProbe::new(&target)?;
    let set = |label: String, kind, workspace: &Path, target: &Path, flags: &[&str]| BuildSet {
        label,
        kind,
        workspace: workspace.to_path_buf(),
        target: target.to_path_buf(),
        flags: flags.iter().map(|f| (*f).to_owned()).collect(),
    };
    let mut sets = vec![set("full (default)".to_owned(), Kind::Full, root, &target, &[])];
    if let Some(w) = baseline {
        let label = format!("baseline {}: full (default)", w.name());
        sets.push(set(label, Kind::Baseline, &w.dir, &target.join("baseline-target"), &[]));
    }
    // The baseline's groups, to build each group there too where it was a group already.
    let baseline_groups = match baseline {
        Some(w) => std::fs::read_to_string(w.dir.join("telnyx-api/Cargo.toml"))
            .ok()
            .and_then(|t| feature_groups(&t).ok())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    for g in groups {
        let leaf = leaves.contains(g);
        let label = if leaf { format!("{g} only") } else { format!("{g} only (umbrella)") };
        let flags = ["--no-default-features", "--features", g];
        sets.push(set(label, Kind::Group { leaf }, root, &target, &flags));
        if let Some(w) = baseline.filter(|_| baseline_groups.contains(g)) {
            let label = format!("baseline {}: {g} only", w.name());
            sets.push(set(label, Kind::BaselineGroup, &w.dir, &target.join("baseline-target"), &flags));
        }
    }
    let runtime = "--no-default-features (runtime only)".to_owned();
    sets.push(set(runtime, Kind::Runtime, root, &target, &["--no-default-features"]));

    // The features of telnyx-api do not change its dependencies' features, so the smallest
    // build brings them up to date (once per workspace and target directory).
    let mut prepared: Vec<(&Path, &Path)> = Vec::new();
    for s in &sets {
        if prepared.contains(&(s.workspace.as_path(), s.target.as_path())) {
            continue;
        }
        eprintln!("bench: building the dependencies of telnyx-api in {} …", s.workspace.display());
        cargo(&s.workspace, &s.target, &["build", "-q", "-p", "telnyx-api", "--no-default-features"], probe.as_ref())?;
        prepared.push((&s.workspace, &s.target));
    }

    let mut out: Vec<Build> = Vec::new();
    for round in 1..=rounds.max(1) {
        for (i, s) in sets.iter().enumerate() {
            eprintln!("bench: clean build of telnyx-api, {} (round {round}) …", s.label);
            let mut clean = vec!["clean".to_owned(), "-q".to_owned()];
            for p in own_packages(&s.workspace) {
                clean.extend(["-p".to_owned(), p]);
            }
            cargo(&s.workspace, &s.target, &clean.iter().map(String::as_str).collect::<Vec<_>>(), None)?;
            let mut args = vec!["build", "-q", "-p", "telnyx-api"];
            args.extend(s.flags.iter().map(String::as_str));
            if let Some(p) = &probe {
                p.reset();
            }
            let cpu_before = children_cpu();
            let t = Instant::now();
            cargo(&s.workspace, &s.target, &args, probe.as_ref())?;
            let wall = t.elapsed();
            let cpu = children_cpu().zip(cpu_before).map(|(a, b)| a.saturating_sub(b));
            let (peak_kib, peak_crate) = probe.as_ref().and_then(PeakProbe::read).unzip();
            match out.get_mut(i) {
                Some(b) => {
                    b.wall = b.wall.min(wall);
                    b.cpu = match (b.cpu, cpu) {
                        (Some(x), Some(y)) => Some(x.min(y)),
                        (x, y) => x.or(y),
                    };
                    if peak_kib > b.peak_kib {
                        (b.peak_kib, b.peak_crate) = (peak_kib, peak_crate);
                    }
                }
                None => out.push(Build { label: s.label.clone(), kind: s.kind, wall, cpu, peak_kib, peak_crate }),
            }
        }
    }
    Ok(out)
}

/// The packages a clean build of telnyx-api rebuilds in a workspace: `telnyx-api` and the crates
/// it is made of there (`telnyx-api/core`, the generated `telnyx-api/types/*`; a baseline from
/// before the split has none).
fn own_packages(workspace: &Path) -> Vec<String> {
    let mut out = vec!["telnyx-api".to_owned()];
    let mut manifests = vec![workspace.join("telnyx-api/core/Cargo.toml")];
    if let Ok(dirs) = std::fs::read_dir(workspace.join("telnyx-api/types")) {
        let mut dirs: Vec<PathBuf> = dirs.flatten().map(|e| e.path().join("Cargo.toml")).collect();
        dirs.sort();
        manifests.extend(dirs);
    }
    for m in manifests {
        let Ok(text) = std::fs::read_to_string(&m) else { continue };
        let name = text.lines().find_map(|l| l.strip_prefix("name = \"")?.strip_suffix('"'));
        out.extend(name.map(str::to_owned));
    }
    out
}

pub(super) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// `part` as a percentage of `whole`.
pub(super) fn share(part: Duration, whole: Duration) -> Option<f64> {
    (!whole.is_zero()).then(|| 100.0 * secs(part) / secs(whole))
}

/// Each group built in both trees: its wall and CPU time now against the baseline's.
pub(super) fn print_group_comparison(builds: &[Build]) {
    let pairs: Vec<(&Build, &Build)> = builds
        .iter()
        .filter(|b| b.kind == Kind::BaselineGroup)
        .filter_map(|old| {
            let group = old.label.split_once(": ")?.1;
            Some((builds.iter().find(|b| matches!(b.kind, Kind::Group { .. }) && b.label == group)?, old))
        })
        .collect();
    if pairs.is_empty() {
        return;
    }
    println!("\none group alone, now against the baseline (wall s, CPU s):");
    let ratio = |a: Duration, b: Duration| if b.is_zero() { f64::NAN } else { secs(a) / secs(b) };
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    for (new, old) in &pairs {
        let wall = ratio(new.wall, old.wall);
        let cpu = new.cpu.zip(old.cpu).map(|(a, b)| ratio(a, b));
        walls.push(wall);
        cpus.extend(cpu);
        println!(
            "  {:<36} {:>5.1} / {:>5.1} wall ({wall:.2}×), CPU {}",
            new.label,
            secs(new.wall),
            secs(old.wall),
            cpu.map_or("–".to_owned(), |c| format!("{c:.2}×"))
        );
    }
    let range = |v: &[f64]| {
        let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
        format!("{lo:.2}× to {hi:.2}×")
    };
    println!("  all {} groups: wall {}, CPU {}", pairs.len(), range(&walls), range(&cpus));
}

pub(super) fn print_builds(builds: &[Build], rounds: usize) {
    println!(
        "\nclean debug builds of telnyx-api (dependencies built; cargo clean -p of telnyx-api and its own crates, then cargo build), best of {}",
        rounds.max(1)
    );
    let Some(full) = builds.iter().find(|b| b.kind == Kind::Full) else { return };
    let header = ["build", "wall s", "CPU s", "share of full (wall / CPU)", "largest rustc peak MiB (crate)"];
    let rows: Vec<[String; 5]> = builds
        .iter()
        .map(|b| {
            let cpu_share = b.cpu.zip(full.cpu).and_then(|(c, f)| share(c, f));
            let wall_share = share(b.wall, full.wall);
            let share = match (b.kind, wall_share) {
                (Kind::Full, _) => "100 %".to_owned(),
                (Kind::Baseline | Kind::BaselineGroup, _) | (_, None) => "–".to_owned(),
                (kind, Some(w)) => {
                    let cpu = cpu_share.map_or("–".to_owned(), |c| format!("{c:.1} %"));
                    let over = kind == Kind::Group { leaf: true } && w > 100.0 * GROUP_SHARE_MAX;
                    let mark = if over { format!(" over {:.0} %", 100.0 * GROUP_SHARE_MAX) } else { String::new() };
                    format!("{w:.1} % / {cpu}{mark}")
                }
            };
            [
                b.label.clone(),
                format!("{:.1}", secs(b.wall)),
                b.cpu.map_or("–".to_owned(), |c| format!("{:.1}", secs(c))),
                share,
                match (b.peak_kib, &b.peak_crate) {
                    (Some(k), Some(c)) => format!("{:.0} ({c})", mib(k)),
                    (Some(k), None) => format!("{:.0}", mib(k)),
                    _ => "–".to_owned(),
                },
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // The first column is text (left), the others figures (right).
    let line = |cells: [&str; 5]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| if i == 0 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        println!("| {} |", padded.join(" | "));
    };
    line(header);
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(i, &w)| if i == 0 { "-".repeat(w) } else { format!("{}:", "-".repeat(w - 1)) })
        .collect();
    println!("| {} |", rule.join(" | "));
    for row in &rows {
        line(row.each_ref().map(String::as_str));
    }
    // A build alone on the machine keeps a CPU busy nearly all along (rustc's front end is one
    // thread, code generation more); much less CPU than wall means it waited for the CPUs.
    let waited: Vec<String> = builds
        .iter()
        .filter_map(|b| {
            let cpu = secs(b.cpu?);
            (cpu < 0.9 * secs(b.wall)).then(|| format!("{} ({:.0} %)", b.label, 100.0 * cpu / secs(b.wall)))
        })
        .collect();
    if !waited.is_empty() {
        println!(
            "note: CPU time below 90 % of wall time, so these builds waited for the CPUs (another load on the \
             machine), and their wall figures are high by about that much: {}",
            waited.join(", ")
        );
    }
}

/// `/proc/loadavg`'s 1, 5 and 15 minute load averages; `None` elsewhere.
pub(super) fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// User + system time of this process's waited-for children so far (Linux: `/proc/self/stat`);
/// `None` elsewhere.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces), from field 3 on.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17.
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    let hz = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<u64>().ok())
        .filter(|&hz| hz > 0)
        .unwrap_or(100);
    Some(Duration::from_millis(ticks * 1000 / hz))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::root;

    #[test]
    fn groups_are_the_features_of_the_block_that_enable_nothing() {
        let text = "\
[features]
tracing = []
# BEGIN features generated by `cargo xtask regenerate` from spec/features.toml
default = [\"full\"]
full = [\"10dlc\", \"call-control\", \"voice_x\", \"telnyx-api-types/full\"]
# 10DLC registration
10dlc = [\"dep:telnyx-api-types-10dlc\", \"telnyx-api-types/10dlc\"]
call-control = [\"telnyx-api-types/call-control\"]
voice = [\"call-control\"]
voice_x = [\"dep:telnyx-api-types-voice_x\", \"telnyx-api-types/voice_x\"]
Not-A-Group = [\"telnyx-api-types/Not-A-Group\"]
not_mine = [\"telnyx-api-types/call-control\"]
# END features
after = []
";
        assert_eq!(feature_groups(text).unwrap(), ["10dlc", "call-control", "voice_x"]);
        assert!(feature_groups("[features]\na = []\n").unwrap_err().contains("# BEGIN features"));
        assert!(feature_groups("# BEGIN features\na = []\n").unwrap_err().contains("# END features"));
        // The block of a tree from before the types crates (a baseline): groups enable nothing.
        assert_eq!(
            feature_groups("# BEGIN features\nfull = [\"a\"]\na = []\nu = [\"a\"]\n# END features\n").unwrap(),
            ["a"]
        );
        assert!(feature_groups("# BEGIN features\nfull = [\"a\"]\nu = [\"a\"]\n# END features\n")
            .unwrap_err()
            .contains("no feature groups"));
    }

    /// The crate's own block: its groups are exactly what `full` enables.
    #[test]
    fn the_groups_of_the_crate_are_what_full_enables() {
        let text = std::fs::read_to_string(root().join("telnyx-api/Cargo.toml")).unwrap();
        let mut groups = feature_groups(&text).unwrap();
        let full = text.lines().find_map(|l| l.strip_prefix("full = [")?.strip_suffix(']')).unwrap();
        // Besides the groups, `full` enables the types crates' parts only it compiles.
        let mut enabled: Vec<String> = full
            .split(',')
            .map(|f| f.trim().trim_matches('"').to_owned())
            .filter(|f| !f.contains('/') && !f.starts_with("dep:"))
            .collect();
        groups.sort();
        enabled.sort();
        assert_eq!(groups, enabled);
    }
}
