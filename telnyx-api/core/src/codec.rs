//! Serde helpers used by generated types. Written once here so each generated type carries
//! only data (its variants and wire strings), not serialization logic.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

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

/// One variant of an untagged union, for [`untagged`]: `value` decoded as `V` and wrapped
/// into the union; `None` when it does not fit.
pub fn variant<V: DeserializeOwned, T>(value: &serde_json::Value, wrap: fn(V) -> T) -> Option<T> {
    V::deserialize(value).ok().map(wrap)
}

/// A variant decoder of an untagged union (see [`variant`]).
pub type Variant<T> = fn(&serde_json::Value) -> Option<T>;

/// Deserialize an untagged union (a `oneOf`/`anyOf` without a discriminator): the first
/// variant that fits, as serde's `untagged` does. (A lenient decoding has already brought the
/// value to the variant that fits best: [`crate::lenient`].)
pub fn untagged<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    name: &str,
    variants: &[Variant<T>],
) -> Result<T, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    variants
        .iter()
        .find_map(|f| f(&value))
        .ok_or_else(|| serde::de::Error::custom(format!("data did not match any variant of untagged enum {name}")))
}

/// The discriminator value of the variant of a tagged union (`shape`, [`Shape::Tagged`]) that
/// an object without its discriminator member is. Servers do send such frames: Telnyx's
/// text-to-speech WebSocket leaves `type` out of every frame the spec tags with it.
///
/// A variant is a candidate when it declares every member the object has (or keeps undeclared
/// ones), the object has each of its required members (but the discriminator), and no member
/// the variant pins to one value (`constants`: the variant's tag, then (member, the value's
/// JSON text)) has another value. The candidate that matches the most pinned values wins;
/// `None` (the union's `Unknown`) when none does, or two tie.
///
/// [`Shape::Tagged`]: crate::shape::Shape::Tagged
pub fn tagless(
    value: &serde_json::Value,
    shape: &'static crate::shape::Shape,
    constants: &[(&str, &[(&str, &str)])],
) -> Option<&'static str> {
    use crate::shape::Shape;
    let serde_json::Value::Object(members) = value else { return None };
    let Shape::Tagged { property, variants, .. } = shape.resolve() else { return None };
    let mut best: Option<(&'static str, usize)> = None;
    let mut tie = false;
    for (tag, variant) in *variants {
        let Shape::Struct(s) = variant.resolve() else { continue };
        let declared = |name: &str| s.fields.iter().any(|f| f.name == name);
        if !s.open && !members.keys().all(|k| declared(k)) {
            continue;
        }
        if s.fields.iter().any(|f| !f.optional && f.name != *property && !members.contains_key(f.name)) {
            continue;
        }
        let pinned = constants.iter().find(|(t, _)| t == tag).map_or(&[][..], |(_, c)| c);
        let mut score = 0;
        let mut conflict = false;
        for (member, json) in pinned {
            match members.get(*member) {
                Some(v) if serde_json::from_str::<serde_json::Value>(json).is_ok_and(|pin| pin == *v) => score += 1,
                Some(_) => conflict = true,
                None => {}
            }
        }
        if conflict {
            continue;
        }
        match best {
            Some((_, b)) if b > score => {}
            Some((_, b)) if b == score => tie = true,
            _ => {
                best = Some((tag, score));
                tie = false;
            }
        }
    }
    best.filter(|_| !tie).map(|(tag, _)| tag)
}

/// Serialize a variant of a union with a discriminator: the variant's JSON object, with the
/// property `prop` set to `tag` (the value the server sends) when the variant leaves it out,
/// null or empty (a `Default` variant struct whose discriminator field is a required `String`).
pub fn serialize_tagged<T: Serialize + ?Sized, S: Serializer>(
    value: &T,
    prop: &str,
    tag: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut json = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    if let serde_json::Value::Object(map) = &mut json {
        if map.get(prop).is_none_or(|v| v.is_null() || v.as_str() == Some("")) {
            map.insert(prop.to_owned(), serde_json::Value::String(tag.to_owned()));
        }
    }
    json.serialize(serializer)
}

/// Deserialize a string enum: any string is accepted, unknown ones become `Unknown(…)`.
///
/// The wire value is read as `WireText`, whose visitor is the same for every enum, so a
/// deserializer's `deserialize_any` is compiled once for all string enums instead of once per
/// enum type; only the `From<&str>` call is per enum.
pub fn enum_from_str<'de, D: Deserializer<'de>, T: for<'a> From<&'a str>>(deserializer: D) -> Result<T, D::Error> {
    WireText::deserialize(deserializer).map(|text| T::from(&text.0))
}

