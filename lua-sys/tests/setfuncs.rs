//! `luaL_setfuncs` without upvalues takes lua-sys's shorter path
//! (csrc/lua_native_open.c, issue 18). It must set exactly what
//! `lua_pushcclosure` + `lua_setfield` set: into plain tables, over keys
//! already there, through a `__newindex` metamethod (of a table and of a
//! userdata), with placeholders as `false`, and with the keys interned as
//! any other string of the same text.

use lua_sys::*;
use std::ffi::{c_int, CStr};
use std::ptr;

mod common;
use common::plain_alloc;

unsafe extern "C" fn one(l: *mut lua_State) -> c_int {
    // SAFETY: called by Lua with a valid state.
    unsafe { lua_pushinteger(l, 1) };
    1
}

unsafe extern "C" fn two(l: *mut lua_State) -> c_int {
    // SAFETY: as `one`.
    unsafe { lua_pushinteger(l, 2) };
    1
}

const REGS: [luaL_Reg; 4] = [
    luaL_Reg { name: c"one".as_ptr(), func: Some(one) },
    luaL_Reg { name: c"two".as_ptr(), func: Some(two) },
    luaL_Reg { name: c"placeholder".as_ptr(), func: None },
    luaL_Reg { name: ptr::null(), func: None },
];

/// Runs `code` (which must return a string) and gives the string back.
unsafe fn run(l: *mut lua_State, code: &CStr) -> String {
    // SAFETY: a live state; the chunk's result is read before it is popped.
    unsafe {
        assert_eq!(luaL_loadstring(l, code.as_ptr()), LUA_OK as c_int);
        let status = lua_pcallk(l, 0, 1, 0, 0, None);
        let s = CStr::from_ptr(lua_tolstring(l, -1, ptr::null_mut())).to_string_lossy().into_owned();
        assert_eq!(status, LUA_OK as c_int, "{s}");
        lua_settop(l, -2);
        s
    }
}

#[test]
fn setfuncs_sets_what_setfield_sets() {
    // SAFETY: a private state, closed at the end; every stack index is ours.
    unsafe {
        let l = lua_newstate(Some(plain_alloc), ptr::null_mut(), 0);
        assert!(!l.is_null());
        luaL_openselectedlibs(l, (LUA_GLIBK | LUA_STRLIBK | LUA_TABLIBK) as c_int, 0);

        // A plain table, one key already there (replaced, not duplicated).
        lua_createtable(l, 0, 0);
        lua_pushinteger(l, 99);
        lua_setfield(l, -2, c"one".as_ptr());
        luaL_setfuncs(l, REGS.as_ptr(), 0);
        lua_setglobal(l, c"plain".as_ptr());
        assert_eq!(
            run(l, c"local n = 0 for _ in pairs(plain) do n = n + 1 end
                return table.concat({n, plain.one(), plain.two(), tostring(plain.placeholder), rawlen(plain)}, ' ')"),
            "3 1 2 false 0"
        );
        // The keys are the same strings any other code interns.
        assert_eq!(run(l, c"local k = ('on'):rep(1) .. 'e' return tostring(rawget(plain, k) == plain.one)"), "true");

        // A table whose metatable has __newindex: every set goes through it.
        run(l, c"seen = {} proxied = setmetatable({}, {__newindex = function(t, k, v) seen[#seen + 1] = k rawset(t, k .. '!', v) end}) return ''");
        lua_getglobal(l, c"proxied".as_ptr());
        luaL_setfuncs(l, REGS.as_ptr(), 0);
        lua_settop(l, -2);
        assert_eq!(
            run(l, c"return table.concat(seen, ',') .. ' ' .. tostring(rawget(proxied, 'one')) .. ' ' .. proxied['one!']() .. ' ' .. tostring(proxied['placeholder!'])"),
            "one,two,placeholder nil 1 false"
        );

        // A userdata with __newindex (not a table at all).
        lua_newuserdatauv(l, 8, 0);
        run(l, c"useen = {} return ''");
        lua_createtable(l, 0, 1);
        run(l, c"return ''");
        assert_eq!(luaL_loadstring(l, c"return function(u, k, v) useen[#useen + 1] = k .. '=' .. type(v) end".as_ptr()), LUA_OK as c_int);
        lua_pcallk(l, 0, 1, 0, 0, None);
        lua_setfield(l, -2, c"__newindex".as_ptr());
        lua_setmetatable(l, -2);
        luaL_setfuncs(l, REGS.as_ptr(), 0);
        lua_settop(l, -2);
        assert_eq!(run(l, c"return table.concat(useen, ',')"), "one=function,two=function,placeholder=boolean");
        assert_eq!(lua_gettop(l), 0, "the stack is as it was");
        lua_close(l);
    }
}
