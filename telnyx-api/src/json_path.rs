//! Where in a JSON document a decoding error happened, as a path (`data.items[3].status`).
//!
//! Response bodies are decoded with plain `serde_json::from_slice`, which reports a failure's
//! line and column but not its path. [`path_at`] recovers the path by scanning the text up to
//! that position: it follows objects and arrays, and keeps the key or index of each open one.
//!
//! Why not `serde_path_to_error` here: it wraps the deserializer, and every response type's
//! `Deserialize` code (and that of every type nested in it) is then compiled again for the
//! wrapper, for each of the ~470 response types. Measured on the pinned spec (clean debug build
//! of the crate with all features, dependencies built, 2 cores): 160 s with the wrapper, 148 s
//! without (user CPU 183 s → 161 s). This scanner is compiled once. The paths it gives are the
//! ones `serde_path_to_error` gives, which a property test checks
//! (`tests::paths_agree_with_serde_path_to_error`), with one exception: a value that serde
//! buffers before deciding its type (a `oneOf` union, an untagged enum) fails without a position
//! of its own, so serde_json reports the end of the object holding it, and the path names that
//! object (`data[0]` rather than `data[0].either`); the message names the union's type. Small
//! decoders (SSE chunks, webhook events) still use `serde_path_to_error`.

/// One open container.
enum Frame {
    /// An object, with the last key read, and whether a key is due next.
    Object { key: Option<String>, expecting_key: bool },
    /// An array, with the index of the current element (`None` before the first).
    Array { index: Option<usize> },
}

/// The path of the value being read at `line`/`column` (1-based, as `serde_json::Error`
/// reports them), in `serde_path_to_error`'s notation: `.` for the root, else keys joined by
/// `.` and indices as `[i]`.
pub(crate) fn path_at(text: &[u8], line: usize, column: usize) -> String {
    let end = offset(text, line, column);
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match text[i] {
            b'{' => stack.push(Frame::Object { key: None, expecting_key: true }),
            b'[' => stack.push(Frame::Array { index: None }),
            b'}' | b']' => {
                stack.pop();
            }
            b':' => {
                if let Some(Frame::Object { expecting_key, .. }) = stack.last_mut() {
                    *expecting_key = false;
                }
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                Some(Frame::Array { index }) => *index = Some(index.map_or(0, |n| n + 1)),
                None => {}
            },
            b'"' => {
                let (s, next) = string(text, i + 1, end);
                if let Some(Frame::Object { key, expecting_key: expecting @ true }) = stack.last_mut() {
                    *key = Some(s);
                    *expecting = false;
                } else {
                    start_value(&mut stack);
                }
                i = next;
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            _ => start_value(&mut stack),
        }
        if matches!(text[i], b'{' | b'[') {
            // The container is itself a value of the one around it.
            let inner = stack.pop();
            start_value(&mut stack);
            stack.extend(inner);
        }
        i += 1;
    }
    // serde_json places a value of the wrong kind that it only peeked at (`[`, `{`) just
    // before it: when that value is an array's first element, it is the element.
    if let Some(&next) = text[end..].iter().find(|b| !b.is_ascii_whitespace()) {
        if !matches!(next, b']' | b'}' | b',' | b':') {
            start_value(&mut stack);
        }
    }
    let mut out = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k), .. } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Frame::Array { index: Some(n) } => out.push_str(&format!("[{n}]")),
            // An empty container, or one whose first key is not read yet: the container.
            Frame::Object { key: None, .. } | Frame::Array { index: None } => break,
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// An array's first element starts (later ones are counted at their commas).
fn start_value(stack: &mut [Frame]) {
    if let Some(Frame::Array { index: index @ None }) = stack.last_mut() {
        *index = Some(0);
    }
}

/// The byte offset just past `line`/`column`, clamped to the text.
fn offset(text: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].iter().position(|&b| b == b'\n') {
            Some(n) => start += n + 1,
            None => return text.len(),
        }
    }
    (start + column).min(text.len())
}

/// A string's contents from just after its opening quote, and the index after its closing
/// quote (or `end`). Escapes are decoded; invalid ones are kept as written.
fn string(text: &[u8], mut i: usize, end: usize) -> (String, usize) {
    let mut raw = Vec::new();
    while i < end {
        match text[i] {
            b'"' => return (decode(&raw), i + 1),
            b'\\' if i + 1 < end => {
                raw.extend_from_slice(&text[i..i + 2]);
                i += 2;
            }
            b => {
                raw.push(b);
                i += 1;
            }
        }
    }
    (decode(&raw), end)
}

