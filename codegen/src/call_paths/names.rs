//! Reading the naming source: the `api.md` of Telnyx's official Python SDK, one line per method:
//!
//! ```text
//! - <code title="post /calls/{call_control_id}/actions/answer">client.calls.actions.<a href="…">answer</a>(call_control_id, **params) -> <a …>…</a></code>
//! ```
//!
//! Only lines with a `<code title="` are read; each must parse, or [`Names::parse`] fails naming
//! the line (a format change upstream must not silently drop names).

use std::collections::BTreeMap;
use std::fmt;

use super::normalize_path;

/// One SDK method: the endpoint it calls and where it sits in the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Lower case HTTP method (`post`).
    pub method: String,
    /// The path as the SDK writes it, without a query (`/calls/{call_control_id}/actions/answer`).
    pub path: String,
    /// A query the SDK appends to tell two methods of one endpoint apart
    /// (`content-type=multipart`), if any.
    pub query: Option<String>,
    /// The resources from the client to the method (`["calls", "actions"]`); empty for a method
    /// of the client itself.
    pub resources: Vec<String>,
    /// The method name (`answer`).
    pub verb: String,
    /// The positional arguments (`["call_control_id"]`): path parameters the caller passes first.
    pub positional: Vec<String>,
    /// Named arguments after `*` (`["assistant_id"]` of `retrieve(event_id, *, assistant_id)`),
    /// without the `**params` of the request body and query.
    pub keyword: Vec<String>,
    /// 1-based line in the source.
    pub line: usize,
}

impl Entry {
    /// `calls.actions.answer`.
    pub fn call_path(&self) -> String {
        let mut s = self.resources.join(".");
        if !s.is_empty() {
            s.push('.');
        }
        s.push_str(&self.verb);
        s
    }
}

/// Lines of the naming source that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamesError {
    /// (1-based line, what is wrong with it), in line order.
    pub problems: Vec<(usize, String)>,
}

impl fmt::Display for NamesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the SDK naming source could not be read:")?;
        for (line, message) in &self.problems {
            write!(f, "\n  line {line}: {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for NamesError {}

/// The SDK's methods, in source order, and an index by endpoint.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Every method, in the order the source lists them.
    pub entries: Vec<Entry>,
    /// (method, [`normalize_path`]) → index into `entries`: the first entry without a query,
    /// else the first one (an endpoint the SDK calls from two methods is named by the plain one).
    index: BTreeMap<(String, String), usize>,
}

impl Names {
    /// Read an `api.md`. Fails listing every `<code title=…>` line that does not have the shape
    /// above, and when there is no such line at all.
    pub fn parse(text: &str) -> Result<Names, NamesError> {
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let Some(at) = line.find("<code title=\"") else { continue };
            match parse_line(&line[at..], i + 1) {
                Ok(e) => entries.push(e),
                Err(message) => problems.push((i + 1, message)),
            }
        }
        if entries.is_empty() && problems.is_empty() {
            problems.push((0, "no `<code title=\"METHOD /path\">client.…` line: not an SDK api.md".into()));
        }
        if !problems.is_empty() {
            return Err(NamesError { problems });
        }
        Ok(Names::from_entries(entries))
    }

    /// Names from entries already read (in source order).
    pub fn from_entries(entries: Vec<Entry>) -> Names {
        let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, e) in entries.iter().enumerate() {
            let key = (e.method.clone(), normalize_path(&e.path));
            match index.get(&key) {
                Some(&j) if entries[j].query.is_none() || e.query.is_some() => {}
                _ => {
                    index.insert(key, i);
                }
            }
        }
        Names { entries, index }
    }

    /// The entry naming `method path`, path parameter names disregarded (`{id}` joins
    /// `{call_control_id}`).
    pub fn lookup(&self, method: &str, path: &str) -> Option<&Entry> {
        let key = (method.to_ascii_lowercase(), normalize_path(path));
        self.index.get(&key).map(|&i| &self.entries[i])
    }

    /// Entries that [`Names::lookup`] returns (one per endpoint), in source order.
    pub fn endpoints(&self) -> impl Iterator<Item = &Entry> {
        let mut chosen: Vec<usize> = self.index.values().copied().collect();
        chosen.sort_unstable();
        chosen.into_iter().map(|i| &self.entries[i])
    }
}

/// One line from its `<code title="` on.
fn parse_line(s: &str, line: usize) -> Result<Entry, String> {
    let rest = s.strip_prefix("<code title=\"").ok_or("no `<code title=\"`")?;
    let (title, rest) = rest.split_once("\">").ok_or("the title is not closed by `\">`")?;
    let (method, target) = title.split_once(' ').ok_or_else(|| format!("title {title:?} is not `METHOD /path`"))?;
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!("title {title:?}: {method:?} is not an HTTP method"));
    }
    if !target.starts_with('/') || target.contains(char::is_whitespace) {
        return Err(format!("title {title:?}: {target:?} is not a path"));
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned())),
        None => (target, None),
    };
    let rest = rest.strip_prefix("client.").ok_or("the call does not start with `client.`")?;
    let (chain, rest) = rest.split_once("<a href=\"").ok_or("no `<a href=\"…\">method</a>` after the resources")?;
    let resources: Vec<String> = chain.split('.').filter(|r| !r.is_empty()).map(str::to_owned).collect();
    if !chain.is_empty() && !chain.ends_with('.') {
        return Err(format!("the resources {chain:?} do not end with `.`"));
    }
    let (_, rest) = rest.split_once("\">").ok_or("the method's link is not closed")?;
    let (verb, rest) = rest.split_once("</a>").ok_or("the method's link has no `</a>`")?;
    for name in resources.iter().map(String::as_str).chain([verb]) {
        if !is_identifier(name) {
            return Err(format!("{name:?} (in `{}{verb}`) is not an identifier", chain));
        }
    }
    let args = rest.strip_prefix('(').ok_or("no `(` after the method name")?;
    let args = args.split_once(')').map(|(a, _)| a).ok_or("the arguments are not closed by `)`")?;
    let (positional, keyword) = arguments(args)?;
    Ok(Entry {
        method: method.to_ascii_lowercase(),
        path: path.to_owned(),
        query,
        resources,
        verb: verb.to_owned(),
        positional,
        keyword,
        line,
    })
}

/// The argument list `id, \*, assistant_id, \*\*<a href="…">params</a>`: named arguments before
/// and after the `*` marker; `**params` is dropped.
fn arguments(args: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let mut positional = Vec::new();
    let mut keyword = Vec::new();
    let mut after_star = false;
    for arg in args.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let arg = arg.replace('\\', "");
        if arg == "*" {
            after_star = true;
        } else if arg.starts_with("**") {
            continue;
        } else if is_identifier(&arg) {
            if after_star { &mut keyword } else { &mut positional }.push(arg);
        } else {
            return Err(format!("argument {arg:?} is not a name"));
        }
    }
    Ok((positional, keyword))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
