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

use std::ffi::{c_int, c_void};
use std::fmt;

use ::serde::de::{self, DeserializeOwned, DeserializeSeed, Unexpected};
use ::serde::ser::{self, Serialize};
use lua_sys::*;

use crate::convert::{FromLua, IntoLua};
use crate::error::{Error, Result};
use crate::lua::Lua;
use crate::stack::{Kind, Stack, StackValue, Visitor};
use crate::value::{AnyUserData, Function, Table, Thread, Value};

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::conversion(msg.to_string())
    }
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::conversion(msg.to_string())
    }
}

impl Lua {
    /// Converts any [`Serialize`] value to a Lua [`Value`] (see
    /// [`LuaSerializer`] for the mapping). Structs, maps and sequences become
    /// new tables. Fails with [`Error::Conversion`] for a value nested deeper
    /// than [`MAX_DEPTH`](crate::MAX_DEPTH) or that serde refuses, and with
    /// [`Error::Memory`] if the state's memory limit is reached.
    ///
    /// ```
    /// use lua_core::{Lua, Value};
    /// use serde::Serialize;
    ///
    /// #[derive(Serialize)]
    /// struct Point { x: i32, y: i32 }
    ///
    /// let lua = Lua::new();
    /// let point = lua.to_value(&Point { x: 3, y: 4 })?;
    /// lua.set_global("p", point)?;
    /// assert_eq!(lua.exec::<i64>("return p.x * p.y")?, 12);
    /// assert_eq!(lua.to_value("text")?, Value::String(b"text".to_vec()));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn to_value<T: Serialize + ?Sized>(&self, value: &T) -> Result<Value> {
        self.with_stack(|stack| {
            stack.push_serialize(value)?;
            Value::from_lua(stack.value(-1))
        })
    }

    /// Converts a Lua [`Value`] to any [`DeserializeOwned`] type (see
    /// [`LuaDeserializer`] for the rules). Tables are read in place, without
    /// metamethods. A mismatch (a string where a number is wanted, a missing
    /// field, a function) fails with [`Error::Conversion`] carrying serde's
    /// message.
    ///
    /// ```
    /// use lua_core::Lua;
    /// use serde::Deserialize;
    ///
    /// #[derive(Deserialize, Debug, PartialEq)]
    /// struct Config { name: String, retries: u32, tags: Vec<String> }
    ///
    /// let lua = Lua::new();
    /// let value = lua.exec("return { name = 'job', retries = 3, tags = {'a', 'b'} }")?;
    /// let config: Config = lua.from_value(value)?;
    /// assert_eq!(config, Config { name: "job".into(), retries: 3, tags: vec!["a".into(), "b".into()] });
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn from_value<T: DeserializeOwned>(&self, value: Value) -> Result<T> {
        self.with_stack(|stack| {
            value.push_into(stack)?;
            stack.value(-1).deserialize()
        })
    }
}

impl Stack<'_> {
    /// Pushes any [`Serialize`] value as exactly one Lua value, with no
    /// intermediate [`Value`]. If it fails, whatever was pushed on the
    /// way is removed again.
    ///
    /// ```
    /// use lua_core::Lua;
    /// use std::collections::BTreeMap;
    ///
    /// let lua = Lua::new();
    /// let scores = BTreeMap::from([("ann", 3), ("bob", 5)]);
    /// lua.set_global_with(b"scores", |stack| stack.push_serialize(&scores))?;
    /// assert_eq!(lua.exec::<i64>("return scores.ann + scores.bob")?, 8);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn push_serialize<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let top = self.top();
        let result = value.serialize(LuaSerializer::new(self));
        if result.is_err() && self.top() > top {
            self.pop(self.top() - top);
        }
        result
    }
}

impl StackValue<'_> {
    /// Reads this value as any [`DeserializeOwned`] type, in place (see
    /// [`LuaDeserializer`]).
    ///
    /// ```
    /// use lua_core::Lua;
    ///
    /// let lua = Lua::new();
    /// let pairs = lua.exec_source_with(c"return {{1, 'one'}, {2, 'two'}}", |results| {
    ///     results.get(0).deserialize::<Vec<(u8, String)>>()
    /// })??;
    /// assert_eq!(pairs, vec![(1, "one".to_string()), (2, "two".to_string())]);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(LuaDeserializer::new(*self))
    }
}