/// A string enum's value as sent: a string, or a boolean or number kept as its text (some
/// Telnyx "string" enums are sent as `true` or `0`). Also the member names of
/// [`OptionalFields`] structs, so every struct shares one key reader. Borrowed from the input
/// when it has no escapes.
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
        impl $crate::shape::Shaped for $name {
            const SHAPE: &'static $crate::shape::Shape = &$crate::shape::Shape::Enum(stringify!($name));
        }
    };
}
#[doc(hidden)]
pub use crate::__string_enum as string_enum;

/// A generated struct whose fields are all optional (most of the spec's objects), decoded by
/// filling its `Default` value key by key.
///
/// `serde`'s derive would give each such struct a field-name enum with its own visitor, a
/// `visit_seq` (structs from JSON arrays, which no Telnyx body uses), per-field "duplicate" and
/// "missing" bookkeeping, and one `deserialize_struct` of the deserializer per type. Here the
/// key is read as one shared type for every struct and the per-type code is the `match` in
/// [`set_field`](Self::set_field): `cargo xtask bench` measured the crate's clean build with
/// derived impls against these (see the README's Performance section). Decoding is the
/// derive's, except that a repeated key keeps its last value instead of being an error.
#[doc(hidden)]
pub trait OptionalFields: Default {
    /// The Rust type name, for "expected struct …" errors.
    const NAME: &'static str;
    /// Decode the value of the member named `key` into its field; skip an unknown member.
    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// The `Deserialize` of an [`OptionalFields`] struct: a JSON object, unknown members ignored.
pub fn deserialize_struct<'de, D: Deserializer<'de>, T: OptionalFields>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(StructVisitor(PhantomData))
}

/// [`OptionalFields`], `Deserialize` and `Serialize` (members in field order, `None` left
/// out) for a generated struct from its members' wire names and fields:
/// `optional_fields!(Name { "wire" => field, "other" => other nullable })`, where a
/// `nullable` field is an `Option<Option<T>>` whose `null` is `Some(None)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __optional_fields {
    ($name:ident { $($wire:literal => $field:ident $($nullable:ident)?),* $(,)? }) => {
        impl $crate::codec::OptionalFields for $name {
            const NAME: &'static str = stringify!($name);
            fn set_field<'de, A: ::serde::de::MapAccess<'de>>(
                &mut self,
                key: &str,
                map: &mut A,
            ) -> ::std::result::Result<(), A::Error> {
                match key {
                    $($wire => $crate::__optional_fields!(@set self.$field, map $($nullable)?),)*
                    _ => $crate::codec::skip_value(map)?,
                }
                Ok(())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                $crate::codec::deserialize_struct(d)
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap as _;
                let mut map = s.serialize_map(None)?;
                // `None` is skipped; a nullable field's `Some(None)` is sent as `null`.
                $(if let Some(value) = &self.$field {
                    map.serialize_entry($wire, value)?;
                })*
                map.end()
            }
        }
    };
    (@set $place:expr, $map:ident) => {
        $place = $map.next_value()?
    };
    (@set $place:expr, $map:ident nullable) => {
        $place = Some($map.next_value()?)
    };
}
#[doc(hidden)]
pub use crate::__optional_fields as optional_fields;

/// Skip the value of a member no field is named after.
pub fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(drop)
}

struct StructVisitor<T>(PhantomData<T>);

