//! Promises as awaits (EVOLUTION B5): a JS callback's Promise handed to
//! lua-core as the payload of an await, its settlement resuming the run,
//! and the `{ signal }` listener of the driven doors.
//!
//! A Promise is subscribed to with the intrinsic `Promise.prototype.then`
//! (a subclass's own `then` is not called); a `then` that throws (a hostile
//! species getter) rejects the await with what it threw. Each await has its
//! own number, so a handler called twice, late, or after the run ended does
//! nothing. The handlers hold the run: if the Promise can never settle and
//! is collected, they go, and the run lets go of the state and context.
//! Numbers are unique per thread and never reach 2^53 in practice, so they
//! travel as JS numbers.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::{Rc, Weak};

use lua_core::{CallContext, Error, Settle};
use napi::sys;

use crate::await_run::{step, Run};
use crate::context::Context;
use crate::error::JsError;
use crate::from_js::push_value;
use crate::js::{Env, Raw};

/// A Promise a run awaits, held until the driver hands it back.
pub struct PendingPromise {
    env: Env,
    r: sys::napi_ref,
}

impl Drop for PendingPromise {
    fn drop(&mut self) {
        // SAFETY: made by `promised`, deleted once.
        unsafe { sys::napi_delete_reference(self.env.0, self.r) };
    }
}

/// The JS callback `name` returned the Promise `p`: the call awaits it where
/// it can (the coroutine a run drives), and is refused with the spec's texts
/// elsewhere (the Promise, which no one will see again, is marked handled).
pub fn promised(cx: &Rc<Context>, call: &CallContext<'_>, name: &str, p: Raw) -> lua_core::Result<i32> {
    let env = cx.env;
    if call.can_await() {
        let r = env.reference(p).map_err(|e| Error::runtime(e.message(env)))?;
        return call.await_host(Box::new(PendingPromise { env, r }));
    }
    mark_handled(env, p);
    // Reported as the callback's failure, as the original 1.1.0 words it
    // (`Host function '<name>' threw an exception: <the spec's text>`).
    let text = if call.in_driven_run() {
        format!("cannot await a JS Promise from a coroutine this run is not driving (called '{name}'); await at the top level of execute_async / call_async, or drive the coroutine with resume_async")
    } else {
        format!("'{name}' returned a Promise; call it inside execute_async(), call_async(), or resume_async() to await it")
    };
    Err(Error::runtime(format!("Host function '{name}' threw an exception: {text}")))
}

/// `Promise.prototype.then` as the global `Promise` has it.
fn intrinsic_then(env: Env) -> Result<Raw, JsError> {
    let mut global = ptr::null_mut();
    // SAFETY: valid env and out pointer.
    env.check(unsafe { sys::napi_get_global(env.0, &mut global) })?;
    let promise = env.get_named(global, c"Promise")?;
    let proto = env.get_named(promise, c"prototype")?;
    env.get_named(proto, c"then")
}

/// Attaches a handler that ignores a rejection, so a Promise the library
/// drops does not end the process as an unhandled rejection.
pub fn mark_handled(env: Env, p: Raw) {
    let done = intrinsic_then(env).and_then(|then| {
        let noop = function(env, "ignore", None::<Box<()>>, ignore)?;
        env.call(then, p, &[env.undefined(), noop])
    });
    if done.is_err() {
        env.take_exception();
    }
}

thread_local! {
    static NEXT_AWAIT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The subscriber of each environment of this thread (see `SUBSCRIBER`),
    /// made on first use, dropped when the environment is torn down.
    static SUBSCRIBERS: std::cell::RefCell<std::collections::HashMap<usize, sys::napi_ref>> = std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Given the intrinsic `then` (read once per environment), a function that
/// subscribes a run's two handlers to a Promise for await `n`. The
/// closures carry the number, so one pair of native handlers per run serves
/// every await (making native functions with finalizers per await costs
/// several microseconds; a closure costs next to nothing).
const SUBSCRIBER: &str = r#"(function (then) {
  'use strict';
  const apply = Reflect.apply;
  return function subscribe(p, ok, fail, n) {
    apply(then, p, [(v) => ok(n, v), (e) => fail(n, e)]);
  };
})"#;