/// Moves any serde type in and out of Lua as a typed value: `Serde<T>`
/// is [`IntoLua`] when `T: Serialize` and [`FromLua`] when
/// `T: DeserializeOwned`, so it works wherever those traits do (globals,
/// arguments, results), converting straight on the stack.
///
/// ```
/// use lua_core::{Lua, Serde};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// enum Shape { Circle { r: f64 }, Square(f64) }
///
/// let lua = Lua::new();
/// lua.set_global("shape", Serde(Shape::Circle { r: 2.0 }))?;
/// assert_eq!(lua.exec::<f64>("return shape.Circle.r")?, 2.0);
/// let Serde(back): Serde<Shape> = lua.exec("return { Square = 1.5 }")?;
/// assert_eq!(back, Shape::Square(1.5));
/// # Ok::<(), lua_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Serde<T>(pub T);

impl<T: Serialize> IntoLua for Serde<T> {
    fn push_into(self, stack: &Stack<'_>) -> Result<()> {
        stack.push_serialize(&self.0)
    }
}

impl<T: DeserializeOwned> FromLua for Serde<T> {
    fn from_lua(value: StackValue<'_>) -> Result<Self> {
        value.deserialize().map(Serde)
    }
}

// ---------------------------------------------------------------------------
// Rust → Lua

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
#[derive(Clone, Copy)]
pub struct LuaSerializer<'a> {
    stack: Stack<'a>,
    depth: usize,
}

impl<'a> LuaSerializer<'a> {
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
    pub fn new(stack: &Stack<'a>) -> Self {
        LuaSerializer { stack: *stack, depth: 0 }
    }

    /// Checks the depth limit and reserves room for this value's level.
    fn enter(&self) -> Result<()> {
        self.stack.enter(self.depth)
    }

    /// The serializer for a value inside this one.
    fn child(&self) -> LuaSerializer<'a> {
        LuaSerializer { stack: self.stack, depth: self.depth + 1 }
    }

    fn push_nil(self) -> Result<()> {
        self.stack.reserve(1)?;
        self.stack.push_nil();
        Ok(())
    }

    fn push_integer(self, i: i64) -> Result<()> {
        self.enter()?;
        self.stack.push_integer(i);
        Ok(())
    }

    fn push_number(self, n: f64) -> Result<()> {
        self.enter()?;
        self.stack.push_number(n);
        Ok(())
    }

    fn push_bytes(self, bytes: &[u8]) -> Result<()> {
        self.enter()?;
        self.stack.push_bytes(bytes)
    }

    /// Pushes a new table for a container's items.
    fn table(self, narr: usize, nrec: usize) -> Result<TableSerializer<'a>> {
        self.enter()?;
        self.stack.push_table(narr, nrec)?;
        Ok(TableSerializer { stack: self.stack, depth: self.depth, next: 1, variant: None })
    }

    /// Pushes `{ variant = <new table> }`'s outer table and the inner table;
    /// the inner one is stored under `variant` when it is complete.
    fn variant_table(self, variant: &'static str, narr: usize, nrec: usize) -> Result<TableSerializer<'a>> {
        self.enter()?;
        self.stack.push_table(0, 1)?;
        let mut inner = self.child().table(narr, nrec)?;
        inner.variant = Some(variant);
        Ok(inner)
    }
}

