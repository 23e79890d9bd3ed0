//! What a binding layer needs beyond the Rust API (feature `host-binding`;
//! the Node addon is one): objects that live in the host and are only
//! represented in Lua, lending a state to a worker thread for one run,
//! dotted-path globals with the addon's rules, the runtime pointers, and
//! allocation-failure injection for its tests. A Rust program embedding Lua
//! needs none of it: [`UserData`](crate::UserData) and the typed API cover
//! its objects and values.
//!
//! ```
//! use lua_core::{host::AllocationFault, Lua};
//! let lua = Lua::new();
//! lua.set_allocation_fault(Some(AllocationFault::persistent(1)));
//! let failed = lua.exec::<()>("local t = {} for i = 1, 100 do t[i] = {} end");
//! assert_eq!(failed.unwrap_err().code(), "LUA_MEMORY");
//! assert!(lua.allocation_faults_fired() > 0);
//! lua.set_allocation_fault(None);
//! assert_eq!(lua.exec::<i64>("return 6 * 7")?, 42);
//! # Ok::<(), lua_core::Error>(())
//! ```

pub use crate::raw::detach::{Detached, Kept};
pub use crate::raw::fault::{fail_next_state, injected_total, AllocationFault};
pub use crate::raw::host_object::{Access, HostObjects};
pub use crate::raw::path::split_path;
pub use crate::raw::runtime::RUNTIME_KEY;