fn decode(raw: &[u8]) -> String {
    if !raw.contains(&b'\\') {
        return String::from_utf8_lossy(raw).into_owned();
    }
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice(&quoted).unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde::Deserialize;
    use serde_json::{json, Value};

    use super::path_at;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Page {
        data: Vec<Item>,
        meta: Option<BTreeMap<String, u32>>,
        #[serde(default)]
        extra: BTreeMap<String, i64>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        count: Option<i64>,
        flags: Option<Vec<bool>>,
        inner: Option<Inner>,
        either: Option<Either>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        #[serde(rename = "na\"me")]
        name: String,
        values: Vec<Vec<f64>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum Either {
        Number(i64),
        Named { label: String },
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Kind {
        Plain,
        Fancy,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Top {
        kind: Kind,
        page: Page,
    }

    /// `serde_path_to_error`'s path for a failing decode, and [`path_at`]'s. For a buffered
    /// value (an untagged enum), which serde_json can only place at the end of the object
    /// holding it, the path wanted is that object's.
    fn both<T: DeserializeOwned + std::fmt::Debug>(text: &str) -> Option<(String, String)> {
        let mut de = serde_json::Deserializer::from_str(text);
        let (mut wanted, buffered) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(_) => return None,
            Err(e) => (e.path().to_string(), e.inner().to_string().contains("untagged enum")),
        };
        if buffered {
            wanted = match wanted.rfind('.') {
                Some(dot) => wanted[..dot].to_owned(),
                None => ".".to_owned(),
            };
        }
        let e = serde_json::from_str::<T>(text).expect_err("fails with the path tracker");
        Some((wanted, path_at(text.as_bytes(), e.line(), e.column())))
    }

    #[test]
    fn examples() {
        let cases = [
            (r#"{"kind": "plain", "page": {"data": [{"id": 1}]}}"#, "page.data[0].id"),
            (r#"{"kind": "plain", "page": {"data": [{"id": "a"}, {"id": "b", "count": "x"}]}}"#, "page.data[1].count"),
            (r#"{"kind": "plain", "page": {"data": [{"id": "a"}, {"count": 1}]}}"#, "page.data[1]"),
            (r#"{"kind": "odd", "page": {"data": []}}"#, "kind"),
            (r#"{"kind": "plain", "page": {"data": [], "extra": {"a\"b": "x"}}}"#, "page.extra.a\"b"),
            (r#"{"kind": "plain", "page": {"data": [{"id": "a", "either": [1]}]}}"#, "page.data[0]"),
            (
                r#"{"kind": "plain", "page": {"data": [{"id": "a", "inner": {"na\"me": "n", "values": [[1], [2, "x"]]}}]}}"#,
                "page.data[0].inner.values[1][1]",
            ),
            ("[]", "."),
            (
                "{\n  \"kind\": \"plain\",\n  \"page\": {\n    \"data\": [\n      {\"id\": true}\n    ]\n  }\n}",
                "page.data[0].id",
            ),
        ];
        for (text, path) in cases {
            let (wanted, got) = both::<Top>(text).unwrap_or_else(|| panic!("{text} decodes"));
            assert_eq!(wanted, path, "serde_path_to_error on {text}");
            assert_eq!(got, path, "path_at on {text}");
        }
    }

    /// A value shaped like `Top`, with any leaf possibly of the wrong type or missing.
    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z\"\\\\ ]{0,6}".prop_map(Value::from),
            Just(json!([])),
            Just(json!({})),
        ]
    }

    fn maybe(right: impl Strategy<Value = Value> + 'static) -> impl Strategy<Value = Value> {
        prop_oneof![8 => right, 1 => leaf()]
    }

    fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
        let (names, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
        (values, proptest::collection::vec(any::<bool>(), names.len()))
            .prop_map(move |(values, keep)| {
                let map = names
                    .iter()
                    .zip(values)
                    .zip(keep)
                    .filter(|(_, k)| *k || names.len() < 2)
                    .map(|((n, v), _)| ((*n).to_owned(), v))
                    .collect();
                Value::Object(map)
            })
            .boxed()
    }

    fn top() -> BoxedStrategy<Value> {
        let inner = object(vec![
            ("na\"me", maybe("[a-z]{0,4}".prop_map(Value::from)).boxed()),
            (
                "values",
                maybe(
                    proptest::collection::vec(
                        maybe(
                            proptest::collection::vec(maybe((-9f64..9.0).prop_map(Value::from)), 0..3)
                                .prop_map(Value::from),
                        ),
                        0..3,
                    )
                    .prop_map(Value::from),
                )
                .boxed(),
            ),
        ]);
        let either =
            prop_oneof![any::<i64>().prop_map(Value::from), "[a-z]{0,3}".prop_map(|s| json!({ "label": s })), leaf()];
        let item = object(vec![
            ("id", maybe("[a-z0-9]{0,4}".prop_map(Value::from)).boxed()),
            ("count", maybe(any::<i64>().prop_map(Value::from)).boxed()),
            (
                "flags",
                maybe(
                    proptest::collection::vec(maybe(any::<bool>().prop_map(Value::from)), 0..3).prop_map(Value::from),
                )
                .boxed(),
            ),
            ("inner", maybe(inner).boxed()),
            ("either", either.boxed()),
        ]);
        let page = object(vec![
            ("data", maybe(proptest::collection::vec(maybe(item), 0..4).prop_map(Value::from)).boxed()),
            (
                "meta",
                maybe(
                    proptest::collection::btree_map("[a-z]{1,2}", maybe((0u32..9).prop_map(Value::from)), 0..3)
                        .prop_map(|m| json!(m)),
                )
                .boxed(),
            ),
            (
                "extra",
                maybe(
                    proptest::collection::btree_map(
                        "[a-z\\\\\"]{1,3}",
                        maybe(any::<i64>().prop_map(Value::from)),
                        0..3,
                    )
                    .prop_map(|m| json!(m)),
                )
                .boxed(),
            ),
        ]);
        object(vec![
            ("kind", maybe(prop_oneof![Just(json!("plain")), Just(json!("fancy")), Just(json!("other"))]).boxed()),
            ("page", maybe(page).boxed()),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever fails to decode, compact or pretty-printed, gets the path
        /// `serde_path_to_error` would give.
        #[test]
        fn paths_agree_with_serde_path_to_error(value in top(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
            if let Some((wanted, got)) = both::<Top>(&text) {
                prop_assert_eq!(wanted, got, "{}", text);
            }
        }
    }
}