fn subscriber(env: Env) -> Result<Raw, JsError> {
    let key = env.0 as usize;
    if let Some(r) = SUBSCRIBERS.with(|s| s.borrow().get(&key).copied()) {
        return env.deref(r);
    }
    let factory = env.run_script(SUBSCRIBER)?;
    let f = env.call(factory, env.undefined(), &[intrinsic_then(env)?])?;
    let r = env.reference(f)?;
    SUBSCRIBERS.with(|s| s.borrow_mut().insert(key, r));
    // SAFETY: valid env; the hook only removes this environment's entry
    // (its reference dies with the environment).
    unsafe { sys::napi_add_env_cleanup_hook(env.0, Some(forget_subscriber), key as *mut c_void) };
    Ok(f)
}

unsafe extern "C" fn forget_subscriber(key: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| SUBSCRIBERS.with(|s| s.borrow_mut().remove(&(key as usize)))));
}

/// The run's pair of handlers, `(n, value)`: made on first use and held
/// weakly by the run (they hold it, so a Promise that can still settle
/// keeps the run alive, and one collected lets it go).
fn handlers(env: Env, run: &Rc<Run>) -> Result<(Raw, Raw), JsError> {
    if let Some((ok, fail)) = run.handlers.get() {
        if let (Ok(ok), Ok(fail)) = (env.deref(ok), env.deref(fail)) {
            if !ok.is_null() && !fail.is_null() {
                return Ok((ok, fail));
            }
        }
    }
    let ok = function(env, "onfulfilled", Some(Box::new(Handler { run: run.clone(), fulfilled: true })), on_settled)?;
    let fail = function(env, "onrejected", Some(Box::new(Handler { run: run.clone(), fulfilled: false })), on_settled)?;
    let weak = |f: Raw| -> Result<sys::napi_ref, JsError> {
        let mut r = ptr::null_mut();
        // SAFETY: valid env and function; a weak reference (count 0).
        env.check(unsafe { sys::napi_create_reference(env.0, f, 0, &mut r) })?;
        Ok(r)
    };
    let pair = (weak(ok)?, weak(fail)?);
    if let Some((old_ok, old_fail)) = run.handlers.replace(Some(pair)) {
        // SAFETY: made here earlier, replaced, deleted once.
        unsafe {
            sys::napi_delete_reference(env.0, old_ok);
            sys::napi_delete_reference(env.0, old_fail);
        }
    }
    Ok((ok, fail))
}

/// What each handler of a run holds.
struct Handler {
    run: Rc<Run>,
    fulfilled: bool,
}

/// Subscribes the run to the Promise it awaits.
pub fn subscribe(run: &Rc<Run>, cx: &Rc<Context>, promise: PendingPromise) {
    let env = cx.env;
    let number = NEXT_AWAIT.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    run.awaiting.set(number);
    let subscribed = (|| -> Result<(), JsError> {
        let p = env.deref(promise.r)?;
        let (ok, fail) = handlers(env, run)?;
        env.call(subscriber(env)?, env.undefined(), &[p, ok, fail, env.number(number as f64)?]).map(|_| ())
    })();
    drop(promise);
    match subscribed {
        Ok(()) => {}
        // `then` threw (a hostile subclass): the await rejects with that.
        Err(JsError::Pending) => match env.take_exception() {
            Some(thrown) => settled(run, number, false, thrown),
            None => run.finish(Err(JsError::error("could not await the Promise", "LUA_RUNTIME"))),
        },
        Err(e) => run.finish(Err(e)),
    }
}

