//! Lua's own argument errors, for host functions written in Rust: the text
//! `luaL_argerror` and `luaL_typeerror` would produce for the running C
//! function, made as a Rust `String` (so the caller can return it as an
//! `Err` and let the trampoline raise it once nothing of Rust is alive),
//! and a view of the arguments for `FromLuaMulti`.

use std::ffi::{c_int, CStr};

use lua_sys::*;

use crate::raw::callback::CallContext;
use crate::raw::lua::Results;
use crate::raw::protect::{bytes_at, protect_raw};

/// The arguments of `call` from the 0-based position `first` on, as the
/// values `FromLuaMulti` reads. Past the last one they read as nil: the
/// slots above a C function's top read as "no value".
pub(crate) fn args_from<'a>(call: &'a CallContext<'_>, first: usize) -> Results<'a> {
    let l = call.arg(0).state();
    let count = call.len().saturating_sub(first);
    Results::new(l, first as c_int + 1, count as c_int, call.lua())
}

/// What `luaL_argerror(L, arg, detail)` would raise in the running host
/// function (`arg` is the 1-based stack position): `bad argument #n to
/// 'name' (detail)`, with the position of the calling Lua code in front.
/// As in Lua, a call with `:` does not count `self` (so `obj:f(x)` with a
/// bad `x` says `#1`), a bad `self` reads `calling 'name' on bad self
/// (detail)`, and the arguments a `__call` chain added are `extra
/// argument`s. Where Lua knows no name for the function, `fallback` is
/// used (Lua would search `package.loaded`, then say `?`).
pub(crate) fn bad_argument(call: &CallContext<'_>, arg: usize, fallback: &str, detail: &str) -> String {
    let l = call.arg(0).state();
    // SAFETY: lua_Debug is a plain C struct; all zeroes is a valid value.
    let mut ar: lua_Debug = unsafe { std::mem::zeroed() };
    // SAFETY: level 0 is the running host function; "nt" fills the name,
    // its kind and the extra-argument count without allocating. The name
    // is copied out before anything else runs.
    let (name, namewhat, extra) = unsafe {
        if lua_getstack(l, 0, &mut ar) == 0 {
            return call.located(&format!("bad argument #{arg} ({detail})"));
        }
        lua_getinfo(l, c"nt".as_ptr(), &mut ar);
        let text = |p: *const std::ffi::c_char| (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned());
        (text(ar.name), text(ar.namewhat).unwrap_or_default(), ar.extraargs as usize)
    };
    let name = name.unwrap_or_else(|| fallback.to_string());
    let mut arg = arg;
    let word = if arg <= extra {
        "extra argument"
    } else {
        arg -= extra;
        if namewhat == "method" {
            arg -= 1;
            if arg == 0 {
                return call.located(&format!("calling '{name}' on bad self ({detail})"));
            }
        }
        "argument"
    };
    call.located(&format!("bad {word} #{arg} to '{name}' ({detail})"))
}

/// How `luaL_typeerror` names the type of argument `arg` (1-based stack
/// position): `no value` past the last argument, the `__name` string of
/// its metatable if it has one, `light userdata`, or the type's name.
pub(crate) fn type_name_of(call: &CallContext<'_>, arg: usize) -> String {
    if arg == 0 || arg > call.len() {
        return "no value".to_string();
    }
    let l = call.arg(0).state();
    let idx = arg as c_int;
    // SAFETY: `idx` is an argument of the running call. The `__name` lookup
    // allocates (the key string): it runs protected, with the metatable as
    // its argument; the stack is put back as it was whatever happens.
    unsafe {
        let top = lua_native_fast_gettop(l);
        if lua_checkstack(l, 3) != 0 && lua_getmetatable(l, idx) != 0 {
            let status = protect_raw(l, 1, 1, |l| {
                lua_pushstring(l, c"__name".as_ptr());
                lua_rawget(l, 1);
                1
            });
            let name = if status == LUA_OK as c_int && lua_type(l, -1) == LUA_TSTRING as c_int {
                bytes_at(l, -1).map(|b| String::from_utf8_lossy(b).into_owned())
            } else {
                None
            };
            lua_settop(l, top);
            if let Some(name) = name {
                return name;
            }
        }
        match lua_type(l, idx) as u32 {
            LUA_TLIGHTUSERDATA => "light userdata".to_string(),
            t => CStr::from_ptr(lua_typename(l, t as c_int)).to_string_lossy().into_owned(),
        }
    }
}

/// `message` with the position of the Lua code `level` calls up from the
/// running host function in front (`chunk:line: `), as `luaL_where(L,
/// level)` writes it; as it is when that is not Lua code.
pub(crate) fn located_at(call: &CallContext<'_>, level: c_int, message: &str) -> String {
    let l = call.arg(0).state();
    // SAFETY: lua_Debug is a plain C struct; all zeroes is a valid value.
    let mut ar: lua_Debug = unsafe { std::mem::zeroed() };
    // SAFETY: lua_getstack/lua_getinfo("Sl") fill `ar` without allocating.
    unsafe {
        if lua_getstack(l, level, &mut ar) != 0 && lua_getinfo(l, c"Sl".as_ptr(), &mut ar) != 0 && ar.currentline > 0 {
            let src = CStr::from_ptr(ar.short_src.as_ptr()).to_string_lossy();
            return format!("{}:{}: {}", src, ar.currentline, message);
        }
    }
    message.to_string()
}
