//! The entry points: [`Lua::to_value`] / [`Lua::from_value`] for whole
//! values, [`Stack::push_serialize`] / [`StackValue::deserialize`] for
//! values on the stack.

use ::serde::de::DeserializeOwned;
use ::serde::ser::Serialize;

use super::{LuaDeserializer, LuaSerializer};
use crate::convert::{FromLua, IntoLua};
use crate::error::Result;
use crate::raw::lua::Lua;
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;
use crate::raw::value::Value;

impl Lua {
    /// Converts any [`Serialize`] value to a Lua [`Value`] (see
    /// [`LuaSerializer`] for the mapping). Structs, maps and sequences become
    /// new tables. Fails with
    /// [`Error::Conversion`](crate::Error::Conversion) for a value nested
    /// deeper than [`MAX_DEPTH`](crate::MAX_DEPTH) or that serde refuses, and
    /// with [`Error::Memory`](crate::Error::Memory) if the state's memory
    /// limit is reached.
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
    /// field, a function) fails with
    /// [`Error::Conversion`](crate::Error::Conversion) carrying serde's
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
    pub fn push_serialize<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
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