unsafe extern "C" fn on_settled(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let Ok((args, data)) = crate::glue::read_args(env, info) else { return };
        // SAFETY: the Handler box made by `handlers`, freed only by this
        // function's finalizer (so alive while it can be called).
        let Some(handler) = (unsafe { (data as *const Handler).as_ref() }) else { return };
        let number = args.get(env, 0);
        if env.type_of(number) != sys::ValueType::napi_number {
            return;
        }
        let run = handler.run.clone();
        settled(&run, env.get_number(number) as u64, handler.fulfilled, args.get(env, 1));
    }));
    ptr::null_mut()
}

/// The await `number` of `run` settled with `value`.
fn settled(run: &Rc<Run>, number: u64, fulfilled: bool, value: Raw) {
    if run.awaiting.get() != number {
        return;
    }
    run.awaiting.set(0);
    step(run, true, move |cx, stack| {
        if fulfilled {
            push_value(cx, stack, value, 0)?;
            return Ok(Settle::Values(1));
        }
        match crate::js_errors::stage(cx, stack, value) {
            // Reported as a callback's failure with the object as its cause,
            // so that, uncaught, the run rejects with the object itself (B6).
            crate::js_errors::Staged::Value(report) => {
                let message = report.message().to_string();
                Ok(Settle::Raise(Some(Error::Callback { message, cause: Some(std::sync::Arc::new(report)), traceback: None })))
            }
            crate::js_errors::Staged::Failed(e) => Err(e.into()),
            // A primitive reason is raised as its Lua value.
            crate::js_errors::Staged::Text(_) => {
                push_value(cx, stack, value, 0)?;
                Ok(Settle::Raise(None))
            }
        }
    });
}

unsafe extern "C" fn ignore(_env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    ptr::null_mut()
}

/// A native function whose `data` box is dropped when it is collected.
fn function<T: 'static>(env: Env, name: &str, data: Option<Box<T>>, cb: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value) -> Result<Raw, JsError> {
    let data = data.map_or(ptr::null_mut(), Box::into_raw);
    let mut f = ptr::null_mut();
    // SAFETY: valid env; `data` is freed by the finalizer attached below, or
    // here when that cannot be attached (the function is then never called).
    unsafe {
        let status = sys::napi_create_function(env.0, name.as_ptr() as *const _, name.len() as isize, Some(cb), data as *mut c_void, &mut f);
        if status != sys::Status::napi_ok {
            if !data.is_null() {
                drop(Box::from_raw(data));
            }
            env.check(status)?;
        }
        if !data.is_null() {
            let status = sys::napi_add_finalizer(env.0, f, data as *mut c_void, Some(drop_box::<T>), ptr::null_mut(), ptr::null_mut());
            if status != sys::Status::napi_ok {
                drop(Box::from_raw(data));
                env.check(status)?;
            }
        }
    }
    Ok(f)
}

unsafe extern "C" fn drop_box<T>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: the box made by `function`, freed once, by this finalizer.
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(data as *mut T) })));
}

/// The `{ signal }` listener of a driven run (`abort` cancels the run).
pub struct AbortHook;

impl AbortHook {
    /// Listens with a function holding the run weakly (a listener outliving
    /// its run is a no-op).
    pub fn add(env: Env, signal: Raw, run: Weak<Run>) -> Result<crate::cancel::Listener, JsError> {
        let f = function(env, "onabort", Some(Box::new(run)), on_abort)?;
        crate::cancel::Listener::subscribe(env, signal, f)
    }
}

unsafe extern "C" fn on_abort(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let Ok((_, data)) = crate::glue::read_args(env, info) else { return };
        // SAFETY: the Weak<Run> box made by `AbortHook::add`, freed only by
        // the function's finalizer.
        if let Some(run) = unsafe { (data as *const Weak<Run>).as_ref() }.and_then(Weak::upgrade) {
            run.cancel();
        }
    }));
    ptr::null_mut()
}