impl<'a> ser::Serializer for LuaSerializer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = TableSerializer<'a>;
    type SerializeTuple = TableSerializer<'a>;
    type SerializeTupleStruct = TableSerializer<'a>;
    type SerializeTupleVariant = TableSerializer<'a>;
    type SerializeMap = TableSerializer<'a>;
    type SerializeStruct = TableSerializer<'a>;
    type SerializeStructVariant = TableSerializer<'a>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.enter()?;
        self.stack.push_boolean(v);
        Ok(())
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
        self.enter()?;
        self.stack.push_table(0, 1)?;
        value.serialize(self.child())?;
        self.stack.set_field(variant.as_bytes())
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<TableSerializer<'a>> {
        self.table(len.unwrap_or(0), 0)
    }

    fn serialize_tuple(self, len: usize) -> Result<TableSerializer<'a>> {
        self.table(len, 0)
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<TableSerializer<'a>> {
        self.table(len, 0)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<TableSerializer<'a>> {
        self.variant_table(variant, len, 0)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<TableSerializer<'a>> {
        self.table(0, len.unwrap_or(0))
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<TableSerializer<'a>> {
        self.table(0, len)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<TableSerializer<'a>> {
        self.variant_table(variant, 0, len)
    }
}

/// Fills the table a [`LuaSerializer`] pushed for a sequence, tuple, map or
/// struct (serde's `SerializeSeq`, `SerializeMap`, ... traits); not used
/// directly.
pub struct TableSerializer<'a> {
    stack: Stack<'a>,
    /// The depth of the table itself; its items are one deeper.
    depth: usize,
    /// The next array index.
    next: i64,
    /// For an enum variant: the name to store the table under in the outer
    /// table just below it.
    variant: Option<&'static str>,
}

impl<'a> TableSerializer<'a> {
    fn item(&self) -> LuaSerializer<'a> {
        LuaSerializer { stack: self.stack, depth: self.depth + 1 }
    }

    /// With the table at -2 and an item at -1: appends the item.
    fn append<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(self.item())?;
        self.stack.set_index(self.next)?;
        self.next += 1;
        Ok(())
    }

    /// With the table at -2 and a value at -1: `table[name] = value`.
    fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<()> {
        value.serialize(self.item())?;
        self.stack.set_field(name.as_bytes())
    }

    fn finish(self) -> Result<()> {
        match self.variant {
            Some(variant) => self.stack.set_field(variant.as_bytes()),
            None => Ok(()),
        }
    }
}

