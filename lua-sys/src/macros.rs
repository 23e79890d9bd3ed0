//! Rust versions of the function-like macros of `lua.h` and `lauxlib.h`.
//! Each one is the exact expansion of its C counterpart.

use std::ffi::{c_char, c_int, c_void};
use std::ptr;

use crate::*;

#[inline(always)]
pub const fn lua_upvalueindex(i: c_int) -> c_int {
    LUA_REGISTRYINDEX - i
}

#[inline(always)]
pub unsafe fn lua_call(l: *mut lua_State, nargs: c_int, nresults: c_int) {
    lua_callk(l, nargs, nresults, 0, None)
}

#[inline(always)]
pub unsafe fn lua_pcall(l: *mut lua_State, nargs: c_int, nresults: c_int, errfunc: c_int) -> c_int {
    lua_pcallk(l, nargs, nresults, errfunc, 0, None)
}

#[inline(always)]
pub unsafe fn lua_yield(l: *mut lua_State, nresults: c_int) -> c_int {
    lua_yieldk(l, nresults, 0, None)
}

/// The size of the extra space before every thread: lua-sys gives it four
/// pointer-sized words (see csrc/lua_native_user.h).
pub const LUA_EXTRASPACE: usize = 4 * std::mem::size_of::<*mut c_void>();

#[inline(always)]
pub unsafe fn lua_getextraspace(l: *mut lua_State) -> *mut c_void {
    (l as *mut u8).sub(LUA_EXTRASPACE) as *mut c_void
}

/// The VM's instruction step counter of a thread (the extra space's second word).
#[inline(always)]
pub unsafe fn lua_native_steps(l: *mut lua_State) -> *mut std::ffi::c_long {
    (lua_getextraspace(l) as *mut std::ffi::c_long).add(1)
}

/// The address of the flag a watchdog may set for a thread (the extra
/// space's third word; read atomically after every C function returns).
#[inline(always)]
pub unsafe fn lua_native_flag(l: *mut lua_State) -> *mut *const u8 {
    (lua_getextraspace(l) as *mut *const u8).add(2)
}

#[inline(always)]
pub unsafe fn lua_tonumber(l: *mut lua_State, i: c_int) -> lua_Number {
    lua_tonumberx(l, i, ptr::null_mut())
}

#[inline(always)]
pub unsafe fn lua_tointeger(l: *mut lua_State, i: c_int) -> lua_Integer {
    lua_tointegerx(l, i, ptr::null_mut())
}

#[inline(always)]
pub unsafe fn lua_pop(l: *mut lua_State, n: c_int) {
    lua_settop(l, -n - 1)
}

#[inline(always)]
pub unsafe fn lua_newtable(l: *mut lua_State) {
    lua_createtable(l, 0, 0)
}

#[inline(always)]
pub unsafe fn lua_register(l: *mut lua_State, name: *const c_char, f: crate::lua_CFunctionFn) {
    lua_pushcfunction(l, f);
    lua_setglobal(l, name)
}

#[inline(always)]
pub unsafe fn lua_pushcfunction(l: *mut lua_State, f: crate::lua_CFunctionFn) {
    lua_pushcclosure(l, Some(f), 0)
}

#[inline(always)]
pub unsafe fn lua_isfunction(l: *mut lua_State, n: c_int) -> bool {
    lua_type(l, n) == LUA_TFUNCTION as c_int
}

#[inline(always)]
pub unsafe fn lua_istable(l: *mut lua_State, n: c_int) -> bool {
    lua_type(l, n) == LUA_TTABLE as c_int
}

#[inline(always)]
pub unsafe fn lua_islightuserdata(l: *mut lua_State, n: c_int) -> bool {
    lua_type(l, n) == LUA_TLIGHTUSERDATA as c_int
}

#[inline(always)]
pub unsafe fn lua_isnil(l: *mut lua_State, n: c_int) -> bool {
    lua_type(l, n) == LUA_TNIL as c_int
}

#[inline(always)]
pub unsafe fn lua_isboolean(l: *mut lua_State, n: c_int) -> bool {
    lua_type(l, n) == LUA_TBOOLEAN as c_int
}

