//! Tables from Rust: reads and writes with or without metamethods, the
//! length, appending and removing the last item, a snapshot of the pairs,
//! and the globals table.
//!
//! A [`Table`] is a registry reference: it keeps its table alive, and
//! dropping it frees the reference at once (Rust's ownership is the
//! `release` of the JavaScript API).

use crate::convert::{FromLua, IntoLua};
use crate::error::Result;
use crate::raw::lua::Lua;
use crate::raw::stack_value::Kind;
use crate::raw::value::Table;

impl Lua {
    /// The globals table, as the registry holds it (a script that assigns
    /// the global `_G` does not change it).
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let g = lua.globals()?;
    /// g.set("answer", 42)?;
    /// assert_eq!(lua.exec::<i64>("return answer")?, 42);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn globals(&self) -> Result<Table> {
        self.with_stack(|stack| {
            stack.push_globals()?;
            stack.value(-1).to_ref().map(Table)
        })
    }
}

impl Table {
    fn lua(&self) -> Lua {
        self.registry_ref().lua().clone()
    }

    /// `t[key]`, as Lua reads it: through `__index` when the key is absent.
    /// An error raised by a metamethod is returned, never thrown.
    ///
    /// ```
    /// let lua = lua_core::Lua::with_libraries(lua_core::StdLib::BASE)?;
    /// let t: lua_core::Table = lua.exec("return setmetatable({}, { __index = function(_, k) return k * 2 end })")?;
    /// assert_eq!(t.get::<_, i64>(21)?, 42);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn get<K: IntoLua, V: FromLua>(&self, key: K) -> Result<V> {
        self.lua().index_with(self.registry_ref(), |s| key.push_into(s), V::from_lua)?
    }

    /// `t[key] = value`, as Lua assigns it: through `__newindex` when the key
    /// is absent. A nil value removes the key; a nil or NaN key is an error.
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let t = lua.create_table()?;
    /// t.set("name", "lua")?;
    /// t.set(1, 10.5)?;
    /// assert_eq!(t.get::<_, String>("name")?, "lua");
    /// assert!(t.set(f64::NAN, 1).is_err());
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn set<K: IntoLua, V: IntoLua>(&self, key: K, value: V) -> Result<()> {
        self.lua().assign_with(self.registry_ref(), |s| {
            key.push_into(s)?;
            value.push_into(s)
        })
    }

    /// Whether `t[key]` (read as [`Table::get`] reads it) is not nil.
    pub fn contains_key<K: IntoLua>(&self, key: K) -> Result<bool> {
        self.lua().index_with(self.registry_ref(), |s| key.push_into(s), |v| v.kind() != Kind::Nil)
    }

    /// `#t`, as Lua computes it: through `__len` when the table has one. The
    /// length must be an integer (as `luaL_len` requires).
    ///
    /// ```
    /// let lua = lua_core::Lua::with_libraries(lua_core::StdLib::BASE)?;
    /// let t: lua_core::Table = lua.exec("return { 1, 2, 3 }")?;
    /// assert_eq!(t.len()?, 3);
    /// let odd: lua_core::Table = lua.exec("return setmetatable({}, { __len = function() return 7 end })")?;
    /// assert_eq!(odd.len()?, 7);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn len(&self) -> Result<i64> {
        self.lua().len_of(self.registry_ref())
    }

    /// Whether `#t` is 0.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Every key and value, read raw (no `__pairs`, no `__index`), as a
    /// snapshot: what the table holds at the moment of the call, in `next`
    /// order. Code run while converting cannot make the walk misbehave: if
    /// it removes the current key, the walk stops with an error.
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let t: lua_core::Table = lua.exec("return { x = 1, y = 2 }")?;
    /// let mut pairs: Vec<(String, i64)> = t.pairs()?;
    /// pairs.sort();
    /// assert_eq!(pairs, [("x".to_string(), 1), ("y".to_string(), 2)]);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn pairs<K: FromLua, V: FromLua>(&self) -> Result<Vec<(K, V)>> {
        let mut out = Vec::new();
        self.for_each(|k: K, v: V| {
            out.push((k, v));
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with every key and value, read raw, in `next` order; stops
    /// at the first error (a conversion that fails, or `f`'s own).
    pub fn for_each<K: FromLua, V: FromLua>(&self, mut f: impl FnMut(K, V) -> Result<()>) -> Result<()> {
        self.lua().with_stack(|stack| {
            stack.push_ref(self.registry_ref())?;
            stack.value(-1).for_each_pair(|k, v| f(K::from_lua(k)?, V::from_lua(v)?))
        })
    }

    /// The items `t[1]`, `t[2]`, ... up to the raw border, read raw.
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let t: lua_core::Table = lua.exec("return { 'a', 'b' }")?;
    /// assert_eq!(t.sequence::<String>()?, ["a", "b"]);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn sequence<V: FromLua>(&self) -> Result<Vec<V>> {
        self.lua().with_stack(|stack| {
            stack.push_ref(self.registry_ref())?;
            let mut out = Vec::new();
            stack.value(-1).for_each_item(|v| {
                out.push(V::from_lua(v)?);
                Ok(())
            })?;
            Ok(out)
        })
    }

    /// `t[key]` without metamethods.
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let t: lua_core::Table = lua.exec("return { x = 1 }")?;
    /// t.raw_set("y", 2)?;
    /// assert_eq!(t.raw_get::<_, i64>("x")? + t.raw_get::<_, i64>("y")?, 3);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn raw_get<K: IntoLua, V: FromLua>(&self, key: K) -> Result<V> {
        let lua = self.0.lua().clone();
        lua.with_stack(|stack| {
            stack.reserve(3)?;
            stack.push_ref(&self.0)?;
            key.push_into(stack)?;
            stack.raw_get()?;
            V::from_lua(stack.value(-1))
        })
    }

    /// `t[key] = value` without metamethods.
    pub fn raw_set<K: IntoLua, V: IntoLua>(&self, key: K, value: V) -> Result<()> {
        let lua = self.0.lua().clone();
        lua.with_stack(|stack| {
            stack.reserve(3)?;
            stack.push_ref(&self.0)?;
            key.push_into(stack)?;
            value.push_into(stack)?;
            stack.set_entry()
        })
    }

    /// Appends `value` as Lua code's `t[#t + 1] = value` does: the length
    /// through `__len` (it must be an integer), the write through
    /// `__newindex` when the slot is absent. An error raised by a
    /// metamethod is returned, never thrown; one that tries to yield fails
    /// with Lua's "attempt to yield across a C-call boundary".
    ///
    /// ```
    /// use lua_core::{Lua, StdLib, Table};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// let t: Table = lua.exec("return { 'a' }")?;
    /// t.push("b")?;
    /// assert_eq!(t.sequence::<String>()?, ["a", "b"]);
    /// // A proxy whose writes land elsewhere: push honours both metamethods.
    /// let log: Table = lua.exec("log = {} return log")?;
    /// let proxy: Table = lua.exec("return setmetatable({}, { __len = function() return #log end, __newindex = log })")?;
    /// proxy.push(1)?;
    /// proxy.push(2)?;
    /// assert_eq!((proxy.raw_len(), log.sequence::<i64>()?), (0, vec![1, 2]));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn push<V: IntoLua>(&self, value: V) -> Result<()> {
        self.lua().append_with(self.registry_ref(), false, |s| value.push_into(s))
    }

    /// Removes the last item and returns it, as Lua code's `local v =
    /// t[#t]; t[#t] = nil` does (`__len`, `__index` and `__newindex` run,
    /// protected). An empty table gives nil (`None` for an `Option`).
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let t: lua_core::Table = lua.exec("return { 10, 20 }")?;
    /// assert_eq!(t.pop::<i64>()?, 20);
    /// assert_eq!(t.pop::<Option<i64>>()?, Some(10));
    /// assert_eq!(t.pop::<Option<i64>>()?, None);
    /// assert_eq!(t.len()?, 0);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn pop<V: FromLua>(&self) -> Result<V> {
        self.lua().pop_with(self.registry_ref(), V::from_lua)?
    }

    /// Appends `value` at the raw border (`rawset(t, rawlen(t) + 1, v)`),
    /// running no metamethod.
    ///
    /// ```
    /// let lua = lua_core::Lua::with_libraries(lua_core::StdLib::BASE)?;
    /// let t: lua_core::Table = lua.exec("return setmetatable({ 1 }, { __newindex = function() error('no') end })")?;
    /// t.raw_push(2)?;
    /// assert!(t.push(3).is_err());
    /// assert_eq!(t.sequence::<i64>()?, [1, 2]);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn raw_push<V: IntoLua>(&self, value: V) -> Result<()> {
        self.lua().append_with(self.registry_ref(), true, |s| value.push_into(s))
    }

    /// `#t` without `__len`.
    pub fn raw_len(&self) -> usize {
        let lua = self.0.lua().clone();
        lua.with_stack(|stack| {
            stack.push_ref(&self.0)?;
            Ok(stack.value(-1).raw_len())
        })
        .unwrap_or(0)
    }
}
