//! Execution limits: the instruction budget and the timeout of one call
//! from the host.
//!
//! * `max_instructions` and `timeout` are budgets for one call from the host:
//!   the outermost entry into the state opens them, nested entries (Lua →
//!   host → Lua) share them.
//! * No limit uses a debug hook. Instructions are counted by the VM itself
//!   (lua-sys's lvm.c patch decrements a per-thread counter; `on_steps_out`
//!   charges the budget when it runs out), a watchdog thread only sets an
//!   atomic flag when a deadline passes, and the thread running Lua reads
//!   that flag after every C function returns (lua-sys's ldo.c patch). So
//!   limits reach every instruction, those of hook functions and finalizers
//!   included, whatever hooks Lua code or the host set.
//! * Once a limit is exceeded the budget stays *tripped* until control is
//!   back in the host: every thread's counter is zeroed and the flag stays
//!   set, so the very next instruction or C-function return raises again;
//!   `pcall`, `xpcall`, `__close` or a coroutine can catch the error but
//!   cannot run on.
//! * `max_instructions` is a work budget: one unit per VM instruction, and
//!   library functions and the collector charge units in proportion to the
//!   work they do (lua-sys's `lua_native_charge`, `on_charge`).
//! * Pattern matching and other long loops inside C check the same budget
//!   every 256 steps (lua-sys's patched `lstrlib.c` and `ltablib.c`), each
//!   step counting as four instructions.
//! * Message handlers are skipped once a limit has tripped (lua-sys's
//!   patched `ldebug.c`), so an `xpcall` handler cannot keep a script alive.

use std::cell::Cell;
use std::ffi::{c_char, c_int, CStr};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use lua_sys::*;

use crate::raw::runtime::Runtime;

/// Which limit stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// The instruction limit.
    Instructions,
    /// The time limit.
    Timeout,
    /// A cancel from the host (see [`crate::CancelHandle`]).
    Cancelled,
}

impl LimitKind {
    /// The text Lua raises for this limit.
    pub fn message(self) -> &'static str {
        match self {
            LimitKind::Instructions => "instruction limit exceeded",
            LimitKind::Timeout => "execution timeout",
            LimitKind::Cancelled => "execution cancelled",
        }
    }

    /// The same text for lua-sys, which raises it from the VM.
    fn c_message(self) -> *const c_char {
        match self {
            LimitKind::Instructions => c"instruction limit exceeded".as_ptr(),
            LimitKind::Timeout => c"execution timeout".as_ptr(),
            LimitKind::Cancelled => c"execution cancelled".as_ptr(),
        }
    }

    /// `error`, out of line for the calls' hot paths.
    #[cold]
    #[inline(never)]
    pub(crate) fn cold_error(self) -> crate::Error {
        self.error()
    }

    /// The error a run stopped by this limit reports.
    pub fn error(self) -> crate::Error {
        let message = self.message().to_string();
        match self {
            LimitKind::Instructions => crate::Error::InstructionLimit { message, traceback: None },
            LimitKind::Timeout => crate::Error::Timeout { message, traceback: None },
            LimitKind::Cancelled => crate::Error::Cancelled { message, traceback: None },
        }
    }
}


use crate::raw::attention::{EXPIRED, TRIPPED};

#[derive(Default)]
pub(crate) struct LimitState {
    max_instructions: Cell<u64>,
    timeout: Cell<Option<Duration>>,
    /// Whether a budget is running: opened by the outermost entry into the
    /// state (see `occupancy::Entry`), closed when it returns.
    budget_open: Cell<bool>,
    used: Cell<u64>,
    deadline: Cell<Option<Instant>>,
    tripped: Cell<Option<LimitKind>>,
    /// Bytes grown since the allocator last looked at the clock.
    grown: Cell<usize>,
    /// The watchdog's watch over the current run, if it has a deadline.
    watch: Cell<Option<u64>>,
    /// The attention flag (bits above): the one thing other threads (the
    /// watchdog, a cancel) write. Every thread's extra space points at it.
    attention: AtomicU8,
    /// What the VM's step counter was last refilled with.
    step_refill: Cell<std::ffi::c_long>,
    /// Cancels from the host (any thread); they set `CANCELLED` in `attention`.
    cancel: crate::raw::cancel::CancelState,
}

