//! Running a state on another thread, one run at a time.
//!
//! A `Lua` is single-threaded (`Rc` inside). To run a chunk on a worker
//! thread, the owner *detaches* the state: the worker gets a [`Detached`]
//! (which is `Send`) and runs one chunk; the results stay on the Lua stack
//! ([`Kept`]) until the owner, back on its own thread, reattaches and reads
//! them. While detached, everything that would reach the host from Lua is
//! held back: registry references dropped on the owner's thread, host
//! functions collected by Lua, and host objects released by Lua are queued
//! and settled on reattach.

use std::ffi::{c_int, CStr, CString};

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::{ChunkMode, Lua, Results};
use crate::raw::protect::{pop_error, protect_status};
use crate::raw::runtime::{traceback_handler, Runtime};

/// The state, lent to another thread for one run.
pub struct Detached {
    rt: *const Runtime,
}

// SAFETY: while detached, the owner does not touch the state (`detach`'s
// contract), and what Lua hands back to the owner (collected host
// functions and userdata, released host objects, dropped references) is
// deferred until `reattach`. Calls Lua makes into the host are not
// deferred: host functions, userdata methods and host-object accessors run
// on the worker, so `detach`'s caller must make them refuse while
// `is_off_thread` (the addon's do); the user's debug hook is skipped. So
// exactly one thread uses the `lua_State` and its runtime at a time.
// SAFETY: as just said, the state and its runtime have one user at a time.
unsafe impl Send for Detached {}

/// Results left on the stack by a detached run.
#[derive(Debug)]
pub struct Kept {
    top: c_int,
    base: c_int,
    count: c_int,
}

impl Lua {
    /// Whether the state is lent to another thread right now.
    pub fn is_off_thread(&self) -> bool {
        self.rt.occupancy().is_away()
    }

    /// Lends the state to another thread. Refused with [`Error::Busy`]
    /// while anything is inside the state (this thread would still be
    /// running in it) or it is already lent, and with [`Error::Closed`] once
    /// it is closed.
    ///
    /// # Safety
    /// Until [`Lua::reattach`], the caller must keep this `Lua` alive, must not
    /// use it (or any of its handles) except to check `is_off_thread` and to
    /// drop handles, and must run at most one `Detached` call at a time.
    /// Every host function, `UserData` method and `HostObjects` accessor in
    /// the state runs on the worker if Lua calls it: each must refuse (check
    /// `is_off_thread`) or touch nothing tied to the owner's thread.
    pub unsafe fn detach(&self) -> Result<Detached> {
        self.rt.check_open()?;
        if let Some(occupied) = self.rt.occupancy().occupied() {
            let message = format!("{}: handing the state to a worker thread requires that nothing else holds it", occupied.message("execute_async()"));
            return Err(Error::Busy { message });
        }
        self.rt.occupancy().set_away(true);
        // The run is in flight from now on: a cancel made before the worker
        // starts it still stops it.
        self.rt.limits().cancel().arm_lent();
        Ok(Detached { rt: std::rc::Rc::as_ptr(&self.rt) })
    }

    /// Takes the state back after the other thread finished with it, and
    /// settles whatever was held back meanwhile.
    pub fn reattach(&self, _detached: Detached) {
        self.rt.occupancy().set_away(false);
        self.rt.limits().cancel().disarm();
        self.rt.settle_deferred();
    }

    /// Hands the results of a detached run to `read`, then removes them.
    /// Reading is an entry into the state like any other (it may run host
    /// code, which must not close the state under it).
    pub fn read_kept<R>(&self, kept: Kept, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        let _entry = crate::raw::occupancy::Entry::new(&self.rt)?;
        let l = self.rt.main();
        let r = read(Results::new(l, kept.base, kept.count, self));
        // SAFETY: lowering the top to where the run started never raises.
        unsafe { lua_settop(l, kept.top) };
        Ok(r)
    }
}

impl Detached {
    fn rt(&self) -> &Runtime {
        // SAFETY: the owner keeps the runtime alive while detached (see `detach`).
        unsafe { &*self.rt }
    }

    /// Runs `source` named by its own text (as `Lua::exec_source_with`).
    pub fn exec_source(&self, source: &CStr) -> Result<Kept> {
        let (p, len, name, mode) = (source.as_ptr(), source.to_bytes().len(), source.as_ptr(), self.mode());
        // SAFETY: the source outlives the run; lua_load reports failure as a status.
        self.run(|l| unsafe { luaL_loadbufferx(l, p, len, name, mode) }, false)
    }

    /// Runs the chunk `source` (all of its bytes) named `name` (Lua's rules,
    /// as `Lua::exec_buffer_with`).
    pub fn exec_named(&self, source: &[u8], name: &CStr) -> Result<Kept> {
        let (p, len, name, mode) = (source.as_ptr(), source.len(), name.as_ptr(), self.mode());
        // SAFETY: source and name outlive the run; lua_load reports failure as a status.
        self.run(|l| unsafe { luaL_loadbufferx(l, p as *const _, len, name, mode) }, false)
    }

    /// Runs the file at `path` (as `Lua::exec_file_with`).
    pub fn exec_file(&self, path: &[u8]) -> Result<Kept> {
        let path: CString = crate::raw::lua::file_path(path)?;
        let (p, mode) = (path.as_ptr(), self.mode());
        // SAFETY: the path outlives the run; `run` calls this loader protected (it allocates).
        self.run(|l| unsafe { luaL_loadfilex(l, p, mode) }, true)
    }

    /// Text or binary, or text only where the state allows no bytecode.
    fn mode(&self) -> *const std::ffi::c_char {
        let mode = if self.rt().doors().allow_bytecode { ChunkMode::Any } else { ChunkMode::Text };
        mode.as_cstr().as_ptr()
    }

    fn run(&self, load: impl Fn(*mut lua_State) -> c_int + Copy, protected_load: bool) -> Result<Kept> {
        let _entry = crate::raw::occupancy::Entry::lent(self.rt())?;
        // Cancelled before it started: it does not start.
        if self.rt().limits().cancel().requested() {
            return Err(crate::raw::limits::LimitKind::Cancelled.error());
        }
        let l = self.rt().main();
        // SAFETY: this thread is the only user of the state (see Detached);
        // the stack is restored on every failure.
        unsafe {
            let top = lua_native_fast_gettop(l);
            if lua_checkstack(l, 3) == 0 {
                return Err(Error::runtime("stack overflow (cannot grow the Lua stack)"));
            }
            lua_pushcclosure(l, Some(traceback_handler), 0);
            let status = if protected_load {
                match protect_status(l, 0, load) {
                    Ok(s) => s,
                    Err(e) => {
                        lua_settop(l, top);
                        return Err(e);
                    }
                }
            } else {
                load(l)
            };
            if status != LUA_OK as c_int {
                let e = pop_error(l, status);
                lua_settop(l, top);
                return Err(e);
            }
            self.rt().take_traceback();
            let status = lua_pcall(l, 0, LUA_MULTRET, top + 1);
            if status != LUA_OK as c_int {
                let mut e = pop_error(l, status);
                if let Some(traceback) = e.traceback_slot() {
                    *traceback = self.rt().take_traceback();
                }
                lua_settop(l, top);
                return Err(e);
            }
            if let Some(kind) = self.rt().limits().tripped() {
                lua_settop(l, top);
                return Err(kind.error());
            }
            Ok(Kept { top, base: top + 2, count: lua_native_fast_gettop(l) - top - 1 })
        }
    }
}
