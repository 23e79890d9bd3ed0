//! Execution limits and debug hooks, on the one hook Lua allows per state.
//!
//! * `max_instructions` and `timeout` are budgets for one call from the host:
//!   the outermost entry into Lua starts them, nested entries (Lua → host →
//!   Lua) share them.
//! * Once a limit is exceeded the budget stays *tripped* until control is
//!   back in the host: the hook then fires on every instruction and raises
//!   each time, so `pcall`, `xpcall`, `__close` or a coroutine can catch the
//!   error but cannot run on.
//! * The user's debug hook (`set_hook`) rides on the same installation: masks
//!   are combined and the finest count interval wins. Removing it never turns
//!   a limit off.
//! * Coroutines pick up the current hook whenever they are resumed
//!   (lua-sys's `luai_userstateresume`), however old they are.
//! * Pattern matching, which runs inside C, checks the same budget every
//!   1024 steps (lua-sys's patched `lstrlib.c`), each step counting as one
//!   instruction.
//! * Message handlers are skipped once a limit has tripped, and finalizers run
//!   with hooks on (lua-sys's patched `ldebug.c` and `lgc.c`), so neither an
//!   `xpcall` handler nor a `__gc` can loop out of reach of the hook.

use std::cell::{Cell, RefCell};
use std::ffi::{c_int, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::{Duration, Instant};

use lua_sys::*;

use crate::lua::Lua;
use crate::runtime::Runtime;

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

    /// The error a run stopped by this limit reports.
    pub fn error(self) -> crate::Error {
        let message = self.message().to_string();
        match self {
            LimitKind::Instructions => crate::Error::InstructionLimit { message },
            LimitKind::Timeout => crate::Error::Timeout { message },
            LimitKind::Cancelled => crate::Error::Cancelled { message },
        }
    }
}

/// An event the user's hook hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookEventKind {
    /// A function is called.
    Call,
    /// A function is tail-called (no matching return follows).
    TailCall,
    /// A function returns.
    Return,
    /// A new line of Lua code starts.
    Line,
    /// A number of instructions ran.
    Count,
}

impl HookEventKind {
    /// The name the JavaScript API uses.
    pub fn name(self) -> &'static str {
        match self {
            HookEventKind::Call => "call",
            HookEventKind::TailCall => "tail call",
            HookEventKind::Return => "return",
            HookEventKind::Line => "line",
            HookEventKind::Count => "count",
        }
    }
}

/// What a debug hook is told: the event, the current line (-1 where there is
/// none) and the function's name (empty when Lua cannot tell).
#[derive(Debug, Clone)]
pub struct HookEvent<'a> {
    /// What happened.
    pub kind: HookEventKind,
    /// The current line, or -1 where there is none.
    pub line: i32,
    /// The function's name, or empty when Lua cannot tell.
    pub name: &'a str,
}

/// Which events a debug hook wants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HookMask {
    /// Calls and tail calls.
    pub call: bool,
    /// Returns.
    pub ret: bool,
    /// Each new line.
    pub line: bool,
    /// Every `count` instructions (0: no count events).
    pub count: u32,
}

/// The user's debug hook. It must not raise: errors are its own business.
pub type DebugHook = Rc<dyn Fn(&Lua, &HookEvent<'_>)>;

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
    /// Instructions since the user's last count event.
    user_count_acc: Cell<u64>,
    user_hook: RefCell<Option<(DebugHook, HookMask)>>,
    /// Bytes grown since the allocator last looked at the clock.
    grown: Cell<usize>,
    /// The watchdog's watch over the current run, if it has a deadline.
    watch: Cell<Option<u64>>,
    /// Set by the watchdog thread once the run's deadline has passed, and by
    /// a cancel (`cancel`, which also records itself in `cancel`; every
    /// check looks there first): the one thing other threads write. The
    /// thread running Lua reads it where it counts steps (`on_steps_out`,
    /// `on_match_steps`, growth).
    expired: std::sync::atomic::AtomicBool,
    /// What the VM's step counter was last refilled with.
    step_refill: Cell<std::ffi::c_long>,
    /// Cancels from the host (any thread); read beside `expired`.
    cancel: crate::cancel::CancelState,
}

/// How many bytes of growth between two clock checks in the allocator.
const GROWTH_CHECK: usize = 256 * 1024;