/// How many bytes of growth between two clock checks in the allocator.
const GROWTH_CHECK: usize = 256 * 1024;

/// Instructions between two calls of `on_steps_out` when no budget is near.
const STEP_INTERVAL: std::ffi::c_long = 1000;

/// Ends the teardown budget's watch (the state is closed).
pub(crate) fn end_teardown(rt: &Runtime) {
    rt.limits().budget_open.set(false);
    if let Some(id) = rt.limits().watch.take() {
        crate::raw::watchdog::unwatch(id);
    }
}

/// Installs the process-wide entry points in lua-sys, once: states are
/// created on any thread, and lua-sys reads these globals without a lock.
pub(crate) fn install_entry_points() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: plain stores of function pointers into lua-sys's globals,
        // made once before any state of this crate exists (`Once` orders
        // them before every later reader on any thread).
        unsafe {
            lua_native_resume_hook = Some(on_resume);
            lua_native_match_hook = Some(on_match_steps);
            lua_native_handlers_hook = Some(handlers_blocked);
            lua_native_thread_hook = Some(on_thread);
            lua_native_steps_hook = Some(on_steps_out);
            lua_native_charge_hook = Some(on_charge);
        }
        crate::raw::hooks::install_entry_points();
    });
}

/// The VM's step counter of `l` ran out (or a C function returned while the
/// attention flag was set): charge what it counted to the budget and refill
/// it with at most what is left. Returns the message lua-sys raises when a
/// limit stops the thread here (and from now on, at every step).
unsafe extern "C" fn on_steps_out(l: *mut lua_State) -> *const c_char {
    // SAFETY: called from the VM on a thread of one of our states; it only
    // writes the thread's counter and the runtime's cells.
    unsafe {
        let rt = Runtime::from_state(l);
        let s = rt.limits();
        let counter = lua_native_steps(l);
        if !s.budget_open.get() {
            *counter = STEP_INTERVAL;
            return std::ptr::null();
        }
        let counted = s.step_refill.get().max(1) as u64;
        let used = s.used.get().saturating_add(counted);
        s.used.set(used);
        let max = s.max_instructions.get();
        let kind = if let Some(kind) = s.tripped.get() {
            Some(kind)
        } else if let Some(kind) = s.signalled() {
            Some(kind)
        } else if max > 0 && used >= max {
            Some(LimitKind::Instructions)
        } else {
            None
        };
        if let Some(kind) = kind {
            trip(rt, l, kind);
            return kind.c_message();
        }
        let refill = if max == 0 { STEP_INTERVAL } else { (max - used).min(STEP_INTERVAL as u64) as std::ffi::c_long };
        s.step_refill.set(refill);
        *counter = refill;
        std::ptr::null()
    }
}

/// Records a trip: from now until control is back in the host, every
/// thread stops at its next instruction (its counter is zero) or at the next
/// return of a C function (the attention flag).
///
/// # Safety
/// `l` is null or a thread of `rt`'s state, on the thread running it.
unsafe fn trip(rt: &Runtime, l: *mut lua_State, kind: LimitKind) {
    rt.limits().mark_tripped(kind);
    // SAFETY: writes of the threads' own counters (extra space); the
    // traceback only reads `l`'s call stack (the message handler that would
    // take it is skipped once tripped, and the state can no longer grow).
    unsafe {
        if !l.is_null() {
            *lua_native_steps(l) = 0;
            rt.set_traceback(crate::raw::traceback::plain_traceback(l, 0));
        }
        if !rt.main().is_null() {
            *lua_native_steps(rt.main()) = 0;
        }
    }
}

