//! `execute_async`, `call_async` and `resume_async` (EVOLUTION B5, B13):
//! runs on this thread, driven by lua-core's `Driver`. A JS callback that
//! returns a Promise makes the coroutine await it (lua-core suspends it and
//! reports the await); the Promise's settlement resumes it (`await_settle`).
//!
//! While a run is in flight lua-core counts the state busy (`Occupied::
//! Driving`), so every synchronous method, and a second run, refuse with
//! the busy error, as the spec's `kSyncApi = AsyncInFlight` says; starting
//! one is not exclusive (a callback of a synchronous run may start it).
//! A run ends when it returns or fails, on `cancel()` or its `{ signal }`
//! (at an await; during a step the step is cancelled in lua-core and the run
//! ends when it returns), on `dispose()` (rejecting with the closed error),
//! and when nothing can settle what it awaits any more (the Promise was
//! collected): then the run lets go of the state and of the context.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ptr;
use std::rc::{Rc, Weak};

use lua_core::{ChunkMode, Driver, Kind, Settle, Stack, Step, Thread};
use napi::sys;
use napi::sys::ValueType;

use crate::await_settle::{AbortHook, PendingPromise};
use crate::context::Context;
use crate::error::{JsError, CLOSED_MESSAGE, DISPOSED};
use crate::from_js::push_values;
use crate::glue::Args;
use crate::js::{Env, Raw};
use crate::to_js::{shape, ToJs};

/// A plain `coroutine.yield` at the top level of `execute_async` / `call_async`.
pub const TOP_LEVEL_YIELD: &str = "coroutine.yield is not supported at the top level of execute_async or call_async; only awaiting a host Promise suspends execution. Use resume_async() to drive a coroutine that yields";

#[derive(Clone, Copy, PartialEq)]
enum Door {
    Execute,
    Call,
    Resume,
    /// A step of a coroutine's async iterator: `resume_async`, except that a
    /// failure rejects and a coroutine that had ended resolves `null`.
    Iterate,
}

/// One run in flight.
pub struct Run {
    cx: RefCell<Option<Rc<Context>>>,
    /// Out of its cell while a step runs.
    driver: RefCell<Option<Driver>>,
    deferred: Cell<Option<sys::napi_deferred>>,
    door: Door,
    /// `resume_async`'s coroutine object (its `status` is kept up to date).
    co: Cell<Option<sys::napi_ref>>,
    abort: RefCell<Option<crate::cancel::Listener>>,
    /// The number of the await in progress (0: none); a settlement of any
    /// other is stale and ignored.
    pub awaiting: Cell<u64>,
    /// The run's settlement handlers, held weakly (see `await_settle::handlers`).
    pub handlers: Cell<Option<(sys::napi_ref, sys::napi_ref)>>,
    stepping: Cell<bool>,
    /// `cancel()` (or the signal) came during a step: the run ends when the
    /// step returns, whatever it did.
    cancel_asked: Cell<bool>,
}

thread_local! {
    /// The run in flight of each context (by address), at most one.
    static RUNS: RefCell<HashMap<usize, Weak<Run>>> = RefCell::new(HashMap::new());
}

fn key(cx: &Context) -> usize {
    cx as *const Context as usize
}

fn run_of(cx: &Context) -> Option<Rc<Run>> {
    RUNS.with(|r| r.borrow().get(&key(cx)).and_then(Weak::upgrade))
}

pub fn execute_async(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let script = args.get(env, 0);
    if args.is_empty() || env.type_of(script) != ValueType::napi_string {
        return Err(JsError::type_error("Expected string argument"));
    }
    let options = crate::chunk::options_bag(env, args.get(env, 1), "execute_async()")?;
    let name = crate::chunk::chunk_name(env, options, "execute_async()")?;
    let signal = crate::cancel::read_signal(env, options, "execute_async()")?;
    start(cx, Door::Execute, signal, None, || {
        let lua = cx.lua();
        let loaded = match name {
            Some(name) => env.with_string(script, |b| lua.load_with(b, &name, ChunkMode::Any, |v| v.to_ref()))?,
            None => crate::methods::with_script(env, script, |source| lua.load_with(source.to_bytes(), source, ChunkMode::Any, |v| v.to_ref()))?,
        };
        let f = lua_core::Function::from_ref(loaded??);
        Ok((lua.driver(&f)?, Vec::new()))
    })
}

