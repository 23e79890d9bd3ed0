//! `execute_script_async`, `execute_file_async` and `is_busy`.
//!
//! The script runs on the libuv thread pool. The state is lent to the worker
//! at once (`Lua::detach`; lua-core's occupancy then refuses every entry, and
//! every method refuses with the busy error), and the results stay on the Lua
//! stack until the completion callback, back on the main thread, takes the
//! state back and converts them before the promise settles.
//!
//! A run in flight stops on `cancel()`, when its `{ signal }` fires, when
//! `dispose()` is called (the promise then rejects with the closed error and
//! the state closes once the worker lets go), and when the environment is
//! torn down (see `cancel`).

use std::ffi::{c_void, CString};
use std::ptr;
use std::rc::Rc;

use lua_core::host::{Detached, Kept};
use napi::sys;
use napi::sys::ValueType;

use crate::cancel::Listener;
use crate::context::Context;
use crate::error::{JsError, BUSY, CLOSED_MESSAGE, DISPOSED};
use crate::glue::Args;
use crate::js::{Env, Raw};
use crate::to_js::shape;

enum Input {
    Script(CString),
    /// A script with a chunk name (B17): all of its bytes, under that name.
    Named(Vec<u8>, CString),
    File(Vec<u8>),
}

struct Job {
    /// Touched only on the main thread.
    cx: Rc<Context>,
    deferred: sys::napi_deferred,
    work: sys::napi_async_work,
    /// Touched only by the worker, between `detach` and completion.
    detached: Option<Detached>,
    input: Input,
    outcome: Option<lua_core::Result<Kept>>,
    /// The `{ signal }` listener, removed when the run settles (main thread).
    abort: Option<Listener>,
    /// The run's entry among those the environment's cleanup hook cancels.
    tracked: u64,
}

pub fn execute_script_async(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    start(cx, args, "execute_script_async()", |env, v, options| match crate::chunk::chunk_name(env, options, "execute_script_async()")? {
        Some(name) => env.with_string(v, |b| Input::Named(b.to_vec(), name)),
        None => crate::methods::with_script(env, v, |s| Input::Script(s.to_owned())),
    })
}

pub fn execute_file_async(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    start(cx, args, "execute_file_async()", |env, v, _| env.with_string(v, |b| Input::File(b.to_vec())))
}

pub fn is_busy(cx: &Rc<Context>, _args: &Args) -> Result<Raw, JsError> {
    Ok(cx.env.boolean(cx.is_busy()))
}

/// `read` gets the script argument and the options object, if any.
fn start(cx: &Rc<Context>, args: &Args, op: &str, read: impl FnOnce(Env, Raw, Option<Raw>) -> Result<Input, JsError>) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let arg = args.get(env, 0);
    if args.is_empty() || env.type_of(arg) != ValueType::napi_string {
        return Err(JsError::type_error("Expected string argument"));
    }
    // Every option is read before the state is lent.
    let options = crate::chunk::options_bag(env, args.get(env, 1), op)?;
    let input = read(env, arg, options)?;
    let signal = crate::cancel::read_signal(env, options, op)?;
    // Lending the state while this thread is inside it (a callback, a hook,
    // a finalizer of a synchronous run) would put two threads in it.
    if let Some(occupied) = cx.lua().occupied() {
        let message = format!("{}: handing the state to a worker thread requires that nothing else holds it", occupied.message(op));
        return Err(JsError::error(message, BUSY));
    }
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: valid env and out pointers.
    env.check(unsafe { sys::napi_create_promise(env.0, &mut deferred, &mut promise) })?;
    // A signal that has already fired: the run is not started.
    if let Some(signal) = signal {
        if crate::cancel::is_aborted(env, signal)? {
            let error = crate::cancel::aborted_error(env, signal);
            // SAFETY: the deferred just made is settled once.
            env.check(unsafe { sys::napi_reject_deferred(env.0, deferred, error) })?;
            return Ok(promise);
        }
    }
    // The listener goes on before the state is lent (nothing runs on this
    // thread in between, so it cannot fire early); every failure below
    // removes it again.
    let abort = match signal {
        Some(signal) => Some(Listener::add(env, signal, cx.canceller())?),
        None => None,
    };
    let job = Box::into_raw(Box::new(Job { cx: cx.clone(), deferred, work: ptr::null_mut(), detached: None, input, outcome: None, abort, tracked: 0 }));
    let fail = |job: *mut Job, e: JsError| -> Result<Raw, JsError> {
        // SAFETY: the job box, not handed to a queued work item.
        let job = unsafe { Box::from_raw(job) };
        if let Some(abort) = job.abort {
            abort.remove(env);
        }
        Err(e)
    };
    let name = match env.str("lua-native:execute_async") {
        Ok(name) => name,
        Err(e) => return fail(job, e),
    };
    let mut work = ptr::null_mut();
    // SAFETY: the job box is owned by the work item from here until `complete`.
    unsafe {
        let status = sys::napi_create_async_work(env.0, ptr::null_mut(), name, Some(execute), Some(complete), job as *mut c_void, &mut work);
        if status != sys::Status::napi_ok {
            return fail(job, env.check(status).err().unwrap_or(JsError::Pending));
        }
        (*job).work = work;
        // The state is lent before the work is queued, so nothing on this
        // thread can use it from now on (lua-core refuses every entry).
        match cx.lua().detach() {
            Ok(detached) => (*job).detached = Some(detached),
            Err(e) => {
                sys::napi_delete_async_work(env.0, work);
                return fail(job, e.into());
            }
        }
        let status = sys::napi_queue_async_work(env.0, work);
        if status != sys::Status::napi_ok {
            cx.lua().reattach((*job).detached.take().expect("set above"));
            sys::napi_delete_async_work(env.0, work);
            return fail(job, env.check(status).err().unwrap_or(JsError::Pending));
        }
        (*job).tracked = crate::cancel::track(env, cx.canceller());
    }
    Ok(promise)
}

