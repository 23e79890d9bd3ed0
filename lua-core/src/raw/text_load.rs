//! Lua's loading functions reading source text only: `load`, `loadfile`,
//! `dofile` and `require`'s Lua-file searcher, for states whose scripts may
//! not load binary chunks (the `'safe'` and `'sandbox'` seals, DECISIONS 9,
//! and `allow_bytecode(false)`, EVOLUTION B7).
//!
//! They are Lua's own functions (lbaselib.c, loadlib.c) written again with
//! the mode fixed to `"t"`, rather than wrappers around the originals: a
//! wrapper would keep the original in an upvalue, and with the debug
//! library (`debug.getupvalue(load, 1)`) a script could take it out and load
//! bytecode after all. Nothing here refers to the originals, so once
//! `install` has replaced them no Lua value can reach them.

use std::ffi::{c_char, c_int};

use lua_sys::*;

const TEXT: *const c_char = c"t".as_ptr();

/// Charges the work budget for compiling `len` bytes of source, as lua-sys's
/// patched `load` does (`lua_native_charge(L, LUA_NATIVE_LOAD_BYTE * l)`):
/// off the thread's step counter when it can take it, else to the embedding,
/// which raises once the budget is spent.
///
/// # Safety
/// Inside a C function Lua called, holding nothing a longjmp would leak.
pub(crate) unsafe fn charge_load(l: *mut lua_State, len: usize) {
    let units = len.saturating_mul(LUA_NATIVE_LOAD_BYTE as usize);
    // SAFETY: the step counter lives in the thread's extra space (lua-sys);
    // the slow path may raise, which the caller allows.
    unsafe {
        let counter = lua_native_steps(l);
        if *counter > 0 && units < *counter as usize {
            *counter -= units as std::ffi::c_long;
        } else {
            lua_native_charge_slow(l, units, 1);
        }
    }
}

/// Replaces `load`, `loadfile`, `dofile` (those that exist) and
/// `package.searchers[2]` (if there is one) by their text-only versions.
///
/// # Safety
/// Must run inside a protected call, with the libraries open.
pub(crate) unsafe fn install(l: *mut lua_State) {
    // SAFETY: forwarded; every call raises into the enclosing protected call.
    unsafe {
        replace_global(l, c"load", load_text);
        replace_global(l, c"loadfile", loadfile_text);
        replace_global(l, c"dofile", dofile_text);
        if lua_getglobal(l, c"package".as_ptr()) == LUA_TTABLE as c_int {
            if lua_getfield(l, -1, c"searchers".as_ptr()) == LUA_TTABLE as c_int && lua_rawgeti(l, -1, 2) == LUA_TFUNCTION as c_int {
                lua_pushcclosure(l, Some(search_lua_text), 0);
                lua_rawseti(l, -3, 2);
            }
            lua_settop(l, -3);
        }
        lua_settop(l, -2);
    }
}

/// Sets the global `name` to `f`, if it is a function now.
unsafe fn replace_global(l: *mut lua_State, name: &std::ffi::CStr, f: unsafe extern "C" fn(*mut lua_State) -> c_int) {
    // SAFETY: inside a protected call (see `install`).
    unsafe {
        if lua_getglobal(l, name.as_ptr()) == LUA_TFUNCTION as c_int {
            lua_pushcclosure(l, Some(f), 0);
            lua_setglobal(l, name.as_ptr());
        }
        lua_settop(l, -2);
    }
}

/// Reads a `mode` argument as Lua does (a string or nothing), and ignores it.
unsafe fn check_mode(l: *mut lua_State, idx: c_int) {
    // SAFETY: raises a Lua argument error for a non-string, as stock Lua.
    unsafe {
        luaL_optlstring(l, idx, std::ptr::null(), std::ptr::null_mut());
    }
}

/// What `load`/`loadfile` return: the function (with `env` as its first
/// upvalue when given), or fail and the message.
///
/// # Safety
/// A C function's frame, the load `status` just returned.
pub(crate) unsafe fn load_result(l: *mut lua_State, status: c_int, envidx: c_int) -> c_int {
    // SAFETY: as lbaselib.c's load_aux.
    unsafe {
        if status == LUA_OK as c_int {
            if envidx != 0 {
                lua_pushvalue(l, envidx);
                if lua_setupvalue(l, -2, 1).is_null() {
                    lua_settop(l, -2);
                }
            }
            1
        } else {
            lua_pushnil(l);
            lua_insert(l, -2);
            2
        }
    }
}

