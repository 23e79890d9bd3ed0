//! Raw bindings to the vendored Lua 5.5 (see `vendor/`).
//!
//! Everything here is the C API as `lua.h`, `lauxlib.h` and `lualib.h` declare
//! it, plus Rust equivalents of the macros those headers define. Nothing here is
//! safe: a caller must follow the Lua reference manual's rules for the stack,
//! and must remember that every API call that can raise an error does so with
//! `longjmp`.

#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals, clippy::missing_safety_doc)]

use std::ffi::{c_int, c_void};

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
include!(concat!(env!("OUT_DIR"), "/version.rs"));

mod fast;
mod macros;
pub use fast::*;
pub use macros::*;

/// `LUA_REGISTRYINDEX` is an expression macro that bindgen does not evaluate.
/// Whether Lua's C code was built with AddressSanitizer
/// (`LUA_NATIVE_SANITIZE=address`, scripts/asan.sh). An allocator that
/// carves Lua's blocks out of larger ones hides them from ASan, so it should
/// hand every block to `malloc` then.
pub const ADDRESS_SANITIZER: bool = cfg!(lua_native_asan);

pub const LUA_REGISTRYINDEX: c_int = -(c_int::MAX / 2 + 1000);

/// The `lua_Alloc` signature without bindgen's `Option` wrapper.
pub type lua_AllocFn = unsafe extern "C" fn(*mut c_void, *mut c_void, usize, usize) -> *mut c_void;

/// A C function as Lua calls it.
pub type lua_CFunctionFn = unsafe extern "C" fn(*mut lua_State) -> c_int;
