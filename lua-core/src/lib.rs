#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod alloc;
mod api;
mod builder;
mod bytecode;
mod cancel;
mod callback;
#[cfg(feature = "host-binding")]
mod detach;
mod convert;
mod error;
mod fault;
mod gc;
#[cfg(feature = "host-binding")]
pub mod host;
mod hooks;
mod host_object;
mod limits;
mod occupancy;
mod lua;
mod metatable;
mod package;
#[cfg(feature = "host-binding")]
mod path;
mod protect;
mod runtime;
mod sandbox;
#[cfg(feature = "serde")]
mod serde;
mod send;
mod stack;
mod stack_value;
mod visit;
mod tagged;
mod stdlib;
mod thread;
mod userdata;
mod value;
mod watchdog;

pub use callback::CallContext;
pub use cancel::CancelHandle;
pub use convert::{FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, MultiValue};
pub use error::{Error, Result, DEPTH_MESSAGE, MAX_DEPTH};
pub use hooks::{DebugHook, HookEvent, HookEventKind, HookMask};
pub use limits::LimitKind;
pub use builder::LuaBuilder;
pub use lua::{ChunkMode, Lua, LuaOptions, Results};
pub use stack::Stack;
pub use stack_value::{Kind, StackValue};
pub use visit::Visitor;
pub use gc::{GcCommand, GcParam, GcResult, MAX_GC_PARAM};
pub use host_object::Access;
pub use package::PackageError;
pub use sandbox::Seal;
pub use occupancy::Occupied;
#[cfg(feature = "serde")]
pub use crate::serde::{LuaDeserializer, LuaSerializer, Serde};
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
