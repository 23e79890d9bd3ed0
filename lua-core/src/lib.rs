#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![deny(unsafe_code)]

// Two layers. `raw` is the only place that calls Lua's C API or writes
// `unsafe`: the state, its allocator, limits and occupancy, protected calls,
// the stack and every handle into it (docs/ARCHITECTURE.md says which module
// owns which invariant). Everything else is safe Rust over `raw`'s safe
// interface, and the compiler holds it to that (`deny(unsafe_code)` below,
// lifted for `raw` alone; `tests/layers.rs` checks that it stays so).
#[allow(unsafe_code)]
mod raw;

mod api;
mod awaiting;
mod builder;
mod chunk;
mod control;
mod convert;
mod display;
mod doors;
mod error;
mod external;
#[cfg(feature = "host-binding")]
pub mod host;
#[cfg(feature = "serde")]
mod serde;
mod string;
mod table;
mod table_iter;
mod userdata;

pub use raw::callback::CallContext;
pub use raw::cancel::CancelHandle;
pub use convert::{FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, MultiValue};
pub use error::{Error, Result, DEPTH_MESSAGE, MAX_DEPTH};
pub use raw::hooks::{DebugHook, HookEvent, HookEventKind, HookMask};
pub use raw::introspect::StackFrame;
pub use raw::limits::LimitKind;
pub use builder::LuaBuilder;
pub use chunk::{AsChunk, Chunk};
pub use external::{ExternalError, ExternalResult};
pub use raw::stdlib::Preset;
pub use raw::string::LuaString;
pub use raw::env::NOT_A_TABLE_ENV;
pub use raw::lua::{ChunkMode, Lua, LuaOptions, Results, BYTECODE_DENIED};
pub use raw::number_call::Number;
pub use raw::stack::Stack;
pub use raw::stack_value::{Kind, StackValue};
pub use raw::visit::{KeyOrigin, MapKey, Visitor};
pub use raw::gc::{GcCommand, GcParam, GcResult, MAX_GC_PARAM};
pub use raw::host_object::Access;
pub use raw::package::PackageError;
pub use raw::input::{ReadFormat, READ_HANDLER_FAILED};
pub use raw::sandbox::{Filesystem, Seal};
pub use raw::occupancy::Occupied;
#[cfg(feature = "serde")]
pub use crate::serde::{LuaDeserializer, LuaSerializer, Serde};
pub use raw::send::SendLua;
pub use raw::stdlib::StdLib;
pub use raw::table::KeySnapshot;
pub use table_iter::TablePairs;
pub use raw::thread::{ResumeRefusal, Resumed};
pub use raw::driver::{Driver, Settle, Step, AWAIT_NOT_YOURS, AWAIT_REFUSED, PLAIN_YIELD};
pub use userdata::{UserData, UserDataFields, UserDataMethods};
pub use raw::value::{AnyUserData, Function, RegRef, Table, Thread, ThreadStatus, Value};

/// `"Lua 5.5"`.
pub const LUA_VERSION: &str = raw::LUA_VERSION;
/// `"Lua 5.5.1"`.
pub const LUA_RELEASE: &str = raw::LUA_RELEASE;
/// `505`.
pub const LUA_VERSION_NUM: u32 = raw::LUA_VERSION_NUM;
