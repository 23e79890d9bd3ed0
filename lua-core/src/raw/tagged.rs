//! Full userdata this crate makes, and the one way to recognise them again.
//!
//! Lua code can reach the C functions the crate registers (a metatable's
//! `__index`, `__gc`, a host function's upvalue) through `getmetatable`,
//! `debug.getmetatable`, `debug.setmetatable` and `debug.setupvalue`, and call
//! them with anything. So no such function trusts its argument's metatable:
//! every userdata the crate makes starts with a two-word header, a magic word
//! naming its kind and a zero word, and [`check`] accepts a value only if it
//! is a full userdata of exactly the right size whose first word is that
//! kind's magic. Lua code cannot write bytes into a userdata, so the magic
//! cannot be forged. The zero word sits where the io library keeps a file's
//! close function: should `debug.setmetatable` give one of ours a file's
//! metatable, io sees a closed file instead of calling a pointer.

use std::ffi::c_int;
use std::mem::size_of;

use lua_sys::*;

/// The kinds of userdata the crate makes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(usize)]
pub(crate) enum Tag {
    /// The slot holding a host function's boxed Rust closure.
    HostFunction = 0x4c4e_4601,
    /// A host object (`set_userdata`).
    HostObject = 0x4c4e_4602,
    /// A Rust value with methods (`create_userdata`).
    UserData = 0x4c4e_4603,
}

#[repr(C)]
struct Tagged<T> {
    magic: usize,
    zero: usize,
    value: T,
}

/// Makes a userdata of kind `tag` holding `value` and pushes it.
///
/// # Safety
/// Allocates: must run inside a protected call, with a free stack slot.
/// `value` must need no drop if the userdata is collected without a `__gc`
/// that knows it (give it an empty value and fill it in afterwards).
pub(crate) unsafe fn push_new<T>(l: *mut lua_State, tag: Tag, value: T) -> *mut T {
    // SAFETY: Lua returns a block of the requested size, aligned for any
    // value (LUAI_MAXALIGN); it is written whole before anything reads it.
    unsafe {
        let block = lua_newuserdatauv(l, size_of::<Tagged<T>>(), 0) as *mut Tagged<T>;
        block.write(Tagged { magic: tag as usize, zero: 0, value });
        &mut (*block).value
    }
}

/// The value inside the userdata at `idx` if it is one of kind `tag` holding
/// a `T`; null otherwise. Never raises, never allocates.
///
/// # Safety
/// `idx` must be an acceptable index (a pseudo-index for upvalues included).
pub(crate) unsafe fn check<T>(l: *mut lua_State, idx: c_int, tag: Tag) -> *mut T {
    // SAFETY: the forwarded contract.
    unsafe { of_block(lua_native_userdata_sized(l, idx, size_of::<Tagged<T>>()), tag) }
}

/// `check` of a host function's upvalue 1, with the number of arguments
/// of the running call, in one call into Lua.
///
/// # Safety
/// `l` is running a C closure.
pub(crate) unsafe fn check_upvalue_and_args<T>(l: *mut lua_State, tag: Tag) -> (*mut T, c_int) {
    let mut nargs = 0;
    // SAFETY: the forwarded contract; the count is written into a local.
    let block = unsafe { lua_native_host_call(l, size_of::<Tagged<T>>(), &mut nargs) };
    // SAFETY: as `check`.
    (unsafe { of_block(block, tag) }, nargs)
}

/// The value in `block` (a full userdata's memory of `Tagged<T>`'s exact
/// size, or null) if it is of kind `tag`.
///
/// # Safety
/// `block` is null or such memory.
unsafe fn of_block<T>(block: *mut std::ffi::c_void, tag: Tag) -> *mut T {
    let block = block as *mut Tagged<T>;
    // SAFETY: a full userdata whose size is exactly that of `Tagged<T>` has
    // the two header words and a `T` readable, and only this crate writes
    // the magic word.
    unsafe {
        if block.is_null() || (*block).magic != tag as usize || (*block).zero != 0 {
            return std::ptr::null_mut();
        }
        &mut (*block).value
    }
}

/// The message a C function raises when its argument is not its own
/// userdata, in the form of Lua's own argument errors.
pub(crate) fn bad_self(function: &str, expected: &str) -> String {
    format!("bad argument #1 to '{function}' ({expected} expected)")
}
