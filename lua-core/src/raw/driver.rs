//! Coroutines the host drives through awaits of host work (EVOLUTION B5, B13).
//!
//! A [`Driver`] resumes one coroutine step by step. A host function called
//! by that coroutine may ask to *await* ([`CallContext::await_host`]): it
//! hands the host a payload (in the addon, a JavaScript Promise) and the
//! coroutine suspends in a `lua_yieldk` with a continuation. The driver's
//! step then ends with [`Step::Awaiting`] and the payload; once the host
//! has what was awaited it resumes the driver with the values (or with an
//! error value the await raises, which `pcall` can catch), and the
//! continuation returns them as the host function's results.
//!
//! The core *reports* which kind of yield ended a step: the trampoline
//! yields for an await only after the function asked for it on the very
//! thread being driven, and the payload travels with that yield, keyed by
//! the thread (the lesson of the original's `AsyncStepResult::awaited`: a
//! binding that guessed the kind from a stashed promise misread a plain
//! yield after a refused nested await).
//!
//! A suspended await is settled only by the host: the continuation finds
//! the settlement the host's resume staged for that thread, and raises if
//! Lua code resumes the coroutine itself (a hostile script that kept it).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::c_int;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::callback::CallContext;
use crate::raw::lua::{Lua, Results};
use crate::raw::runtime::Runtime;
use crate::raw::stack::Stack;
use crate::raw::thread::{ResumeRefusal, Resumed};
use crate::raw::value::{Function, Thread};

/// The error of a coroutine resumed by Lua code while it awaits the host.
pub const AWAIT_NOT_YOURS: &str = "cannot resume a coroutine that is awaiting the host (only its driver settles the await)";

/// The error of an await asked for where none can happen (not the thread a
/// driver is resuming, or a point it cannot yield from).
pub const AWAIT_REFUSED: &str = "cannot await the host here: only the coroutine a driver is resuming can await, where it can yield";

/// The text [`Driver::run`] fails with when the coroutine yields plainly.
pub const PLAIN_YIELD: &str = "coroutine.yield is not supported at the top level of a driven run; only awaiting the host suspends it";

/// What the awaits of a state have asked for and what the host settles them with.
#[derive(Default)]
pub(crate) struct AwaitState {
    /// The payload of the await the host function running on thread `.0`
    /// asked for; the trampoline yields when it sees it, the driver takes it.
    asked: RefCell<Option<(usize, Box<dyn Any>)>>,
    /// What the host's resume of thread `.0` settles an await with: `true`
    /// to raise the value on top, `false` to return the values pushed.
    staged: Cell<Option<(usize, bool)>>,
}

impl AwaitState {
    fn ask(&self, co: usize, payload: Box<dyn Any>) {
        let old = self.asked.borrow_mut().replace((co, payload));
        drop(old);
    }

    /// Whether the call that just returned on `l` asked to await (its
    /// payload is kept for the driver); any other payload is dropped.
    pub(crate) fn keep_asked_by(&self, l: *mut lua_State) -> bool {
        let mut asked = self.asked.borrow_mut();
        match &*asked {
            None => false,
            Some((co, _)) if *co == l as usize => true,
            Some(_) => {
                let gone = asked.take();
                drop(asked);
                drop(gone);
                false
            }
        }
    }

    /// Drops a payload whose call did not yield (it failed).
    pub(crate) fn discard_asked(&self) {
        if self.asked.borrow().is_none() {
            return;
        }
        let gone = self.asked.borrow_mut().take();
        drop(gone);
    }

    /// The payload of the await `co` suspended in, if it did.
    pub(crate) fn take_asked(&self, co: usize) -> Option<Box<dyn Any>> {
        let mut asked = self.asked.borrow_mut();
        match &*asked {
            Some((c, _)) if *c == co => asked.take().map(|(_, p)| p),
            _ => None,
        }
    }

    pub(crate) fn stage(&self, co: usize, raise: bool) {
        self.staged.set(Some((co, raise)));
    }

    pub(crate) fn unstage(&self) {
        self.staged.set(None);
    }

    fn take_staged(&self, co: usize) -> Option<bool> {
        match self.staged.get() {
            Some((c, raise)) if c == co => {
                self.staged.set(None);
                Some(raise)
            }
            _ => None,
        }
    }
}

/// Lua calls this in place of a host function that awaited, when its
/// coroutine is resumed.
///
/// # Safety
/// Called by Lua only, on a thread of a state this crate made.
pub(crate) unsafe extern "C" fn await_continuation(l: *mut lua_State, _status: c_int, _ctx: lua_KContext) -> c_int {
    // SAFETY: a thread of one of this crate's states.
    let rt = unsafe { Runtime::from_state(l) };
    match rt.awaits().take_staged(l as usize) {
        // The values the host pushed are the host function's results.
        // SAFETY: reading the top of the running thread.
        Some(false) => unsafe { lua_native_fast_gettop(l) },
        // SAFETY: the host pushed exactly the one value to raise; nothing of
        // Rust is alive in this frame.
        Some(true) => unsafe { lua_error(l) },
        // SAFETY: as above; `raise` moves the message out of this frame.
        None => unsafe { rt.raise(l, AWAIT_NOT_YOURS.to_string()) },
    }
}

