//! A table used as a sequence from the host: appending (`t[#t + 1] = v`)
//! and removing the last item, with the metamethods Lua code would run
//! (`__len`, `__index`, `__newindex`) or raw.

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::stack::{Stack, NOT_A_TABLE};
use crate::raw::stack_value::{Kind, StackValue};
use crate::raw::value::RegRef;

impl Lua {
    /// `t[#t + 1] = v` for the value `push` pushes: with `raw`, the raw
    /// border and a raw write; otherwise `#t` through `__len` (which must
    /// give an integer) and the write through `__newindex`, as Lua code
    /// would run them, protected. The index wraps as Lua's integers do.
    pub(crate) fn append_with(&self, table: &RegRef, raw: bool, push: impl FnOnce(&mut Stack<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            if raw && stack.value(-1).kind() != Kind::Table {
                return Err(Error::api(NOT_A_TABLE));
            }
            push(stack)?;
            stack.expect_len(2, "append_with's closure (one value after the table)")?;
            // SAFETY: table and value are arguments 1 and 2 of the protected
            // call; luaL_len and lua_seti may run metamethods and raise, and
            // lua_rawseti may allocate, all inside it. `raw` is Copy. A raw
            // write goes to a table (checked above).
            unsafe {
                protect(stack.raw(), 2, 0, move |l| {
                    if raw {
                        let n = lua_rawlen(l, 1) as lua_Integer;
                        lua_rawseti(l, 1, n.wrapping_add(1));
                    } else {
                        let n = luaL_len(l, 1);
                        lua_seti(l, 1, n.wrapping_add(1));
                    }
                    0
                })
            }
        })
    }

    /// Removes and hands to `read` the last item of the table (`v = t[#t];
    /// t[#t] = nil`), with `__len`, `__index` and `__newindex` as Lua code
    /// would run them, protected. An empty one (`#t == 0`) gives nil and is
    /// left alone.
    pub(crate) fn pop_with<R>(&self, table: &RegRef, read: impl FnOnce(StackValue<'_>) -> R) -> Result<R> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            // SAFETY: the table is argument 1 of the protected call; every
            // call that may run a metamethod or raise is inside it. One
            // result: the item (or nil).
            unsafe {
                protect(stack.raw(), 1, 1, |l| {
                    let n = luaL_len(l, 1);
                    if n == 0 {
                        lua_pushnil(l);
                        return 1;
                    }
                    lua_geti(l, 1, n);
                    lua_pushnil(l);
                    lua_seti(l, 1, n);
                    1
                })?;
            }
            stack.resync();
            Ok(read(stack.value(-1)))
        })
    }
}
