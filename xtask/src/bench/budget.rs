//! The build-cost budget of a release, checked over the builds of one `cargo xtask bench` run:
//! full ≤ 1.5× the baseline, every group ≤ 15 % of full, peak rustc memory ≤ 2 GiB.

use super::builds::{mib, share, Build, Kind};
use super::peak::TIME;
use super::secs;

/// The build-cost budget of a release: the full build within this factor of the previously
/// pinned crate's (wall time, same run) …
const BASELINE_RATIO_MAX: f64 = 1.5;
/// … every group alone within this share of the full build (wall) …
pub(super) const GROUP_SHARE_MAX: f64 = 0.15;
/// … and every rustc compiling one of telnyx-api's crates within this peak resident set size
/// (2 GiB).
const PEAK_KIB_MAX: u64 = 2 * 1024 * 1024;

#[derive(Debug, PartialEq)]
pub(super) enum Verdict {
    Pass,
    Miss,
    /// No group over the limit, but not every group was built.
    Incomplete,
    NotMeasured,
}

#[derive(Debug)]
pub(super) struct Check {
    what: String,
    verdict: Verdict,
    detail: String,
}

/// The three budget checks over the builds of one run; `leaves` are the groups of the
/// `[features]` block.
pub(super) fn budget(builds: &[Build], leaves: &[String]) -> Vec<Check> {
    let full = builds.iter().find(|b| b.kind == Kind::Full);
    let mut checks = Vec::new();

    let what = format!("full build ≤ {BASELINE_RATIO_MAX}× the baseline's (wall)");
    checks.push(match (full, builds.iter().find(|b| b.kind == Kind::Baseline)) {
        (Some(f), Some(b)) if !b.wall.is_zero() => {
            let ratio = secs(f.wall) / secs(b.wall);
            let cpu = match (f.cpu, b.cpu) {
                (Some(fc), Some(bc)) if !bc.is_zero() => {
                    format!("{:.2}× CPU ({:.1} s / {:.1} s)", secs(fc) / secs(bc), secs(fc), secs(bc))
                }
                _ => "CPU not measured".to_owned(),
            };
            Check {
                what,
                verdict: if ratio <= BASELINE_RATIO_MAX { Verdict::Pass } else { Verdict::Miss },
                detail: format!("new/baseline {ratio:.2}× wall ({:.1} s / {:.1} s), {cpu}", secs(f.wall), secs(b.wall)),
            }
        }
        _ => Check { what, verdict: Verdict::NotMeasured, detail: "no baseline (--baseline REV)".to_owned() },
    });

    let what = format!("every group ≤ {:.0} % of full (wall)", 100.0 * GROUP_SHARE_MAX);
    let groups: Vec<(&str, f64)> = builds
        .iter()
        .filter(|b| b.kind == Kind::Group { leaf: true })
        .filter_map(|b| Some((b.label.strip_suffix(" only").unwrap_or(&b.label), share(b.wall, full?.wall)?)))
        .collect();
    // CPU shares as a cross-check: a busy machine stretches the long full build's wall time more
    // than the short ones', which lowers every wall share.
    let cpu_shares: Vec<f64> = builds
        .iter()
        .filter(|b| b.kind == Kind::Group { leaf: true })
        .filter_map(|b| share(b.cpu?, full?.cpu?))
        .collect();
    checks.push(if groups.is_empty() {
        Check { what, verdict: Verdict::NotMeasured, detail: "no group built (--all-groups)".to_owned() }
    } else {
        let mut over: Vec<&(&str, f64)> = groups.iter().filter(|g| g.1 > 100.0 * GROUP_SHARE_MAX).collect();
        over.sort_by(|a, b| b.1.total_cmp(&a.1));
        let largest = groups.iter().filter(|g| g.1 <= 100.0 * GROUP_SHARE_MAX).max_by(|a, b| a.1.total_cmp(&b.1));
        let mut detail = Vec::new();
        if !over.is_empty() {
            let list: Vec<String> = over.iter().map(|(g, s)| format!("{g} {s:.1} %")).collect();
            detail.push(format!("over: {}", list.join(", ")));
        }
        if let Some((g, s)) = largest {
            detail.push(format!("largest within: {g} {s:.1} %"));
        }
        let built = groups.len();
        let verdict = if !over.is_empty() {
            Verdict::Miss
        } else if built < leaves.len() {
            Verdict::Incomplete
        } else {
            Verdict::Pass
        };
        detail.push(format!("{built} of {} groups built", leaves.len()));
        if let Some(max) = cpu_shares.iter().copied().max_by(f64::total_cmp) {
            let n = cpu_shares.iter().filter(|&&c| c > 100.0 * GROUP_SHARE_MAX).count();
            detail.push(format!("by CPU (a cross-check): {n} over, largest {max:.1} %"));
        }
        Check { what, verdict, detail: detail.join("; ") }
    });

    let what = format!("peak rustc memory ≤ {:.1} GiB", mib(PEAK_KIB_MAX) / 1024.0);
    let peak = builds
        .iter()
        .filter(|b| !matches!(b.kind, Kind::Baseline | Kind::BaselineGroup))
        .filter_map(|b| Some((b, b.peak_kib?)))
        .max_by_key(|(_, kib)| *kib);
    checks.push(match peak {
        Some((b, kib)) => Check {
            what,
            verdict: if kib <= PEAK_KIB_MAX { Verdict::Pass } else { Verdict::Miss },
            detail: format!("{:.0} MiB ({})", mib(kib), b.label),
        },
        None => Check { what, verdict: Verdict::NotMeasured, detail: format!("not measured (needs {TIME})") },
    });
    checks
}

