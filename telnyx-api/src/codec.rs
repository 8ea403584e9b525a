//! Serde helpers used by generated types. Written once here so each generated type carries
//! only data (its variants and wire strings), not serialization logic.

use serde::de::{DeserializeOwned, Deserializer, Error as _};
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
pub fn enum_from_str<'de, D: Deserializer<'de>, T: for<'a> From<&'a str>>(deserializer: D) -> Result<T, D::Error> {
    struct Visitor<T>(std::marker::PhantomData<T>);
    impl<T: for<'a> From<&'a str>> serde::de::Visitor<'_> for Visitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from(v))
        }
        // Some Telnyx "string" enums are sent as booleans or numbers ("true", 0); keep them.
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<T, E> {
            Ok(T::from(if v { "true" } else { "false" }))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
            Ok(T::from(v.to_string().as_str()))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
            Ok(T::from(v.to_string().as_str()))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
            Ok(T::from(v.to_string().as_str()))
        }
    }
    deserializer.deserialize_any(Visitor(std::marker::PhantomData)).map_err(|e: D::Error| D::Error::custom(e))
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
