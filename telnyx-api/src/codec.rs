//! Serde helpers used by generated types. Written once here so each generated type carries
//! only data (its variants and wire strings), not serialization logic.

use std::borrow::Cow;

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;

/// Deserialize an optional, nullable field: absent → `None` (via `#[serde(default)]`),
/// `null` → `Some(None)`, a value → `Some(Some(v))`. This keeps "clear this field" (`null`)
/// distinct from "leave it alone" (absent) when a value is sent back.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Deserialize a union variant from an already buffered JSON value.
pub fn from_value<T: DeserializeOwned, E: serde::de::Error>(value: serde_json::Value) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

/// Deserialize a string enum: any string is accepted, unknown ones become `Unknown(…)`.
///
/// The wire value is read as [`WireText`], whose visitor is the same for every enum, so a
/// deserializer's `deserialize_any` is compiled once for all string enums instead of once per
/// enum type; only the `From<&str>` call is per enum.
pub fn enum_from_str<'de, D: Deserializer<'de>, T: for<'a> From<&'a str>>(deserializer: D) -> Result<T, D::Error> {
    WireText::deserialize(deserializer).map(|text| T::from(&text.0))
}

/// A string enum's value as sent: a string, or a boolean or number kept as its text (some
/// Telnyx "string" enums are sent as `true` or `0`).
struct WireText<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for WireText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = WireText<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(WireText(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(WireText(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(WireText(Cow::Owned(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(WireText(Cow::Borrowed(if v { "true" } else { "false" })))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(WireText(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(WireText(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(WireText(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The impls every generated string enum gets from its `as_str` and `From<&str>`:
/// `Display`, `FromStr`, `From<String>`, `Serialize`, `Deserialize`, `Default`-free.
#[doc(hidden)]
#[macro_export]
macro_rules! __string_enum {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }
        impl ::std::convert::From<::std::string::String> for $name {
            fn from(s: ::std::string::String) -> Self {
                Self::from(s.as_str())
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                $crate::codec::enum_from_str(d)
            }
        }
    };
}
#[doc(hidden)]
pub use crate::__string_enum as string_enum;
