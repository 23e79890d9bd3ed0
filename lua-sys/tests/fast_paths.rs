//! The inline fast paths (src/fast.rs) agree with the C API they stand in
//! for: the top, pushed numbers and strict integer reads, in the base frame,
//! inside a C function, on a coroutine, across stack growth, and at the
//! frame's end where they hand over to C.

use lua_sys::*;
use std::ffi::c_int;
use std::ptr;

mod common;
use common::plain_alloc;

/// Pushes `n` values through the fast paths and checks each against the C
/// API, then every index (positive and negative) with the strict read.
unsafe fn check_thread(l: *mut lua_State, n: i64) {
    // SAFETY: `l` is a live thread used only here; every push is checked.
    unsafe {
        let base = lua_gettop(l);
        assert_eq!(lua_native_fast_gettop(l), base);
        for i in 0..n {
            let pushed = if i % 3 == 2 { lua_native_fast_push_number(l, i as f64 + 0.5) } else { lua_native_fast_push_integer(l, i * 7 - 3) };
            assert_eq!(pushed, 1, "push {i}");
            assert_eq!(lua_native_fast_gettop(l), lua_gettop(l));
            assert_eq!(lua_gettop(l), base + i as c_int + 1);
            if i % 3 == 2 {
                assert_eq!(lua_isinteger(l, -1), 0);
                assert_eq!(lua_tonumberx(l, -1, ptr::null_mut()), i as f64 + 0.5);
            } else {
                assert_eq!(lua_tointegerx(l, -1, ptr::null_mut()), i * 7 - 3);
            }
        }
        lua_pushstring(l, c"12".as_ptr()); // a string that converts: not a strict integer
        let top = lua_gettop(l);
        for idx in 1..=top {
            for at in [idx, idx - top - 1] {
                let mut got = 0;
                let fast = lua_native_fast_to_integer(l, at, &mut got);
                let expected = lua_isinteger(l, at);
                assert_eq!(fast, expected, "index {at}");
                if fast != 0 {
                    assert_eq!(got, lua_tointegerx(l, at, ptr::null_mut()));
                }
            }
        }
        let mut none = 0;
        assert_eq!(lua_native_fast_to_integer(l, top + 1, &mut none), 0, "past the top reads as nil");
        lua_settop(l, base);
    }
}

unsafe extern "C" fn inside_c(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its arguments on the stack.
    unsafe {
        assert_eq!(lua_native_fast_gettop(l), 2);
        let mut a = 0;
        assert_eq!(lua_native_fast_to_integer(l, 1, &mut a), 1);
        assert_eq!(a, 40);
        assert_eq!(lua_native_fast_to_integer(l, 2, &mut a), 0, "a float is not an integer");
        check_thread(l, 200);
        lua_native_fast_push_integer(l, 42);
        1
    }
}

#[test]
fn fast_paths_agree_with_the_c_api() {
    // SAFETY: a fresh state used only on this thread and closed at the end.
    unsafe {
        let l = lua_newstate(Some(plain_alloc), ptr::null_mut(), 0);
        luaL_openselectedlibs(l, !0, 0);
        // The base frame, past its initial room (the fast push hands over
        // to C, which grows the stack).
        check_thread(l, 500);
        // Inside a C function called from Lua.
        lua_pushcclosure(l, Some(inside_c), 0);
        lua_setglobal(l, c"inside".as_ptr());
        assert_eq!(luaL_loadstring(l, c"return inside(40, 2.5)".as_ptr()), 0);
        assert_eq!(lua_pcall(l, 0, 1, 0), 0);
        let mut r = 0;
        assert_eq!(lua_native_fast_to_integer(l, -1, &mut r), 1);
        assert_eq!(r, 42);
        lua_settop(l, 0);
        // A coroutine's own stack.
        let co = lua_newthread(l);
        check_thread(co, 300);
        lua_close(l);
    }
}
