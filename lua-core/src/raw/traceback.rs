//! Lua's stack traceback built without allocating in the state, for errors
//! raised after a limit tripped: the message handler is skipped then (see
//! `limits`), and the state refuses to grow, so `luaL_traceback` cannot run.
//! The text follows `luaL_traceback`'s format; a C function that has no name
//! from the calling code reads `?` (the global-name lookup allocates).

use std::ffi::{c_int, CStr};

use lua_sys::*;

/// Levels shown before and after the gap of a deep stack (as in lauxlib).
const LEVELS1: c_int = 10;
const LEVELS2: c_int = 11;

/// `stack traceback:` and one line per level of `l`'s stack from `level`.
///
/// # Safety
/// `l` must be a valid thread, running on this thread.
pub(crate) unsafe fn plain_traceback(l: *mut lua_State, mut level: c_int) -> String {
    let mut out = String::from("stack traceback:");
    // SAFETY: lua_getstack and lua_getinfo("Slnt") read the call stack and
    // never allocate or raise; `ar` is a plain C struct (zeroes are valid).
    unsafe {
        let mut ar: lua_Debug = std::mem::zeroed();
        let last = last_level(l);
        let mut limit2show = if last - level > LEVELS1 + LEVELS2 { LEVELS1 } else { -1 };
        while lua_getstack(l, level, &mut ar) != 0 {
            level += 1;
            if limit2show == 0 {
                let n = last - level - LEVELS2 + 1;
                out.push_str(&format!("\n\t...\t(skipping {n} levels)"));
                level += n;
                limit2show -= 1;
                continue;
            }
            limit2show -= 1;
            if lua_getinfo(l, c"Slnt".as_ptr(), &mut ar) == 0 {
                continue;
            }
            let src = CStr::from_ptr(ar.short_src.as_ptr()).to_string_lossy();
            if ar.currentline <= 0 {
                out.push_str(&format!("\n\t{src}: in "));
            } else {
                out.push_str(&format!("\n\t{src}:{}: in ", ar.currentline));
            }
            let text = |p: *const std::ffi::c_char| if p.is_null() { String::new() } else { CStr::from_ptr(p).to_string_lossy().into_owned() };
            let (namewhat, what) = (text(ar.namewhat), text(ar.what));
            if !namewhat.is_empty() {
                out.push_str(&format!("{namewhat} '{}'", text(ar.name)));
            } else if what == "main" {
                out.push_str("main chunk");
            } else if what != "C" {
                out.push_str(&format!("function <{src}:{}>", ar.linedefined));
            } else {
                out.push('?');
            }
            if ar.istailcall != 0 {
                out.push_str("\n\t(...tail calls...)");
            }
        }
    }
    out
}

/// The deepest level of `l`'s stack (a binary search, as in lauxlib).
///
/// # Safety
/// As `plain_traceback`.
unsafe fn last_level(l: *mut lua_State) -> c_int {
    // SAFETY: lua_getstack only reads the call stack.
    unsafe {
        let mut ar: lua_Debug = std::mem::zeroed();
        let (mut li, mut le) = (1, 1);
        while lua_getstack(l, le, &mut ar) != 0 {
            li = le;
            le *= 2;
        }
        while li < le {
            let m = (li + le) / 2;
            if lua_getstack(l, m, &mut ar) != 0 {
                li = m + 1;
            } else {
                le = m;
            }
        }
        le - 1
    }
}
