//! Every Rust identifier the generator emits is decided here.
//!
//! Rules (one choice each, kept everywhere):
//! - case conversion with `heck`;
//! - Rust keywords get a trailing underscore (`type` → `type_`), never `r#`;
//! - a leading digit gets a prefix (`0` → `n0` for fields, `V100` for variants);
//! - punctuation that carries meaning in enum values becomes a word (`+E.164` → `PlusE164`);
//! - collisions are resolved by [`Scope`] in first-come order with `2`, `3`, … suffixes, so the
//!   same spec always gives the same names.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Type names that would shadow what generated code uses unqualified.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Self",
    "Some",
    "None",
    "Ok",
    "Err",
    "From",
    "Into",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "Iterator",
    "ToString",
    "ToOwned",
    "AsRef",
    "PartialEq",
    "Eq",
    "Hash",
    "Ord",
    "PartialOrd",
];

/// Is `s` a Rust keyword (strict, reserved or edition-2024 `gen`)?
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Replace symbols that carry meaning with words, everything else non-alphanumeric with a space.
fn words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    for (i, c) in raw.chars().enumerate() {
        let word = match c {
            '+' => Some("plus"),
            '-' if i == 0 => Some("minus"),
            '*' => Some("star"),
            '#' => Some("hash"),
            '%' => Some("percent"),
            '&' => Some("and"),
            '@' => Some("at"),
            '=' => Some("eq"),
            '<' => Some("lt"),
            '>' => Some("gt"),
            _ => None,
        };
        match word {
            Some(w) => {
                out.push(' ');
                out.push_str(w);
                out.push(' ');
            }
            None if c.is_alphanumeric() => out.push(c),
            None => out.push(' '),
        }
    }
    out
}

fn ascii_ident(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

/// snake_case identifier for a field, parameter or method (`filter[status][eq]` → `filter_status_eq`).
pub fn snake(raw: &str) -> String {
    let mut s = ascii_ident(&words(raw).to_snake_case());
    if s.is_empty() {
        s = "empty".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'n');
    }
    if is_keyword(&s) {
        s.push('_');
    }
    s
}

/// UpperCamelCase identifier for a type.
pub fn type_name(raw: &str) -> String {
    let mut s = ascii_ident(&words(raw).to_upper_camel_case());
    if s.is_empty() {
        s = "Empty".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'T');
    }
    if RESERVED_TYPES.contains(&s.as_str()) {
        s.push_str("Model");
    }
    s
}

/// UpperCamelCase of a name piece (a field or parameter name appended to a parent type name);
/// unlike [`type_name`] it adds no prefix or suffix, since it never stands alone.
pub fn camel(raw: &str) -> String {
    ascii_ident(&words(raw).to_upper_camel_case())
}

/// UpperCamelCase variant name for an enum value (`Chicago, IL` → `ChicagoIl`, `` → `Empty`).
pub fn variant(raw: &str) -> String {
    let mut s = ascii_ident(&words(raw).to_upper_camel_case());
    if s.is_empty() {
        s = "Empty".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    if s == "Self" {
        s = "SelfValue".into();
    }
    s
}

/// A set of names already taken in one namespace; [`Scope::claim`] returns a free name.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope with some names reserved up front.
    pub fn with_reserved<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Scope { taken: names.into_iter().map(str::to_owned).collect() }
    }

    /// Take `name`, or `name2`, `name3`, … if taken (`name_2` for snake case names).
    pub fn claim(&mut self, name: &str) -> String {
        if self.taken.insert(name.to_owned()) {
            return name.to_owned();
        }
        let snake_case = name.contains('_') || name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let sep = if snake_case {
            "_"
        } else if name.ends_with(|c: char| c.is_ascii_digit()) {
            "V"
        } else {
            ""
        };
        (2..)
            .map(|i| format!("{name}{sep}{i}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .expect("an unbounded range always yields a free name")
    }

    /// Is `name` taken?
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

/// Naming overrides read from `spec/overrides.toml`.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// operationId → Rust method name.
    #[serde(default)]
    pub operations: BTreeMap<String, String>,
    /// Component schema name → Rust type name.
    #[serde(default)]
    pub schemas: BTreeMap<String, String>,
    /// Tag → Rust module / accessor name.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Overrides {
    /// Parse the overrides file.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let o: Overrides = toml::from_str(text).map_err(|e| format!("invalid overrides file: {e}"))?;
        // The values become identifiers as they are; a bad one would only fail when formatting.
        let sections = [("operations", &o.operations), ("schemas", &o.schemas), ("tags", &o.tags)];
        for (section, map) in sections {
            for (from, to) in map {
                let mut chars = to.chars();
                let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && to != "_"
                    && !is_keyword(to);
                if !valid {
                    return Err(format!(
                        "invalid overrides file: [{section}] {from:?} = {to:?} is not a Rust identifier"
                    ));
                }
            }
        }
        Ok(o)
    }
}

