//! Environments (EVOLUTION B9): a table made from chosen globals, and
//! chunks run with such a table as their `_ENV`.

use std::ffi::{c_char, c_int, CStr};

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::{ChunkMode, Lua, Results};
use crate::raw::protect::protect;
use crate::raw::value::{RegRef, Table};

/// The text when the value given as an environment is not a table.
pub const NOT_A_TABLE_ENV: &str = "environment reference is not a table";

impl Lua {
    /// A new table holding the globals named in `whitelist`, each read from
    /// `_G` as a script would (a metamethod on `_G` runs) and stored raw; a
    /// name that reads as nil is skipped. The copy is shallow. With
    /// `inherit`, the table gets a metatable whose only field is
    /// `__index = _G`: reads fall through to the globals, writes stay in
    /// the table.
    ///
    /// ```
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::ALL)?;
    /// let env = lua.create_environment(&[b"math", b"nothing"], false)?;
    /// assert!(!lua.exec_in::<bool>(&env, "return math == nil")?);
    /// assert!(lua.exec_in::<bool>(&env, "return print == nil")?);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn create_environment(&self, whitelist: &[&[u8]], inherit: bool) -> Result<Table> {
        self.with_stack(|stack| {
            stack.reserve(6)?;
            let (names, count) = (whitelist.as_ptr(), whitelist.len());
            // SAFETY: the closure captures Copy values (a pointer and length
            // of `whitelist`, which outlives the call); everything that can
            // raise (allocation, `_G`'s metamethods) runs inside the
            // protected call, which leaves exactly the new table.
            unsafe {
                protect(stack.raw(), 0, 1, move |l| {
                    lua_createtable(l, 0, count.min(1 << 16) as c_int);
                    let env = lua_native_fast_gettop(l);
                    lua_pushglobaltable(l);
                    let globals = lua_native_fast_gettop(l);
                    for i in 0..count {
                        let name: &[u8] = *names.add(i);
                        lua_pushlstring(l, name.as_ptr() as *const c_char, name.len());
                        lua_pushvalue(l, -1);
                        lua_gettable(l, globals);
                        if lua_type(l, -1) == LUA_TNIL as c_int {
                            lua_settop(l, -3);
                        } else {
                            lua_rawset(l, env);
                        }
                    }
                    if inherit {
                        lua_createtable(l, 0, 1);
                        lua_pushvalue(l, globals);
                        lua_setfield(l, -2, c"__index".as_ptr());
                        lua_setmetatable(l, env);
                    }
                    lua_settop(l, env);
                    1
                })?;
            }
            stack.value(-1).to_ref().map(Table)
        })
    }

    /// Loads `bytes` as a chunk named `name` (Lua's rules, as
    /// [`Lua::exec_buffer_with`]), makes the table `env` its `_ENV` (its
    /// first upvalue) and runs it the way every host call runs (limits,
    /// tracebacks), handing the results to `read`.
    pub fn exec_in_with<R>(&self, env: &RegRef, bytes: &[u8], name: &CStr, mode: ChunkMode, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        self.run(
            |stack| {
                self.load_buffer(stack.raw(), bytes, name, mode)?;
                self.set_chunk_env(stack, env)
            },
            0,
            read,
        )
    }

    /// As [`Lua::exec_in_with`] for a source named by itself (cut at a NUL),
    /// as [`Lua::exec_source_with`].
    pub fn exec_source_in_with<R>(&self, env: &RegRef, source: &CStr, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        self.exec_in_with(env, source.to_bytes(), source, ChunkMode::Any, read)
    }
}
