//! The raw layer: everything that calls Lua's C API or needs `unsafe`.
//! Its interface to the rest of the crate is safe; the invariants it owns
//! (protected calls, stack space and ownership, the runtime pointer, the
//! occupancy rule, the limits' counters, tagged userdata) are listed in
//! docs/ARCHITECTURE.md, each with the module that owns it.

pub(crate) mod alloc;
pub(crate) mod argerror;
pub(crate) mod attention;
pub(crate) mod bytecode;
pub(crate) mod callback;
pub(crate) mod cancel;
pub(crate) mod chunk_run;
#[cfg(feature = "host-binding")]
pub(crate) mod detach;
pub(crate) mod driver;
pub(crate) mod env;
pub(crate) mod fault;
pub(crate) mod file_reader;
pub(crate) mod fs_deny;
pub(crate) mod gc;
pub(crate) mod hooks;
#[cfg(feature = "host-binding")]
pub(crate) mod host_class;
pub(crate) mod input;
pub(crate) mod introspect;
pub(crate) mod host_object;
pub(crate) mod limits;
pub(crate) mod lua;
pub(crate) mod metatable;
pub(crate) mod number;
pub(crate) mod number_call;
pub(crate) mod occupancy;
pub(crate) mod output;
pub(crate) mod package;
#[cfg(feature = "host-binding")]
pub(crate) mod path;
pub(crate) mod pool;
pub(crate) mod protect;
pub(crate) mod runtime;
pub(crate) mod sandbox;
pub(crate) mod searcher;
pub(crate) mod send;
#[cfg(feature = "serde")]
pub(crate) mod serde_stack;
pub(crate) mod stack;
pub(crate) mod stack_value;
pub(crate) mod stdlib;
pub(crate) mod table;
pub(crate) mod table_seq;
pub(crate) mod string;
pub(crate) mod tagged;
pub(crate) mod text_load;
pub(crate) mod thread;
pub(crate) mod traceback;
pub(crate) mod userdata;
pub(crate) mod userdata_fields;
pub(crate) mod value;
pub(crate) mod visit;
pub(crate) mod watchdog;

/// Lua's version, as the C headers give it.
pub(crate) use lua_sys::{LUA_RELEASE, LUA_VERSION, LUA_VERSION_NUM};