impl ser::SerializeSeq for TableSerializer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.append(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTuple for TableSerializer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.append(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for TableSerializer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.append(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for TableSerializer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.append(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeMap for TableSerializer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        key.serialize(self.item())
    }

    /// With the table at -3 and the key at -2, pushes the value and stores it.
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(self.item())?;
        let key = self.stack.value(-2);
        match key.kind() {
            Kind::Nil => return Err(Error::conversion("a map key became nil, which a Lua table cannot hold")),
            Kind::Number if key.as_number().is_some_and(f64::is_nan) => {
                return Err(Error::conversion("a map key became NaN, which a Lua table cannot hold"))
            }
            _ => {}
        }
        self.stack.set_entry()
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStruct for TableSerializer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for TableSerializer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

// ---------------------------------------------------------------------------
// Lua → Rust

/// A [`serde::Deserializer`](::serde::Deserializer) that reads one Lua value
/// in place on the stack. Tables are read with raw accesses (no metamethods)
/// and each value is checked against [`MAX_DEPTH`](crate::MAX_DEPTH) (the
/// top value is depth 0), so a table that contains itself fails cleanly.
///
/// * nil is `None` / `()`; booleans, strings and numbers are themselves
///   (an integral float is accepted where an integer is wanted, and a float
///   in `[2^63, 2^64)` where a `u64` is).
/// * Where the type says what it wants, a table is read as that: a sequence
///   reads the items `1..=n` of a table whose keys are all positive integers
///   and fill at least half of `1..=n` (holes read as nil); a map reads every
///   key; a struct reads the string keys and ignores the others.
/// * Where it does not (`deserialize_any`: untagged and internally tagged
///   enums, self-describing types), a table is a sequence when it passes the
///   crate's array rule (the one [`StackValue::visit`] applies), and a map
///   otherwise; a table with a metatable is always a map.
/// * Map keys that are numbers read as their text where a string is wanted,
///   so `{[1] = "a", x = "b"}` reads as a `HashMap<String, String>`.
/// * An enum is a string (a unit variant) or a table with exactly one key,
///   the variant name (serde's external tagging).
/// * Functions, coroutines and userdata are errors.
///
/// ```
/// use lua_core::{Lua, LuaDeserializer};
/// use serde::Deserialize;
/// use std::collections::HashMap;
///
/// let lua = Lua::new();
/// let map = lua.exec_source_with(c"return {10, 20, x = 30}", |results| {
///     HashMap::<String, i64>::deserialize(LuaDeserializer::new(results.get(0)))
/// })??;
/// assert_eq!(map, HashMap::from([("1".into(), 10), ("2".into(), 20), ("x".into(), 30)]));
/// # Ok::<(), lua_core::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct LuaDeserializer<'a> {
    value: StackValue<'a>,
    depth: usize,
    /// Whether the value is a table key (numbers may then be read as text).
    key: bool,
}

impl<'a> LuaDeserializer<'a> {
    /// A deserializer for `value`, at depth 0.
    ///
    /// ```
    /// use lua_core::{Lua, LuaDeserializer};
    /// use serde::Deserialize;
    ///
    /// let lua = Lua::new();
    /// let v = lua.exec_source_with(c"return 'hi'", |results| {
    ///     Option::<String>::deserialize(LuaDeserializer::new(results.get(0)))
    /// })??;
    /// assert_eq!(v.as_deref(), Some("hi"));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn new(value: StackValue<'a>) -> Self {
        LuaDeserializer { value, depth: 0, key: false }
    }

    fn l(&self) -> *mut lua_State {
        self.value.state()
    }

    fn idx(&self) -> c_int {
        self.value.index()
    }

    fn top(&self) -> c_int {
        // SAFETY: reading the top never fails.
        unsafe { lua_gettop(self.l()) }
    }

    /// Drops everything above `top` (values this deserializer pushed).
    fn restore(&self, top: c_int) {
        // SAFETY: only lowers the top to where it was (nothing to close).
        unsafe { lua_settop(self.l(), top) }
    }

    /// Checks the depth limit and reserves room for this value's level.
    fn enter(&self) -> Result<()> {
        Stack::new(self.l(), self.value.lua()).enter(self.depth)
    }

    /// The deserializer for the value at `idx`, one level deeper.
    fn at(&self, idx: c_int, key: bool) -> LuaDeserializer<'a> {
        LuaDeserializer { value: StackValue::new(self.l(), idx, self.value.lua()), depth: self.depth + 1, key }
    }

    fn unexpected(&self) -> Unexpected<'a> {
        let v = self.value;
        match v.kind() {
            Kind::Nil => Unexpected::Unit,
            Kind::Boolean => Unexpected::Bool(v.as_boolean()),
            Kind::Number => match v.as_integer() {
                Some(i) => Unexpected::Signed(i),
                None => Unexpected::Float(v.as_number().unwrap_or(f64::NAN)),
            },
            Kind::String => match v.as_bytes().map(std::str::from_utf8) {
                Some(Ok(s)) => Unexpected::Str(s),
                _ => Unexpected::Bytes(v.as_bytes().unwrap_or_default()),
            },
            Kind::Table => Unexpected::Map,
            Kind::Function => Unexpected::Other("Lua function"),
            Kind::Thread => Unexpected::Other("Lua coroutine"),
            Kind::UserData | Kind::LightUserData => Unexpected::Other("Lua userdata"),
        }
    }

    fn visit_string<'de, V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let bytes = self.value.as_bytes().unwrap_or_default();
        match std::str::from_utf8(bytes) {
            Ok(s) => visitor.visit_str(s),
            Err(_) => visitor.visit_bytes(bytes),
        }
    }

    /// The text of a number key, as Lua's `tostring` writes it.
    fn number_text(&self) -> String {
        match self.value.as_integer() {
            Some(i) => i.to_string(),
            None => self.value.number_text().unwrap_or_default(),
        }
    }

    /// Whether the table passes the crate's array rule, and its length.
    fn array_len(&self) -> Result<Option<usize>> {
        if self.value.has_metatable() {
            return Ok(None);
        }
        match self.value.visit(&mut ShapeProbe) {
            Err(Probe::Array(len)) => Ok(Some(len)),
            Err(Probe::Object) => Ok(None),
            Err(Probe::Failed(e)) => Err(e),
            Ok(()) => Err(Error::conversion("expected a table")),
        }
    }

    /// The length of the table read as a sequence: its keys are all positive
    /// integers, filling at least half of `1..=max`. Any order, holes allowed.
    fn sequence_len(&self) -> Option<usize> {
        let (l, t) = (self.l(), self.idx());
        let (mut count, mut max): (u64, lua_Integer) = (0, 0);
        // SAFETY: a raw traversal with two slots reserved by `enter`; lua_next
        // only ever gets the key it produced, so it cannot raise.
        unsafe {
            lua_pushnil(l);
            while lua_next(l, t) != 0 {
                lua_settop(l, -2);
                let k = if lua_isinteger(l, -1) != 0 { lua_tointegerx(l, -1, std::ptr::null_mut()) } else { 0 };
                if k < 1 {
                    lua_settop(l, -2);
                    return None;
                }
                count += 1;
                max = max.max(k);
            }
        }
        ((max as u64) <= count.saturating_mul(2)).then_some(max as usize)
    }

    /// Hands the items `1..=len` of the table to `visitor`.
    fn visit_table_seq<'de, V: de::Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        let top = self.top();
        let result = visitor.visit_seq(TableSeq { table: self, next: 1, len });
        self.restore(top);
        result
    }

    /// Hands the table's entries (only those with string keys if
    /// `strings_only`) to `visitor`.
    fn visit_table_map<'de, V: de::Visitor<'de>>(self, strings_only: bool, visitor: V) -> Result<V::Value> {
        let top = self.top();
        // SAFETY: the first key of a traversal; the slot was reserved by `enter`.
        unsafe { lua_pushnil(self.l()) };
        let result = visitor.visit_map(TableMap { table: self, key: top + 1, pending: false, done: false, strings_only });
        self.restore(top);
        result
    }

    fn deserialize_integer<'de, V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        if self.value.kind() == Kind::Number && self.value.as_integer().is_none() {
            self.enter()?;
            let n = self.value.as_number().unwrap_or(f64::NAN);
            if n.fract() == 0.0 {
                if (-TWO_63..TWO_63).contains(&n) {
                    return visitor.visit_i64(n as i64);
                }
                if (TWO_63..2.0 * TWO_63).contains(&n) {
                    return visitor.visit_u64(n as u64);
                }
            }
        }
        de::Deserializer::deserialize_any(self, visitor)
    }
}

