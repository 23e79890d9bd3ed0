//! Rust → Lua: [`LuaSerializer`] pushes one value per serde call.

use ::serde::ser::{self, Serialize};

use super::ser_table::TableSerializer;
use crate::error::{Error, Result};
use crate::raw::stack::Stack;

/// A [`serde::Serializer`](::serde::Serializer) that pushes the value it is
/// given onto a [`Stack`] as exactly one Lua value (the mapping is in the
/// table below). Each value is checked against
/// [`MAX_DEPTH`](crate::MAX_DEPTH) (the top value is depth 0), and every
/// allocating push is protected, so a memory limit gives
/// [`Error::Memory`].
///
/// | serde | Lua |
/// | --- | --- |
/// | bool | boolean |
/// | i8 ... i64, u8 ... u64, i128, u128 | integer if it fits in `i64`, else a float |
/// | f32, f64 | float |
/// | char, str | string |
/// | bytes | string |
/// | none, unit, unit struct | nil |
/// | some, newtype struct | the inner value |
/// | seq, tuple, tuple struct | table with items at `1..=n` |
/// | map | table (a key that becomes nil or NaN is an error) |
/// | struct | table with string keys |
/// | unit variant | the variant name |
/// | newtype / tuple / struct variant | `{ Name = inner }` |
///
/// [`Stack::push_serialize`] is the usual way to use it; on failure it also
/// removes anything pushed on the way, which the serializer alone leaves.
///
/// ```
/// use lua_core::{Kind, Lua, LuaSerializer};
/// use serde::Serialize;
///
/// let lua = Lua::new();
/// lua.with_stack(|stack| {
///     (1, "two", [3.0]).serialize(LuaSerializer::new(stack))?;
///     let value = stack.value(-1);
///     assert_eq!(value.kind(), Kind::Table);
///     assert_eq!(value.deserialize::<(i32, String, Vec<f64>)>()?, (1, "two".into(), vec![3.0]));
///     Ok(())
/// })?;
/// # Ok::<(), lua_core::Error>(())
/// ```
pub struct LuaSerializer<'s, 'a> {
    pub(super) stack: &'s mut Stack<'a>,
    pub(super) depth: usize,
}

impl<'s, 'a> LuaSerializer<'s, 'a> {
    /// A serializer that pushes onto `stack`, the value at depth 0.
    ///
    /// ```
    /// use lua_core::{Lua, LuaSerializer};
    /// use serde::Serialize;
    ///
    /// let lua = Lua::new();
    /// let n = lua.with_stack(|stack| {
    ///     42u8.serialize(LuaSerializer::new(stack))?;
    ///     Ok(stack.value(-1).as_integer())
    /// })?;
    /// assert_eq!(n, Some(42));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn new(stack: &'s mut Stack<'a>) -> Self {
        LuaSerializer { stack, depth: 0 }
    }

    /// Checks the depth limit and reserves room for this value's level.
    fn enter(&self) -> Result<()> {
        self.stack.enter(self.depth)
    }

    /// The serializer for a value inside this one.
    fn child(&mut self) -> LuaSerializer<'_, 'a> {
        LuaSerializer { stack: &mut *self.stack, depth: self.depth + 1 }
    }

    fn push_nil(self) -> Result<()> {
        self.stack.push_nil()
    }

    fn push_integer(self, i: i64) -> Result<()> {
        self.enter()?;
        self.stack.push_integer(i)
    }

    fn push_number(self, n: f64) -> Result<()> {
        self.enter()?;
        self.stack.push_number(n)
    }

    fn push_bytes(self, bytes: &[u8]) -> Result<()> {
        self.enter()?;
        self.stack.push_bytes(bytes)
    }

    /// Pushes a new table for a container's items.
    fn table(self, narr: usize, nrec: usize) -> Result<TableSerializer<'s, 'a>> {
        self.enter()?;
        self.stack.push_table(narr, nrec)?;
        Ok(TableSerializer { stack: self.stack, depth: self.depth, next: 1, variant: None })
    }

    /// Pushes `{ variant = <new table> }`'s outer table and the inner table;
    /// the inner one is stored under `variant` when it is complete.
    fn variant_table(self, variant: &'static str, narr: usize, nrec: usize) -> Result<TableSerializer<'s, 'a>> {
        self.enter()?;
        self.stack.push_table(0, 1)?;
        let mut inner = LuaSerializer { stack: self.stack, depth: self.depth + 1 }.table(narr, nrec)?;
        inner.variant = Some(variant);
        Ok(inner)
    }
}

impl<'s, 'a> ser::Serializer for LuaSerializer<'s, 'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = TableSerializer<'s, 'a>;
    type SerializeTuple = TableSerializer<'s, 'a>;
    type SerializeTupleStruct = TableSerializer<'s, 'a>;
    type SerializeTupleVariant = TableSerializer<'s, 'a>;
    type SerializeMap = TableSerializer<'s, 'a>;
    type SerializeStruct = TableSerializer<'s, 'a>;
    type SerializeStructVariant = TableSerializer<'s, 'a>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.enter()?;
        self.stack.push_boolean(v)
    }

    fn serialize_i8(self, v: i8) -> Result<()> {
        self.push_integer(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<()> {
        self.push_integer(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<()> {
        self.push_integer(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<()> {
        self.push_integer(v)
    }

    fn serialize_i128(self, v: i128) -> Result<()> {
        match i64::try_from(v) {
            Ok(i) => self.push_integer(i),
            Err(_) => self.push_number(v as f64),
        }
    }

    fn serialize_u8(self, v: u8) -> Result<()> {
        self.push_integer(v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<()> {
        self.push_integer(v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<()> {
        self.push_integer(v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<()> {
        match i64::try_from(v) {
            Ok(i) => self.push_integer(i),
            Err(_) => self.push_number(v as f64),
        }
    }

    fn serialize_u128(self, v: u128) -> Result<()> {
        match i64::try_from(v) {
            Ok(i) => self.push_integer(i),
            Err(_) => self.push_number(v as f64),
        }
    }

    fn serialize_f32(self, v: f32) -> Result<()> {
        self.push_number(v.into())
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.push_number(v)
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.push_bytes(v.encode_utf8(&mut [0; 4]).as_bytes())
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.push_bytes(v.as_bytes())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        self.push_bytes(v)
    }

    fn serialize_none(self) -> Result<()> {
        self.push_nil()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.push_nil()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.push_nil()
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<()> {
        self.push_bytes(variant.as_bytes())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let mut this = self;
        this.enter()?;
        this.stack.push_table(0, 1)?;
        value.serialize(this.child())?;
        this.stack.set_field(variant.as_bytes())
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<TableSerializer<'s, 'a>> {
        self.table(len.unwrap_or(0), 0)
    }

    fn serialize_tuple(self, len: usize) -> Result<TableSerializer<'s, 'a>> {
        self.table(len, 0)
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<TableSerializer<'s, 'a>> {
        self.table(len, 0)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<TableSerializer<'s, 'a>> {
        self.variant_table(variant, len, 0)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<TableSerializer<'s, 'a>> {
        self.table(0, len.unwrap_or(0))
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<TableSerializer<'s, 'a>> {
        self.table(0, len)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<TableSerializer<'s, 'a>> {
        self.variant_table(variant, 0, len)
    }
}
