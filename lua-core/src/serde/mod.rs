//! Conversions between Lua values and any [`serde`](::serde) type (the
//! optional `serde` feature).
//!
//! Both directions go straight through the stack, like the rest of the crate:
//! [`LuaSerializer`] pushes a value as serde describes it, and
//! [`LuaDeserializer`] reads a value in place, walking tables with raw reads,
//! so no intermediate tree is ever built.
//!
//! The mapping:
//!
//! | Rust (serde data model) | Lua |
//! | --- | --- |
//! | `bool` | boolean |
//! | integers that fit in `i64` | integer |
//! | `u64` / `u128` / `i128` beyond `i64` | float (rounded) |
//! | `f32`, `f64` (NaN and infinities too) | float |
//! | `char`, `str`, `String` | string |
//! | bytes (`serialize_bytes`, e.g. `serde_bytes`) | string (any bytes) |
//! | `None`, `()`, unit structs | nil |
//! | `Some(v)`, newtype structs | `v` itself |
//! | sequences, tuples, tuple structs | table `{v1, v2, ...}` (1-based) |
//! | maps | table `{[k] = v, ...}` |
//! | structs | table with string keys |
//! | enums (serde's external tagging) | `"Unit"`, `{Newtype = v}`, `{Tuple = {...}}`, `{Struct = {...}}` |
//!
//! A Lua table cannot hold nil, so a `None` inside a sequence leaves a hole.
//! Reading a sequence accepts holes (see [`LuaDeserializer`]); trailing
//! `None`s of a `Vec` are lost, those of a tuple read back as `None`.

mod de;
mod de_access;
mod de_dispatch;
mod de_probe;
mod entry;
mod ser;
mod ser_table;
mod wrapper;

use std::fmt;

use crate::error::Error;

pub use de::LuaDeserializer;
pub use ser::LuaSerializer;
pub use wrapper::Serde;

impl ::serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::conversion(msg.to_string())
    }
}

impl ::serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::conversion(msg.to_string())
    }
}
