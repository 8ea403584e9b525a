//! The argument parser of every command: plain arguments, flags and `--option VALUE` pairs.

use std::collections::{BTreeMap, BTreeSet};

use crate::USAGE;

/// A count option (`--runs N`), `default` when absent.
pub fn runs(a: &Args, option: &str, default: usize) -> Result<usize, String> {
    match a.value(option) {
        None => Ok(default),
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{option} {n:?}: expected a positive number")),
    }
}

/// A command's arguments: exactly `positional` plain arguments, the given flags and
/// `--option VALUE` pairs, in any order.
#[derive(Debug)]
pub struct Args {
    pub positional: Vec<String>,
    flags: BTreeSet<String>,
    values: BTreeMap<String, String>,
}

impl Args {
    pub fn parse(args: &[String], positional: usize, flags: &[&str], values: &[&str]) -> Result<Self, String> {
        let mut out = Args { positional: Vec::new(), flags: BTreeSet::new(), values: BTreeMap::new() };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if flags.contains(&a.as_str()) {
                out.flags.insert(a.clone());
            } else if values.contains(&a.as_str()) {
                let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
                out.values.insert(a.clone(), v.clone());
            } else if a.starts_with("--") {
                return Err(format!("unknown option {a:?}\n\n{USAGE}"));
            } else {
                out.positional.push(a.clone());
            }
        }
        if out.positional.len() != positional {
            return Err(format!(
                "expected {positional} argument(s), got {}: {:?}\n\n{USAGE}",
                out.positional.len(),
                out.positional
            ));
        }
        Ok(out)
    }

    /// Like [`Args::parse`], with any number of plain arguments.
    pub fn parse_any(args: &[String], flags: &[&str], values: &[&str]) -> Result<Self, String> {
        let n = args.iter().filter(|a| !a.starts_with("--")).count()
            - values.iter().filter(|v| args.iter().any(|a| a == *v)).count();
        Self::parse(args, n, flags, values)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.flags.contains(name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::strings;

    #[test]
    fn arguments() {
        let a = Args::parse(&strings(&["a.yml", "--json", "b.yml"]), 2, &["--json"], &[]).unwrap();
        assert_eq!(a.positional, ["a.yml", "b.yml"]);
        assert!(a.flag("--json") && !a.flag("--fail-on-breaking"));
        assert!(Args::parse(&strings(&["a.yml"]), 2, &[], &[]).unwrap_err().contains("expected 2 argument(s), got 1"));
        assert!(Args::parse(&strings(&["--jsn"]), 0, &["--json"], &[])
            .unwrap_err()
            .contains("unknown option \"--jsn\""));
        assert!(Args::parse(&strings(&["--source"]), 0, &[], &["--source"])
            .unwrap_err()
            .contains("--source needs a value"));
    }
}
