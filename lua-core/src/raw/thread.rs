//! Coroutines driven from the host: create, resume, status.

use std::ffi::c_int;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::{Lua, Results};
use crate::raw::protect::{pop_error, protect};
use crate::raw::stack::Stack;
use crate::raw::driver::{General, Settle};
use crate::raw::value::{Function, Thread, ThreadStatus};

/// Its address is the registry key of the weak-keyed set of coroutines the
/// host declared dead (their values could not be handed over; Appendix B #4).
/// A light-userdata key is read with `lua_rawgetp`, which never allocates.
static DEAD_THREADS: u8 = 0;

fn dead_key() -> *const std::ffi::c_void {
    &DEAD_THREADS as *const u8 as *const std::ffi::c_void
}

/// Creates the set of dead threads; called once when the state is made.
///
/// # Safety
/// Must run inside a protected call.
pub(crate) unsafe fn install(l: *mut lua_State) {
    // SAFETY: forwarded; allocates into the enclosing protected call.
    unsafe {
        crate::raw::runtime::push_weak_table(l, c"k");
        lua_rawsetp(l, LUA_REGISTRYINDEX, dead_key());
    }
}

/// Why a resume did not run the coroutine.
#[derive(Debug, Clone, PartialEq)]
pub enum ResumeRefusal {
    /// It stopped with an error earlier (or was declared dead).
    Dead,
    /// It returned earlier.
    Finished,
    /// It is running now, or has resumed another coroutine that is (this
    /// call comes from inside it).
    Running,
}

impl ResumeRefusal {
    /// The spec's text for the refusal.
    pub fn message(&self) -> &'static str {
        match self {
            ResumeRefusal::Dead => "Coroutine is dead",
            ResumeRefusal::Finished => "Coroutine has finished",
            ResumeRefusal::Running => "cannot resume non-suspended coroutine",
        }
    }
}

/// What a resume did.
pub enum Resumed<R> {
    /// The coroutine yielded (`true`) or returned (`false`); `R` is what
    /// `read` made of the values.
    Values {
        /// Whether it yielded (else it returned).
        yielded: bool,
        /// What the reader made of the values.
        read: R,
    },
    /// The coroutine raised an error; it is dead now.
    Failed(Error),
    /// Nothing ran.
    Refused(ResumeRefusal),
}

impl Lua {
    /// A new coroutine that will run `f`.
    pub fn create_thread(&self, f: &Function) -> Result<Thread> {
        self.with_stack(|stack| {
            stack.reserve(2)?;
            let co = new_thread(stack)?;
            // SAFETY: the function is pushed onto the new, unstarted thread,
            // whose stack has LUA_MINSTACK free slots.
            unsafe {
                stack.push_ref(f.registry_ref())?;
                lua_xmove(stack.raw(), co, 1);
            }
            stack.value(-1).to_ref().map(Thread)
        })
    }
}

/// Pushes a new thread, returning its state.
fn new_thread(stack: &Stack<'_>) -> Result<*mut lua_State> {
    let mut co = std::ptr::null_mut();
    let slot = &mut co as *mut *mut lua_State;
    // SAFETY: lua_newthread allocates, so it runs protected; the closure
    // captures a raw pointer (Copy) to write the new state into.
    unsafe {
        protect(stack.raw(), 0, 1, move |l| {
            *slot = lua_newthread(l);
            1
        })?;
    }
    Ok(co)
}

/// Whether a thread with status OK has a call in progress.
fn has_frames(co: *mut lua_State) -> bool {
    // SAFETY: lua_Debug is a plain C struct (integers, pointers, a char
    // array): all zeroes is a valid value; lua_getstack only reads the
    // thread's call info into it.
    unsafe {
        let mut ar: lua_Debug = std::mem::zeroed();
        lua_getstack(co, 0, &mut ar) > 0
    }
}

impl Thread {
    fn state(&self) -> (*mut lua_State, &Lua) {
        let lua = self.0.lua();
        let l = lua.main_state();
        // SAFETY: the thread is anchored by this handle, so its pointer stays
        // valid after the pushed copy is popped. The slot may hold something
        // else (a handle that anchors nothing, or a registry changed from Lua
        // through the debug library): then the pointer is null.
        unsafe {
            if lua_native_push_ref(l, self.0.id()) == 0 {
                return (std::ptr::null_mut(), lua);
            }
            let co = lua_tothread(l, -1);
            lua_settop(l, -2);
            (co, lua)
        }
    }