/// What the state's hook is set to: (mask, count), or None for no hook.
fn wanted(s: &LimitState) -> Option<(c_int, c_int)> {
    let mut mask = 0;
    let mut count: c_int = 0;
    // No limit needs a standing hook: any hook makes Lua's VM take its slow
    // path on every instruction (about 2x on pure-Lua work). Instructions are
    // counted by the VM itself (lua-sys's lvm.c patch, `on_steps_out`), and a
    // timeout is watched from outside (`watchdog`); either sets the hook only
    // once its limit is reached.
    if let Some((_, m)) = s.user_hook.borrow().as_ref() {
        if m.call {
            mask |= LUA_MASKCALL as c_int;
        }
        if m.ret {
            mask |= LUA_MASKRET as c_int;
        }
        if m.line {
            mask |= LUA_MASKLINE as c_int;
        }
        if m.count > 0 {
            mask |= LUA_MASKCOUNT as c_int;
            let c = m.count.min(i32::MAX as u32) as c_int;
            count = if count == 0 { c } else { count.min(c) };
        }
    }
    if s.tripped.get().is_some() {
        mask |= LUA_MASKCOUNT as c_int;
        count = 1;
    }
    (mask != 0).then_some((mask, count.max(1)))
}

/// Brings `l`'s hook in line with the runtime's settings (cheap when it already is).
///
/// # Safety
/// `l` must be a thread of the runtime's state.
pub(crate) unsafe fn sync_hook(rt: &Runtime, l: *mut lua_State) {
    if l.is_null() {
        return;
    }
    // SAFETY: lua_gethook* and lua_sethook only read/write the thread's hook fields.
    unsafe {
        match wanted(rt.limits()) {
            Some((mask, count)) => {
                if lua_gethookmask(l) != mask || lua_gethookcount(l) != count || lua_gethook(l).map(|f| f as *const () as usize) != Some(dispatch as *const () as usize) {
                    lua_sethook(l, Some(dispatch), mask, count);
                }
            }
            None => {
                if lua_gethook(l).is_some() {
                    lua_sethook(l, None, 0, 0);
                }
            }
        }
    }
}

/// Ends the teardown budget's watch (the state is closed).
pub(crate) fn end_teardown(rt: &Runtime) {
    rt.limits().budget_open.set(false);
    if let Some(id) = rt.limits().watch.take() {
        watchdog::unwatch(id);
    }
}

/// Installs the process-wide entry points in lua-sys (idempotent).
pub(crate) fn install_entry_points() {
    // SAFETY: plain stores of function pointers into lua-sys's globals;
    // every state this crate creates wants the same ones.
    unsafe {
        lua_native_resume_hook = Some(on_resume);
        lua_native_match_hook = Some(on_match_steps);
        lua_native_handlers_hook = Some(handlers_blocked);
        lua_native_thread_hook = Some(on_thread);
        lua_native_steps_hook = Some(on_steps_out);
    }
}

/// The VM's step counter of `l` ran out: charge what it counted to the
/// budget, refill it with at most what is left, and once the budget is spent
/// trip the limit (the hook this sets raises on the next instruction).
unsafe extern "C" fn on_steps_out(l: *mut lua_State) {
    // SAFETY: called from the VM on a thread of one of our states; it only
    // writes the thread's counter and, when tripping, its hook.
    unsafe {
        let rt = Runtime::from_state(l);
        let s = rt.limits();
        let counter = lua_native_steps(l);
        let counted = s.step_refill.get().max(1) as u64;
        let max = s.max_instructions.get();
        if !s.budget_open.get() {
            *counter = STEP_INTERVAL;
            return;
        }
        if let Some(kind) = s.signalled() {
            if s.tripped.get().is_none() {
                s.tripped.set(Some(kind));
            }
            *counter = STEP_INTERVAL;
            sync_hook(rt, l);
            return;
        }
        if max == 0 {
            *counter = STEP_INTERVAL;
            return;
        }
        let used = s.used.get().saturating_add(counted);
        s.used.set(used);
        if used >= max {
            if s.tripped.get().is_none() {
                s.tripped.set(Some(LimitKind::Instructions));
            }
            *counter = STEP_INTERVAL;
            sync_hook(rt, l);
            return;
        }
        let refill = (max - used).min(STEP_INTERVAL as u64) as std::ffi::c_long;
        s.step_refill.set(refill);
        *counter = refill;
    }
}

/// Instructions between two calls of `on_steps_out` when no budget is near.
const STEP_INTERVAL: std::ffi::c_long = 1000;

