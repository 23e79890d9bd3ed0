//! Lua → Rust: [`LuaDeserializer`] and the readings its serde requests
//! share (the `serde::Deserializer` impl itself is in `de_dispatch`).

use std::ffi::c_int;

use ::serde::de::{self, Unexpected};

use super::de_access::{TableMap, TableSeq};
use super::de_probe::{Probe, ShapeProbe};
use crate::raw::serde_stack as raw;
use crate::error::{Error, Result};
use crate::raw::stack::Stack;
use crate::raw::stack_value::{Kind, StackValue};

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
    pub(super) value: StackValue<'a>,
    depth: usize,
    /// Whether the value is a table key (numbers may then be read as text).
    pub(super) key: bool,
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

    pub(super) fn top(&self) -> c_int {
        raw::top(self.value)
    }

    /// Drops everything above `top` (values this deserializer pushed).
    pub(super) fn restore(&self, top: c_int) {
        raw::restore(self.value, top)
    }

    /// Checks the depth limit and reserves room for this value's level.
    pub(super) fn enter(&self) -> Result<()> {
        Stack::new(self.value.state(), self.value.lua()).enter(self.depth)
    }

    /// The deserializer for the value at `idx`, one level deeper.
    pub(super) fn at(&self, idx: c_int, key: bool) -> LuaDeserializer<'a> {
        LuaDeserializer { value: StackValue::new(self.value.state(), idx, self.value.lua()), depth: self.depth + 1, key }
    }

    pub(super) fn unexpected(&self) -> Unexpected<'a> {
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

    pub(super) fn visit_string<'de, V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let bytes = self.value.as_bytes().unwrap_or_default();
        match std::str::from_utf8(bytes) {
            Ok(s) => visitor.visit_str(s),
            Err(_) => visitor.visit_bytes(bytes),
        }
    }

    /// The text of a number key, as Lua's `tostring` writes it.
    pub(super) fn number_text(&self) -> String {
        match self.value.as_integer() {
            Some(i) => i.to_string(),
            None => self.value.number_text().unwrap_or_default(),
        }
    }

    /// Whether the table passes the crate's array rule, and its length.
    pub(super) fn array_len(&self) -> Result<Option<usize>> {
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
    pub(super) fn sequence_len(&self) -> Option<usize> {
        let (count, max) = raw::positive_integer_keys(self.value)?;
        ((max as u64) <= count.saturating_mul(2)).then_some(max as usize)
    }

    /// Hands the items `1..=len` of the table to `visitor`.
    pub(super) fn visit_table_seq<'de, V: de::Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        let top = self.top();
        let result = visitor.visit_seq(TableSeq { table: self, next: 1, len });
        self.restore(top);
        result
    }

    /// Hands the table's entries (only those with string keys if
    /// `strings_only`) to `visitor`.
    pub(super) fn visit_table_map<'de, V: de::Visitor<'de>>(self, strings_only: bool, visitor: V) -> Result<V::Value> {
        let top = self.top();
        raw::push_first_key(self.value);
        let result = visitor.visit_map(TableMap { table: self, key: top + 1, pending: false, done: false, strings_only });
        self.restore(top);
        result
    }

    pub(super) fn deserialize_integer<'de, V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
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