    fn declared_dead(&self) -> bool {
        let l = self.0.lua().main_state();
        // SAFETY: raw registry reads of keys this crate owns; never raise.
        unsafe {
            if lua_checkstack(l, 2) == 0 {
                return false;
            }
            if lua_rawgetp(l, LUA_REGISTRYINDEX, dead_key()) != LUA_TTABLE as c_int {
                // The set was replaced from Lua (debug library): dead.
                lua_settop(l, -2);
                return true;
            }
            // Room for it was checked above.
            lua_native_push_ref(l, self.0.id());
            let dead = lua_rawget(l, -2) != LUA_TNIL as c_int;
            lua_settop(l, -3);
            dead
        }
    }

    /// Marks the coroutine dead for good: later resumes are refused with
    /// [`ResumeRefusal::Dead`]. Used when its values could not be handed over.
    pub fn declare_dead(&self) -> Result<()> {
        let lua = self.0.lua().clone();
        lua.with_stack(|stack| {
            stack.reserve(3)?;
            stack.push_ref(&self.0)?;
            // SAFETY: adding to the set may allocate, so it runs protected.
            unsafe {
                protect(stack.raw(), 1, 0, |l| {
                    if lua_rawgetp(l, LUA_REGISTRYINDEX, dead_key()) != LUA_TTABLE as c_int {
                        // Replaced from Lua (debug library): every thread
                        // counts as declared dead then.
                        return 0;
                    }
                    lua_pushvalue(l, 1);
                    lua_pushboolean(l, 1);
                    lua_rawset(l, -3);
                    0
                })
            }
        })
    }

    /// Whether a resume would run, and if not, why.
    pub fn refusal(&self) -> Option<ResumeRefusal> {
        if self.0.lua().rt.is_closed() {
            return Some(ResumeRefusal::Dead);
        }
        let (co, lua) = self.state();
        if co.is_null() {
            return Some(ResumeRefusal::Dead);
        }
        if co == lua.main_state() {
            // The main thread is never a coroutine one could resume.
            return Some(ResumeRefusal::Finished);
        }
        // SAFETY: status reads of a valid thread.
        let (status, top) = unsafe { (lua_status(co), lua_native_fast_gettop(co)) };
        if status > LUA_YIELD as c_int || self.declared_dead() {
            Some(ResumeRefusal::Dead)
        } else if lua.rt.occupancy().is_resuming(co as usize) {
            // The host is resuming it already, and this call comes from
            // inside that resume (while its arguments are converted, or its
            // results read).
            Some(ResumeRefusal::Running)
        } else if status == LUA_OK as c_int && has_frames(co) {
            // Running or normal (as lcorolib's `auxstatus` tells them):
            // lua_resume would fail with an allocation outside protection.
            Some(ResumeRefusal::Running)
        } else if status == LUA_OK as c_int && top == 0 {
            Some(ResumeRefusal::Finished)
        } else {
            None
        }
    }

    /// The coroutine's status seen from outside it.
    pub fn status(&self) -> ThreadStatus {
        match self.refusal() {
            None => ThreadStatus::Suspended,
            Some(_) => ThreadStatus::Dead,
        }
    }