/// `load(chunk [, chunkname [, mode [, env]]])` with the mode fixed to `"t"`.
unsafe extern "C" fn load_text(l: *mut lua_State) -> c_int {
    // SAFETY: a C function Lua calls; no Rust value with a destructor lives
    // here, so Lua errors may pass through.
    unsafe {
        let mut len = 0usize;
        let s = lua_tolstring(l, 1, &mut len);
        check_mode(l, 3);
        let env = if lua_type(l, 4) != LUA_TNONE { 4 } else { 0 };
        let status = if !s.is_null() {
            let name = luaL_optlstring(l, 2, s, std::ptr::null_mut());
            charge_load(l, len);
            luaL_loadbufferx(l, s, len, name, TEXT)
        } else {
            let name = luaL_optlstring(l, 2, c"=(load)".as_ptr(), std::ptr::null_mut());
            luaL_checktype(l, 1, LUA_TFUNCTION as c_int);
            let mut first_call: c_int = 1;
            lua_load(l, Some(generic_reader), &mut first_call as *mut c_int as *mut _, name, TEXT)
        };
        load_result(l, status, env)
    }
}

/// lbaselib.c's reader for `load(f)`: calls `f` for the next piece.
unsafe extern "C" fn generic_reader(l: *mut lua_State, ud: *mut std::ffi::c_void, size: *mut usize) -> *const c_char {
    // SAFETY: `ud` is `load_text`'s flag, alive while lua_load runs; the
    // previous piece stays on the stack until the next call (Lua reads it
    // in place), as in lbaselib.c.
    unsafe {
        let first_call = ud as *mut c_int;
        luaL_checkstack(l, 2, c"too many nested functions".as_ptr());
        if *first_call != 0 {
            *first_call = 0;
        } else {
            lua_settop(l, -2);
        }
        lua_pushvalue(l, 1);
        lua_call(l, 0, 1);
        if lua_type(l, -1) == LUA_TNIL as c_int {
            *size = 0;
            return std::ptr::null();
        }
        if lua_isstring(l, -1) == 0 {
            luaL_error(l, c"reader function must return a string".as_ptr());
        }
        let piece = lua_tolstring(l, -1, size);
        charge_load(l, *size);
        piece
    }
}

/// `loadfile([filename [, mode [, env]]])` with the mode fixed to `"t"`.
unsafe extern "C" fn loadfile_text(l: *mut lua_State) -> c_int {
    // SAFETY: as load_text.
    unsafe {
        let name = luaL_optlstring(l, 1, std::ptr::null(), std::ptr::null_mut());
        check_mode(l, 2);
        let env = if lua_type(l, 3) != LUA_TNONE { 3 } else { 0 };
        let status = luaL_loadfilex(l, name, TEXT);
        load_result(l, status, env)
    }
}

/// `dofile`'s continuation: everything above the file name is a result.
pub(crate) unsafe extern "C" fn dofile_done(l: *mut lua_State, _status: c_int, _ctx: lua_KContext) -> c_int {
    // SAFETY: reads the top of the frame Lua gives back.
    unsafe { lua_native_fast_gettop(l) - 1 }
}

/// `dofile([filename])` reading text only.
unsafe extern "C" fn dofile_text(l: *mut lua_State) -> c_int {
    // SAFETY: as load_text; the continuation lets the chunk yield, as
    // stock `dofile` does.
    unsafe {
        let name = luaL_optlstring(l, 1, std::ptr::null(), std::ptr::null_mut());
        lua_settop(l, 1);
        if luaL_loadfilex(l, name, TEXT) != LUA_OK as c_int {
            return lua_error(l);
        }
        lua_callk(l, 0, LUA_MULTRET, 0, Some(dofile_done));
        dofile_done(l, 0, 0)
    }
}

/// `require`'s Lua-file searcher, reading text only.
unsafe extern "C" fn search_lua_text(l: *mut lua_State) -> c_int {
    // SAFETY: as load_text; `package.searchpath` finds the file as Lua's
    // own searcher does (its result is checked: Lua code can replace it).
    unsafe {
        let name = luaL_checklstring(l, 1, std::ptr::null_mut());
        lua_getglobal(l, c"package".as_ptr());
        if lua_type(l, -1) != LUA_TTABLE as c_int {
            return luaL_error(l, c"'package' must be a table".as_ptr());
        }
        lua_getfield(l, -1, c"searchpath".as_ptr());
        lua_pushvalue(l, 1);
        lua_getfield(l, -3, c"path".as_ptr());
        if lua_type(l, -1) != LUA_TSTRING as c_int {
            return luaL_error(l, c"'package.path' must be a string".as_ptr());
        }
        lua_call(l, 2, 2);
        if lua_type(l, -2) == LUA_TNIL as c_int {
            return 1; // the "no file ..." message
        }
        lua_settop(l, -2);
        // `package.searchpath` can be replaced from Lua: a non-string name
        // would be NULL, which luaL_loadfilex takes for standard input.
        if lua_type(l, -1) != LUA_TSTRING as c_int {
            return luaL_error(l, c"'package.searchpath' must return a string".as_ptr());
        }
        let filename = lua_tolstring(l, -1, std::ptr::null_mut());
        if luaL_loadfilex(l, filename, TEXT) == LUA_OK as c_int {
            lua_rotate(l, -2, 1);
            return 2; // the loader and the file name
        }
        luaL_error(
            l,
            c"error loading module '%s' from file '%s':\n\t%s".as_ptr(),
            name,
            filename,
            lua_tolstring(l, -1, std::ptr::null_mut()),
        )
    }
}