/// Hears of threads made and freed; `alive` 2 means the state is closing,
/// and then no watch may outlive it; 3 that the last finalizer of a close
/// has run, and the objects are about to be freed.
unsafe extern "C" fn on_thread(l: *mut lua_State, l1: *mut lua_State, alive: c_int) {
    // SAFETY: called by lua_newthread / lua_close of one of our states,
    // whose extra space holds the runtime pointer.
    let rt = unsafe { Runtime::from_state(l) };
    match alive {
        // A coroutine made after a trip stops at its first instruction.
        // SAFETY: the new thread's own counter.
        1 if rt.limits().tripped.get().is_some() => unsafe { *lua_native_steps(l1) = 0 },
        2 => end_teardown(rt),
        // SAFETY: `l` is the main thread of a closing state, past its
        // finalizers (lua-sys's lua_native_before_free_all).
        3 => unsafe { rt.alloc().free_whole_from_now(l) },
        _ => {}
    }
}

/// Asked before Lua runs a message handler: none may run once a limit has
/// tripped (a handler could otherwise keep a stopped script running).
unsafe extern "C" fn handlers_blocked(l: *mut lua_State) -> c_int {
    // SAFETY: called from luaG_errormsg on a thread of one of our states.
    unsafe { Runtime::from_state(l) }.limits().tripped().is_some() as c_int
}

/// Every `lua_resume`: the thread takes up the host's current hook, and
/// after a trip stops at its first instruction.
unsafe extern "C" fn on_resume(l: *mut lua_State) {
    // SAFETY: lua_resume calls this on a thread of one of our states.
    unsafe {
        let rt = Runtime::from_state(l);
        lua_native_sync_hook(l);
        if rt.limits().tripped.get().is_some() {
            *lua_native_steps(l) = 0;
        }
    }
}

/// Every 1024 pattern-matching steps.
unsafe extern "C" fn on_match_steps(l: *mut lua_State) {
    // SAFETY: called from the loops lua-sys patches (lstrlib's match() and
    // plain find, ltablib's move/insert/remove) on a thread of one of our
    // states, always inside a C function Lua is running, so raising is
    // allowed; nothing with a destructor is alive when `raise` runs.
    unsafe {
        let rt = Runtime::from_state(l);
        let s = rt.limits();
        if !s.budget_open.get() {
            return;
        }
        s.used.set(s.used.get().saturating_add(1024));
        if let Some(kind) = check(s) {
            trip(rt, l, kind);
            let message = located(l, kind.message());
            rt.raise(l, message)
        }
    }
}

/// Work done in C that the thread's step counter could not take (lua-sys's
/// `lua_native_charge`): standard-library functions in proportion to their
/// input, the collector in proportion to what it marked and swept. Charged
/// to the budget like instructions. Once a limit is exceeded, a charge that
/// may raise does (`may_raise`: a library function, before or between its
/// work); the collector's never does: the trip stops the thread at its next
/// VM step or C-function return.
unsafe extern "C" fn on_charge(l: *mut lua_State, units: usize, may_raise: c_int) {
    // SAFETY: called by lua-sys on a thread of one of our states. With
    // `may_raise` it runs inside a C function Lua is running, with nothing
    // held that a longjmp would leak, so raising is allowed; nothing with a
    // destructor is alive when `raise` runs. Without it (the collector,
    // possibly inside an allocation) it only writes the budget, the threads'
    // step counters and the attention flag: it neither raises nor allocates.
    unsafe {
        let rt = Runtime::from_state(l);
        let s = rt.limits();
        if !s.budget_open.get() {
            return;
        }
        s.used.set(s.used.get().saturating_add(units as u64));
        if let Some(kind) = check(s) {
            trip(rt, l, kind);
            if may_raise != 0 {
                let message = located(l, kind.message());
                rt.raise(l, message)
            }
        }
    }
}

