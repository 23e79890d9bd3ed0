//! Rust functions callable from Lua.
//!
//! A host function is a C closure whose single upvalue is a full userdata
//! holding the boxed Rust function. The trampoline Lua calls catches panics,
//! and raises an error only after every Rust value of the call is gone: the
//! message is moved into the runtime first (see `Runtime::raise`). The
//! userdata's `__gc` drops the box, so a function lives exactly as long as Lua
//! can reach it.

use std::ffi::{c_int, CStr};
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::runtime::{Runtime, HOST_FN_META};
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;
use crate::raw::tagged::Tag;

/// What a host function is: it reads its arguments from the call, pushes its
/// results onto the call's stack and says how many it pushed.
pub type HostFunction = Box<dyn Fn(&CallContext<'_>) -> Result<i32>>;

/// What the slot userdata holds. An `Rc`, so a call holds its own count on
/// the function: Lua code can collect or finalize the slot (through the
/// debug library) while the function is running.
type Slot = Option<Rc<dyn Fn(&CallContext<'_>) -> Result<i32>>>;

/// One call from Lua into a host function.
pub struct CallContext<'a> {
    l: *mut lua_State,
    nargs: c_int,
    lua: &'a Lua,
    /// The frame the arguments are in (see `Occupancy::frame`).
    frame: u32,
}

/// An index that reads as nil in every frame: an upvalue past the last one a
/// C function can have (Lua's `MAXUPVAL` is 255).
const NIL_SLOT: c_int = lua_upvalueindex(256);

impl<'a> CallContext<'a> {
    pub(crate) fn new(l: *mut lua_State, nargs: c_int, lua: &'a Lua) -> CallContext<'a> {
        CallContext { l, nargs, lua, frame: lua.rt.occupancy().frame() }
    }

    /// The thread that made the call.
    pub(crate) fn thread(&self) -> *mut lua_State {
        self.l
    }

    /// The state this call belongs to.
    pub fn lua(&self) -> &'a Lua {
        self.lua
    }

    /// How many arguments Lua passed.
    pub fn len(&self) -> usize {
        self.nargs as usize
    }

    /// Whether Lua passed no arguments.
    pub fn is_empty(&self) -> bool {
        self.nargs == 0
    }

    /// Argument `i` (0-based). Past the end it reads as nil (whatever the
    /// call has pushed since).
    pub fn arg(&self, i: usize) -> StackValue<'_> {
        let idx = if i < self.len() { i as c_int + 1 } else { NIL_SLOT };
        StackValue::at(self.l, idx, self.lua, self.frame)
    }

    /// The arguments from `from` on (0-based) as `f64`s, when there are at
    /// most `into.len()` of them and every one is a float, or an integer of
    /// magnitude at most 2^53 − 1 (so the `f64` names exactly that integer:
    /// JavaScript's safe integers); `Ok(None)`, with nothing done,
    /// otherwise. The commonest callback of a rules or plugin engine takes
    /// numbers only: this reads them in place with no per-value dispatch
    /// (issue 18).
    ///
    /// It is a conversion of the arguments, and charged as
    /// [`StackValue::visit`] charges them (one unit of a running script's
    /// work budget per value): once the budget is spent the error is the
    /// limit's.
    ///
    /// ```
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// lua.set_global_with(b"sum", |stack| {
    ///     stack.push_function(|call| {
    ///         let mut into = [0.0; 8];
    ///         let total = match call.args_as_numbers(0, &mut into)? {
    ///             Some(numbers) => numbers.iter().sum::<f64>(),
    ///             None => -1.0, // not all numbers, or too many
    ///         };
    ///         call.stack().push_number(total)?;
    ///         Ok(1)
    ///     })
    /// })?;
    /// assert_eq!(lua.exec::<f64>("return sum(1, 2.5, -0.5)")?, 3.0);
    /// assert_eq!(lua.exec::<f64>("return sum(1, '2')")?, -1.0);
    /// assert_eq!(lua.exec::<f64>("return sum(9007199254740992)")?, -1.0); // past 2^53 - 1
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    #[inline]
    pub fn args_as_numbers<'b>(&self, from: usize, into: &'b mut [f64]) -> Result<Option<&'b [f64]>> {
        /// 2^53 − 1: past it, one `f64` stands for more than one integer.
        const MAX_SAFE: u64 = (1 << 53) - 1;
        let from = from.min(self.len());
        let n = self.len() - from;
        // In another frame (a call this one made is still running) the
        // running function's slots are not this call's arguments.
        // SAFETY: `l` is the thread that made this call; in its frame, the
        // running C function is this call's (checked just before).
        if self.lua.rt.occupancy().frame() != self.frame || !unsafe { lua_native_fast_arg_numbers(self.l, from, n, MAX_SAFE, into) } {
            return Ok(None);
        }
        crate::raw::limits::charge_host(&self.lua.rt, n as u64)?;
        Ok(Some(&into[..n]))
    }

    /// Pushes `n`, a number that carries no integer/float distinction (a
    /// JavaScript number), as [`Stack::push_converted_number`] pushes it at
    /// depth 0 on [`stack`](CallContext::stack): normalized (integral values
    /// in range as integers, `-0` a float) and charged to a running
    /// script's work budget. One step for the commonest result of a host
    /// function that converts one (issue 18).
    ///
    /// ```
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::ALL)?;
    /// lua.set_global_with(b"half", |stack| {
    ///     stack.push_function(|call| {
    ///         let n = call.arg(0).as_number().unwrap_or(0.0);
    ///         call.push_converted_number(n / 2.0)?;
    ///         Ok(1)
    ///     })
    /// })?;
    /// assert_eq!(lua.exec::<String>("return math.type(half(4)) .. ' ' .. math.type(half(3))")?, "integer float");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    #[inline]
    pub fn push_converted_number(&self, n: f64) -> Result<()> {
        crate::raw::limits::charge_host(&self.lua.rt, 1)?;
        if self.lua.rt.occupancy().frame() != self.frame {
            crate::raw::stack::wrong_frame("CallContext");
        }
        // SAFETY: `l` is the thread that made this call, in its frame
        // (checked above); each push makes room first and pushes nothing
        // without it; pushing a number never allocates.
        let pushed = unsafe {
            match crate::raw::number::normalized_integer(n) {
                Some(i) => lua_native_fast_push_integer(self.l, i),
                None => lua_native_fast_push_number(self.l, n),
            }
        };
        if pushed == 0 {
            return Err(crate::raw::stack::stack_overflow());
        }
        Ok(())
    }

    /// Where results are pushed: a stack whose floor is the top now, so the
    /// arguments (and whatever was pushed before) stay put.
    pub fn stack(&self) -> Stack<'_> {
        Stack::in_frame(self.l, self.lua, self.frame)
    }

    /// The stack for results of a function that read its arguments in
    /// place and pushed nothing yet: its floor is right above the arguments,
    /// known without asking Lua. (Were anything left above them, the results
    /// would still be the values pushed last, and the trampoline still checks
    /// the count against the real top.)
    pub(crate) fn results_stack(&self) -> Stack<'_> {
        Stack::at_in_frame(self.l, self.lua, self.nargs, self.frame)
    }

    /// Makes the failure `report` raise, in Lua, the value the function left
    /// on top of its stack (a table, say) instead of a message; return what
    /// this gives as the function's error. While Lua raises that same value
    /// on to the host, the host's error is `Error::Callback` with `report` as
    /// its cause and `report`'s text; Lua code that catches it sees the value.
    /// Without a value pushed by the call, the failure is raised as a message.
    ///
    /// ```
    /// use lua_core::{Error, Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// lua.set_global_with(b"fail", |stack| {
    ///     stack.push_function(|call| {
    ///         let mut s = call.stack();
    ///         s.push_table(0, 1)?;
    ///         s.push_bytes(b"details")?;
    ///         s.set_field(b"message")?;
    ///         Err(call.raise_value(Error::runtime("fail failed")))
    ///     })
    /// })?;
    /// assert_eq!(lua.exec::<String>("local ok, e = pcall(fail) return e.message")?, "details");
    /// let e = lua.exec::<()>("fail()").unwrap_err();
    /// assert_eq!(e.message(), "fail failed");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn raise_value(&self, report: Error) -> Error {
        self.lua.rt.set_raise_top(true);
        report
    }

    /// Prefixes `message` with the position of the calling Lua code, as
    /// `luaL_error` does (`chunk:line: `); nothing when the caller is not Lua.
    pub fn located(&self, message: &str) -> String {
        // SAFETY: lua_Debug is a plain C struct; all zeroes is a valid value.
    let mut ar: lua_Debug = unsafe { std::mem::zeroed() };
        // SAFETY: lua_getstack/lua_getinfo("Sl") fill `ar` without allocating.
        unsafe {
            if lua_getstack(self.l, 1, &mut ar) != 0 && lua_getinfo(self.l, c"Sl".as_ptr(), &mut ar) != 0 && ar.currentline > 0 {
                let src = CStr::from_ptr(ar.short_src.as_ptr()).to_string_lossy();
                return format!("{}:{}: {}", src, ar.currentline, message);
            }
        }
        message.to_string()
    }
}

