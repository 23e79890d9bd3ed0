//! Tables from Rust: reads and writes with or without metamethods, the
//! length, a snapshot of the pairs, and the globals table.
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
