//! How a parameter value becomes query pairs (also header values and form fields): the
//! OpenAPI `style` and `explode` rules, and Telnyx's reading of arrays in a `deepObject`.

use serde_json::Value;

/// How an array or object query parameter is spread over the query string (OpenAPI `style` and
/// `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum QueryStyle {
    /// `style: form, explode: true` (the default): `ids=1&ids=2`, objects as `key=value`.
    FormExplode,
    /// `style: form, explode: false`: `ids=1,2`.
    FormComma,
    /// `style: deepObject`: `filter[key]=value`, nested as `filter[a][b]=value`.
    DeepObject,
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Spread one value into query pairs by OpenAPI style rules.
pub(super) fn flatten(name: &str, value: Value, style: QueryStyle, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Array(items) => match style {
            QueryStyle::FormComma => {
                let joined: Vec<String> = items.iter().filter_map(scalar).collect();
                if !joined.is_empty() {
                    out.push((name.to_owned(), joined.join(",")));
                }
            }
            QueryStyle::FormExplode => {
                for item in items {
                    flatten(name, item, style, out);
                }
            }
            // OpenAPI leaves arrays in a deepObject undefined. Telnyx reads them the way Plug and
            // Rack do, `filter[status][in][]=a&filter[status][in][]=b` (without the `[]` only the
            // last value counts), which is how its specs named such parameters before they were
            // consolidated into deepObject ones.
            QueryStyle::DeepObject => {
                let name = format!("{name}[]");
                for item in items {
                    flatten(&name, item, style, out);
                }
            }
        },
        Value::Object(map) => match style {
            QueryStyle::DeepObject => {
                for (k, v) in map {
                    flatten(&format!("{name}[{k}]"), v, style, out);
                }
            }
            QueryStyle::FormExplode => {
                for (k, v) in map {
                    flatten(&k, v, style, out);
                }
            }
            QueryStyle::FormComma => {
                let mut parts = Vec::new();
                for (k, v) in map {
                    if let Some(v) = scalar(&v) {
                        parts.push(k);
                        parts.push(v);
                    }
                }
                // Like an empty array: nothing rather than a bare `name=`.
                if !parts.is_empty() {
                    out.push((name.to_owned(), parts.join(",")));
                }
            }
        },
        other => {
            if let Some(s) = scalar(&other) {
                out.push((name.to_owned(), s));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(name: &str, v: Value, style: QueryStyle) -> Vec<(String, String)> {
        let mut out = Vec::new();
        flatten(name, v, style, &mut out);
        out
    }

    #[test]
    fn query_styles() {
        use serde_json::json;
        assert_eq!(pairs("a", json!(null), QueryStyle::FormExplode), vec![]);
        assert_eq!(
            pairs("ids[]", json!(["x", "y"]), QueryStyle::FormExplode),
            vec![("ids[]".into(), "x".into()), ("ids[]".into(), "y".into())]
        );
        assert_eq!(pairs("ids", json!([1, 2]), QueryStyle::FormComma), vec![("ids".into(), "1,2".into())]);
        assert_eq!(
            pairs("filter", json!({"a": {"b": true}, "c": 1}), QueryStyle::DeepObject),
            vec![("filter[a][b]".into(), "true".into()), ("filter[c]".into(), "1".into())]
        );
    }

    #[test]
    fn empty_containers_add_nothing() {
        use serde_json::json;
        for style in [QueryStyle::FormExplode, QueryStyle::FormComma, QueryStyle::DeepObject] {
            assert_eq!(pairs("a", json!([]), style), vec![], "{style:?}");
            assert_eq!(pairs("a", json!({}), style), vec![], "{style:?}");
            assert_eq!(pairs("a", json!({"k": null}), style), vec![], "{style:?}");
        }
        assert_eq!(pairs("a", json!({"k": "v", "n": 1}), QueryStyle::FormComma), vec![("a".into(), "k,v,n,1".into())]);
    }
}