pub(super) fn print_budget(checks: &[Check]) {
    println!("\nbuild-cost budget:");
    for c in checks {
        let verdict = match c.verdict {
            Verdict::Pass => "pass",
            Verdict::Miss => "MISS",
            Verdict::Incomplete => "incomplete",
            Verdict::NotMeasured => "not measured",
        };
        println!("  - {verdict}: {}: {}", c.what, c.detail);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn build(label: &str, kind: Kind, wall: u64, peak_mib: u64) -> Build {
        let wall = Duration::from_secs(wall);
        Build {
            label: label.to_owned(),
            kind,
            wall,
            cpu: Some(wall * 2),
            peak_kib: Some(peak_mib * 1024),
            peak_crate: Some("telnyx_api".to_owned()),
        }
    }

    #[test]
    fn the_budget_names_what_misses() {
        let leaves = ["a".to_owned(), "b".to_owned()];
        let group = Kind::Group { leaf: true };
        let mut builds = vec![
            build("full (default)", Kind::Full, 100, 2000),
            build("baseline x: full (default)", Kind::Baseline, 80, 3000),
            build("a only", group, 10, 500),
            build("voice only (umbrella)", Kind::Group { leaf: false }, 40, 900),
        ];
        let checks = budget(&builds, &leaves);
        let verdicts: Vec<&Verdict> = checks.iter().map(|c| &c.verdict).collect();
        // 100/80 is within 1.5×; `b` was not built; the baseline's peak does not count.
        assert_eq!(verdicts, [&Verdict::Pass, &Verdict::Incomplete, &Verdict::Pass]);
        assert!(checks[0].detail.starts_with("new/baseline 1.25× wall"), "{}", checks[0].detail);
        assert!(checks[2].detail.contains("2000 MiB (full (default))"), "{}", checks[2].detail);

        builds.push(build("b only", group, 16, 2600));
        builds[1].wall = Duration::from_secs(60);
        let checks = budget(&builds, &leaves);
        assert!(checks.iter().all(|c| c.verdict == Verdict::Miss), "{checks:?}");
        assert!(checks[1].detail.starts_with("over: b 16.0 %; largest within: a 10.0 %"), "{}", checks[1].detail);
        assert!(checks[1].detail.ends_with("by CPU (a cross-check): 1 over, largest 16.0 %"), "{}", checks[1].detail);
        assert!(checks[2].detail.contains("b only"), "{}", checks[2].detail);

        let alone = budget(&builds[..1], &leaves);
        assert!(alone.iter().take(2).all(|c| c.verdict == Verdict::NotMeasured), "{alone:?}");
    }
}