/// Derive an operation name from method and path for operations without an `operationId`:
/// `GET /{bucketName}/{objectName}` → `get_bucket_name_object_name`.
pub fn derived_operation_name(method: &str, path: &str) -> String {
    let mut parts = vec![method.to_ascii_lowercase()];
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        parts.push(seg.trim_matches(|c| c == '{' || c == '}').to_owned());
    }
    if parts.len() == 1 {
        parts.push("root".into());
    }
    snake(&parts.join("_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_digits() {
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("0"), "n0");
        assert_eq!(snake("100"), "n100");
        assert_eq!(snake("timestamp_granularities[]"), "timestamp_granularities");
        assert_eq!(snake("filter[status][eq]"), "filter_status_eq");
        assert_eq!(snake("page[number]"), "page_number");
        assert_eq!(snake("phoneNumber"), "phone_number");
        assert_eq!(snake(""), "empty");
    }

    #[test]
    fn overrides_must_be_identifiers() {
        assert!(Overrides::from_toml("[operations]\nListThings = \"list_things\"\n").is_ok());
        for bad in ["\"list things\"", "\"2fa\"", "\"type\"", "\"\"", "\"_\""] {
            let e = Overrides::from_toml(&format!("[schemas]\nThing = {bad}\n")).err();
            assert!(e.is_some_and(|e| e.contains("not a Rust identifier")), "{bad}");
        }
    }

    #[test]
    fn odd_enum_values() {
        assert_eq!(variant("Chicago, IL"), "ChicagoIl");
        assert_eq!(variant("+E.164"), "PlusE164");
        assert_eq!(variant("E.164"), "E164");
        assert_eq!(variant(""), "Empty");
        assert_eq!(variant("100"), "V100");
        assert_eq!(variant("self"), "SelfValue");
        assert_eq!(variant("-1"), "Minus1");
        assert_eq!(variant("en-US"), "EnUs");
    }

    #[test]
    fn type_names() {
        assert_eq!(type_name("ListBucketsResponse"), "ListBucketsResponse");
        assert_eq!(type_name("call-control_application"), "CallControlApplication");
        assert_eq!(type_name("Option"), "OptionModel");
        assert_eq!(type_name("10DLC"), "T10dlc");
    }

    #[test]
    fn collisions_are_deterministic() {
        let mut s = Scope::default();
        assert_eq!(s.claim("E164"), "E164");
        assert_eq!(s.claim("E164"), "E164V2");
        let mut f = Scope::default();
        assert_eq!(f.claim("phone_number"), "phone_number");
        assert_eq!(f.claim("phone_number"), "phone_number_2");
        let mut r = Scope::with_reserved(["Unknown"]);
        assert_eq!(r.claim("Unknown"), "Unknown2");
    }

    #[test]
    fn derived_names() {
        assert_eq!(derived_operation_name("GET", "/"), "get_root");
        assert_eq!(derived_operation_name("put", "/{bucketName}/{objectName}"), "put_bucket_name_object_name");
    }
}