pub fn call_async(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let target = args.get(env, 0);
    let argv = args.argv().get(1..).unwrap_or(&[]).to_vec();
    let function = match env.type_of(target) {
        _ if args.is_empty() => return Err(JsError::type_error("call_async(nameOrFn, ...args) requires a function name or a Lua function")),
        ValueType::napi_string => None,
        ValueType::napi_function => match crate::lua_function::unwrap_for(cx, target)? {
            Some(f) => Some(f),
            None if crate::lua_function::is_wrapper(env, target) => {
                return Err(JsError::error("Lua function belongs to a different Lua context", crate::error::FOREIGN));
            }
            None => return Err(JsError::type_error("call_async(nameOrFn, ...args) requires a function name or a Lua function")),
        },
        _ => return Err(JsError::type_error("call_async(nameOrFn, ...args) requires a function name or a Lua function")),
    };
    start(cx, Door::Call, None, None, || {
        let lua = cx.lua();
        let f = match function {
            Some(f) => f.try_clone()?,
            None => env.with_string(target, |name| -> Result<lua_core::Function, JsError> {
                let segments = if name.contains(&b'.') { lua_core::host::split_path(name).map_err(|e| JsError::type_error(e.message()))? } else { vec![name] };
                let found = lua.get_path_with(&segments, |v| (v.kind() == Kind::Function).then(|| v.to_ref()))?;
                match found {
                    Some(r) => Ok(lua_core::Function::from_ref(r?)),
                    // A callable table is refused too (B13).
                    None => Err(JsError::error(format!("Lua global '{}' is not a function", String::from_utf8_lossy(name)), crate::error::NOT_A_FUNCTION)),
                }
            })??,
        };
        Ok((lua.driver(&f)?, argv))
    })
}

pub fn resume_async(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let co = args.get(env, 0);
    if args.is_empty() || env.type_of(co) != ValueType::napi_object {
        return Err(JsError::type_error("Expected a coroutine object as first argument"));
    }
    let (_, held) = crate::coroutines::held_thread(env, co, Some(cx))?;
    resume_driven(cx, Door::Resume, co, &held, args.argv()[1..].to_vec())
}

/// One step of `co[Symbol.asyncIterator]()` (see `coroutine_iter`).
pub fn iterate_step(env: Env, co: Raw, argv: Vec<Raw>) -> Result<Raw, JsError> {
    let (cx, held) = crate::coroutines::held_thread(env, co, None)?;
    resume_driven(&cx, Door::Iterate, co, &held, argv)
}

fn resume_driven(cx: &Rc<Context>, door: Door, co: Raw, held: &lua_core::RegRef, argv: Vec<Raw>) -> Result<Raw, JsError> {
    let co_ref = cx.env.reference(co)?;
    // The caller's coroutine becomes the driven thread; the driver holds a
    // reference of its own, so the caller's is never released by the run.
    start(cx, door, None, Some(co_ref), || Ok((Driver::new(Thread::from_ref_borrowed(held).try_clone()?), argv)))
}

/// Makes the run's promise and runs its first step. `prepare` loads what
/// runs (its failures reject the promise: they come past argument checks).
fn start(
    cx: &Rc<Context>,
    door: Door,
    signal: Option<Raw>,
    co: Option<sys::napi_ref>,
    prepare: impl FnOnce() -> Result<(Driver, Vec<Raw>), JsError>,
) -> Result<Raw, JsError> {
    let env = cx.env;
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: valid env and out pointers.
    env.check(unsafe { sys::napi_create_promise(env.0, &mut deferred, &mut promise) })?;
    let run = Rc::new(Run {
        cx: RefCell::new(Some(cx.clone())),
        driver: RefCell::new(None),
        deferred: Cell::new(Some(deferred)),
        door,
        co: Cell::new(co),
        abort: RefCell::new(None),
        awaiting: Cell::new(0),
        handlers: Cell::new(None),
        stepping: Cell::new(false),
        cancel_asked: Cell::new(false),
    });
    if let Some(signal) = signal {
        if crate::cancel::is_aborted(env, signal)? {
            run.settle(env, Err(JsError::error(crate::cancel::CANCELLED_MESSAGE, crate::cancel::CANCELLED)), Some(signal));
            return Ok(promise);
        }
    }
    let (driver, argv) = match prepare() {
        Ok(prepared) => prepared,
        Err(e) => {
            run.finish(Err(e.settle(env, "LUA_RUNTIME")));
            return Ok(promise);
        }
    };
    *run.driver.borrow_mut() = Some(driver);
    RUNS.with(|r| r.borrow_mut().insert(key(cx), Rc::downgrade(&run)));
    if let Some(signal) = signal {
        match AbortHook::add(env, signal, Rc::downgrade(&run)) {
            Ok(hook) => *run.abort.borrow_mut() = Some(hook),
            Err(e) => {
                run.finish(Err(e.settle(env, "LUA_RUNTIME")));
                return Ok(promise);
            }
        }
    }
    step(&run, false, |cx, stack| {
        push_values(cx, stack, &argv)?;
        Ok(Settle::Values(argv.len()))
    });
    Ok(promise)
}

