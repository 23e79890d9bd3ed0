//! Stopping a run from outside it: [`Lua::canceller`] gives a
//! [`CancelHandle`] that any thread may keep and use.
//!
//! A cancel asks *the run in flight* to stop. A run is in flight from the
//! outermost entry into the state until it returns (see `occupancy::Entry`),
//! and for the whole time the state is lent to a worker thread (from
//! `Lua::detach` to `Lua::reattach`), so a cancel made right after an async
//! run was started still reaches it. Outside a run a cancel does nothing,
//! and it never carries over to the next run.
//!
//! The handle touches two atomics and nothing else: the word below, and the
//! `CANCELLED` bit of the attention flag the VM already reads after every C
//! function returns (see `limits` and `lua_native_after_c` in lua-sys). The thread running
//! Lua notices the request where it notices a passed deadline: when the
//! VM's step counter runs out (at most a thousand instructions apart), after
//! every C function, at pattern-matching steps and when memory grows. From
//! then on the run is stopped like a limit: the error ("execution
//! cancelled", [`crate::Error::Cancelled`]) is raised again at every step
//! until control is back in the host, so `pcall` cannot swallow it.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;


/// A run is in flight.
const RUNNING: usize = 1;
/// The run in flight was asked to stop.
const REQUESTED: usize = 2;
/// One cancel in the middle of writing the VM's flag (counted in the bits above).
const POKER: usize = 4;

struct Shared {
    /// `RUNNING | REQUESTED | pokers * POKER`.
    word: AtomicUsize,
    /// The flag the VM reads after every C function (in the runtime's
    /// `LimitState`); it may be written only while a run is in flight, when
    /// the runtime is alive for certain.
    flag: AtomicPtr<AtomicU8>,
}

/// The state's side of cancellation (in its `LimitState`).
pub(crate) struct CancelState {
    shared: Arc<Shared>,
    /// A run is in flight on the owner's thread. Its cancels are published
    /// in `shared` only once a handle exists: until then nobody can cancel,
    /// and a call from the host spends no atomic read-modify-write on it.
    /// (Atomic only because a lent state's worker writes it too; a lent
    /// run is always published, see `arm_lent`.)
    in_run: AtomicBool,
}

impl Default for CancelState {
    fn default() -> CancelState {
        CancelState {
            shared: Arc::new(Shared { word: AtomicUsize::new(0), flag: AtomicPtr::new(std::ptr::null_mut()) }),
            in_run: AtomicBool::new(false),
        }
    }
}

impl CancelState {
    /// Records the address of the flag the VM reads (once the runtime has its
    /// final address).
    pub(crate) fn bind(&self, flag: *const AtomicU8) {
        self.shared.flag.store(flag as *mut AtomicU8, Ordering::Release);
    }

    /// Whether the run in flight was asked to stop.
    #[inline]
    pub(crate) fn requested(&self) -> bool {
        self.shared.word.load(Ordering::Acquire) & REQUESTED != 0
    }

    /// A run starts (or the state is lent): cancels reach it from now on. A
    /// request already made for this run (while the state was lent, before
    /// the worker entered it) is made visible to the VM again, since
    /// starting a budget may have cleared the flag.
    #[inline]
    pub(crate) fn arm(&self) {
        self.in_run.store(true, Ordering::Relaxed);
        // Handles are made only on the owner's thread, which is this one:
        // with none now, none can appear before `handle` publishes the run.
        if Arc::strong_count(&self.shared) > 1 {
            self.publish();
        }
    }

    /// The state is lent to a worker: the run is published whatever the
    /// handles, since the owner may make one while the worker runs.
    #[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
    pub(crate) fn arm_lent(&self) {
        self.in_run.store(true, Ordering::Relaxed);
        self.publish();
    }

    fn publish(&self) {
        let old = self.shared.word.fetch_or(RUNNING, Ordering::AcqRel);
        if old & REQUESTED != 0 {
            self.poke();
        }
    }

    /// The run is over (or the state is back from the worker): later cancels
    /// do nothing, and a request made for this run is forgotten. Called on
    /// the thread that holds the state.
    #[inline]
    pub(crate) fn disarm(&self) {
        self.in_run.store(false, Ordering::Relaxed);
        // Nothing published (no handle during the run): nothing to undo. A
        // cancel sets REQUESTED only while RUNNING is set.
        if self.shared.word.load(Ordering::Acquire) & (RUNNING | REQUESTED) == 0 {
            return;
        }
        let old = self.shared.word.fetch_and(!(RUNNING | REQUESTED), Ordering::AcqRel);
        if old & REQUESTED == 0 {
            return;
        }
        // A cancel may still be writing the VM's flag: wait for it, then
        // clear the flag so the next run does not start out interrupted.
        self.wait_for_pokers();
        self.unpoke();
    }

