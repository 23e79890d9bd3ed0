//! Inline forms of the few stack operations every crossing makes, so that
//! Rust code does not pay a call into C for reading the top, pushing a
//! number or reading an integer. Each does exactly what the C API function
//! named beside it does for the case it handles and leaves every other case
//! to that function; the layout facts come from the C compiler through
//! bindgen (`layout.rs`, see build/main.rs), so they hold for the Lua this
//! crate compiled, on this target.

use std::ffi::c_int;

use crate::{lua_Integer, lua_Number, lua_State, LUA_REGISTRYINDEX};

include!(concat!(env!("OUT_DIR"), "/layout.rs"));
use lua_native_layout as layout;

const OFF_TOP: usize = layout::lua_native_off_top as usize;
const OFF_CI: usize = layout::lua_native_off_ci as usize;
const OFF_CI_FUNC: usize = layout::lua_native_off_ci_func as usize;
const OFF_CI_TOP: usize = layout::lua_native_off_ci_top as usize;
const OFF_TT: usize = layout::lua_native_off_tt as usize;
const SLOT: usize = layout::lua_native_stack_value_size as usize;
const TAG_INT: u8 = layout::lua_native_tag_int as u8;
const TAG_FLOAT: u8 = layout::lua_native_tag_float as u8;

/// A pointer-sized field of `base` at `offset` (a stack pointer in Lua's
/// `StkIdRel`, or the current `CallInfo`).
#[inline(always)]
unsafe fn field(base: *const u8, offset: usize) -> *mut u8 {
    // SAFETY: the caller's `base` is a live lua_State or CallInfo, and the
    // offset that of a pointer field in it.
    unsafe { *(base.add(offset) as *const *mut u8) }
}

/// The thread's top, its frame's function slot and its frame's top.
#[inline(always)]
unsafe fn frame(l: *mut lua_State) -> (*mut u8, *mut u8, *mut u8) {
    // SAFETY: `l` is a live thread (the caller's contract); `ci` is never null.
    unsafe {
        let ci = field(l as *const u8, OFF_CI);
        (field(l as *const u8, OFF_TOP), field(ci, OFF_CI_FUNC), field(ci, OFF_CI_TOP))
    }
}

/// `lua_gettop`.
///
/// # Safety
/// `l` is a live thread, used from the thread running it.
#[inline]
pub unsafe fn lua_native_fast_gettop(l: *mut lua_State) -> c_int {
    // SAFETY: the caller's contract.
    let (top, func, _) = unsafe { frame(l) };
    ((top as usize - func as usize) / SLOT) as c_int - 1
}

/// Whether `n` more values fit below the running frame's top, where
/// `lua_checkstack(l, n)` would do nothing but say yes (it grows the stack
/// or raises the frame's top only when they do not).
///
/// # Safety
/// `l` is a live thread, used from the thread running it.
#[inline]
pub unsafe fn lua_native_fast_has_room(l: *mut lua_State, n: c_int) -> bool {
    // SAFETY: the caller's contract.
    let (top, _, ci_top) = unsafe { frame(l) };
    ci_top >= top && (ci_top as usize - top as usize) / SLOT >= n.max(0) as usize
}

/// Writes a number's value and tag into the free slot at `top`, and moves
/// the thread's top past it.
#[inline(always)]
unsafe fn push_raw(l: *mut lua_State, top: *mut u8, bits: u64, tag: u8) {
    // SAFETY: `top` is a slot of the stack below the frame's top (checked by
    // the caller), so it is writable; the top field is the thread's.
    unsafe {
        *(top as *mut u64) = bits;
        *top.add(OFF_TT) = tag;
        *((l as *mut u8).add(OFF_TOP) as *mut *mut u8) = top.add(SLOT);
    }
}

/// `lua_checkstack(l, 1)` then `lua_pushinteger(l, n)`: returns 0 (nothing
/// pushed) when the stack cannot grow.
///
/// # Safety
/// As `lua_pushinteger`.
#[inline]
pub unsafe fn lua_native_fast_push_integer(l: *mut lua_State, n: lua_Integer) -> c_int {
    // SAFETY: the caller's contract; a slot below the frame's top is a slot
    // of the stack (the frame's top never passes its end).
    unsafe {
        let (top, _, ci_top) = frame(l);
        if top < ci_top {
            push_raw(l, top, n as u64, TAG_INT);
            1
        } else {
            crate::lua_native_push_integer(l, n)
        }
    }
}

