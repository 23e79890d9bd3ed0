//! Runs Lua code through nothing but the raw FFI.

use lua_sys::*;
use std::ffi::{c_int, CStr};
use std::ptr;

mod common;
use common::plain_alloc;

#[test]
fn runs_a_chunk_and_reads_results() {
    // SAFETY: a fresh state is used only on this thread and closed at the end;
    // every call below keeps the stack within LUA_MINSTACK.
    unsafe {
        let l = lua_newstate(Some(plain_alloc), ptr::null_mut(), 0);
        assert!(!l.is_null());
        luaL_openselectedlibs(l, !0, 0);
        let status = luaL_dostring(l, c"local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib(20), _VERSION".as_ptr());
        assert_eq!(status, LUA_OK as c_int);
        assert_eq!(lua_gettop(l), 2);
        assert_eq!(lua_tointeger(l, 1), 6765);
        let version = CStr::from_ptr(lua_tostring(l, 2)).to_str().unwrap();
        assert_eq!(version, LUA_VERSION);
        lua_pop(l, 2);
        lua_close(l);
    }
}

#[test]
fn reports_syntax_and_runtime_errors() {
    // SAFETY: as above; error values are read while still on the stack.
    unsafe {
        let l = lua_newstate(Some(plain_alloc), ptr::null_mut(), 0);
        assert_eq!(luaL_dostring(l, c"return +".as_ptr()), LUA_ERRSYNTAX as c_int);
        let msg = CStr::from_ptr(lua_tostring(l, -1)).to_str().unwrap().to_owned();
        assert_eq!(msg, "[string \"return +\"]:1: unexpected symbol near '+'");
        lua_pop(l, 1);
        assert_eq!(luaL_dostring(l, c"error('boom', 0)".as_ptr()), LUA_ERRRUN as c_int);
        lua_pop(l, 1);
        assert_eq!(lua_gettop(l), 0);
        lua_close(l);
    }
}
