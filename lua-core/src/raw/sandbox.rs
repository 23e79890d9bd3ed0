//! Closing the doors a script could use to load native code or binary
//! chunks (DECISIONS 9), for the `'safe'` and `'sandbox'` presets.
//!
//! * `package.loadlib` is removed, `package.cpath` emptied, and
//!   `package.searchers` reduced to the preload searcher and a Lua-file
//!   searcher that reads text only;
//! * `load`, `loadfile` and `dofile` read text only (`string.dump` output
//!   can be made but never loaded back);
//! * `'sandbox'` also has no `package` library and no `loadfile` / `dofile`:
//!   no door to the filesystem at all.
//!
//! The host's own `load_bytecode` is untouched: it is the trusted door.

use std::ffi::c_int;

use lua_sys::*;

/// How far a state is closed off, beyond the libraries chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seal {
    /// Nothing closed: the libraries as Lua ships them.
    #[default]
    Open,
    /// No native code and no binary chunks from scripts.
    NoNativeCode,
    /// That, and no filesystem access from the base and package libraries.
    NoFilesystem,
}

/// Applies `seal` to a state whose libraries are open.
///
/// # Safety
/// Must run inside a protected call.
pub(crate) unsafe fn apply(l: *mut lua_State, seal: Seal) {
    if seal == Seal::Open {
        return;
    }
    // SAFETY: forwarded; everything raises into the enclosing protected call.
    unsafe {
        wrap_text_only(l, c"load", 3);
        if seal == Seal::NoFilesystem {
            lua_pushnil(l);
            lua_setglobal(l, c"loadfile".as_ptr());
            lua_pushnil(l);
            lua_setglobal(l, c"dofile".as_ptr());
        } else {
            wrap_text_only(l, c"loadfile", 2);
            if lua_getglobal(l, c"dofile".as_ptr()) == LUA_TFUNCTION as c_int {
                lua_pushcclosure(l, Some(dofile_text), 0);
                lua_setglobal(l, c"dofile".as_ptr());
            }
            lua_settop(l, -2);
        }
        if lua_getglobal(l, c"package".as_ptr()) == LUA_TTABLE as c_int {
            lua_pushnil(l);
            lua_setfield(l, -2, c"loadlib".as_ptr());
            lua_pushstring(l, c"".as_ptr());
            lua_setfield(l, -2, c"cpath".as_ptr());
            if lua_getfield(l, -1, c"searchers".as_ptr()) == LUA_TTABLE as c_int {
                lua_pushcclosure(l, Some(search_lua_text), 0);
                lua_rawseti(l, -2, 2);
                lua_pushnil(l);
                lua_rawseti(l, -2, 4);
                lua_pushnil(l);
                lua_rawseti(l, -2, 3);
            }
            lua_settop(l, -2);
        }
        lua_settop(l, -2);
    }
}

/// Replaces the global function `name` by one that calls it with its
/// argument `mode_arg` (1-based) forced to `"t"`.
unsafe fn wrap_text_only(l: *mut lua_State, name: &std::ffi::CStr, mode_arg: lua_Integer) {
    // SAFETY: inside a protected call (see `apply`).
    unsafe {
        if lua_getglobal(l, name.as_ptr()) != LUA_TFUNCTION as c_int {
            lua_settop(l, -2);
            return;
        }
        lua_pushinteger(l, mode_arg);
        lua_pushcclosure(l, Some(call_text_only), 2);
        lua_setglobal(l, name.as_ptr());
    }
}

/// `f(...)` with the mode argument replaced by `"t"`; upvalues: f, the index.
unsafe extern "C" fn call_text_only(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with the two upvalues set by wrap_text_only; no
    // Rust value with a destructor lives here, so errors may pass through.
    unsafe {
        // Upvalue 2 can be replaced from Lua (`debug.setupvalue`): only the
        // two positions wrap_text_only uses are accepted.
        let mode_arg = lua_tointegerx(l, lua_upvalueindex(2), std::ptr::null_mut());
        if !(2..=3).contains(&mode_arg) {
            return luaL_error(l, c"text-only loader is broken: its upvalue was replaced".as_ptr());
        }
        let mode_arg = mode_arg as c_int;
        if lua_gettop(l) < mode_arg {
            lua_settop(l, mode_arg);
        }
        lua_pushstring(l, c"t".as_ptr());
        lua_replace(l, mode_arg);
        lua_pushvalue(l, lua_upvalueindex(1));
        lua_insert(l, 1);
        lua_call(l, lua_gettop(l) - 1, LUA_MULTRET);
        lua_gettop(l)
    }
}

/// `dofile(filename)` reading text only.
unsafe extern "C" fn dofile_text(l: *mut lua_State) -> c_int {
    // SAFETY: as call_text_only.
    unsafe {
        let name = luaL_optlstring(l, 1, std::ptr::null(), std::ptr::null_mut());
        lua_settop(l, 1);
        if luaL_loadfilex(l, name, c"t".as_ptr()) != LUA_OK as c_int {
            return lua_error(l);
        }
        lua_call(l, 0, LUA_MULTRET);
        lua_gettop(l) - 1
    }
}

/// `require`'s Lua-file searcher, reading text only.
unsafe extern "C" fn search_lua_text(l: *mut lua_State) -> c_int {
    // SAFETY: as call_text_only; `package.searchpath` finds the file as Lua's
    // own searcher does (its result is checked: Lua code can replace it).
    unsafe {
        let name = luaL_checklstring(l, 1, std::ptr::null_mut());
        lua_getglobal(l, c"package".as_ptr());
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
        if luaL_loadfilex(l, filename, c"t".as_ptr()) == LUA_OK as c_int {
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
