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

use crate::raw::lua::Lua;

pub use crate::raw::detach::{Detached, Kept};
pub use crate::raw::fault::{fail_next_state, injected_total, AllocationFault};
pub use crate::raw::host_class::{HostClass, MAX_CLASS_DEPTH};
pub use crate::raw::host_object::{Access, HostObjects};
pub use crate::raw::path::split_path;
pub use crate::raw::runtime::RUNTIME_KEY;

impl Lua {
    /// Arms an injected allocation fault on this state (replacing any
    /// earlier one), or disarms it with `None`; either way the count of
    /// [`Lua::allocation_faults_fired`] restarts at 0. A fault with `nth` or
    /// `refusals` 0 disarms too. Testing only.
    #[doc(hidden)]
    pub fn set_allocation_fault(&self, fault: Option<AllocationFault>) {
        self.rt.alloc().set_fault(fault)
    }

    /// Arms a fault that refuses only the `n`-th growth request from now
    /// (`Some(1)`: the very next one); `None` disarms. Testing only.
    #[doc(hidden)]
    pub fn fail_allocation_after(&self, n: Option<u64>) {
        self.set_allocation_fault(n.map(AllocationFault::once))
    }

    /// How many growth requests the injected fault has refused since it was
    /// last set. 0 after the operation under test means the operation made
    /// fewer requests than `nth`: the sweep is complete. Testing only.
    #[doc(hidden)]
    pub fn allocation_faults_fired(&self) -> u64 {
        self.rt.alloc().faults_fired()
    }

    /// Whether the injected fault is still waiting or refusing. Testing only.
    #[doc(hidden)]
    pub fn allocation_fault_armed(&self) -> bool {
        self.rt.alloc().fault_armed()
    }
}