    fn wait_for_pokers(&self) {
        let mut spins = 0u32;
        while self.shared.word.load(Ordering::Acquire) >= POKER {
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    fn poke(&self) {
        let flag = self.shared.flag.load(Ordering::Acquire);
        if !flag.is_null() {
            // SAFETY: called on the thread holding the state, whose runtime
            // (and so the flag inside it) is alive.
            unsafe { (*flag).fetch_or(crate::raw::attention::CANCELLED, Ordering::Release) };
        }
    }

    fn unpoke(&self) {
        let flag = self.shared.flag.load(Ordering::Acquire);
        if !flag.is_null() {
            // SAFETY: as in `poke`; no watch is running (the budget closed
            // first), so nothing else writes the flag now.
            unsafe { (*flag).fetch_and(!crate::raw::attention::CANCELLED, Ordering::Release) };
        }
    }

    pub(crate) fn handle(&self) -> CancelHandle {
        let handle = CancelHandle { shared: self.shared.clone() };
        // Made during a run that was not published (there was no handle).
        if self.in_run.load(Ordering::Relaxed) {
            self.publish();
        }
        handle
    }
}

impl Drop for CancelState {
    fn drop(&mut self) {
        // Handles may outlive the state: from here on they find no run, and
        // none is still writing into the runtime that is going away.
        self.shared.word.fetch_and(!(RUNNING | REQUESTED), Ordering::AcqRel);
        self.wait_for_pokers();
        self.shared.flag.store(std::ptr::null_mut(), Ordering::Release);
    }
}

/// Stops the run in flight in a [`Lua`](crate::Lua) state, from any thread.
///
/// `Send + Sync + Clone`: keep it wherever the stop decision is made (another
/// thread, a signal handler's thread, a UI event). [`CancelHandle::cancel`]
/// stops whatever run is in flight at that moment with
/// [`Error::Cancelled`](crate::Error::Cancelled) ("execution cancelled"), within
/// one step of the VM (a thousand instructions at most, and long calls inside
/// C such as pattern matching are interrupted too). Outside a run it does
/// nothing, and it never stops a later run. The handle may outlive the state.
///
/// ```
/// use lua_core::Lua;
///
/// let lua = Lua::new();
/// let canceller = lua.canceller();
/// let stopper = std::thread::spawn(move || {
///     // `cancel` reports whether a run was in flight: wait for it to start.
///     while !canceller.cancel() {
///         std::thread::yield_now();
///     }
/// });
/// let err = lua.exec::<()>("while true do end").unwrap_err();
/// stopper.join().unwrap();
/// assert_eq!(err.code(), "LUA_CANCELLED");
/// assert!(err.message().ends_with("execution cancelled"));
/// // The state is usable again, and the cancel is not carried over.
/// assert_eq!(lua.exec::<i64>("return 1 + 1")?, 2);
/// # Ok::<(), lua_core::Error>(())
/// ```
#[derive(Clone)]
pub struct CancelHandle {
    shared: Arc<Shared>,
}

impl CancelHandle {
    /// Asks the run in flight to stop. Returns whether there was one (it is
    /// now asked to stop, or already was); with none, nothing happens.
    pub fn cancel(&self) -> bool {
        let s = &*self.shared;
        let claimed = s.word.fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| (w & RUNNING != 0).then_some((w | REQUESTED) + POKER));
        if claimed.is_err() {
            return false;
        }
        // While this cancel is counted among the pokers, the run cannot be
        // declared over (`disarm` waits), so the runtime holding the flag is
        // alive.
        let flag = s.flag.load(Ordering::Acquire);
        if !flag.is_null() {
            // SAFETY: see above; an atomic may be written from any thread.
            unsafe { (*flag).fetch_or(crate::raw::attention::CANCELLED, Ordering::Release) };
        }
        s.word.fetch_sub(POKER, Ordering::AcqRel);
        true
    }
}

impl std::fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = self.shared.word.load(Ordering::Relaxed);
        f.debug_struct("CancelHandle").field("running", &(w & RUNNING != 0)).field("requested", &(w & REQUESTED != 0)).finish()
    }
}