/// `lua_native_charge` for the crate's own C functions (redirected `print`
/// and `io.write`): takes `units` off the thread's step counter, or charges
/// the budget and raises once a limit is exceeded.
///
/// # Safety
/// Called from a C function Lua is running, with nothing alive that a
/// longjmp would leak.
pub(crate) unsafe fn charge_in_c(l: *mut lua_State, units: usize) {
    // SAFETY: the extra space of a thread of one of our states; on_charge's
    // contract is the caller's.
    unsafe {
        let steps = lua_native_steps(l);
        if *steps > 0 && units < *steps as usize {
            *steps -= units as std::ffi::c_long;
        } else {
            on_charge(l, units, 1);
        }
    }
}

/// The limit that is exceeded now, if any.
fn check(s: &LimitState) -> Option<LimitKind> {
    if let Some(kind) = s.tripped.get() {
        return Some(kind);
    }
    if s.cancel.requested() {
        return Some(LimitKind::Cancelled);
    }
    let max = s.max_instructions.get();
    if max > 0 && s.used.get() >= max {
        return Some(LimitKind::Instructions);
    }
    if s.deadline_passed() {
        return Some(LimitKind::Timeout);
    }
    if let Some(deadline) = s.deadline.get() {
        if Instant::now() >= deadline {
            return Some(LimitKind::Timeout);
        }
    }
    None
}

/// `luaL_where(L, 1)` + message, built without touching the Lua stack.
unsafe fn located(l: *mut lua_State, message: &str) -> String {
    // SAFETY: lua_Debug is a plain C struct; all zeroes is a valid value.
    let mut ar: lua_Debug = unsafe { std::mem::zeroed() };
    // SAFETY: lua_getstack/lua_getinfo("Sl") fill `ar` without allocating.
    unsafe {
        if lua_getstack(l, 1, &mut ar) != 0 && lua_getinfo(l, c"Sl".as_ptr(), &mut ar) != 0 && ar.currentline > 0 {
            let src = CStr::from_ptr(ar.short_src.as_ptr()).to_string_lossy();
            return format!("{}:{}: {}", src, ar.currentline, message);
        }
    }
    message.to_string()
}

/// Starts the budget of a call from the host (the outermost entry into the
/// state, see `occupancy::Entry`).
#[inline]
pub(crate) fn open_budget(rt: &Runtime) {
    let s = rt.limits();
    s.used.set(0);
    s.grown.set(0);
    if s.max_instructions.get() == 0 && s.timeout.get().is_none() {
        // No limit to count against or watch for: the call only marks the
        // budget open. A trip, a passed deadline and a watch were all
        // cleared when the previous budget closed; the VM's counter, zero
        // after a trip, refills itself at the next step.
        s.budget_open.set(true);
        return;
    }
    open_limited(rt);
}

/// `open_budget` with a limit set: the counter starts a fresh interval and
/// a deadline is watched.
#[inline(never)]
fn open_limited(rt: &Runtime) {
    let s = rt.limits();
    s.tripped.set(None);
    clear_stops(s);
    // The main thread's counter starts a fresh interval with the budget.
    let first = match s.max_instructions.get() {
        0 => STEP_INTERVAL,
        max => max.min(STEP_INTERVAL as u64) as std::ffi::c_long,
    };
    s.step_refill.set(first);
    // SAFETY: the main thread of an open state (entries are only made then).
    unsafe {
        if !rt.main().is_null() {
            *lua_native_steps(rt.main()) = first;
        }
    }
    let deadline = s.timeout.get().map(|t| Instant::now() + t);
    s.deadline.set(deadline);
    if let Some(deadline) = deadline {
        s.watch.set(Some(crate::raw::watchdog::watch(&s.attention, deadline)));
    }
    s.budget_open.set(true);
}

/// Charges host-side work that a script caused (converting one value, in
/// either direction, in a call nested inside a run) to the running budget,
/// so that a script cannot make nested calls convert without end (a
/// registry that doubles with each copy of itself) out of reach of its
/// limits. The host's own calls (a run's arguments and results, `set_global`
/// from the host) are free.
#[inline]
pub(crate) fn charge_host(rt: &Runtime, units: u64) -> crate::Result<()> {
    let s = rt.limits();
    if !s.budget_open.get() || !rt.occupancy().is_nested() {
        return Ok(());
    }
    charge_nested(rt, units)
}