impl CallContext<'_> {
    /// Whether this call may await ([`CallContext::await_host`]): it was made
    /// by the coroutine a [`Driver`] is resuming now, at a point where that
    /// coroutine can yield (not inside a metamethod or iterator Lua calls
    /// from C, nor a call the host made).
    pub fn can_await(&self) -> bool {
        let l = self.thread();
        // SAFETY: lua_isyieldable reads the thread's counters.
        self.lua().rt.occupancy().driven_now() == Some(l as usize) && unsafe { lua_isyieldable(l) } != 0
    }

    /// Whether a [`Driver`] is resuming a coroutine now (so an await refused
    /// by [`CallContext::can_await`] came from a coroutine it does not drive).
    pub fn in_driven_run(&self) -> bool {
        self.lua().rt.occupancy().in_driven_resume()
    }

    /// Suspends the calling coroutine until the host settles the await: the
    /// driver's step ends with [`Step::Awaiting`] holding `payload`, and the
    /// values the host resumes with become this function's results. Return
    /// what this gives from the host function. Refused with
    /// [`AWAIT_REFUSED`] where [`CallContext::can_await`] is false.
    ///
    /// ```
    /// use lua_core::{Error, Lua, Settle, StdLib, Step};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// lua.set_global_with(b"ask", |stack| stack.push_function(|call| call.await_host(Box::new("question"))))?;
    /// let body: lua_core::Function = lua.exec("return function() return ask() + 1 end")?;
    /// let mut driver = lua.driver(&body)?;
    /// let first = driver.resume(|_| Ok::<_, Error>(Settle::Values(0)), |_| Ok::<_, Error>(()))?;
    /// let Step::Awaiting(payload) = first else { panic!("expected an await") };
    /// assert_eq!(*payload.downcast::<&str>().unwrap(), "question");
    /// let last = driver.resume(|s| { s.push_integer(41)?; Ok::<_, Error>(Settle::Values(1)) }, |r| Ok::<_, Error>(r.get(0).as_integer()))?;
    /// assert!(matches!(last, Step::Returned(Some(42))));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn await_host(&self, payload: Box<dyn Any>) -> Result<i32> {
        if !self.can_await() {
            return Err(Error::runtime(self.located(AWAIT_REFUSED)));
        }
        self.lua().rt.awaits().ask(self.thread() as usize, payload);
        Ok(0)
    }
}

/// What a driver's resume gives the coroutine.
#[derive(Debug, Clone)]
pub enum Settle {
    /// The values the push closure pushed (as many as this says): the
    /// arguments of the first resume, the results of an await, or the
    /// values a plain `coroutine.yield` returns.
    Values(usize),
    /// The one value the push closure pushed is raised at the await, as an
    /// error Lua code can catch with `pcall`. If it reaches the host
    /// uncaught and is a table or userdata, the step fails with `report`
    /// (when given) instead of an error made from the value.
    Raise(Option<Error>),
}

/// How one step of a driven coroutine ended.
pub enum Step<R> {
    /// It awaits the host: the payload its host function handed over.
    Awaiting(Box<dyn Any>),
    /// It yielded plainly (`coroutine.yield`); what `read` made of the values.
    Yielded(R),
    /// It returned; what `read` made of the values.
    Returned(R),
    /// It raised an error (or a limit stopped it); it is dead.
    Failed(Error),
    /// Nothing ran: it had finished or died, or it is running.
    Refused(ResumeRefusal),
}

/// A coroutine driven by the host through awaits of host work. While a
/// driver exists its state counts as busy with an async run
/// ([`crate::Occupied::Driving`]: `close()` is refused); dropping it ends
/// the run, leaving the coroutine as it is (suspended at an await, a later
/// resume from the host settles that await with its values).
pub struct Driver {
    thread: Thread,
}

impl Lua {
    /// Whether a [`Driver`] run is in flight: one exists, running or
    /// suspended at an await.
    pub fn is_driving(&self) -> bool {
        self.rt.occupancy().is_driving()
    }

    /// A driver for a new coroutine that runs `f`.
    pub fn driver(&self, f: &Function) -> Result<Driver> {
        Ok(Driver::new(self.create_thread(f)?))
    }
}

impl Driver {
    /// Drives `thread` (a coroutine made earlier, which may have run already).
    pub fn new(thread: Thread) -> Driver {
        thread.0.lua().rt.occupancy().set_driving(true);
        Driver { thread }
    }

    /// The coroutine.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Runs the coroutine until it awaits, yields, returns or fails. `push`
    /// pushes what it gets (see [`Settle`]); `read` reads the values it
    /// yields or returns while they are still on its stack (if `read` fails,
    /// the coroutine is declared dead, as with [`Thread::resume_with`]).
    /// The step is one call from the host: it has its own instruction budget
    /// and deadline, and `cancel` stops it; time spent awaiting is not
    /// charged to either.
    pub fn resume<R, E>(
        &mut self,
        push: impl FnOnce(&mut Stack<'_>) -> std::result::Result<Settle, E>,
        read: impl FnOnce(Results<'_>) -> std::result::Result<R, E>,
    ) -> std::result::Result<Step<R>, E>
    where
        E: From<Error>,
    {
        Ok(match self.thread.resume_general(true, push, read)? {
            General::Awaiting(payload) => Step::Awaiting(payload),
            General::Done(Resumed::Values { yielded: true, read }) => Step::Yielded(read),
            General::Done(Resumed::Values { yielded: false, read }) => Step::Returned(read),
            General::Done(Resumed::Failed(e)) => Step::Failed(e),
            General::Done(Resumed::Refused(why)) => Step::Refused(why),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.thread.0.lua().rt.occupancy().set_driving(false);
    }
}

/// How a resume from the host ended (see `Thread::resume_general`).
pub(crate) enum General<R> {
    Done(Resumed<R>),
    Awaiting(Box<dyn Any>),
}
