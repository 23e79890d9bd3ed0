//! The file reader (EVOLUTION B15): `dofile` and `loadfile` that resolve
//! every path through a host function and never touch the disk.
//!
//! Both are C closures whose one upvalue is the reader (any Lua function;
//! the host gives its own). The reader is called with the path and returns
//! the file's source or nil; the source is loaded as text only whatever the
//! state allows (a reader's answer is never bytecode), named `@path` as a
//! file is, with a first `#` line and a UTF-8 byte-order mark skipped as
//! `luaL_loadfilex` skips them.

use std::ffi::{c_char, c_int};

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::stack::Stack;

impl Lua {
    /// Installs `dofile` and `loadfile` reading through the function
    /// `push_reader` pushes (see [`Lua::set_file_reader`] for the typed form):
    /// it is called with the path and returns the source text or nil. They
    /// replace whatever `dofile` and `loadfile` were, whatever the libraries
    /// (a bare state gets them too), and are set raw, past any metatable of
    /// the global table.
    pub fn set_file_reader_with(&self, push_reader: impl FnOnce(&mut Stack<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            push_reader(stack)?;
            stack.expect_len(1, "set_file_reader_with's closure")?;
            // SAFETY: the reader is argument 1; the closures and the raw
            // sets allocate, so they run protected.
            unsafe {
                protect(stack.raw(), 1, 0, |l| {
                    lua_pushglobaltable(l);
                    lua_pushstring(l, c"loadfile".as_ptr());
                    lua_pushvalue(l, 1);
                    lua_pushcclosure(l, Some(reader_loadfile), 1);
                    lua_rawset(l, -3);
                    lua_pushstring(l, c"dofile".as_ptr());
                    lua_pushvalue(l, 1);
                    lua_pushcclosure(l, Some(reader_dofile), 1);
                    lua_rawset(l, -3);
                    0
                })
            }
        })
    }

    /// Sets the globals `dofile` and `loadfile` to nil (what a file reader's
    /// removal leaves: the disk's versions do not come back).
    pub fn clear_file_reader(&self) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            // SAFETY: two raw sets on the global table, protected.
            unsafe {
                protect(stack.raw(), 0, 0, |l| {
                    lua_pushglobaltable(l);
                    lua_pushstring(l, c"loadfile".as_ptr());
                    lua_pushnil(l);
                    lua_rawset(l, -3);
                    lua_pushstring(l, c"dofile".as_ptr());
                    lua_pushnil(l);
                    lua_rawset(l, -3);
                    0
                })
            }
        })
    }
}

/// Calls the reader (upvalue 1) with the path at index 1 and loads what it
/// returns; leaves the function, or the message, on top and returns the
/// load status.
unsafe fn read_and_load(l: *mut lua_State) -> c_int {
    // SAFETY: a C function's frame; errors (the reader's among them) pass
    // through, no Rust value with a destructor lives here.
    unsafe {
        let mut path_len = 0usize;
        let path = luaL_checklstring(l, 1, &mut path_len);
        lua_pushvalue(l, lua_upvalueindex(1));
        lua_pushvalue(l, 1);
        lua_call(l, 1, 1);
        let t = lua_type(l, -1);
        if t == LUA_TNIL as c_int {
            lua_pushfstring(l, c"cannot open %s".as_ptr(), path);
            return LUA_ERRFILE as c_int;
        }
        if t != LUA_TSTRING as c_int {
            lua_pushfstring(l, c"cannot read %s: the file reader returned a %s, not a string".as_ptr(), path, luaL_typename(l, -1));
            return LUA_ERRFILE as c_int;
        }
        let mut len = 0usize;
        let mut s = lua_tolstring(l, -1, &mut len) as *const u8;
        // As luaL_loadfilex: a UTF-8 byte-order mark, then a first line
        // starting with '#', are skipped (the line's newline is kept, so
        // line numbers stay those of the file).
        if len >= 3 && *s == 0xEF && *s.add(1) == 0xBB && *s.add(2) == 0xBF {
            s = s.add(3);
            len -= 3;
        }
        if len > 0 && *s == b'#' {
            let mut i = 0;
            while i < len && *s.add(i) != b'\n' {
                i += 1;
            }
            s = s.add(i);
            len -= i;
        }
        // Compiling is charged to the work budget as `load` is.
        crate::raw::text_load::charge_load(l, len);
        lua_pushfstring(l, c"@%s".as_ptr(), path);
        let status = luaL_loadbufferx(l, s as *const c_char, len, lua_tolstring(l, -1, std::ptr::null_mut()), c"t".as_ptr());
        // Keep only the result: [source, name, result] -> [result].
        lua_rotate(l, -3, 1);
        lua_settop(l, -3);
        status
    }
}

/// `loadfile(path [, mode [, env]])` through the reader: the mode is
/// ignored (text only); a missing file or a load error gives nil and the
/// message.
unsafe extern "C" fn reader_loadfile(l: *mut lua_State) -> c_int {
    // SAFETY: as read_and_load.
    unsafe {
        luaL_optlstring(l, 2, std::ptr::null(), std::ptr::null_mut());
        let env = if lua_type(l, 3) != LUA_TNONE { 3 } else { 0 };
        let status = read_and_load(l);
        crate::raw::text_load::load_result(l, status, env)
    }
}

/// `dofile(path)` through the reader: a missing file or a load error raises.
unsafe extern "C" fn reader_dofile(l: *mut lua_State) -> c_int {
    // SAFETY: as read_and_load; the continuation lets the chunk yield.
    unsafe {
        lua_settop(l, 1);
        if read_and_load(l) != LUA_OK as c_int {
            return lua_error(l);
        }
        lua_callk(l, 0, LUA_MULTRET, 0, Some(crate::raw::text_load::dofile_done));
        crate::raw::text_load::dofile_done(l, 0, 0)
    }
}