/// Pushes a closure that calls `f`.
pub(crate) fn push_host_function(stack: &Stack<'_>, f: HostFunction) -> Result<()> {
    stack.reserve(2)?;
    // SAFETY: the userdata is given an empty slot and its metatable inside the
    // same protected call, so its __gc never sees uninitialised memory; the box
    // is written only once both allocations have succeeded, so a refused
    // allocation cannot leak it.
    stack.with_raw(|l| unsafe {
        protect(l, 0, 1, move |l| {
            crate::raw::tagged::push_new::<Slot>(l, Tag::HostFunction, None);
            crate::raw::runtime::push_registry_table(l, HOST_FN_META);
            lua_setmetatable(l, -2);
            lua_pushcclosure(l, Some(host_trampoline), 1);
            1
        })?;
        // The closure was made just now: its upvalue is the slot.
        lua_getupvalue(l, -1, 1);
        let slot = crate::raw::tagged::check::<Slot>(l, -1, Tag::HostFunction);
        debug_assert!(!slot.is_null());
        if let Some(slot) = slot.as_mut() {
            *slot = Some(Rc::from(f));
        }
        lua_settop(l, -2);
        Ok(())
    })
}

/// A temporary `Lua` for the duration of a call, made from the runtime
/// pointer without touching its reference count.
pub(crate) unsafe fn borrowed_lua(rt: &Runtime) -> ManuallyDrop<Lua> {
    // SAFETY: the runtime lives in an Rc (Runtime::new); from_raw on its data
    // pointer recreates a handle that ManuallyDrop never releases. Every
    // caller first returns if the state is closing: during `Runtime::drop`
    // the count is already 0 and a clone of this handle would revive it.
    ManuallyDrop::new(Lua { rt: unsafe { Rc::from_raw(rt as *const Runtime) } })
}

