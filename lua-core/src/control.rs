//! The limits a host sets on a state after creating it, and the way to stop
//! a run in flight. The state keeps them (`raw::limits`, `raw::cancel`);
//! these are the doors.

use std::time::Duration;

use crate::raw::cancel::CancelHandle;
use crate::raw::lua::Lua;

impl Lua {
    /// The work budget of one call from the host (0: no limit): one unit per
    /// VM instruction, library and collector work in proportion to its size
    /// (see [`LuaBuilder::instruction_limit`](crate::LuaBuilder::instruction_limit)).
    pub fn set_instruction_limit(&self, max: u64) {
        self.rt.limits().set_max_instructions(max);
    }

    /// The instruction limit (0: none).
    pub fn instruction_limit(&self) -> u64 {
        self.rt.limits().max_instructions()
    }

    /// The longest one call from the host may run (None: no limit).
    pub fn set_timeout(&self, timeout: Option<Duration>) {
        self.rt.limits().set_timeout(timeout);
    }

    /// The time limit, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.rt.limits().timeout()
    }
}

impl Lua {
    /// A handle that stops this state's run in flight from any thread (see
    /// [`CancelHandle`]). It may be taken at any time, also while the state
    /// is lent to another thread, and may outlive the state.
    pub fn canceller(&self) -> CancelHandle {
        self.rt.limits().cancel().handle()
    }

    /// Stops the run in flight, as [`CancelHandle::cancel`]; for a host
    /// function or a debug hook that decides, from inside the run, that it
    /// must end. The run stops once control is back in Lua.
    ///
    /// ```
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// let stop = lua.create_function(|lua, _: lua_core::MultiValue| Ok(lua.cancel()))?;
    /// lua.set_global("stop", stop)?;
    /// let err = lua.exec::<()>("stop() while true do pcall(error, 'caught?') end").unwrap_err();
    /// assert_eq!(err.code(), "LUA_CANCELLED");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn cancel(&self) -> bool {
        self.canceller().cancel()
    }
}
