//! A state's opening with the collector standing still and its tables made
//! at their final size up front (`lua_native_open_begin` /
//! `lua_native_open_end`, csrc/lua_native_open.c, issue 18) holds exactly
//! the memory stock Lua's opening holds, for every set of libraries: the
//! presizing takes a lower bound of each table's keys, never more. And the
//! collector runs again afterwards.

use lua_sys::*;
use std::ffi::c_int;
use std::ptr;

mod common;
use common::plain_alloc;

/// Registry names the caller adds (as lua-core adds three).
const NAMES: [&std::ffi::CStr; 3] = [c"first_name", c"second_name", c"third_name"];

/// Bytes in use by `l` after a full collection.
unsafe fn bytes(l: *mut lua_State) -> i64 {
    // SAFETY: a live state, not inside a collection.
    unsafe {
        lua_gc(l, LUA_GCCOLLECT as c_int);
        i64::from(lua_gc(l, LUA_GCCOUNT as c_int)) * 1024 + i64::from(lua_gc(l, LUA_GCCOUNTB as c_int))
    }
}

/// A state with `libs` opened as lua-core opens it (`presized`) or as
/// stock Lua does, and its memory.
unsafe fn opened(libs: c_int, presized: bool) -> (*mut lua_State, i64) {
    // SAFETY: forwarded.
    unsafe {
        let l = opened_without_collecting(libs, presized);
        (l, bytes(l))
    }
}

/// `opened`, with the collector left where the opening left it.
unsafe fn opened_without_collecting(libs: c_int, presized: bool) -> *mut lua_State {
    // SAFETY: a fresh state; every call below is made where the stock
    // opening makes it (no error can occur with the plain allocator short
    // of the machine's memory running out).
    unsafe {
        let l = lua_newstate(Some(plain_alloc), ptr::null_mut(), 0);
        assert!(!l.is_null());
        if presized {
            lua_native_open_begin(l, libs, NAMES.len() as c_int);
        }
        for name in NAMES {
            lua_pushboolean(l, 1);
            lua_setfield(l, LUA_REGISTRYINDEX, name.as_ptr());
        }
        luaL_openselectedlibs(l, libs, 0);
        if presized {
            lua_native_open_end(l);
        }
        l
    }
}

const ALL: u32 = LUA_GLIBK | LUA_LOADLIBK | LUA_COLIBK | LUA_DBLIBK | LUA_IOLIBK | LUA_MATHLIBK | LUA_OSLIBK | LUA_STRLIBK | LUA_TABLIBK | LUA_UTF8LIBK;

#[test]
fn every_set_of_libraries_takes_the_memory_stock_lua_takes() {
    let bits: Vec<u32> = (0..32).map(|i| 1u32 << i).filter(|b| ALL & b != 0).collect();
    assert_eq!(bits.len(), 10);
    let mut differ = Vec::new();
    for subset in 0u32..(1 << bits.len()) {
        let libs = bits.iter().enumerate().filter(|(i, _)| subset & (1 << i) != 0).fold(0, |m, (_, b)| m | b) as c_int;
        // SAFETY: private states, closed here.
        unsafe {
            let (stock, stock_bytes) = opened(libs, false);
            let (ours, our_bytes) = opened(libs, true);
            if stock_bytes != our_bytes {
                differ.push((libs, stock_bytes, our_bytes));
            }
            lua_close(stock);
            lua_close(ours);
        }
    }
    assert!(differ.is_empty(), "(libs, stock bytes, presized bytes): {differ:?}");
}

/// The string table's size right after `lua_native_open_begin` and after
/// the opening, for a presized opening of `libs`; for a stock opening, its
/// size after it (twice).
unsafe fn string_table_sizes(libs: c_int, presized: bool) -> (c_int, c_int) {
    // SAFETY: as in `opened_without_collecting`.
    unsafe {
        let l = lua_newstate(Some(plain_alloc), ptr::null_mut(), 0);
        assert!(!l.is_null());
        if presized {
            lua_native_open_begin(l, libs, NAMES.len() as c_int);
        }
        let begun = lua_native_string_table_size(l);
        luaL_openselectedlibs(l, libs, 0);
        if presized {
            lua_native_open_end(l);
        }
        let opened = lua_native_string_table_size(l);
        lua_close(l);
        (if presized { begun } else { opened }, opened)
    }
}

#[test]
fn the_string_table_starts_no_larger_than_a_stock_opening_leaves_it() {
    // The presizing's lower bound of each set's strings (its figures per
    // library, csrc/lua_native_open.c) is never above what stock Lua
    // makes, and with every library it is the final size: the opening
    // does not rehash the table on the way.
    let bits: Vec<u32> = (0..32).map(|i| 1u32 << i).filter(|b| ALL & b != 0).collect();
    for subset in 0u32..(1 << bits.len()) {
        let libs = bits.iter().enumerate().filter(|(i, _)| subset & (1 << i) != 0).fold(0, |m, (_, b)| m | b) as c_int;
        // SAFETY: private states, closed inside.
        let ((_, stock), (begun, opened)) = unsafe { (string_table_sizes(libs, false), string_table_sizes(libs, true)) };
        assert!(begun <= stock, "libs {libs:#x}: presized to {begun}, stock Lua ends at {stock}");
        assert_eq!(opened, stock, "libs {libs:#x}");
    }
    // SAFETY: as above.
    let (begun, opened) = unsafe { string_table_sizes(ALL as c_int, true) };
    assert!(begun > 128, "every library's strings outgrow the initial table: {begun}");
    assert_eq!(begun, opened, "the opening grew the string table");
}