/// Resumes the run with what `push` pushes, and acts on how the step ended.
pub fn step(run: &Rc<Run>, settling: bool, push: impl FnOnce(&Rc<Context>, &mut Stack<'_>) -> Result<Settle, JsError>) {
    step_boxed(run, settling, Box::new(push))
}

type Push<'a> = Box<dyn FnOnce(&Rc<Context>, &mut Stack<'_>) -> Result<Settle, JsError> + 'a>;

fn step_boxed(run: &Rc<Run>, settling: bool, push: Push<'_>) {
    let Some(cx) = run.cx.borrow().clone() else { return };
    let Some(mut driver) = run.driver.borrow_mut().take() else { return };
    let env = cx.env;
    let door = run.door;
    let driven = matches!(door, Door::Resume | Door::Iterate);
    let pushed = Cell::new(true);
    run.stepping.set(true);
    let outcome = driver.resume(
        |stack| {
            pushed.set(false);
            let settle = push(&cx, stack)?;
            pushed.set(true);
            Ok(settle)
        },
        |results| match door {
            Door::Resume | Door::Iterate => {
                let values = env.array(results.len())?;
                let mut to_js = ToJs::new(&cx);
                for (i, v) in results.iter().enumerate() {
                    env.set_element(values, i as u32, to_js.convert(v)?)?;
                }
                Ok(values)
            }
            _ => shape(&cx, results),
        },
    );
    run.stepping.set(false);
    let finished = match outcome {
        Ok(Step::Awaiting(payload)) => {
            *run.driver.borrow_mut() = Some(driver);
            if run.cancel_asked.get() {
                // Deferred teardown: cancel() came while the coroutine ran.
                run.finish(Err(JsError::error(crate::cancel::CANCELLED_MESSAGE, crate::cancel::CANCELLED)));
                return;
            }
            match payload.downcast::<PendingPromise>() {
                Ok(promise) => crate::await_settle::subscribe(run, &cx, *promise),
                Err(_) => run.finish(Err(JsError::error("internal error: an await of something else than a Promise", "LUA_INTERNAL"))),
            }
            return;
        }
        Ok(Step::Yielded(values)) if driven => result_object(&cx, run, "suspended", values, None),
        Ok(Step::Yielded(_)) => Err(JsError::error(TOP_LEVEL_YIELD, "LUA_RUNTIME")),
        Ok(Step::Returned(values)) if driven => result_object(&cx, run, "dead", values, None),
        Ok(Step::Returned(value)) => Ok(value),
        Ok(Step::Failed(e)) if door == Door::Resume => dead(&cx, run, e.into()),
        Ok(Step::Failed(e)) if door == Door::Iterate => mark_dead(&cx, run).and(Err(e.into())),
        Ok(Step::Failed(e)) => Err(e.into()),
        Ok(Step::Refused(why)) if door == Door::Resume => dead(&cx, run, JsError::error(why.message(), "LUA_RUNTIME")),
        Ok(Step::Refused(lua_core::ResumeRefusal::Running)) => Err(JsError::error(lua_core::ResumeRefusal::Running.message(), "LUA_RUNTIME")),
        Ok(Step::Refused(_)) if door == Door::Iterate => Ok(env.null()),
        Ok(Step::Refused(why)) => Err(JsError::error(why.message(), "LUA_RUNTIME")),
        // What the await was settled with could not be converted: the await
        // raises that failure in Lua instead.
        Err(e) if !pushed.get() && settling => {
            *run.driver.borrow_mut() = Some(driver);
            run.awaiting.set(0);
            let message = e.message(env);
            step_boxed(
                run,
                false,
                Box::new(move |_, stack| {
                    stack.push_bytes(message.as_bytes())?;
                    Ok(Settle::Raise(None))
                }),
            );
            return;
        }
        Err(e) if door == Door::Resume && pushed.get() => dead(&cx, run, e),
        Err(e) if door == Door::Iterate && pushed.get() => mark_dead(&cx, run).and(Err(e)),
        Err(e) => Err(e.settle(env, "LUA_CONVERSION")),
    };
    drop(driver);
    run.finish(finished);
}

/// `{ status, values, error? }` for `resume_async`, and the coroutine
/// object's `status` updated.
fn result_object(cx: &Rc<Context>, run: &Run, status: &str, values: Raw, error: Option<JsError>) -> Result<Raw, JsError> {
    let env = cx.env;
    let out = env.object()?;
    let status = env.str(status)?;
    env.set_named(out, c"status", status)?;
    env.set_named(out, c"values", values)?;
    if let Some(error) = error {
        env.set_named(out, c"error", env.str(&error.message(env))?)?;
    }
    if let Some(co) = run.co.get().and_then(|r| env.deref(r).ok()) {
        env.set_named(co, c"status", status)?;
    }
    Ok(out)
}