/// The answer of [`ShapeProbe`]: carried as the "error" that stops the walk
/// as soon as the table's shape is known.
enum Probe {
    Array(usize),
    Object,
    Failed(Error),
}

impl From<Error> for Probe {
    fn from(e: Error) -> Self {
        Probe::Failed(e)
    }
}

/// A [`Visitor`] that lets [`StackValue::visit`] decide, by the crate's one
/// array rule, whether a table (without a metatable) is an array and how
/// long, and stops it there: nothing is converted.
struct ShapeProbe;

impl ShapeProbe {
    fn not_a_table() -> Probe {
        Probe::Failed(Error::conversion("expected a table"))
    }
}

impl Visitor for ShapeProbe {
    type Value = ();
    type Error = Probe;

    fn nil(&mut self) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn boolean(&mut self, _b: bool) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn integer(&mut self, _i: i64) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn number(&mut self, _n: f64) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn string(&mut self, _s: &[u8]) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn new_array(&mut self, len: usize) -> Result<(), Probe> {
        Err(Probe::Array(len))
    }
    fn array_set(&mut self, _array: &(), _index: usize, _value: ()) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn new_object(&mut self) -> Result<(), Probe> {
        Err(Probe::Object)
    }
    fn object_set(&mut self, _object: &(), _key: &[u8], _value: (), _may_repeat: bool) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn table_ref(&mut self, _table: Table) -> Result<(), Probe> {
        Err(Probe::Object)
    }
    fn function(&mut self, _f: Function) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn thread(&mut self, _t: Thread) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn host_object(&mut self, _id: u64, _access: crate::Access) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn userdata(&mut self, _u: AnyUserData) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn light_userdata(&mut self, _p: *mut c_void) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
}