/// `charge_host` inside a run, out of line: the host's own calls, which
/// are free, keep only the test above inline (issue 18).
#[inline(never)]
fn charge_nested(rt: &Runtime, units: u64) -> crate::Result<()> {
    let s = rt.limits();
    let used = s.used.get().saturating_add(units);
    s.used.set(used);
    let max = s.max_instructions.get();
    let kind = if let Some(kind) = s.tripped.get() {
        kind
    } else if s.cancel.requested() {
        LimitKind::Cancelled
    } else if max > 0 && used >= max {
        LimitKind::Instructions
    } else if s.deadline_passed() {
        LimitKind::Timeout
    } else {
        return Ok(());
    };
    // Lua raises it again at its next step.
    // SAFETY: no thread is named; only the main thread's counter is written.
    unsafe { trip(rt, std::ptr::null_mut(), kind) };
    Err(kind.error())
}

/// Ends the budget when the outermost entry returns; a trip is cleared.
#[inline]
pub(crate) fn close_budget(rt: &Runtime) {
    let s = rt.limits();
    s.budget_open.set(false);
    // A run with no watch, no trip and no stop in the flag (every run
    // without limits) has nothing else to undo: one look at each.
    if s.watch.get().is_some() || s.tripped.get().is_some() || s.attention.load(Ordering::Acquire) & (TRIPPED | EXPIRED) != 0 {
        close_rest(s);
    }
}

/// The rest of `close_budget`, out of the calls' paths.
#[inline(never)]
fn close_rest(s: &LimitState) {
    if let Some(id) = s.watch.take() {
        crate::raw::watchdog::unwatch(id);
    }
    s.tripped.set(None);
    clear_stops(s);
}

/// Clears a trip and a passed deadline from the attention flag: a plain
/// read when neither is set (the common case), so a call from the host
/// spends no read-modify-write here. Whoever sets them again later (the
/// watchdog of a run that has not started yet) sets them after this.
#[inline]
fn clear_stops(s: &LimitState) {
    if s.attention.load(Ordering::Acquire) & (TRIPPED | EXPIRED) != 0 {
        s.attention.fetch_and(!(TRIPPED | EXPIRED), Ordering::Release);
    }
}

impl LimitState {
    /// The work budget of one call from the host (0: no limit).
    pub(crate) fn set_max_instructions(&self, max: u64) {
        self.max_instructions.set(max);
    }

    pub(crate) fn max_instructions(&self) -> u64 {
        self.max_instructions.get()
    }

    /// The longest one call from the host may run; a run in flight gets the
    /// new deadline from now, watched in place of its old one (a run that
    /// opened without a timeout gets a watch; a shorter or longer one
    /// replaces the watch the run opened with).
    pub(crate) fn set_timeout(&self, timeout: Option<Duration>) {
        self.timeout.set(timeout.filter(|t| !t.is_zero()));
        if self.timeout.get().is_none() {
            // No deadline is left behind for a run that opens without one.
            self.deadline.set(None);
        }
        if self.budget_open.get() {
            if let Some(id) = self.watch.take() {
                crate::raw::watchdog::unwatch(id);
            }
            let deadline = self.timeout.get().map(|t| Instant::now() + t);
            self.deadline.set(deadline);
            match deadline {
                // `watch` clears a passed deadline of the old watch.
                Some(deadline) => self.watch.set(Some(crate::raw::watchdog::watch(&self.attention, deadline))),
                None => {
                    self.attention.fetch_and(!EXPIRED, Ordering::Release);
                }
            }
        }
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.timeout.get()
    }

    /// The address of the attention flag, for the VM to read (an atomic byte).
    pub(crate) fn attention_flag(&self) -> *const u8 {
        self.attention.as_ptr() as *const u8
    }

    /// Whether the watchdog has said the run's deadline passed.
    #[inline]
    fn deadline_passed(&self) -> bool {
        self.deadline.get().is_some() && self.attention.load(Ordering::Acquire) & EXPIRED != 0
    }

