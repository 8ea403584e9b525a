//! The baseline of `cargo xtask bench --baseline REV`: a temporary `git worktree` of that
//! revision, so its full crate builds in the same run.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A detached `git worktree` of the baseline revision under `target/bench`, removed on drop.
pub(super) struct Worktree {
    repo: PathBuf,
    pub(super) dir: PathBuf,
    /// The revision as given (`02402df`, `HEAD~3`).
    rev: String,
    commit: String,
}

impl Worktree {
    pub(super) fn add(repo: &Path, parent: &Path, rev: &str) -> Result<Self, String> {
        let commit = git(repo, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .map_err(|_| format!("--baseline {rev:?}: not a commit of this repository"))?;
        let dir = parent.join(format!("baseline-{}", &commit[..commit.len().min(12)]));
        if dir.exists() {
            // Left by an interrupted run.
            let _ = git(repo, &[OsStr::new("worktree"), "remove".as_ref(), "--force".as_ref(), dir.as_os_str()]);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
            }
            let _ = git(repo, &["worktree", "prune"]);
        }
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        eprintln!("bench: git worktree add --detach {} {commit} …", dir.display());
        git(repo, &[OsStr::new("worktree"), "add".as_ref(), "--detach".as_ref(), dir.as_os_str(), commit.as_ref()])?;
        Ok(Worktree { repo: repo.to_path_buf(), dir, rev: rev.to_owned(), commit })
    }

    /// `02402df`, or `HEAD~3 (02402df)` when the revision is not an abbreviated commit.
    pub(super) fn name(&self) -> String {
        let short = &self.commit[..self.commit.len().min(7)];
        if self.commit.starts_with(&self.rev) {
            self.rev.clone()
        } else {
            format!("{} ({short})", self.rev)
        }
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let args = [OsStr::new("worktree"), "remove".as_ref(), "--force".as_ref(), self.dir.as_os_str()];
        match git(&self.repo, &args) {
            Ok(_) => eprintln!("bench: removed the worktree {}", self.dir.display()),
            Err(e) => eprintln!("bench: {e}; remove it with `git worktree remove --force {}`", self.dir.display()),
        }
    }
}

/// Run git in `repo`; its standard output, trimmed.
fn git<S: AsRef<OsStr>>(repo: &Path, args: &[S]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(repo)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let shown = || args.iter().map(|a| a.as_ref().to_string_lossy()).collect::<Vec<_>>().join(" ");
    if !out.status.success() {
        return Err(format!("git {} failed ({})", shown(), out.status));
    }
    String::from_utf8(out.stdout).map(|s| s.trim().to_owned()).map_err(|_| format!("git {}: output not UTF-8", shown()))
}