/// On the worker thread: runs the chunk, leaving its results on the stack.
unsafe extern "C" fn execute(_env: sys::napi_env, data: *mut c_void) {
    // SAFETY: `data` is the job; on this thread only `detached`, `input` and
    // `outcome` are touched, and the main thread does not touch them until
    // `complete`.
    let job = unsafe { &mut *(data as *mut Job) };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let detached = job.detached.as_ref().expect("lent before queueing");
        match &job.input {
            Input::Script(source) => detached.exec_source(source),
            Input::Named(source, name) => detached.exec_named(source, name),
            Input::File(path) => detached.exec_file(path),
        }
    }));
    job.outcome = Some(run.unwrap_or_else(|_| Err(lua_core::Error::runtime("internal error: a panic in the async run"))));
}

/// Back on the main thread: takes the state back and settles the promise.
unsafe extern "C" fn complete(env: sys::napi_env, status: sys::napi_status, data: *mut c_void) {
    // SAFETY: `data` is the job box, finished with by the worker.
    let job = unsafe { Box::from_raw(data as *mut Job) };
    let env = Env(env);
    let Job { cx, deferred, work, detached, outcome, abort, tracked, .. } = *job;
    crate::cancel::untrack(env, tracked);
    if let Some(d) = detached {
        cx.lua().reattach(d);
    }
    let settled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // `dispose()` during the run cancelled it; whatever the run's own
        // outcome, the promise rejects as any use of a closed context does,
        // and the state, back from the worker, closes now.
        if cx.disposed.get() {
            let _ = cx.close();
            return Err(JsError::error(CLOSED_MESSAGE, DISPOSED));
        }
        match (status, outcome) {
            (sys::Status::napi_ok, Some(Ok(kept))) => cx.lua().read_kept(kept, |results| shape(&cx, results)).map_err(JsError::from).and_then(|r| r),
            (_, Some(Err(e))) => Err(JsError::from(e)),
            _ => Err(JsError::error(crate::cancel::CANCELLED_MESSAGE, crate::cancel::CANCELLED)),
        }
    }));
    let settled = settled.unwrap_or_else(|_| Err(JsError::error("internal error in lua-native (a Rust panic was caught)", "LUA_INTERNAL")));
    // SAFETY: the deferred is settled exactly once; the work item is deleted once.
    unsafe {
        match settled {
            Ok(value) => {
                sys::napi_resolve_deferred(env.0, deferred, value);
            }
            Err(e) => {
                let cancelled = e.code() == Some(crate::cancel::CANCELLED);
                let error = e.into_value(env);
                if let (true, Some(signal)) = (cancelled, abort.as_ref().and_then(|a| a.signal(env))) {
                    crate::cancel::add_cause(env, error, signal);
                }
                sys::napi_reject_deferred(env.0, deferred, error);
            }
        }
        if let Some(abort) = abort {
            abort.remove(env);
        }
        // Resolving with a value reads its `then`; a throwing getter (the
        // caller's own object, handed back from Lua) leaves an exception
        // pending here, which would reach the event loop as uncaught and end
        // the process. It is the caller's own error: dropped.
        let mut pending = false;
        if sys::napi_is_exception_pending(env.0, &mut pending) == sys::Status::napi_ok && pending {
            let mut exception = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env.0, &mut exception);
        }
        sys::napi_delete_async_work(env.0, work);
    }
}