/// Hears of threads made and freed; `alive` 2 means the state is closing,
/// and then no watch may outlive it.
unsafe extern "C" fn on_thread(l: *mut lua_State, _l1: *mut lua_State, alive: c_int) {
    if alive == 2 {
        // SAFETY: called by lua_close of one of our states, whose extra
        // space holds the runtime pointer.
        end_teardown(unsafe { Runtime::from_state(l) });
    }
}

/// Asked before Lua runs a message handler: none may run once a limit has
/// tripped (a handler could otherwise loop with hooks off).
unsafe extern "C" fn handlers_blocked(l: *mut lua_State) -> c_int {
    // SAFETY: called from luaG_errormsg on a thread of one of our states.
    unsafe { Runtime::from_state(l) }.limits().tripped().is_some() as c_int
}

unsafe extern "C" fn on_resume(l: *mut lua_State) {
    // SAFETY: lua_resume calls this on a thread of one of our states.
    unsafe { sync_hook(Runtime::from_state(l), l) }
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
            trip_and_raise(rt, l, kind);
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

/// Records the trip (so every instruction raises from now on) and raises.
unsafe fn trip_and_raise(rt: &Runtime, l: *mut lua_State, kind: LimitKind) -> ! {
    let s = rt.limits();
    if s.tripped.get().is_none() {
        s.tripped.set(Some(kind));
    }
    // SAFETY: the hook is updated for the running thread, then the error is
    // raised from a frame that owns nothing (`raise` takes the message).
    unsafe {
        sync_hook(rt, l);
        if l != rt.main() {
            // The thread that resumed this coroutine must not run on either.
            sync_hook(rt, rt.main());
        }
        let message = located(l, kind.message());
        rt.raise(l, message)
    }
}

/// `luaL_where(L, 1)` + message, built without touching the Lua stack.
unsafe fn located(l: *mut lua_State, message: &str) -> String {
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

/// The one hook of every thread.
unsafe extern "C" fn dispatch(l: *mut lua_State, ar: *mut lua_Debug) {
    // SAFETY: Lua calls the hook with a valid activation record.
    let rt = unsafe { Runtime::from_state(l) };
    let s = rt.limits();
    let event = unsafe { (*ar).event } as u32;
    let user_kind = match event {
        LUA_HOOKCOUNT => {
            // SAFETY: reading the thread's own hook interval.
            let interval = unsafe { lua_gethookcount(l) }.max(1) as u64;
            // Instructions are counted by the VM (`on_steps_out`); the hook
            // only checks.
            if s.budget_open.get() && (s.max_instructions.get() > 0 || s.deadline.get().is_some() || s.tripped.get().is_some()) {
                if let Some(kind) = check(s) {
                    // SAFETY: raising from a hook is allowed; nothing owned is alive.
                    unsafe { trip_and_raise(rt, l, kind) }
                }
            }
            let wants_count = s.user_hook.borrow().as_ref().map_or(0, |(_, m)| m.count as u64);
            if wants_count == 0 {
                return;
            }
            let acc = s.user_count_acc.get() + interval;
            if acc < wants_count {
                s.user_count_acc.set(acc);
                return;
            }
            s.user_count_acc.set(acc - wants_count);
            HookEventKind::Count
        }
        LUA_HOOKCALL => HookEventKind::Call,
        LUA_HOOKTAILCALL => HookEventKind::TailCall,
        LUA_HOOKRET => HookEventKind::Return,
        LUA_HOOKLINE => HookEventKind::Line,
        _ => return,
    };
    // The user's hook: never while the state is lent to another thread, and
    // never able to raise.
    if rt.is_off_thread() || rt.is_closing() {
        return;
    }
    let Some((hook, mask)) = s.user_hook.borrow().clone() else { return };
    let wanted = match user_kind {
        HookEventKind::Call | HookEventKind::TailCall => mask.call,
        HookEventKind::Return => mask.ret,
        HookEventKind::Line => mask.line,
        HookEventKind::Count => mask.count > 0,
    };
    if !wanted {
        return;
    }
    // The crate's own protected calls are not the user's business: a hook
    // told of them could reach into their arguments (`debug.setlocal`).
    // SAFETY: "f" pushes the running function (a hook has LUA_MINSTACK
    // free slots); it is popped at once.
    if matches!(user_kind, HookEventKind::Call | HookEventKind::TailCall | HookEventKind::Return) {
        let internal = unsafe {
            lua_getinfo(l, c"f".as_ptr(), ar);
            let f = lua_tocfunction(l, -1);
            lua_settop(l, -2);
            crate::protect::is_internal(f)
        };
        if internal {
            return;
        }
    }
    // SAFETY: "nl" fills the record without pushing or allocating.
    let (line, name) = unsafe {
        lua_getinfo(l, c"nl".as_ptr(), ar);
        let line = if user_kind == HookEventKind::Line { (*ar).currentline } else { (*ar).currentline.max(-1) };
        let name = if (*ar).name.is_null() { String::new() } else { CStr::from_ptr((*ar).name).to_string_lossy().into_owned() };
        (line, name)
    };
    // SAFETY: see callback::borrowed_lua.
    let lua = unsafe { crate::callback::borrowed_lua(rt) };
    let _ = catch_unwind(AssertUnwindSafe(|| hook(&lua, &HookEvent { kind: user_kind, line, name: &name })));
}

/// Tells a run that its deadline has passed without ever touching its state:
/// a watchdog thread sleeps until the earliest deadline and then only sets
/// that run's `expired` flag (an atomic). The thread running Lua reads the
/// flag where it already stops to count: the VM's step counter (at most a
/// thousand instructions apart), pattern-matching steps and memory growth.
mod watchdog {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Condvar, Mutex, OnceLock};
    use std::time::Instant;

    struct Watch {
        id: u64,
        deadline: Instant,
        /// The run's flag (in its `LimitState`), as an address.
        expired: usize,
    }

    struct Watchdog {
        watches: Mutex<(u64, Vec<Watch>)>,
        wake: Condvar,
    }

    fn watchdog() -> &'static Watchdog {
        static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
        WATCHDOG.get_or_init(|| {
            let w: &'static Watchdog = Box::leak(Box::new(Watchdog { watches: Mutex::new((0, Vec::new())), wake: Condvar::new() }));
            std::thread::Builder::new().name("lua-core-watchdog".into()).spawn(move || run(w)).expect("spawning the watchdog thread");
            w
        })
    }

    fn run(w: &'static Watchdog) {
        let mut guard = w.watches.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = Instant::now();
            guard.1.retain(|watch| {
                if watch.deadline > now {
                    return true;
                }
                // SAFETY: a watch is removed (under this lock) before its
                // run ends, and the flag lives as long as the runtime, which
                // outlives the run; an atomic may be written from any thread.
                unsafe { (*(watch.expired as *const AtomicBool)).store(true, Ordering::Release) };
                false
            });
            let next = guard.1.iter().map(|w| w.deadline).min();
            guard = match next {
                Some(deadline) => w.wake.wait_timeout(guard, deadline.saturating_duration_since(Instant::now())).unwrap_or_else(|e| e.into_inner()).0,
                None => w.wake.wait(guard).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }

    /// Watches a run until `deadline`, when `expired` is set; returns the watch's id.
    pub(super) fn watch(expired: &AtomicBool, deadline: Instant) -> u64 {
        expired.store(false, Ordering::Release);
        let w = watchdog();
        let mut guard = w.watches.lock().unwrap_or_else(|e| e.into_inner());
        guard.0 += 1;
        let id = guard.0;
        guard.1.push(Watch { id, deadline, expired: expired as *const AtomicBool as usize });
        drop(guard);
        w.wake.notify_one();
        id
    }

    /// Stops watching (before the run ends).
    pub(super) fn unwatch(id: u64) {
        let w = watchdog();
        let mut guard = w.watches.lock().unwrap_or_else(|e| e.into_inner());
        guard.1.retain(|watch| watch.id != id);
    }
}

/// Starts the budget of a call from the host (the outermost entry into the
/// state, see `occupancy::Entry`).
pub(crate) fn open_budget(rt: &Runtime) {
    let s = rt.limits();
    s.used.set(0);
    s.grown.set(0);
    s.tripped.set(None);
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
        s.watch.set(Some(watchdog::watch(&s.expired, deadline)));
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
    // Lua raises it again at its next step (`on_steps_out` sees the trip).
    s.tripped.set(Some(kind));
    Err(kind.error())
}

/// Ends the budget when the outermost entry returns; a trip is cleared.
pub(crate) fn close_budget(rt: &Runtime) {
    let s = rt.limits();
    s.budget_open.set(false);
    if let Some(id) = s.watch.take() {
        watchdog::unwatch(id);
    }
    if s.tripped.take().is_some() || s.timeout.get().is_some() {
        // SAFETY: back in the host; the main thread's hook returns to normal.
        unsafe { sync_hook(rt, rt.main()) };
    }
}

impl LimitState {
    /// The address of the watchdog's flag, for the VM to read (an atomic byte).
    pub(crate) fn expired_flag(&self) -> *const u8 {
        self.expired.as_ptr() as *const u8
    }

    /// Whether the watchdog has said the run's deadline passed.
    #[inline]
    fn deadline_passed(&self) -> bool {
        self.deadline.get().is_some() && self.expired.load(std::sync::atomic::Ordering::Acquire)
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
    pub(crate) fn cancel(&self) -> &crate::cancel::CancelState {
        &self.cancel
    }

    pub(crate) fn tripped(&self) -> Option<LimitKind> {
        self.tripped.get()
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
        if !self.budget_open.get() || !self.may_refuse_growth() {
            return false;
        }
        if self.tripped.get().is_some() {
            return true;
        }
        if let Some(kind) = self.signalled() {
            self.tripped.set(Some(kind));
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
            self.tripped.set(Some(LimitKind::Timeout));
            return true;
        }
        false
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

/// Prepares closing the state: if it has limits, the finalizers that run in
/// `lua_close` get one fresh budget (hooks stay on for them), so a looping
/// `__gc` cannot hang teardown; without limits the hook is simply removed.
///
/// # Safety
/// `rt`'s state must be open and about to be closed.
pub(crate) unsafe fn begin_teardown(rt: &Runtime) {
    let s = rt.limits();
    s.user_hook.borrow_mut().take();
    let limited = s.max_instructions.get() > 0 || s.timeout.get().is_some();
    if limited {
        s.budget_open.set(true);
        s.used.set(0);
        s.tripped.set(None);
        let deadline = Instant::now() + s.timeout.get().unwrap_or(TEARDOWN_TIMEOUT);
        s.deadline.set(Some(deadline));
        s.watch.set(Some(watchdog::watch(&s.expired, deadline)));
    }
    // SAFETY: the main thread of an open state.
    unsafe { sync_hook(rt, rt.main()) };
}

impl Lua {
    /// The most VM instructions one call from the host may run (0: no limit).
    pub fn set_instruction_limit(&self, max: u64) {
        self.rt.limits().max_instructions.set(max);
        // SAFETY: main thread of our state.
        unsafe { sync_hook(&self.rt, self.rt.main()) };
    }

    /// The instruction limit (0: none).
    pub fn instruction_limit(&self) -> u64 {
        self.rt.limits().max_instructions.get()
    }

    /// The longest one call from the host may run (None: no limit).
    pub fn set_timeout(&self, timeout: Option<Duration>) {
        let s = self.rt.limits();
        s.timeout.set(timeout.filter(|t| !t.is_zero()));
        if s.budget_open.get() {
            s.deadline.set(s.timeout.get().map(|t| Instant::now() + t));
        }
        // SAFETY: main thread of our state.
        unsafe { sync_hook(&self.rt, self.rt.main()) };
    }

    /// The time limit, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.rt.limits().timeout.get()
    }

    /// Sets the debug hook (replacing any earlier one). Limits stay in force.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use lua_core::{HookMask, Lua};
/// let lua = Lua::new();
/// let lines = Rc::new(RefCell::new(Vec::new()));
/// let seen = lines.clone();
/// lua.set_hook(Rc::new(move |_, ev| seen.borrow_mut().push(ev.line)), HookMask { line: true, ..Default::default() });
/// lua.exec::<()>("local a = 1\nlocal b = 2")?;
/// assert_eq!(*lines.borrow(), [1, 2]);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn set_hook(&self, hook: DebugHook, mask: HookMask) {
        self.rt.thread_bound.set(true);
        *self.rt.limits().user_hook.borrow_mut() = Some((hook, mask));
        self.rt.limits().user_count_acc.set(0);
        // SAFETY: main thread of our state.
        unsafe { sync_hook(&self.rt, self.rt.main()) };
    }

    /// Removes the debug hook; limits stay in force.
    pub fn remove_hook(&self) {
        let old = self.rt.limits().user_hook.borrow_mut().take();
        // SAFETY: main thread of our state.
        unsafe { sync_hook(&self.rt, self.rt.main()) };
        drop(old);
    }
}
