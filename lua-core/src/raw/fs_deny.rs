//! `filesystem: 'deny'` (EVOLUTION B19): every Lua door to the disk is
//! replaced by a function that refuses, each in its own idiom.
//!
//! * `loadfile`, `io.open`, `os.remove`, `os.rename`, `package.loadlib` and
//!   `package.searchpath` return `nil, message`, as they do when a file is
//!   missing;
//! * `dofile`, `io.lines`, `io.input`, `io.output` and `os.tmpname` raise;
//! * `package.searchers[2]`, `[3]` and `[4]` answer as a searcher that finds
//!   nothing does: with the message, which `require` adds to its "module not
//!   found" error. Raising there would stop `require` before the searchers
//!   the host appends (`add_searcher`), which must keep working.
//!
//! The replacements hold no reference to the functions they replace, so
//! nothing (not `debug.getupvalue`, not `debug.getregistry`) leads back to
//! them. `os.execute` and `io.popen` are left alone, as the spec says.

use std::ffi::{c_int, CStr};

use lua_sys::*;

/// How a refusing door answers.
#[derive(Clone, Copy)]
enum Idiom {
    /// `nil, message`.
    Fail,
    /// A Lua error.
    Raise,
    /// The message alone (a searcher's "not found").
    Search,
}

/// The doors, by library table (None: the global table) and field.
const DOORS: &[(Option<&CStr>, &CStr, &CStr, Idiom)] = &[
    (None, c"dofile", c"dofile", Idiom::Raise),
    (None, c"loadfile", c"loadfile", Idiom::Fail),
    (Some(c"package"), c"loadlib", c"package.loadlib", Idiom::Fail),
    (Some(c"package"), c"searchpath", c"package.searchpath", Idiom::Fail),
    (Some(c"io"), c"open", c"io.open", Idiom::Fail),
    (Some(c"io"), c"lines", c"io.lines", Idiom::Raise),
    (Some(c"io"), c"input", c"io.input", Idiom::Raise),
    (Some(c"io"), c"output", c"io.output", Idiom::Raise),
    (Some(c"os"), c"remove", c"os.remove", Idiom::Fail),
    (Some(c"os"), c"rename", c"os.rename", Idiom::Fail),
    (Some(c"os"), c"tmpname", c"os.tmpname", Idiom::Raise),
];

/// The searchers replaced, with the names their messages give.
const SEARCHERS: [(lua_Integer, &CStr); 3] =
    [(2, c"package.searchers[2]"), (3, c"package.searchers[3]"), (4, c"package.searchers[4]")];

/// Replaces every door that exists (a library not opened has none).
///
/// # Safety
/// Must run inside a protected call, with the libraries open.
pub(crate) unsafe fn apply(l: *mut lua_State) {
    // SAFETY: forwarded; every call raises into the enclosing protected call.
    unsafe {
        for &(table, field, name, idiom) in DOORS {
            match table {
                None => lua_pushglobaltable(l),
                Some(t) => {
                    lua_getglobal(l, t.as_ptr());
                }
            }
            if lua_type(l, -1) == LUA_TTABLE as c_int {
                if lua_getfield(l, -1, field.as_ptr()) == LUA_TFUNCTION as c_int {
                    push_refusal(l, name, idiom);
                    lua_setfield(l, -3, field.as_ptr());
                }
                lua_settop(l, -2);
            }
            lua_settop(l, -2);
        }
        if lua_getglobal(l, c"package".as_ptr()) == LUA_TTABLE as c_int {
            if lua_getfield(l, -1, c"searchers".as_ptr()) == LUA_TTABLE as c_int {
                for (i, name) in SEARCHERS {
                    if lua_rawgeti(l, -1, i) == LUA_TFUNCTION as c_int {
                        push_refusal(l, name, Idiom::Search);
                        lua_rawseti(l, -3, i);
                    }
                    lua_settop(l, -2);
                }
            }
            lua_settop(l, -2);
        }
        lua_settop(l, -2);
    }
}

/// Pushes the refusing function for the door `name`.
unsafe fn push_refusal(l: *mut lua_State, name: &CStr, idiom: Idiom) {
    // SAFETY: inside a protected call (see `apply`).
    unsafe {
        lua_pushstring(l, name.as_ptr());
        let f: unsafe extern "C" fn(*mut lua_State) -> c_int = match idiom {
            Idiom::Fail => refuse_fail,
            Idiom::Raise => refuse_raise,
            Idiom::Search => refuse_search,
        };
        lua_pushcclosure(l, Some(f), 1);
    }
}

/// Pushes "<name> is unavailable: ..." (the name is the upvalue; Lua code
/// can replace it with `debug.setupvalue`, so it is read as text or not at all).
unsafe fn push_message(l: *mut lua_State) {
    // SAFETY: a C function's frame; pushfstring raises only on memory errors.
    unsafe {
        let name = if lua_type(l, lua_upvalueindex(1)) == LUA_TSTRING as c_int {
            lua_tolstring(l, lua_upvalueindex(1), std::ptr::null_mut())
        } else {
            c"this function".as_ptr()
        };
        lua_pushfstring(l, c"%s is unavailable: this Lua context was created with filesystem access denied".as_ptr(), name);
    }
}

unsafe extern "C" fn refuse_fail(l: *mut lua_State) -> c_int {
    // SAFETY: a C function Lua calls; nothing with a destructor lives here.
    unsafe {
        lua_pushnil(l);
        push_message(l);
        2
    }
}

unsafe extern "C" fn refuse_raise(l: *mut lua_State) -> c_int {
    // SAFETY: as refuse_fail.
    unsafe {
        push_message(l);
        lua_error(l)
    }
}

unsafe extern "C" fn refuse_search(l: *mut lua_State) -> c_int {
    // SAFETY: as refuse_fail.
    unsafe {
        push_message(l);
        1
    }
}
