//! Attaching a metatable to a global table from the host.

use std::ffi::c_int;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::stack::Stack;

impl Lua {
    /// Gives the global table `name` the metatable `push_metatable` pushes,
    /// replacing any earlier one with a raw set (a `__metatable` field on the
    /// old one does not stop it). The global is read first with `__index`
    /// honoured; `Global '<name>' does not exist` / `... is not a table` when
    /// it is nil / not a table.
///
/// ```
/// use lua_core::{Lua, StdLib};
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// lua.exec::<()>("point = { x = 1, y = 2 }")?;
/// lua.set_global_metatable(b"point", |s| {
///     s.push_table(0, 1)?;
///     s.push_function(|call| { call.stack().push_bytes(b"(1, 2)")?; Ok(1) })?;
///     s.set_field(b"__tostring")
/// })?;
/// assert_eq!(lua.exec::<String>("return tostring(point)")?, "(1, 2)");
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn set_global_metatable(&self, name: &[u8], push_metatable: impl FnOnce(&mut Stack<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            push_metatable(stack)?;
            stack.expect_len(1, "set_global_metatable's closure")?;
            let (p, len) = (name.as_ptr() as *const std::ffi::c_char, name.len());
            let kind = std::cell::Cell::new(0);
            let slot = &kind;
            // SAFETY: the metatable is argument 1; reading the global may run
            // __index, so it is protected; the closure captures Copy values.
            unsafe {
                protect(stack.raw(), 1, 0, move |l| {
                    lua_pushglobaltable(l);
                    lua_pushlstring(l, p, len);
                    let t = lua_gettable(l, -2);
                    slot.set(t);
                    if t == LUA_TTABLE as c_int {
                        lua_pushvalue(l, 1);
                        lua_setmetatable(l, -2);
                    }
                    0
                })?;
            }
            let shown = String::from_utf8_lossy(name);
            match kind.get() as u32 {
                LUA_TTABLE => Ok(()),
                LUA_TNIL => Err(Error::api(format!("Global '{shown}' does not exist"))),
                _ => Err(Error::api(format!("Global '{shown}' is not a table"))),
            }
        })
    }
}