impl<'de> de::Deserializer<'de> for LuaDeserializer<'_> {
    type Error = Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.enter()?;
        let v = self.value;
        match v.kind() {
            Kind::Nil => visitor.visit_unit(),
            Kind::Boolean => visitor.visit_bool(v.as_boolean()),
            Kind::Number => match v.as_integer() {
                Some(i) => visitor.visit_i64(i),
                None => visitor.visit_f64(v.as_number().unwrap_or(f64::NAN)),
            },
            Kind::String => self.visit_string(visitor),
            Kind::Table => match self.array_len()? {
                Some(len) => self.visit_table_seq(len, visitor),
                None => self.visit_table_map(false, visitor),
            },
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_i8<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_i16<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_i32<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_i64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_i128<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u8<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u16<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u32<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u128<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_str<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value.kind() {
            Kind::String => {
                self.enter()?;
                self.visit_string(visitor)
            }
            Kind::Number if self.key => {
                self.enter()?;
                visitor.visit_string(self.number_text())
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value.as_bytes() {
            Some(bytes) => {
                self.enter()?;
                visitor.visit_bytes(bytes)
            }
            None => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.enter()?;
        match self.value.kind() {
            Kind::Nil => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value.kind() {
            Kind::Nil => {
                self.enter()?;
                visitor.visit_unit()
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_unit_struct<V: de::Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.value.kind() != Kind::Table {
            return self.deserialize_any(visitor);
        }
        self.enter()?;
        match self.sequence_len() {
            Some(len) => self.visit_table_seq(len, visitor),
            None => Err(de::Error::invalid_type(Unexpected::Map, &visitor)),
        }
    }

    /// Reads `len` items; a shorter sequence reads the missing items as nil
    /// (they were trailing `None`s), a longer one is an error.
    fn deserialize_tuple<V: de::Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        if self.value.kind() != Kind::Table {
            return self.deserialize_any(visitor);
        }
        self.enter()?;
        match self.sequence_len() {
            Some(n) if n > len => Err(de::Error::invalid_length(n, &visitor)),
            Some(_) => self.visit_table_seq(len, visitor),
            None => Err(de::Error::invalid_type(Unexpected::Map, &visitor)),
        }
    }

    fn deserialize_tuple_struct<V: de::Visitor<'de>>(self, _name: &'static str, len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.value.kind() != Kind::Table {
            return self.deserialize_any(visitor);
        }
        self.enter()?;
        self.visit_table_map(false, visitor)
    }

    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if self.value.kind() != Kind::Table {
            return self.deserialize_any(visitor);
        }
        self.enter()?;
        self.visit_table_map(true, visitor)
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.enter()?;
        match self.value.kind() {
            Kind::String => visitor.visit_enum(EnumAccess { variant: self, value: None }),
            Kind::Table => {
                let (l, t, top) = (self.l(), self.idx(), self.top());
                // SAFETY: a raw traversal in the slots `enter` reserved (key,
                // value, a copy of the key, then lua_next's pair in its
                // place). lua_next only gets keys it produced, so it cannot
                // raise.
                let entries = unsafe {
                    lua_pushnil(l);
                    if lua_next(l, t) == 0 {
                        0
                    } else {
                        lua_pushvalue(l, top + 1);
                        if lua_next(l, t) == 0 {
                            1
                        } else {
                            2
                        }
                    }
                };
                if entries != 1 {
                    self.restore(top);
                    let what = if entries == 0 { "an empty table" } else { "a table with more than one key" };
                    return Err(Error::conversion(format!(
                        "expected an enum (a variant name, or a table with one key: the variant name), got {what}"
                    )));
                }
                let result = visitor.visit_enum(EnumAccess { variant: self.at(top + 1, true), value: Some(self.at(top + 2, false)) });
                self.restore(top);
                result
            }
            _ => Err(de::Error::invalid_type(self.unexpected(), &"an enum (a string or a table with one key)")),
        }
    }

    fn deserialize_ignored_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    ::serde::forward_to_deserialize_any! { bool f32 f64 char }
}

/// The items `next..=len` of a table, read with `lua_rawgeti`.
struct TableSeq<'a> {
    table: LuaDeserializer<'a>,
    next: usize,
    len: usize,
}

impl<'de> de::SeqAccess<'de> for TableSeq<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.next > self.len {
            return Ok(None);
        }
        let top = self.table.top();
        // SAFETY: a raw read (never raises or allocates) into the slot the
        // table's `enter` reserved.
        unsafe { lua_rawgeti(self.table.l(), self.table.idx(), self.next as lua_Integer) };
        self.next += 1;
        let item = seed.deserialize(self.table.at(top + 1, false));
        self.table.restore(top);
        item.map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len + 1 - self.next)
    }
}

