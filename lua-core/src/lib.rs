//! `lua-core`: embed Lua 5.5 in Rust, safely.
//!
//! * Every Lua API call that can raise runs inside a protected call; Rust
//!   panics and Rust errors in callbacks become ordinary Lua errors.
//! * Every state is created with a counting allocator, so memory use is
//!   exact and a limit turns runaway allocation into a catchable error.
//! * Values cross directly on the Lua stack ([`Stack`], [`StackValue`],
//!   [`Visitor`]); the typed layer ([`IntoLua`], [`FromLua`], [`Value`]) is
//!   built on the same primitives.
//!
//! ```
//! use lua_core::{Lua, StdLib};
//! let lua = Lua::with_libraries(StdLib::SAFE)?;
//! lua.set_global("n", 20)?;
//! let fib: i64 = lua.exec("local function f(n) if n < 2 then return n end return f(n-1) + f(n-2) end return f(n)")?;
//! assert_eq!(fib, 6765);
//! # Ok::<(), lua_core::Error>(())
//! ```

#![warn(missing_docs)]

mod alloc;
mod api;
mod builder;
mod bytecode;
pub mod callback;
#[cfg(feature = "host-binding")]
mod detach;
mod convert;
mod error;
mod gc;
mod host_object;
mod limits;
mod lua;
mod metatable;
mod package;
mod path;
mod protect;
mod runtime;
mod sandbox;
mod send;
mod stack;
mod stdlib;
mod thread;
mod userdata;
mod value;

pub use callback::CallContext;
pub use convert::{FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, MultiValue};
#[cfg(feature = "host-binding")]
pub use detach::{Detached, Kept};
pub use error::{Error, Result, DEPTH_MESSAGE, MAX_DEPTH};
pub use limits::{DebugHook, HookEvent, HookEventKind, HookMask, LimitKind};
pub use builder::LuaBuilder;
pub use lua::{ChunkMode, Lua, LuaOptions, Results};
pub use runtime::RUNTIME_KEY;
pub use stack::{Kind, Stack, StackValue, Visitor};
pub use gc::{GcCommand, GcParam, GcResult, MAX_GC_PARAM};
pub use path::split_path;
pub use host_object::{Access, HostObjects};
pub use package::PackageError;
pub use sandbox::Seal;
pub use send::SendLua;
pub use stdlib::StdLib;
pub use thread::{ResumeRefusal, Resumed};
pub use userdata::{UserData, UserDataMethods};
pub use value::{AnyUserData, Function, RegRef, Table, Thread, ThreadStatus, Value};

/// `"Lua 5.5"`.
pub const LUA_VERSION: &str = lua_sys::LUA_VERSION;
/// `"Lua 5.5.1"`.
pub const LUA_RELEASE: &str = lua_sys::LUA_RELEASE;
/// `505`.
pub const LUA_VERSION_NUM: u32 = lua_sys::LUA_VERSION_NUM;