    /// What another thread has signalled to the run: a cancel, or (from the
    /// watchdog) a passed deadline.
    #[inline]
    fn signalled(&self) -> Option<LimitKind> {
        if self.cancel.requested() {
            Some(LimitKind::Cancelled)
        } else if self.deadline_passed() {
            Some(LimitKind::Timeout)
        } else {
            None
        }
    }

    /// Cancels of the run in flight.
    pub(crate) fn cancel(&self) -> &crate::raw::cancel::CancelState {
        &self.cancel
    }

    pub(crate) fn tripped(&self) -> Option<LimitKind> {
        self.tripped.get()
    }

    /// Whether `refuses_growth` could refuse anything now: false is its
    /// own first answer (no budget running, or no limit that can trip),
    /// which the allocator's fast path asks without the rest.
    #[inline]
    pub(crate) fn may_refuse_growth_now(&self) -> bool {
        self.budget_open.get() && self.may_refuse_growth()
    }

    /// Asked by the allocator before a block grows by `delta` bytes during a
    /// call from the host: after a trip every growth is refused (Lua raises
    /// "not enough memory", reported as the limit), and every 256 KB of
    /// growth the deadline is checked, so long C calls that allocate
    /// (`string.rep`, `table.concat`) cannot run far past it.
    pub(crate) fn refuses_growth(&self, delta: usize) -> bool {
        // Without a limit that can trip, the host pushes values unprotected
        // (`may_refuse_growth`): a cancel, which may trip without one, must
        // then never refuse growth (it is noticed at the next step instead).
        if !self.may_refuse_growth_now() {
            return false;
        }
        if self.tripped.get().is_some() {
            return true;
        }
        if let Some(kind) = self.signalled() {
            self.mark_tripped(kind);
            return true;
        }
        let Some(deadline) = self.deadline.get() else { return false };
        let grown = self.grown.get() + delta;
        if grown < GROWTH_CHECK {
            self.grown.set(grown);
            return false;
        }
        self.grown.set(0);
        if Instant::now() >= deadline {
            self.mark_tripped(LimitKind::Timeout);
            return true;
        }
        false
    }

    /// A trip noticed where no thread is at hand (the allocator): the
    /// attention flag makes the running thread stop at its next C-function
    /// return or step-counter check.
    fn mark_tripped(&self, kind: LimitKind) {
        if self.tripped.get().is_none() {
            self.tripped.set(Some(kind));
        }
        self.attention.fetch_or(TRIPPED, Ordering::Release);
    }

    /// Whether a refusal of growth is possible at all (a limit that can
    /// trip is set), so that host-side pushes must run protected.
    pub(crate) fn may_refuse_growth(&self) -> bool {
        self.max_instructions.get() > 0 || self.timeout.get().is_some()
    }
}

/// How long finalizers may run while a limited state closes, when no
/// timeout is configured.
const TEARDOWN_TIMEOUT: Duration = Duration::from_millis(1000);

/// Prepares closing the state: the host's hook goes, and if the state has
/// limits, the finalizers that run in `lua_close` get one fresh budget, so a
/// looping `__gc` cannot hang teardown.
///
/// # Safety
/// `rt`'s state must be open and about to be closed.
pub(crate) unsafe fn begin_teardown(rt: &Runtime) {
    let s = rt.limits();
    // SAFETY: the caller's promise: an open state.
    unsafe { crate::raw::hooks::clear_host_hook(rt) };
    let limited = s.max_instructions.get() > 0 || s.timeout.get().is_some();
    if limited {
        s.budget_open.set(true);
        s.used.set(0);
        s.tripped.set(None);
        let deadline = Instant::now() + s.timeout.get().unwrap_or(TEARDOWN_TIMEOUT);
        s.deadline.set(Some(deadline));
        s.attention.fetch_and(!(TRIPPED | EXPIRED), Ordering::Release);
        s.watch.set(Some(crate::raw::watchdog::watch(&s.attention, deadline)));
    }
}
