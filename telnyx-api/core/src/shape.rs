//! What a type looks like in JSON, as data: the generator writes a [`Shape`] for every type it
//! emits ([`Shaped`]), and [`crate::lenient`] walks a deviating body with it.
//!
//! A shape is static data, not code: one `static` per type, in the crate that defines the type,
//! behind a function of that crate ([`Shape::Named`]: recursive types refer to themselves, and
//! a constant cannot), where a second `Deserialize` instantiation per type (a lenient
//! deserializer) costs a quarter of the whole build. The lenient decoding brings a body to the shape of its type and then decodes it
//! with the very `serde_json::from_slice::<T>` a conforming body goes through.

use std::collections::{BTreeMap, HashMap};

#[doc(inline)]
pub use crate::shaped;

/// A shape, by reference.
pub type ShapeRef = &'static Shape;

/// The JSON form of a type.
#[derive(Debug)]
#[non_exhaustive]
pub enum Shape {
    /// Any JSON value (`serde_json::Value`).
    Any,
    /// `null` only (`()`).
    Unit,
    /// A string.
    String,
    /// An integer in `min..=max` (`i64`, `u32`, …).
    Integer {
        /// The least value the type holds.
        min: i64,
        /// The greatest value the type holds.
        max: u64,
    },
    /// Any number (`f64`).
    Number,
    /// `true` or `false`.
    Boolean,
    /// Any JSON object (`serde_json::Map`).
    Object,
    /// A string enum with an `Unknown` variant: any string (a number or boolean too, as text).
    Enum(&'static str),
    /// An array of the shape.
    Array(ShapeRef),
    /// An object whose members all have the shape (`BTreeMap<String, _>`).
    Map(ShapeRef),
    /// `null` or the shape (`Option<_>`).
    Nullable(ShapeRef),
    /// An object with declared members.
    Struct(Struct),
    /// A union decoded by trying its variants in order.
    Untagged {
        /// The Rust name of the union.
        name: &'static str,
        /// The variants' shapes, in the order they are tried.
        variants: &'static [ShapeRef],
    },
    /// A named type's shape, behind the function (of the type's own crate) that returns it.
    Named(fn() -> &'static Shape),
    /// A union dispatched on a member's value; any other value is its `Unknown` variant.
    Tagged {
        /// The Rust name of the union.
        name: &'static str,
        /// The discriminator member.
        property: &'static str,
        /// Discriminator value → the variant's shape.
        variants: &'static [(&'static str, ShapeRef)],
    },
}

/// An object with declared members.
#[derive(Debug)]
pub struct Struct {
    /// The Rust name of the type.
    pub name: &'static str,
    /// The declared members.
    pub fields: &'static [Field],
    /// Whether the type keeps undeclared members (a map of them, flattened): they are then
    /// not undeclared ([`crate::lenient::undeclared`]).
    pub open: bool,
}

/// A declared member of a [`Struct`].
#[derive(Debug)]
pub struct Field {
    /// The member's name on the wire.
    pub name: &'static str,
    /// The member's shape.
    pub shape: ShapeRef,
    /// Whether the member may be left out (an `Option` field).
    pub optional: bool,
}

/// The shape of an object with the members `fields` (`open`: see [`Struct::open`]).
pub const fn object(name: &'static str, fields: &'static [Field], open: bool) -> Shape {
    Shape::Struct(Struct { name, fields, open })
}

/// `T`'s shape.
pub const fn of<T: Shaped + ?Sized>() -> ShapeRef {
    T::SHAPE
}

/// The member `name` of type `T`.
pub const fn field<T: Shaped + ?Sized>(name: &'static str) -> Field {
    Field { name, shape: T::SHAPE, optional: T::OPTIONAL }
}

/// The member `name` of type `T`, which may be left out whatever `T` is (`#[serde(default)]`).
pub const fn defaulted<T: Shaped + ?Sized>(name: &'static str) -> Field {
    Field { name, shape: T::SHAPE, optional: true }
}

/// A type whose JSON form is known as a [`Shape`].
pub trait Shaped {
    /// The shape: for a named type, [`Shape::Named`] (`shaped!` writes it so).
    const SHAPE: &'static Shape;
    /// Whether a struct member of this type may be left out (`Option`, as serde's derive
    /// treats it).
    const OPTIONAL: bool = false;
}

macro_rules! scalar {
    ($($t:ty => $shape:expr),* $(,)?) => {
        $(impl Shaped for $t {
            const SHAPE: &'static Shape = &$shape;
        })*
    };
}

