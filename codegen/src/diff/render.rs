//! Printing a [`Report`]: plain text for the terminal, Markdown for a pull request body (kept
//! under GitHub's size limit), and JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{Change, Kind, Report, Section};

/// Count per kind: (breaking, non-breaking).
pub type Counts = BTreeMap<Kind, (usize, usize)>;

impl Report {
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }

    pub fn non_breaking(&self) -> usize {
        self.changes.len() - self.breaking()
    }

    pub fn counts(&self) -> Counts {
        let mut m = Counts::new();
        for c in &self.changes {
            let e = m.entry(c.kind).or_default();
            if c.breaking {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
        m
    }

    /// The last line of every rendering.
    pub fn summary_line(&self) -> String {
        format!("breaking: {}, non-breaking: {}", self.breaking(), self.non_breaking())
    }

    fn header(&self) -> (String, String) {
        (
            format!("{} → {}", self.old.label, self.new.label),
            format!(
                "operations {} → {}, types {} → {}",
                self.old.operations, self.new.operations, self.old.types, self.new.types
            ),
        )
    }

    /// The plain-text report: header, counts per kind, then the changes grouped by section
    /// (changed operations and types grouped under their subject). `!` marks breaking changes.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let (title, sizes) = self.header();
        let _ = writeln!(out, "API diff: {title}");
        let _ = writeln!(out, "{sizes}");
        let counts = self.counts();
        if !counts.is_empty() {
            let _ = writeln!(out, "\nChanges by kind (breaking / non-breaking):");
            let width = counts.keys().map(|k| k.name().len()).max().unwrap_or(0);
            for (k, (b, nb)) in &counts {
                let _ = writeln!(out, "  {:<width$}  {b:>5}  {nb:>5}", k.name());
            }
            let _ = writeln!(out, "\n`!` marks a breaking change, `·` a non-breaking one.");
        }
        for section in Section::ALL {
            let entries: Vec<&Change> = self.changes.iter().filter(|c| c.kind.section() == section).collect();
            if entries.is_empty() {
                continue;
            }
            if section.grouped() {
                let subjects: BTreeSet<&str> = entries.iter().map(|c| c.subject.as_str()).collect();
                let what = if section == Section::OperationsChanged { "operations" } else { "schemas" };
                let _ = writeln!(out, "\n{} ({} changes in {} {what})", section.title(), entries.len(), subjects.len());
            } else {
                let _ = writeln!(out, "\n{} ({})", section.title(), entries.len());
            }
            let mut current: Option<&str> = None;
            for c in entries {
                let mark = if c.breaking { "!" } else { "·" };
                if section.grouped() {
                    if current != Some(c.subject.as_str()) {
                        current = Some(&c.subject);
                        let rust = c.rust.as_deref().map(|r| format!("  {r}")).unwrap_or_default();
                        let _ = writeln!(out, "  {}{rust}", c.subject);
                    }
                    let _ = writeln!(out, "    {mark} {}", line(c));
                } else {
                    let _ = writeln!(out, "  {mark} {}: {}", c.subject, c.detail);
                }
            }
        }
        let _ = writeln!(out, "\n{}", self.summary_line());
        out
    }

    /// Markdown for a pull request body: counts, breaking changes, then non-breaking ones in a
    /// `<details>` block. Past `limit` characters the remaining entries are counted instead of
    /// listed (GitHub refuses PR bodies over 65 536 characters), breaking ones last to go.
    pub fn to_markdown(&self, limit: usize) -> String {
        let mut out = String::new();
        let (title, sizes) = self.header();
        let _ = writeln!(out, "### API diff: {title}\n");
        let _ = writeln!(out, "{sizes}. **{}**\n", self.summary_line());
        let counts = self.counts();
        if !counts.is_empty() {
            let _ = writeln!(out, "| change | breaking | non-breaking |\n|---|---:|---:|");
            for (k, (b, nb)) in &counts {
                let _ = writeln!(out, "| `{}` | {b} | {nb} |", k.name());
            }
        }
        // What must follow the entries, reserved up front so the limit holds.
        let reserve = 400;
        let budget = limit.saturating_sub(out.len() + reserve);
        let mut used = 0;
        let mut omitted = 0;
        for breaking in [true, false] {
            let picked: Vec<&Change> = self.changes.iter().filter(|c| c.breaking == breaking).collect();
            if picked.is_empty() {
                continue;
            }
            let mut part = String::new();
            let mut current: Option<(Section, &str)> = None;
            let mut section_shown: Option<Section> = None;
            for c in &picked {
                let section = c.kind.section();
                let mut text = String::new();
                if section_shown != Some(section) {
                    let _ = writeln!(text, "\n##### {}\n", section.title());
                }
                if section.grouped() {
                    if current != Some((section, c.subject.as_str())) {
                        let rust = c.rust.as_deref().map(|r| format!(" `{r}`")).unwrap_or_default();
                        let _ = writeln!(text, "- `{}`{rust}", c.subject);
                    }
                    let _ = writeln!(text, "  - {}", line(c));
                } else {
                    let _ = writeln!(text, "- `{}`: {}", c.subject, c.detail);
                }
                if omitted > 0 || used + text.len() > budget {
                    omitted += 1;
                    continue;
                }
                used += text.len();
                section_shown = Some(section);
                current = Some((section, c.subject.as_str()));
                part.push_str(&text);
            }
            if part.is_empty() {
                // Nothing of it fitted; the counts table and the closing note say what is missing.
                continue;
            }
            if breaking {
                let _ = write!(out, "\n#### Breaking changes ({})\n{part}", picked.len());
            } else {
                let _ = write!(
                    out,
                    "\n<details><summary>Non-breaking changes ({})</summary>\n{part}\n</details>\n",
                    picked.len()
                );
            }
        }
        if omitted > 0 {
            let _ = writeln!(
                out,
                "\n_{omitted} more changes not listed to keep this under {limit} characters; \
                 `cargo xtask diff OLD NEW` prints them all._"
            );
        }
        let _ = writeln!(out, "\n{}", self.summary_line());
        out
    }

    /// The JSON document of `cargo xtask diff --json`.
    pub fn to_json(&self) -> serde_json::Value {
        let counts: serde_json::Map<String, serde_json::Value> = self
            .counts()
            .into_iter()
            .map(|(k, (b, nb))| (k.name(), serde_json::json!({ "breaking": b, "non_breaking": nb })))
            .collect();
        serde_json::json!({
            "old": self.old,
            "new": self.new,
            "breaking": self.breaking(),
            "non_breaking": self.non_breaking(),
            "counts": counts,
            "changes": self.changes,
        })
    }
}

fn line(c: &Change) -> String {
    match &c.item {
        Some(i) => format!("{i}: {}", c.detail),
        None => c.detail.clone(),
    }
}
