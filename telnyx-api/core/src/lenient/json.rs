//! The JSON document the lenient passes walk: borrowed from the body's text where it can be
//! (strings without escapes), objects as vectors of members.
//!
//! `serde_json::Value` would do, but reading a body into it costs more than decoding the body
//! into its type: with `preserve_order` (on in this workspace) every member goes into an
//! `IndexMap` and is hashed with SipHash, and every string is copied. A deviating 20-record
//! page spent more time building its `Value` than in the lenient pass over it
//! (`benches/decode.rs`); this is the same document at a fraction of the allocations.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A JSON value. A member that appears twice is kept twice, as the text has it (serde's
/// derived structs reject that, as they do when decoding the text itself). A string or member
/// name borrowed from the text had no escapes there, so it needs none when written again
/// (`lenient` relies on it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    Arr(Vec<Json<'a>>),
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// The document of a JSON text, strings borrowed from it where they have no escapes.
    pub(crate) fn parse(text: &'a [u8]) -> Result<Json<'a>, serde_json::Error> {
        // UTF-8 checked once for the whole text (a `&[u8]` reader checks each string again).
        match std::str::from_utf8(text) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(text),
        }
    }

    /// The same document as a `serde_json::Value`, its strings borrowed.
    #[cfg(test)]
    pub(crate) fn from_value(v: &'a Value) -> Json<'a> {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Json::U64(u),
                (None, Some(i)) => Json::I64(i),
                _ => Json::F64(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => Json::Str(Cow::Borrowed(s)),
            Value::Array(items) => Json::Arr(items.iter().map(Json::from_value).collect()),
            Value::Object(members) => {
                Json::Obj(members.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::from_value(v))).collect())
            }
        }
    }

    /// As a `serde_json::Value` (for what a deviation found).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::U64(u) => Value::from(*u),
            Json::I64(i) => Value::from(*i),
            Json::F64(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Json::Str(s) => Value::String(s.to_string()),
            Json::Arr(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Obj(members) => Value::Object(members.iter().map(|(k, v)| (k.to_string(), v.to_value())).collect()),
        }
    }

    /// The member `key` (the last, if it appears twice, as `serde_json::Value` keeps it).
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Obj(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The element `index` of an array.
    #[cfg(test)]
    pub(crate) fn at(&self, index: usize) -> Option<&Json<'a>> {
        match self {
            Json::Arr(items) => items.get(index),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        Json::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(if v >= 0 { Json::U64(v as u64) } else { Json::I64(v) })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        Ok(Json::F64(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(key) = map.next_key::<Key<'de>>()? {
            members.push((key.0, map.next_value()?));
        }
        Ok(Json::Obj(members))
    }
}

/// A member name, borrowed from the text where it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_reads_as_serde_json_reads_it_and_borrows_its_strings() {
        let text = br#"{"a": [1, -2, 3.5, true, null, "x\n"], "b": {"c": "plain"}, "big": 18446744073709551615}"#;
        let json = Json::parse(text).unwrap();
        assert_eq!(json.to_value(), serde_json::from_slice::<Value>(text).unwrap());
        assert!(matches!(json.get("b").and_then(|b| b.get("c")), Some(Json::Str(Cow::Borrowed("plain")))));
        assert!(matches!(json.get("a").and_then(|a| a.at(5)), Some(Json::Str(Cow::Owned(s))) if s == "x\n"));
        let value = serde_json::from_slice::<Value>(text).unwrap();
        assert_eq!(Json::from_value(&value), json);
    }

    #[test]
    fn a_repeated_member_is_kept_twice_and_read_as_the_last() {
        let json = Json::parse(br#"{"k": 1, "k": 2}"#).unwrap();
        assert!(matches!(&json, Json::Obj(m) if m.len() == 2));
        assert_eq!(json.get("k"), Some(&Json::U64(2)));
    }
}