scalar! {
    String => Shape::String,
    str => Shape::String,
    bool => Shape::Boolean,
    f64 => Shape::Number,
    f32 => Shape::Number,
    i64 => Shape::Integer { min: i64::MIN, max: i64::MAX as u64 },
    i32 => Shape::Integer { min: i32::MIN as i64, max: i32::MAX as u64 },
    i16 => Shape::Integer { min: i16::MIN as i64, max: i16::MAX as u64 },
    u64 => Shape::Integer { min: 0, max: u64::MAX },
    u32 => Shape::Integer { min: 0, max: u32::MAX as u64 },
    u16 => Shape::Integer { min: 0, max: u16::MAX as u64 },
    u8 => Shape::Integer { min: 0, max: u8::MAX as u64 },
    () => Shape::Unit,
    serde_json::Value => Shape::Any,
    serde_json::Map<String, serde_json::Value> => Shape::Object,
    crate::UploadFile => Shape::Any,
}

impl<T: Shaped> Shaped for Option<T> {
    const SHAPE: &'static Shape = &Shape::Nullable(T::SHAPE);
    const OPTIONAL: bool = true;
}

impl<T: Shaped + ?Sized> Shaped for Box<T> {
    const SHAPE: &'static Shape = T::SHAPE;
    const OPTIONAL: bool = T::OPTIONAL;
}

impl<T: Shaped> Shaped for Vec<T> {
    const SHAPE: &'static Shape = &Shape::Array(T::SHAPE);
}

impl<T: Shaped> Shaped for BTreeMap<String, T> {
    const SHAPE: &'static Shape = &Shape::Map(T::SHAPE);
}

impl<T: Shaped, S> Shaped for HashMap<String, T, S> {
    const SHAPE: &'static Shape = &Shape::Map(T::SHAPE);
}

impl Shape {
    /// The shape itself: through [`Shape::Named`] to the named type's.
    pub fn resolve(&'static self) -> &'static Shape {
        let mut shape = self;
        while let Shape::Named(f) = shape {
            shape = f();
        }
        shape
    }
}

/// [`Shaped`] for a type: a struct's members (`"wire name": Type`, or `"wire name" => Type` for
/// one that `#[serde(default)]` lets be left out; `open` first when the struct keeps undeclared
/// members), a union's variants (`untagged [A, B]`, `tagged "prop" { "tag": A }`).
///
/// ```
/// use telnyx_api_core::shape::{Shape, Shaped};
///
/// #[derive(serde::Deserialize)]
/// struct Number {
///     phone_number: String,
///     tags: Option<Vec<String>>,
/// }
/// telnyx_api_core::shaped!(Number { "phone_number": String, "tags": Option<Vec<String>> });
///
/// let Shape::Struct(s) = Number::SHAPE.resolve() else { unreachable!() };
/// assert_eq!((s.fields[0].name, s.fields[0].optional, s.fields[1].optional), ("phone_number", false, true));
/// ```
#[macro_export]
macro_rules! shaped {
    ($name:ident { $($wire:literal $sep:tt $ty:ty),* $(,)? }) => {
        $crate::shaped!(@struct $name false { $($wire $sep $ty),* });
    };
    ($name:ident open { $($wire:literal $sep:tt $ty:ty),* $(,)? }) => {
        $crate::shaped!(@struct $name true { $($wire $sep $ty),* });
    };
    (@struct $name:ident $open:literal { $($wire:literal $sep:tt $ty:ty),* }) => {
        impl $crate::shape::Shaped for $name {
            const SHAPE: &'static $crate::shape::Shape = {
                fn shape() -> &'static $crate::shape::Shape {
                    static SHAPE: $crate::shape::Shape = $crate::shape::object(
                        stringify!($name),
                        &[$($crate::shaped!(@field $wire $sep $ty)),*],
                        $open,
                    );
                    &SHAPE
                }
                &$crate::shape::Shape::Named(shape)
            };
        }
    };
    (@field $wire:literal : $ty:ty) => {
        $crate::shape::field::<$ty>($wire)
    };
    (@field $wire:literal => $ty:ty) => {
        $crate::shape::defaulted::<$ty>($wire)
    };
    ($name:ident untagged [$($ty:ty),* $(,)?]) => {
        impl $crate::shape::Shaped for $name {
            const SHAPE: &'static $crate::shape::Shape = {
                fn shape() -> &'static $crate::shape::Shape {
                    static SHAPE: $crate::shape::Shape = $crate::shape::Shape::Untagged {
                        name: stringify!($name),
                        variants: &[$($crate::shape::of::<$ty>()),*],
                    };
                    &SHAPE
                }
                &$crate::shape::Shape::Named(shape)
            };
        }
    };
    ($name:ident tagged $prop:literal { $($tag:literal : $ty:ty),* $(,)? }) => {
        impl $crate::shape::Shaped for $name {
            const SHAPE: &'static $crate::shape::Shape = {
                fn shape() -> &'static $crate::shape::Shape {
                    static SHAPE: $crate::shape::Shape = $crate::shape::Shape::Tagged {
                        name: stringify!($name),
                        property: $prop,
                        variants: &[$(($tag, $crate::shape::of::<$ty>())),*],
                    };
                    &SHAPE
                }
                &$crate::shape::Shape::Named(shape)
            };
        }
    };
}