thread_local! {
    /// How many growth requests to refuse next.
    static REFUSE_NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// `plain_alloc`, refusing the next `REFUSE_NEXT` growth requests.
unsafe extern "C" fn refusing_alloc(ud: *mut std::ffi::c_void, p: *mut std::ffi::c_void, osize: usize, nsize: usize) -> *mut std::ffi::c_void {
    let grows = nsize > 0 && (p.is_null() || nsize > osize);
    if grows && REFUSE_NEXT.with(|r| r.replace(r.get().saturating_sub(1)) > 0) {
        return ptr::null_mut();
    }
    // SAFETY: forwarded (the same contract).
    unsafe { plain_alloc(ud, p, osize, nsize) }
}

#[test]
fn a_refused_string_table_leaves_the_opening_to_grow_it_as_stock_lua_does() {
    // The first request of the presized opening is the string table's;
    // refused (and Lua's retry after its emergency collection too), the
    // table stays at Lua's first size, the opening goes on (growing it as
    // stock Lua does) and the state is whole.
    // SAFETY: a private state, closed here; the calls are the opening's.
    unsafe {
        let l = lua_newstate(Some(refusing_alloc), ptr::null_mut(), 0);
        assert!(!l.is_null());
        let first = lua_native_string_table_size(l);
        REFUSE_NEXT.with(|r| r.set(2));
        lua_native_open_begin(l, ALL as c_int, NAMES.len() as c_int);
        assert_eq!(REFUSE_NEXT.with(|r| r.get()), 0, "both requests were refused");
        assert_eq!(lua_native_string_table_size(l), first, "the refused table stays as it was");
        for name in NAMES {
            lua_pushboolean(l, 1);
            lua_setfield(l, LUA_REGISTRYINDEX, name.as_ptr());
        }
        luaL_openselectedlibs(l, ALL as c_int, 0);
        lua_native_open_end(l);
        let (stock, stock_bytes) = opened(ALL as c_int, false);
        assert_eq!(lua_native_string_table_size(l), lua_native_string_table_size(stock));
        assert_eq!(bytes(l), stock_bytes);
        let code = c"local t = {} for i = 1, 1000 do t[i] = tostring(i) .. 'x' end return #t";
        assert_eq!(luaL_loadstring(l, code.as_ptr()), LUA_OK as c_int);
        assert_eq!(lua_pcallk(l, 0, 1, 0, 0, None), LUA_OK as c_int);
        assert_eq!(lua_tointegerx(l, -1, ptr::null_mut()), 1000);
        lua_close(stock);
        lua_close(l);
    }
}

#[test]
fn bits_that_name_no_library_presize_nothing() {
    // SAFETY: private states, closed here.
    unsafe {
        let (stock, stock_bytes) = opened(LUA_MATHLIBK as c_int, false);
        let (ours, our_bytes) = opened((LUA_MATHLIBK | 0xffff_0000) as c_int, true);
        assert_eq!(stock_bytes, our_bytes);
        lua_close(stock);
        lua_close(ours);
    }
}

#[test]
fn a_first_step_ends_the_cycle_as_after_a_stock_opening() {
    // collectgarbage("step") on a fresh state: stock Lua's opening leaves
    // its first cycle sweeping, so a step ends it (true); the presized
    // opening leaves the collector sweeping too (the parity suite's
    // stdlib.collectgarbage case).
    // SAFETY: private states, closed here.
    unsafe {
        for presized in [false, true] {
            let l = opened_without_collecting(ALL as c_int, presized);
            assert_eq!(lua_gc(l, LUA_GCSTEP as c_int, 0), 1, "presized: {presized}");
            lua_close(l);
        }
    }
}

#[test]
fn the_collector_runs_after_the_opening() {
    // SAFETY: a private state, closed at the end.
    unsafe {
        let (l, opened_bytes) = opened(ALL as c_int, true);
        assert_eq!(lua_gc(l, LUA_GCISRUNNING as c_int), 1);
        // Garbage made after the opening is collected as it is made: the
        // memory in use stays within a few times the opened state's.
        let code = c"for i = 1, 200000 do local t = {i, tostring(i)} end";
        assert_eq!(luaL_loadstring(l, code.as_ptr()), LUA_OK as c_int);
        let mut peak = 0i64;
        lua_sethook(l, Some(note_memory), LUA_MASKCOUNT as c_int, 1000);
        PEAK.with(|p| p.set(0));
        assert_eq!(lua_pcallk(l, 0, 0, 0, 0, None), LUA_OK as c_int);
        PEAK.with(|p| peak = p.get());
        assert!(peak > opened_bytes, "the hook saw the state: {peak}");
        assert!(peak < opened_bytes * 6, "garbage piled up: {peak} bytes at the peak, {opened_bytes} opened");
        lua_close(l);
    }
}

thread_local! {
    static PEAK: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

unsafe extern "C" fn note_memory(l: *mut lua_State, _ar: *mut lua_Debug) {
    // SAFETY: a count hook on a live state; lua_gc's counts do not raise.
    let now = unsafe { i64::from(lua_gc(l, LUA_GCCOUNT as c_int)) * 1024 + i64::from(lua_gc(l, LUA_GCCOUNTB as c_int)) };
    PEAK.with(|p| p.set(p.get().max(now)));
}