    /// Resumes the coroutine with the arguments `push_args` pushes (it
    /// returns how many). The values it yields or returns are handed to
    /// `read` while still on its stack; if `read` fails, the coroutine is
    /// declared dead (Appendix B #4).
///
/// ```
/// use lua_core::{Error, Lua, Resumed, StdLib};
/// let lua = Lua::with_libraries(StdLib::COROUTINE)?;
/// let body: lua_core::Function = lua.exec("return function(n) coroutine.yield(n + 1) return n * 10 end")?;
/// let co = lua.create_thread(&body)?;
/// let first = co.resume_with(|s| { s.push_integer(4); Ok::<_, Error>(1) }, |r| Ok::<_, Error>(r.get(0).as_integer()))?;
/// assert!(matches!(first, Resumed::Values { yielded: true, read: Some(5) }));
/// let last = co.resume_with(|_| Ok::<_, Error>(0), |r| Ok::<_, Error>(r.get(0).as_integer()))?;
/// assert!(matches!(last, Resumed::Values { yielded: false, read: Some(40) }));
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn resume_with<R, E>(
        &self,
        push_args: impl FnOnce(&mut Stack<'_>) -> std::result::Result<usize, E>,
        read: impl FnOnce(Results<'_>) -> std::result::Result<R, E>,
    ) -> std::result::Result<Resumed<R>, E>
    where
        E: From<Error>,
    {
        let push = |stack: &mut Stack<'_>| push_args(stack).map(Settle::Values);
        match self.resume_general(false, push, read)? {
            General::Done(resumed) => Ok(resumed),
            // Only a driver's resume can end at an await (`await_host`
            // refuses every other thread); dropped, should it ever happen.
            General::Awaiting(_) => Ok(Resumed::Failed(Error::runtime("internal error: an await outside a driver"))),
        }
    }

    /// The one resume from the host (`resume_with`, `Driver::resume`):
    /// `push` pushes the values the coroutine gets (or, for `Settle::Raise`,
    /// the one value its await raises); `driven` says whether its host calls
    /// may await.
    pub(crate) fn resume_general<R, E>(
        &self,
        driven: bool,
        push: impl FnOnce(&mut Stack<'_>) -> std::result::Result<Settle, E>,
        read: impl FnOnce(Results<'_>) -> std::result::Result<R, E>,
    ) -> std::result::Result<General<R>, E>
    where
        E: From<Error>,
    {
        let _entry = crate::raw::occupancy::Entry::framed(&self.0.lua().rt).map_err(E::from)?;
        if let Some(refusal) = self.refusal() {
            return Ok(General::Done(Resumed::Refused(refusal)));
        }
        let (co, lua) = self.state();
        let _resuming = lua.rt.occupancy().resume(co as usize);
        let _driven = driven.then(|| lua.rt.occupancy().drive(co as usize));
        let from = lua.main_state();
        let mut stack = Stack::new(co, lua);
        // SAFETY: the arguments go on the suspended coroutine's own stack, as
        // lua_resume expects; lua_resume catches every error of the run.
        unsafe {
            let before = lua_native_fast_gettop(co);
            let (nargs, raise) = match push(&mut stack) {
                // The count must be what was pushed: lua_resume takes the
                // function (or the yield point's frame) from below the
                // arguments it is told of.
                Ok(Settle::Values(n)) if lua_native_fast_gettop(co) - before == n as c_int => (n as c_int, None),
                Ok(Settle::Raise(report)) if lua_native_fast_gettop(co) - before == 1 => (0, Some(report)),
                Ok(settle) => {
                    let pushed = lua_native_fast_gettop(co) - before;
                    lua_settop(co, before);
                    let said = match settle {
                        Settle::Values(n) => n,
                        Settle::Raise(_) => 1,
                    };
                    return Err(E::from(Error::api(format!("the resume's closure said {said} but pushed {pushed} values"))));
                }
                Err(e) => {
                    lua_settop(co, before);
                    return Err(e);
                }
            };
            // An await is settled only by the host's own resume (see
            // `driver::await_continuation`): staged here, taken there.
            if let Some(Some(report)) = &raise {
                if matches!(lua_type(co, -1) as u32, LUA_TTABLE | LUA_TUSERDATA) {
                    lua.rt.record_host_failure_value(lua_topointer(co, -1) as usize, report.clone());
                }
            }
            lua.rt.awaits().stage(co as usize, raise.is_some());
            // lua_resume itself can raise where the coroutine has no handler
            // (allocating its "cannot resume" message, or a coroutine that
            // resumes another); Lua then rethrows on the main thread, so the
            // call runs inside a protected call there.
            let out = std::cell::Cell::new((LUA_OK as c_int, 0 as c_int));
            let slot = &out;
            let raised = crate::raw::protect::protect_raw(from, 0, 0, move |from| {
                let mut nres: c_int = 0;
                let status = lua_resume(co, from, nargs, &mut nres);
                slot.set((status, nres));
                0
            });
            // What the run asked to await, if it did; nothing stays staged.
            lua.rt.awaits().unstage();
            let asked = lua.rt.awaits().take_asked(co as usize);
            if raised != LUA_OK as c_int {
                if raised != crate::raw::protect::NO_STACK {
                    return Ok(General::Done(Resumed::Failed(pop_error(from, raised))));
                }
                return Ok(General::Done(Resumed::Failed(Error::runtime("stack overflow (cannot grow the Lua stack)"))));
            }
            let (status, nres) = out.get();
            if status != LUA_OK as c_int && status != LUA_YIELD as c_int {
                // The error value is converted on the resuming thread: a dead
                // coroutine can run no call (its `__tostring` would need one).
                if lua_checkstack(from, 1) != 0 {
                    lua_xmove(co, from, 1);
                    return Ok(General::Done(Resumed::Failed(pop_error(from, status))));
                }
                lua_settop(co, -2);
                return Ok(General::Done(Resumed::Failed(Error::runtime("stack overflow (cannot grow the Lua stack)"))));
            }
            let top = lua_native_fast_gettop(co);
            if let Some(kind) = lua.rt.limits().tripped() {
                // The body caught the limit's error and went on: still a failure.
                lua_settop(co, top - nres);
                self.declare_dead().map_err(E::from)?;
                return Ok(General::Done(Resumed::Failed(kind.error())));
            }
            if let (true, Some(payload)) = (status == LUA_YIELD as c_int, asked) {
                // Suspended in `await_host`'s yield, which yields no values.
                lua_settop(co, top - nres);
                return Ok(General::Awaiting(payload));
            }
            let results = Results::new(co, top - nres + 1, nres, lua);
            let outcome = read(results);
            lua_settop(co, top - nres);
            match outcome {
                Ok(read) => Ok(General::Done(Resumed::Values { yielded: status == LUA_YIELD as c_int, read })),
                Err(e) => {
                    self.declare_dead().map_err(E::from)?;
                    Err(e)
                }
            }
        }
    }
}

impl Thread {
    /// Closes the coroutine (EVOLUTION B14): its pending `<close>` variables
    /// run (through `lua_closethread`) and it is dead from then on. Closing a
    /// coroutine that finished, died or was closed already does nothing.
    /// If a `__close` handler raises, that error is returned, and the
    /// coroutine is dead all the same. A running coroutine (this call comes
    /// from inside it) is refused with Lua's text.
    ///
    /// ```
    /// use lua_core::{Lua, StdLib, ThreadStatus};
    /// let lua = Lua::with_libraries(StdLib::BASE | StdLib::COROUTINE)?;
    /// let body: lua_core::Function = lua.exec(
    ///     "return function() local t <close> = setmetatable({}, {__close = function() closed = true end}) coroutine.yield() end")?;
    /// let co = lua.create_thread(&body)?;
    /// co.resume_with(|_| Ok::<_, lua_core::Error>(0), |_| Ok::<_, lua_core::Error>(()))?;
    /// co.close()?;
    /// assert_eq!(co.status(), ThreadStatus::Dead);
    /// assert!(lua.get_global::<bool>("closed")?);
    /// co.close()?; // again: nothing to do
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn close(&self) -> Result<()> {
        let rt = &self.0.lua().rt;
        if rt.is_closed() {
            // The state went, and the coroutine with it.
            return Ok(());
        }
        let _entry = crate::raw::occupancy::Entry::framed(rt)?;
        match self.refusal() {
            None => {}
            Some(ResumeRefusal::Running) => return Err(Error::runtime("cannot close a running coroutine")),
            Some(_) => return Ok(()),
        }
        let (co, lua) = self.state();
        let from = lua.main_state();
        // SAFETY: `co` is a suspended (or unstarted) coroutine of this state
        // that no one is running; lua_closethread runs its `__close` handlers
        // in protected mode and leaves an error value on top of `co`.
        unsafe {
            let status = lua_closethread(co, from);
            if let Some(kind) = lua.rt.limits().tripped() {
                lua_settop(co, 0);
                return Err(kind.error());
            }
            if status != LUA_OK as c_int {
                if lua_checkstack(from, 1) != 0 {
                    lua_xmove(co, from, 1);
                    lua_settop(co, 0);
                    return Err(pop_error(from, status));
                }
                lua_settop(co, 0);
                return Err(Error::runtime("stack overflow (cannot grow the Lua stack)"));
            }
        }
        Ok(())
    }
}