/// A table's entries in `lua_next` order. The traversal key stays at index
/// `key`; while a value is pending it sits just above.
struct TableMap<'a> {
    table: LuaDeserializer<'a>,
    key: c_int,
    pending: bool,
    done: bool,
    strings_only: bool,
}

impl<'de> de::MapAccess<'de> for TableMap<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.done {
            return Ok(None);
        }
        let (l, t) = (self.table.l(), self.table.idx());
        // SAFETY: the stack is cut back to the traversal key (dropping a value
        // nobody read), so lua_next gets exactly the key it produced last,
        // checked to be still in the table, and cannot raise; it has the
        // slots the table's `enter` reserved (the check uses one of them).
        unsafe {
            lua_settop(l, self.key);
            // Deserializing the last entry may have run host code that
            // changed the table; lua_next would raise for a key now gone.
            if lua_type(l, self.key) != LUA_TNIL as c_int && !crate::stack::key_still_present(l, t) {
                self.done = true;
                return Err(Error::conversion(crate::stack::TABLE_CHANGED));
            }
            loop {
                if lua_next(l, t) == 0 {
                    self.done = true;
                    self.pending = false;
                    return Ok(None);
                }
                if !self.strings_only || lua_type(l, self.key) == LUA_TSTRING as c_int {
                    break;
                }
                lua_settop(l, self.key);
            }
        }
        self.pending = true;
        seed.deserialize(self.table.at(self.key, true)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        if !self.pending {
            return Err(Error::conversion("a map value was asked for before its key"));
        }
        self.pending = false;
        let value = seed.deserialize(self.table.at(self.key + 1, false));
        self.table.restore(self.key);
        value
    }
}

/// An enum: the variant name, and for a table `{ Name = value }` the value.
struct EnumAccess<'a> {
    variant: LuaDeserializer<'a>,
    value: Option<LuaDeserializer<'a>>,
}

impl<'de, 'a> de::EnumAccess<'de> for EnumAccess<'a> {
    type Error = Error;
    type Variant = VariantAccess<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, VariantAccess<'a>)> {
        let variant = seed.deserialize(self.variant)?;
        Ok((variant, VariantAccess { value: self.value }))
    }
}

struct VariantAccess<'a> {
    value: Option<LuaDeserializer<'a>>,
}

impl VariantAccess<'_> {
    fn unit(expected: &str) -> Error {
        de::Error::invalid_type(Unexpected::UnitVariant, &expected)
    }
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_> {
    type Error = Error;

    /// A unit variant: its name alone, or a table `{ Name = anything }`
    /// (the value is ignored: a table cannot hold `{ Name = nil }`).
    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.value {
            Some(value) => seed.deserialize(value),
            None => Err(Self::unit("newtype variant")),
        }
    }

    fn tuple_variant<V: de::Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        match self.value {
            Some(value) => de::Deserializer::deserialize_tuple(value, len, visitor),
            None => Err(Self::unit("tuple variant")),
        }
    }

    fn struct_variant<V: de::Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value> {
        match self.value {
            Some(value) => de::Deserializer::deserialize_struct(value, "", fields, visitor),
            None => Err(Self::unit("struct variant")),
        }
    }
}