#[inline(always)]
pub unsafe fn lua_isthread(l: *mut lua_State, n: c_int) -> bool {
    lua_type(l, n) == LUA_TTHREAD as c_int
}

#[inline(always)]
pub unsafe fn lua_isnone(l: *mut lua_State, n: c_int) -> bool {
    lua_type(l, n) == LUA_TNONE
}

#[inline(always)]
pub unsafe fn lua_isnoneornil(l: *mut lua_State, n: c_int) -> bool {
    lua_type(l, n) <= 0
}

#[inline(always)]
pub unsafe fn lua_pushglobaltable(l: *mut lua_State) {
    lua_rawgeti(l, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS as lua_Integer);
}

#[inline(always)]
pub unsafe fn lua_tostring(l: *mut lua_State, i: c_int) -> *const c_char {
    lua_tolstring(l, i, ptr::null_mut())
}

#[inline(always)]
pub unsafe fn lua_insert(l: *mut lua_State, idx: c_int) {
    lua_rotate(l, idx, 1)
}

#[inline(always)]
pub unsafe fn lua_remove(l: *mut lua_State, idx: c_int) {
    lua_rotate(l, idx, -1);
    lua_pop(l, 1)
}

#[inline(always)]
pub unsafe fn lua_replace(l: *mut lua_State, idx: c_int) {
    lua_copy(l, -1, idx);
    lua_pop(l, 1)
}

#[inline(always)]
pub unsafe fn lua_newuserdata(l: *mut lua_State, sz: usize) -> *mut c_void {
    lua_newuserdatauv(l, sz, 1)
}

#[inline(always)]
pub unsafe fn lua_getuservalue(l: *mut lua_State, idx: c_int) -> c_int {
    lua_getiuservalue(l, idx, 1)
}

#[inline(always)]
pub unsafe fn lua_setuservalue(l: *mut lua_State, idx: c_int) -> c_int {
    lua_setiuservalue(l, idx, 1)
}

#[inline(always)]
pub unsafe fn lua_resetthread(l: *mut lua_State) -> c_int {
    lua_closethread(l, ptr::null_mut())
}

// ---- lauxlib.h ----

#[inline(always)]
pub unsafe fn luaL_loadbuffer(l: *mut lua_State, buff: *const c_char, sz: usize, name: *const c_char) -> c_int {
    luaL_loadbufferx(l, buff, sz, name, ptr::null())
}

#[inline(always)]
pub unsafe fn luaL_loadfile(l: *mut lua_State, filename: *const c_char) -> c_int {
    luaL_loadfilex(l, filename, ptr::null())
}

/// `luaL_dostring`: load then call with all results, returning the first failure status.
#[inline(always)]
pub unsafe fn luaL_dostring(l: *mut lua_State, s: *const c_char) -> c_int {
    let status = luaL_loadstring(l, s);
    if status != LUA_OK as c_int {
        return status;
    }
    lua_pcall(l, 0, LUA_MULTRET, 0)
}

/// `luaL_dofile`: load then call with all results, returning the first failure status.
#[inline(always)]
pub unsafe fn luaL_dofile(l: *mut lua_State, filename: *const c_char) -> c_int {
    let status = luaL_loadfile(l, filename);
    if status != LUA_OK as c_int {
        return status;
    }
    lua_pcall(l, 0, LUA_MULTRET, 0)
}

#[inline(always)]
pub unsafe fn luaL_getmetatable(l: *mut lua_State, name: *const c_char) -> c_int {
    lua_getfield(l, LUA_REGISTRYINDEX, name)
}

#[inline(always)]
pub unsafe fn luaL_typename(l: *mut lua_State, i: c_int) -> *const c_char {
    lua_typename(l, lua_type(l, i))
}

#[inline(always)]
pub unsafe fn luaL_checkstring(l: *mut lua_State, n: c_int) -> *const c_char {
    luaL_checklstring(l, n, ptr::null_mut())
}

#[inline(always)]
pub unsafe fn luaL_optstring(l: *mut lua_State, n: c_int, d: *const c_char) -> *const c_char {
    luaL_optlstring(l, n, d, ptr::null_mut())
}

#[inline(always)]
pub unsafe fn luaL_newlibtable(l: *mut lua_State, n: c_int) {
    lua_createtable(l, 0, n)
}