unsafe extern "C" fn host_trampoline(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this on a thread of a state this crate created (its
    // upvalue is not trusted here: it is checked below).
    let rt = unsafe { Runtime::from_state(l) };
    if rt.is_closing() {
        // Appendix B #11: nothing of the host runs while the state closes.
        return 0;
    }
    // The upvalue can be replaced from Lua (`debug.setupvalue`), so it is
    // checked on every call; it stays alive while the closure is running.
    // SAFETY: Lua is running this C closure.
    let (slot, nargs) = unsafe { crate::raw::tagged::check_upvalue_and_args::<Slot>(l, Tag::HostFunction) };
    rt.set_raise_top(false);
    let mut return_top = false;
    // Set when the function asked to await host work (`CallContext::await_host`)
    // and succeeded: the call then yields instead of returning.
    let mut awaiting = false;
    let outcome: std::result::Result<c_int, String> = {
        // SAFETY: non-null means a live slot made by push_host_function; the
        // function is cloned out of it (its count held for the call), so the
        // slot may be finalized meanwhile. The clone is dropped with this
        // block, before any raise.
        match unsafe { slot.as_ref() }.cloned() {
            None => Err("host function is broken: its upvalue was replaced".to_string()),
            Some(None) => Ok(0),
            Some(Some(f)) => {
                // SAFETY: see borrowed_lua.
                let lua = unsafe { borrowed_lua(rt) };
                let ctx = CallContext::new(l, nargs, &lua);
                // Dropped with this block, before any raise.
                let _running = crate::raw::introspect::Running::enter(rt, l);
                match catch_unwind(AssertUnwindSafe(|| f(&ctx))) {
                    // Lua takes the count as the number of values on top of
                    // the stack: more than there are (or a negative count)
                    // would read past the frame. Up to `nargs` need no
                    // check: nothing a host function can do through this
                    // crate's stacks lowers the top below its arguments.
                    // SAFETY: reading the top of the running thread.
                    Ok(Ok(n)) if n < 0 || (n > nargs && n > unsafe { lua_native_fast_gettop(l) }) => {
                        let message = format!("host function returned {n} results but left {} values on the stack", unsafe { lua_native_fast_gettop(l) });
                        rt.record_host_failure(&message, Error::Callback { message: message.clone(), cause: None, traceback: None });
                        Err(message)
                    }
                    Ok(Ok(n)) => {
                        awaiting = rt.awaits().keep_asked_by(l);
                        Ok(n)
                    }
                    // SAFETY: reading the top of the running thread.
                    Ok(Err(e)) if rt.set_raise_top(false) && unsafe { lua_native_fast_gettop(l) } > nargs => {
                        let message = into_message(e.clone());
                        let report = Error::Callback { message, cause: Some(std::sync::Arc::new(e)), traceback: None };
                        // SAFETY: the value the function pushed, above its arguments.
                        rt.record_host_failure_value(unsafe { lua_topointer(l, -1) } as usize, report);
                        return_top = true;
                        Ok(0)
                    }
                    Ok(Err(e)) => {
                        let message = into_message(e.clone());
                        // Lua running out of memory stays a memory error; any
                        // other failure is the callback's, with its cause.
                        let report = match e {
                            Error::Memory { .. } => e,
                            e => Error::Callback { message: message.clone(), cause: Some(std::sync::Arc::new(e)), traceback: None },
                        };
                        rt.record_host_failure(&message, report);
                        Err(message)
                    }
                    Err(panic) => {
                        let message = format!("Rust callback panicked: {}", panic_text(&*panic));
                        rt.record_host_failure(&message, Error::Callback { message: message.clone(), cause: None, traceback: None });
                        Err(message)
                    }
                }
            }
        }
    };
    if !awaiting {
        // A failed call that had asked to await: what it handed over goes now,
        // before anything is raised.
        rt.awaits().discard_asked();
    }
    if awaiting {
        // SAFETY: nothing of Rust is alive in this frame (`outcome` holds a
        // plain count); `await_host` checked that `l` is the coroutine a
        // driver is resuming and that it can yield here, so lua_yieldk
        // suspends it (a longjmp to the driver's lua_resume) and, resumed,
        // Lua calls the continuation in place of this function.
        unsafe {
            lua_settop(l, 0);
            return lua_yieldk(l, 0, 0, Some(crate::raw::driver::await_continuation));
        }
    }
    if return_top {
        // SAFETY: the value is on the stack; nothing of Rust is alive here.
        unsafe { lua_error(l) };
    }
    match outcome {
        Ok(n) => n,
        // SAFETY: `outcome` is moved into `raise`; this frame owns nothing else.
        Err(message) => unsafe { rt.raise(l, message) },
    }
}

fn into_message(e: Error) -> String {
    e.message().to_string()
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// `__gc` of the slot userdata: drops the Rust function.
pub(crate) unsafe extern "C" fn host_fn_gc(l: *mut lua_State) -> c_int {
    // SAFETY: `check` accepts only a slot made by push_host_function (Lua
    // code can call this function with anything through the debug library).
    unsafe {
        let slot = crate::raw::tagged::check::<Slot>(l, 1, Tag::HostFunction);
        if slot.is_null() {
            let rt = Runtime::from_state(l);
            rt.raise(l, crate::raw::tagged::bad_self("__gc", "host function"));
        }
        {
            let f = (*slot).take();
            let rt = Runtime::from_state(l);
            if rt.is_off_thread() {
                if let Some(f) = f {
                    // Its drop may touch the owner's data: wait until the state is back.
                    rt.defer_drop(Box::new(f));
                }
                return 0;
            }
            // A panicking destructor must not unwind into Lua.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(f)));
        }
    }
    0
}