fn mark_dead(cx: &Rc<Context>, run: &Run) -> Result<Raw, JsError> {
    let env = cx.env;
    if let Some(co) = run.co.get().and_then(|r| env.deref(r).ok()) {
        env.set_named(co, c"status", env.str("dead")?)?;
    }
    Ok(env.undefined())
}

fn dead(cx: &Rc<Context>, run: &Run, error: JsError) -> Result<Raw, JsError> {
    result_object(cx, run, "dead", cx.env.array(0)?, Some(error))
}

impl Run {
    /// Settles the run's promise (once), lets go of the driver, the signal
    /// and the context.
    pub fn finish(&self, outcome: Result<Raw, JsError>) {
        let Some(cx) = self.cx.borrow_mut().take() else { return };
        let env = cx.env;
        self.awaiting.set(0);
        let driver = self.driver.borrow_mut().take();
        drop(driver);
        let hook = self.abort.borrow_mut().take();
        let signal = hook.as_ref().and_then(|h| h.signal(env));
        self.settle(env, outcome, signal);
        if let Some(hook) = hook {
            hook.remove(env);
        }
        if let Some(co) = self.co.take() {
            // SAFETY: made by resume_async, deleted once (taken).
            unsafe { sys::napi_delete_reference(env.0, co) };
        }
        if let Some((ok, fail)) = self.handlers.take() {
            // SAFETY: made by `await_settle::handlers`, deleted once (taken).
            unsafe {
                sys::napi_delete_reference(env.0, ok);
                sys::napi_delete_reference(env.0, fail);
            }
        }
        RUNS.with(|r| {
            let mut runs = r.borrow_mut();
            if runs.get(&key(&cx)).is_some_and(|w| std::ptr::eq(w.as_ptr(), self)) {
                runs.remove(&key(&cx));
            }
        });
    }

    fn settle(&self, env: Env, outcome: Result<Raw, JsError>, signal: Option<Raw>) {
        let Some(deferred) = self.deferred.take() else { return };
        // SAFETY: the deferred is settled exactly once (taken).
        unsafe {
            match outcome {
                Ok(value) => {
                    sys::napi_resolve_deferred(env.0, deferred, value);
                }
                Err(e) => {
                    let cancelled = e.code() == Some(crate::cancel::CANCELLED);
                    let error = e.into_value(env);
                    if let (true, Some(signal)) = (cancelled, signal) {
                        crate::cancel::add_cause(env, error, signal);
                    }
                    sys::napi_reject_deferred(env.0, deferred, error);
                }
            }
            // Resolving reads the value's `then` (a getter may throw): the
            // caller's own error, dropped as `async_run::complete` does.
            env.take_exception();
        }
    }

    /// `cancel()` or the signal: at an await the run ends now; during a
    /// step lua-core stops the step, and the run ends once it returns.
    pub fn cancel(&self) {
        let Some(cx) = self.cx.borrow().clone() else { return };
        if self.stepping.get() {
            self.cancel_asked.set(true);
            cx.cancel_run();
        } else {
            self.finish(Err(JsError::error(crate::cancel::CANCELLED_MESSAGE, crate::cancel::CANCELLED)));
        }
    }
}

impl Drop for Run {
    /// A run collected before it ended (what it awaited can never settle):
    /// its references go without calling into JavaScript (this may run in a
    /// finalizer); the driver and the context go with the fields.
    fn drop(&mut self) {
        if let Some(hook) = self.abort.get_mut().take() {
            hook.forget();
        }
        if let Some(cx) = self.cx.get_mut().as_ref() {
            if let Some(co) = self.co.take() {
                // SAFETY: made by resume_async, deleted once (taken).
                unsafe { sys::napi_delete_reference(cx.env.0, co) };
            }
            if let Some((ok, fail)) = self.handlers.take() {
                // SAFETY: made by `await_settle::handlers`, deleted once (taken).
                unsafe {
                    sys::napi_delete_reference(cx.env.0, ok);
                    sys::napi_delete_reference(cx.env.0, fail);
                }
            }
        }
    }
}

/// `cancel()` for a run of this thread: true when `cx` had one.
pub fn cancel(cx: &Context) -> bool {
    match run_of(cx) {
        Some(run) => {
            run.cancel();
            true
        }
        None => false,
    }
}

/// `dispose()` with a run in flight: at an await the run rejects with the
/// closed error and lets go of the state, which can then close; refused
/// (false) while a step runs (the caller refuses with the busy error).
pub fn abandon_for_dispose(cx: &Context) -> bool {
    match run_of(cx) {
        Some(run) if run.stepping.get() => false,
        Some(run) => {
            run.finish(Err(JsError::error(CLOSED_MESSAGE, DISPOSED)));
            true
        }
        None => true,
    }
}