impl<'de, T: OptionalFields> Visitor<'de> for StructVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "struct {}", T::NAME)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        while let Some(key) = map.next_key::<WireText<'de>>()? {
            value.set_field(&key.0, &mut map)?;
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the generator emits for an all-optional struct with a renamed and a nullable field.
    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        name: Option<String>,
        r#type: Option<i64>,
        /// Nullable: `null` is `Some(None)`.
        note: Option<Option<String>>,
        child: Option<Box<Sample>>,
        tags: Option<Vec<String>>,
    }

    crate::codec::optional_fields!(Sample {
        "name" => name,
        "type" => r#type,
        "note" => note nullable,
        "child" => child,
        "tags" => tags,
    });

    /// The same struct through `serde`'s derives, to compare against.
    #[derive(Debug, Default, PartialEq, Deserialize, serde::Serialize)]
    struct Derived {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
        r#type: Option<i64>,
        #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
        note: Option<Option<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        child: Option<Box<Derived>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tags: Option<Vec<String>>,
    }

    /// Decode `json` both ways and check both encode to the same text.
    fn same(json: &str) -> Sample {
        let ours: Sample = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let derived: Derived = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&derived).unwrap(), "{json}");
        ours
    }

    #[test]
    fn members_absent_null_and_present_decode_as_the_derive_does() {
        assert_eq!(same("{}"), Sample::default());
        let s = same(r#"{"name":"a","type":3,"note":null,"tags":["x","y"]}"#);
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"name":"a","type":3,"note":null,"tags":["x","y"]}"#);
        assert_eq!(s.name.as_deref(), Some("a"));
        assert_eq!(s.r#type, Some(3));
        assert_eq!(s.note, Some(None), "null keeps 'clear this field' apart from absent");
        assert_eq!(same(r#"{"note":"n"}"#).note, Some(Some("n".into())));
        assert_eq!(same(r#"{"name":null}"#).name, None);
        let nested = same(r#"{"child":{"child":{"name":"deep"}}}"#);
        assert_eq!(nested.child.unwrap().child.unwrap().name.as_deref(), Some("deep"));
    }

    #[test]
    fn unknown_members_of_any_shape_are_skipped() {
        let s = same(r#"{"extra":{"a":[1,{"b":null}]},"name":"kept","more":[true,"x"],"n":1.5e3}"#);
        assert_eq!(s.name.as_deref(), Some("kept"));
    }

    #[test]
    fn escaped_member_names_are_matched_after_unescaping() {
        assert_eq!(same(r#"{"n\u0061me":"esc"}"#).name.as_deref(), Some("esc"));
    }

    #[test]
    fn a_repeated_member_keeps_its_last_value() {
        let s: Sample = serde_json::from_str(r#"{"name":"first","name":"second"}"#).unwrap();
        assert_eq!(s.name.as_deref(), Some("second"));
    }

    #[test]
    fn wrong_shapes_are_errors_that_name_the_struct_and_the_position() {
        let e = serde_json::from_str::<Sample>("[1]").unwrap_err();
        assert!(e.to_string().contains("expected struct Sample"), "{e}");
        let e = serde_json::from_str::<Sample>(r#"{"name": 5}"#).unwrap_err();
        assert!(e.to_string().contains("invalid type: integer `5`, expected a string"), "{e}");
        assert_eq!((e.line(), e.column()), (1, 10));
        let e = serde_json::from_str::<Sample>(r#"{"child": {"type": "x"}}"#).unwrap_err();
        // Just past the inner value, which the client's error turns into the path `child.type`.
        assert_eq!((e.line(), e.column()), (1, 22));
        assert!(serde_json::from_str::<Sample>(r#"{"name": "a""#).is_err());
    }

    #[test]
    fn decodes_from_a_json_value_and_inside_untagged_enums() {
        let s: Sample = serde_json::from_value(serde_json::json!({"name": "v", "note": null})).unwrap();
        assert_eq!((s.name.as_deref(), s.note), (Some("v"), Some(None)));
        #[derive(Debug, Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(i64),
            Struct(Sample),
        }
        assert!(matches!(serde_json::from_str::<Either>("7").unwrap(), Either::Number(7)));
        match serde_json::from_str::<Either>(r#"{"type": 9}"#).unwrap() {
            Either::Struct(s) => assert_eq!(s.r#type, Some(9)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_value_without_its_tag_is_the_variant_its_members_tell() {
        use crate::shape::{defaulted, field, object, Field, Shape};
        // The text-to-speech frames: no member required, `isFinal` pinned to true in `done`.
        static CHUNK: Shape = object(
            "Chunk",
            &[defaulted::<String>("type"), defaulted::<String>("audio"), defaulted::<bool>("isFinal")],
            false,
        );
        static DONE: Shape = object("Done", &[defaulted::<String>("type"), defaulted::<bool>("isFinal")], false);
        static ERROR: Shape = object("Error", &[field::<String>("type"), field::<String>("error")], false);
        static OPEN: Shape = object("Open", &[Field { name: "x", shape: &Shape::String, optional: true }], true);
        static UNION: Shape = Shape::Tagged {
            name: "Frame",
            property: "type",
            variants: &[("chunk", &CHUNK), ("done", &DONE), ("error", &ERROR)],
        };
        let pinned: &[(&str, &[(&str, &str)])] = &[("done", &[("isFinal", "true")])];
        let tag = |v: serde_json::Value| tagless(&v, &UNION, pinned);
        assert_eq!(tag(serde_json::json!({"audio": "AAA", "isFinal": false})), Some("chunk"));
        assert_eq!(tag(serde_json::json!({"isFinal": true})), Some("done"), "the pinned value wins");
        // `type` is required of `error`, but it is the tag: not asked for.
        assert_eq!(tag(serde_json::json!({"error": "Invalid voice"})), Some("error"));
        assert_eq!(tag(serde_json::json!({"other": 1})), None, "a member no variant declares");
        assert_eq!(tag(serde_json::json!({})), None, "chunk and done tie");
        assert_eq!(tag(serde_json::json!("text")), None, "not an object");
        // A variant that keeps undeclared members takes any object.
        static OPEN_UNION: Shape =
            Shape::Tagged { name: "Either", property: "kind", variants: &[("open", &OPEN), ("error", &ERROR)] };
        assert_eq!(tagless(&serde_json::json!({"y": 1}), &OPEN_UNION, &[]), Some("open"));
    }
}
