//! Module searchers from the host (EVOLUTION B7): a function appended to
//! `package.searchers` that asks a host function for a module's Lua source
//! and loads it as text only.
//!
//! The searcher is a C closure whose upvalue 1 is the host function (given
//! the module name, it returns source or nil). Loading is done here, in C,
//! with mode `"t"` whatever the state's other doors allow: a host that
//! serves source never serves bytecode by mistake.

use std::cell::Cell;
use std::ffi::c_int;

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::Lua;
use crate::raw::package::PackageError;
use crate::raw::protect::protect;

impl Lua {
    /// Appends a searcher to `package.searchers` that asks `searcher` for
    /// the source of each module `require` looks for: `Some(source)` gives
    /// the module (loaded as text only, chunk name `=<name>`; the loader gets
    /// the name as its second argument), `None` passes to the next searcher
    /// (the `module 'x' not found` message is stock Lua's). An error the
    /// searcher returns is raised from `require` with its message.
    ///
    /// Without the package library this is refused with
    /// [`PackageError::NoPackage`], and with [`PackageError::NoSearchers`]
    /// when `package.searchers` is not a table.
    ///
    /// ```
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::BASE | StdLib::PACKAGE)?;
    /// lua.add_searcher(|_lua, name| Ok((name == b"answer").then(|| b"return 6 * 7".to_vec())))?
    ///     .expect("package is loaded");
    /// assert_eq!(lua.exec::<i64>("return require('answer')")?, 42);
    /// assert!(lua.exec::<()>("require('other')").is_err());
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn add_searcher(
        &self,
        searcher: impl Fn(&Lua, &[u8]) -> Result<Option<Vec<u8>>> + 'static,
    ) -> Result<std::result::Result<(), PackageError>> {
        self.with_stack(|stack| {
            stack.reserve(6)?;
            stack.push_function(move |call| {
                let Some(name) = call.arg(0).as_bytes().map(<[u8]>::to_vec) else {
                    return Ok(0);
                };
                // The searcher may call into the state: the stack is taken after.
                let source = searcher(call.lua(), &name)?;
                let stack = call.stack();
                match source {
                    Some(source) => stack.push_bytes(&source).map(|()| 1),
                    None => Ok(0),
                }
            })?;
            let outcome = Cell::new(0);
            let flag = &outcome;
            // SAFETY: the host function is argument 1; reads `package` (its
            // metamethods may run) and appends raw, all protected.
            stack.with_raw(|l| unsafe {
                protect(l, 1, 0, move |l| {
                    if lua_getglobal(l, c"package".as_ptr()) != LUA_TTABLE as c_int {
                        flag.set(1);
                    } else if lua_getfield(l, 2, c"searchers".as_ptr()) != LUA_TTABLE as c_int {
                        flag.set(2);
                    } else {
                        lua_pushvalue(l, 1);
                        lua_pushcclosure(l, Some(search_host), 1);
                        lua_rawseti(l, 3, lua_rawlen(l, 3) as lua_Integer + 1);
                    }
                    lua_settop(l, 0);
                    0
                })
            })?;
            Ok(match outcome.get() {
                1 => Err(PackageError::NoPackage),
                2 => Err(PackageError::NoSearchers),
                _ => Ok(()),
            })
        })
    }
}

/// The searcher `require` calls with a module name.
unsafe extern "C" fn search_host(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its arguments; every raising call leaves
    // nothing of Rust to drop.
    unsafe {
        let name = luaL_checklstring(l, 1, std::ptr::null_mut());
        lua_settop(l, 1);
        lua_pushvalue(l, lua_upvalueindex(1));
        lua_pushvalue(l, 1);
        lua_call(l, 1, 1);
        match lua_type(l, 2) {
            t if t == LUA_TNIL as c_int => return 0,
            t if t == LUA_TSTRING as c_int => {}
            // Only an upvalue replaced through the debug library gets here.
            _ => return luaL_error(l, c"host searcher returned neither source nor nil".as_ptr()),
        }
        let mut len = 0usize;
        let source = lua_tolstring(l, 2, &mut len);
        let chunkname = lua_pushfstring(l, c"=%s".as_ptr(), name);
        let status = luaL_loadbufferx(l, source, len, chunkname, c"t".as_ptr());
        if status == LUA_ERRMEM as c_int {
            // Running out of memory stays a memory error.
            return lua_error(l);
        }
        if status != LUA_OK as c_int {
            return luaL_error(l, c"error loading module '%s' from host searcher:\n\t%s".as_ptr(), name, lua_tolstring(l, -1, std::ptr::null_mut()));
        }
        lua_pushvalue(l, 1);
        2
    }
}