/// `lua_checkstack(l, 1)` then `lua_pushnumber(l, n)`: returns 0 (nothing
/// pushed) when the stack cannot grow.
///
/// # Safety
/// As `lua_pushnumber`.
#[inline]
pub unsafe fn lua_native_fast_push_number(l: *mut lua_State, n: lua_Number) -> c_int {
    // SAFETY: as lua_native_fast_push_integer.
    unsafe {
        let (top, _, ci_top) = frame(l);
        if top < ci_top {
            push_raw(l, top, n.to_bits(), TAG_FLOAT);
            1
        } else {
            crate::lua_native_push_number(l, n)
        }
    }
}

/// `lua_type`, inline for stack indices of the running frame: the basic
/// type is the low four bits of a value's tag (Lua's `ttype`), and a
/// positive index at or above the top is `LUA_TNONE`, as `lua_type` says.
///
/// # Safety
/// `idx` is an acceptable index of the running frame of `l`.
#[inline]
pub unsafe fn lua_native_fast_type(l: *mut lua_State, idx: c_int) -> c_int {
    // SAFETY: the caller's contract; a slot between the frame's function
    // and the top holds a value whose tag is readable.
    unsafe {
        if idx <= LUA_REGISTRYINDEX || idx == 0 {
            return crate::lua_type(l, idx);
        }
        let (top, func, _) = frame(l);
        let slot = if idx > 0 { func.add(idx as usize * SLOT) } else { top.wrapping_sub(idx.unsigned_abs() as usize * SLOT) };
        if idx > 0 && slot >= top {
            return -1; // LUA_TNONE
        }
        (*slot.add(OFF_TT) & 0x0F) as c_int
    }
}

/// The integer at `idx` when it is one (no conversion from floats or
/// strings), as `lua_native_to_integer`; inline for stack indices.
///
/// # Safety
/// `idx` is an acceptable index of the running frame of `l`.
#[inline]
pub unsafe fn lua_native_fast_to_integer(l: *mut lua_State, idx: c_int, out: &mut lua_Integer) -> c_int {
    // SAFETY: the caller's contract; a slot between the frame's function
    // and the top holds a value whose tag and payload are readable.
    unsafe {
        if idx <= LUA_REGISTRYINDEX {
            return crate::lua_native_to_integer(l, idx, out);
        }
        let (top, func, _) = frame(l);
        let slot = if idx > 0 { func.add(idx as usize * SLOT) } else { top.wrapping_sub(idx.unsigned_abs() as usize * SLOT) };
        if idx > 0 && slot >= top {
            return 0; // no value there: nil
        }
        if *slot.add(OFF_TT) != TAG_INT {
            return 0;
        }
        *out = *(slot as *const lua_Integer);
        1
    }
}

/// The number at `idx` when it is one, integers converted (no conversion
/// from strings), as `lua_tonumberx` with its flag; inline for stack
/// indices.
///
/// # Safety
/// `idx` is an acceptable index of the running frame of `l`.
#[inline]
pub unsafe fn lua_native_fast_to_number(l: *mut lua_State, idx: c_int, out: &mut lua_Number) -> c_int {
    // SAFETY: as lua_native_fast_to_integer.
    unsafe {
        if idx <= LUA_REGISTRYINDEX {
            if crate::lua_type(l, idx) != crate::LUA_TNUMBER as c_int {
                return 0;
            }
            *out = crate::lua_tonumberx(l, idx, std::ptr::null_mut());
            return 1;
        }
        let (top, func, _) = frame(l);
        let slot = if idx > 0 { func.add(idx as usize * SLOT) } else { top.wrapping_sub(idx.unsigned_abs() as usize * SLOT) };
        if idx > 0 && slot >= top {
            return 0;
        }
        match *slot.add(OFF_TT) {
            TAG_FLOAT => *out = *(slot as *const lua_Number),
            TAG_INT => *out = *(slot as *const lua_Integer) as lua_Number,
            _ => return 0,
        }
        1
    }
}
