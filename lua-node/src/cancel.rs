//! Stopping a run from JavaScript: `cancel()`, the `{ signal }` option of the
//! async doors, and the Node environment going away (a worker thread
//! terminated, the process exiting) while a worker run is in flight.
//!
//! All three go through lua-core's `CancelHandle`, which touches nothing but
//! atomics: the run in flight (lua-core's record of it, from the moment the
//! state is lent until it is taken back, or an entry from this thread) stops
//! within one VM step with "execution cancelled" (LUA_CANCELLED), and the
//! script cannot catch it.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;

use lua_core::CancelHandle;
use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::glue::Args;
use crate::js::{Env, Raw};

/// The text a cancelled run rejects with (EVOLUTION.md B5 and A2).
pub const CANCELLED_MESSAGE: &str = "execution cancelled";
/// Its code.
pub const CANCELLED: &str = "LUA_CANCELLED";

/// `cancel()`: stops the run in flight (a worker run, or, called from a
/// callback or hook, the synchronous run that called it). A no-op when
/// nothing runs, and on a disposed context (EVOLUTION.md B5, B22).
pub fn cancel(cx: &Rc<Context>, _args: &Args) -> Result<Raw, JsError> {
    // A driven run (`execute_async` and friends) is cancelled by its own
    // rules (at an await, or once its step returns); otherwise lua-core's
    // handle stops the run in flight.
    if !cx.disposed.get() && !crate::await_run::cancel(cx) {
        cx.cancel_run();
    }
    Ok(cx.env.undefined())
}

/// Whether a call into JavaScript failed because Node refuses all calls:
/// the environment is stopping (`worker.terminate()`, the process exiting).
/// Node reports that as a pending exception, with none pending. The run that
/// made the call, a synchronous one on this thread, is then cancelled: it
/// cannot reach JavaScript again, and nothing else would stop it.
pub fn stopped_env(cx: &Context, e: &JsError) -> bool {
    if !matches!(e, JsError::Pending) {
        return false;
    }
    let mut pending = false;
    // SAFETY: a query of the engine's state with a valid env.
    let status = unsafe { sys::napi_is_exception_pending(cx.env.0, &mut pending) };
    if status != sys::Status::napi_ok || pending {
        return false;
    }
    cx.cancel_run();
    true
}

// ------------------------------------------------------------------ { signal }

/// The `signal` of an async door's options (`undefined` or `null` options, or
/// no `signal`: none). Anything but an `AbortSignal` is a TypeError.
pub fn read_signal(env: Env, options: Option<Raw>, op: &str) -> Result<Option<Raw>, JsError> {
    let Some(options) = options else { return Ok(None) };
    let signal = env.get_named(options, c"signal")?;
    if env.type_of(signal) == ValueType::napi_undefined {
        return Ok(None);
    }
    if !is_abort_signal(env, signal)? {
        return Err(JsError::type_error(format!("{op}: options.signal must be an AbortSignal")));
    }
    Ok(Some(signal))
}

fn is_abort_signal(env: Env, v: Raw) -> Result<bool, JsError> {
    if env.type_of(v) != ValueType::napi_object {
        return Ok(false);
    }
    let mut global = ptr::null_mut();
    // SAFETY: valid env and out pointer.
    env.check(unsafe { sys::napi_get_global(env.0, &mut global) })?;
    let ctor = env.get_named(global, c"AbortSignal")?;
    if env.type_of(ctor) != ValueType::napi_function {
        return Ok(false);
    }
    let mut is = false;
    // SAFETY: valid env, an object and a constructor function.
    env.check(unsafe { sys::napi_instanceof(env.0, v, ctor, &mut is) })?;
    Ok(is)
}

/// Whether the signal has fired (`signal.aborted`).
pub fn is_aborted(env: Env, signal: Raw) -> Result<bool, JsError> {
    let aborted = env.get_named(signal, c"aborted")?;
    Ok(env.type_of(aborted) == ValueType::napi_boolean && env.get_bool(aborted))
}

/// The error of a run stopped by `signal` before it started: the spec's
/// text and code, with `signal.reason` as its `cause`.
pub fn aborted_error(env: Env, signal: Raw) -> Raw {
    let error = JsError::error(CANCELLED_MESSAGE, CANCELLED).into_value(env);
    add_cause(env, error, signal);
    error
}

/// Gives a cancelled run's error `signal.reason` as its `cause` (once the
/// signal has fired; a `cancel()` leaves the error as it is).
pub fn add_cause(env: Env, error: Raw, signal: Raw) {
    if !env.is_object(error) || !matches!(is_aborted(env, signal), Ok(true)) {
        env.take_exception();
        return;
    }
    if let Ok(reason) = env.get_named(signal, c"reason") {
        let _ = env.set_named(error, c"cause", reason);
    }
    env.take_exception();
}

/// A listener on an `AbortSignal` that cancels one run; removed when the run
/// settles, so the signal keeps nothing of the context alive afterwards.
/// Worker runs (here) and driven runs (`await_settle`) differ only in the
/// function that listens.
pub struct Listener {
    env: Env,
    signal: sys::napi_ref,
    listener: sys::napi_ref,
}

impl Listener {
    /// Adds `signal.addEventListener('abort', <cancel the run>, { once: true })`.
    pub fn add(env: Env, signal: Raw, handle: CancelHandle) -> Result<Listener, JsError> {
        let data = Box::into_raw(Box::new(handle));
        let mut f = ptr::null_mut();
        let name = "onabort";
        // SAFETY: valid env; `data` is freed by the finalizer attached below,
        // or here if that cannot be attached (then the function, never
        // handed out, is never called).
        unsafe {
            let status = sys::napi_create_function(env.0, name.as_ptr() as *const _, name.len() as isize, Some(on_abort), data as *mut c_void, &mut f);
            if status != sys::Status::napi_ok {
                drop(Box::from_raw(data));
                env.check(status)?;
            }
            let status = sys::napi_add_finalizer(env.0, f, data as *mut c_void, Some(drop_handle), ptr::null_mut(), ptr::null_mut());
            if status != sys::Status::napi_ok {
                drop(Box::from_raw(data));
                env.check(status)?;
            }
        }
        Listener::subscribe(env, signal, f)
    }

    /// Adds `f` as the signal's `abort` listener, once.
    pub fn subscribe(env: Env, signal: Raw, f: Raw) -> Result<Listener, JsError> {
        let options = env.object()?;
        env.set_named(options, c"once", env.boolean(true))?;
        let add = env.get_named(signal, c"addEventListener")?;
        env.call(add, signal, &[env.str("abort")?, f, options])?;
        let signal = env.reference(signal)?;
        let listener = match env.reference(f) {
            Ok(r) => r,
            Err(e) => {
                // SAFETY: made just above, deleted once.
                unsafe { sys::napi_delete_reference(env.0, signal) };
                return Err(e);
            }
        };
        Ok(Listener { env, signal, listener })
    }

    /// The signal.
    pub fn signal(&self, env: Env) -> Option<Raw> {
        env.deref(self.signal).ok()
    }

    /// Removes the listener and lets go of both; whatever a patched
    /// `removeEventListener` throws is dropped.
    pub fn remove(self, env: Env) {
        if let (Ok(signal), Ok(f)) = (env.deref(self.signal), env.deref(self.listener)) {
            let removed = env.get_named(signal, c"removeEventListener").and_then(|remove| env.call(remove, signal, &[env.str("abort")?, f]));
            if removed.is_err() {
                env.take_exception();
            }
        }
        self.forget();
    }

    /// Lets go of both without calling into JavaScript (a run collected
    /// before it ended; its listener must stay a no-op).
    pub fn forget(self) {
        // SAFETY: both were made by `subscribe` and are deleted once (`self` is consumed).
        unsafe {
            sys::napi_delete_reference(self.env.0, self.signal);
            sys::napi_delete_reference(self.env.0, self.listener);
        }
    }
}

unsafe extern "C" fn on_abort(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let mut data = ptr::null_mut();
    // SAFETY: valid env and callback info; only the data pointer is read.
    unsafe { sys::napi_get_cb_info(env, info, ptr::null_mut(), ptr::null_mut(), ptr::null_mut(), &mut data) };
    if !data.is_null() {
        // SAFETY: the CancelHandle box made by `Listener::add`, freed only by
        // the function's finalizer (so alive while it can be called);
        // `cancel` only touches atomics and cannot panic.
        unsafe { (*(data as *const CancelHandle)).cancel() };
    }
    ptr::null_mut()
}

unsafe extern "C" fn drop_handle(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: the box made by `Listener::add`, freed once, by this finalizer.
    drop(unsafe { Box::from_raw(data as *mut CancelHandle) });
}

// ------------------------------------------------------------------ the environment going away
//
// A worker run keeps its thread-pool job busy until Lua returns, and Node
// waits for such jobs before it tears an environment down: without help, a
// worker thread running `while true do end` asynchronously could never be
// terminated, and `process.exit()` would wait for ever (libuv joins its
// pool threads). Node runs addon cleanup hooks only after that wait, so they
// cannot help. What the addon can learn of, while runs are in flight:
//   * `process.exit()` (main thread or worker): the `'exit'` event, which
//     runs before the exit itself; a listener is on `process` while runs are
//     in flight and cancels them.
//   * the environment stopping for any other reason (`worker.terminate()`, a
//     worker's parent exiting): from then on Node refuses every call into
//     JavaScript. While runs are in flight a libuv prepare handle (unix
//     only; it runs on every turn of the environment's loop, also the turns
//     Node makes while it waits for the jobs) asks whether it still may, and
//     cancels them once it may not.

thread_local! {
    /// Per environment (each has its own thread, the one this is touched on):
    /// the worker runs in flight and what watches for the environment's end.
    static WATCHES: RefCell<Vec<EnvWatch>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
    /// The environments whose cleanup hook is registered.
    static HOOKED: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

struct EnvWatch {
    env: usize,
    runs: Vec<(u64, CancelHandle)>,
    /// The `'exit'` listener (a reference), made on first use.
    on_exit: Option<sys::napi_ref>,
    #[cfg(unix)]
    prepare: Option<uv::Prepare>,
}

fn with_watch<R>(env: Env, f: impl FnOnce(&mut EnvWatch) -> R) -> Option<R> {
    WATCHES
        .try_with(|w| {
            let mut w = w.borrow_mut();
            let key = env.0 as usize;
            let i = match w.iter().position(|e| e.env == key) {
                Some(i) => i,
                None => {
                    w.push(EnvWatch {
                        env: key,
                        runs: Vec::new(),
                        on_exit: None,
                        #[cfg(unix)]
                        prepare: None,
                    });
                    w.len() - 1
                }
            };
            f(&mut w[i])
        })
        .ok()
}

/// Cancels every run in flight in the environment `env` (an address).
fn cancel_all(env: usize) {
    let _ = WATCHES.try_with(|w| {
        if let Ok(w) = w.try_borrow() {
            for watch in w.iter().filter(|e| e.env == env) {
                for (_, handle) in &watch.runs {
                    handle.cancel();
                }
            }
        }
    });
}

/// Records a worker run in flight, so that the environment going away
/// cancels it; returns the id that `untrack` takes.
pub fn track(env: Env, handle: CancelHandle) -> u64 {
    let id = NEXT_ID.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let first = with_watch(env, |w| {
        w.runs.push((id, handle));
        w.runs.len() == 1
    });
    if first == Some(true) {
        watch_exit(env, true);
        #[cfg(unix)]
        uv::watch(env, true);
    }
    id
}

/// The run settled.
pub fn untrack(env: Env, id: u64) {
    let last = with_watch(env, |w| {
        let before = w.runs.len();
        w.runs.retain(|(i, _)| *i != id);
        before > 0 && w.runs.is_empty()
    });
    if last == Some(true) {
        watch_exit(env, false);
        #[cfg(unix)]
        uv::watch(env, false);
    }
}

/// Adds (`on`) or removes the `'exit'` listener on `process`. Failures (no
/// `process`, a patched `on`) only mean `process.exit()` is not watched.
fn watch_exit(env: Env, on: bool) {
    let done = (|| -> Result<(), JsError> {
        let mut global = ptr::null_mut();
        // SAFETY: valid env and out pointer.
        env.check(unsafe { sys::napi_get_global(env.0, &mut global) })?;
        let process = env.get_named(global, c"process")?;
        if !env.is_object(process) {
            return Ok(());
        }
        let listener = match with_watch(env, |w| w.on_exit).flatten() {
            Some(r) => env.deref(r)?,
            None => {
                let mut f = ptr::null_mut();
                let name = "luaNativeCancelOnExit";
                // SAFETY: valid env; the function has no data.
                env.check(unsafe { sys::napi_create_function(env.0, name.as_ptr() as *const _, name.len() as isize, Some(on_process_exit), ptr::null_mut(), &mut f) })?;
                let r = env.reference(f)?;
                with_watch(env, |w| w.on_exit = Some(r));
                f
            }
        };
        let method = env.get_named(process, if on { c"on" } else { c"removeListener" })?;
        env.call(method, process, &[env.str("exit")?, listener])?;
        Ok(())
    })();
    if done.is_err() {
        env.take_exception();
    }
}

unsafe extern "C" fn on_process_exit(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    cancel_all(env as usize);
    ptr::null_mut()
}

/// Registers the hook Node runs when it tears the environment down: it lets
/// go of what the watch holds (the listener's reference, the prepare handle).
pub fn install_cleanup_hook(env: Env) {
    // Node refuses (aborts on) the same hook twice in one environment, and the
    // module is initialised again each time it is loaded anew there.
    let fresh = HOOKED.try_with(|h| {
        let mut h = h.borrow_mut();
        let new = !h.contains(&(env.0 as usize));
        if new {
            h.push(env.0 as usize);
        }
        new
    });
    if fresh == Ok(true) {
        // SAFETY: valid env; the argument is the env itself.
        unsafe { sys::napi_add_env_cleanup_hook(env.0, Some(on_env_cleanup), env.0 as *mut c_void) };
    }
}

unsafe extern "C" fn on_env_cleanup(arg: *mut c_void) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Runs still in flight (if a Node version ever calls this before its
        // jobs have ended) are cancelled.
        cancel_all(arg as usize);
        let _ = HOOKED.try_with(|h| h.borrow_mut().retain(|e| *e != arg as usize));
        let watch = WATCHES.try_with(|w| {
            let mut w = w.borrow_mut();
            let i = w.iter().position(|e| e.env == arg as usize)?;
            Some(w.remove(i))
        });
        if let Ok(Some(watch)) = watch {
            if let Some(r) = watch.on_exit {
                // SAFETY: made by `watch_exit` in this env, deleted once.
                unsafe { sys::napi_delete_reference(arg as sys::napi_env, r) };
            }
            #[cfg(unix)]
            if let Some(prepare) = watch.prepare {
                prepare.close();
            }
        }
    }));
}

/// The libuv prepare handle that notices an environment stopping.
#[cfg(unix)]
mod uv {
    use std::ffi::{c_int, c_void};

    use napi::sys;

    use super::{with_watch, Env};

    /// `UV_PREPARE` in libuv's `uv_handle_type` (stable across libuv 1.x).
    const UV_PREPARE: c_int = 9;

    extern "C" {
        // Exported by the Node executable, as Node-API itself is.
        fn uv_handle_size(kind: c_int) -> usize;
        fn uv_prepare_init(event_loop: *mut sys::uv_loop_s, handle: *mut c_void) -> c_int;
        fn uv_prepare_start(handle: *mut c_void, cb: unsafe extern "C" fn(*mut c_void)) -> c_int;
        fn uv_prepare_stop(handle: *mut c_void) -> c_int;
        fn uv_unref(handle: *mut c_void);
        fn uv_close(handle: *mut c_void, cb: unsafe extern "C" fn(*mut c_void));
    }

    /// A `uv_prepare_t` in memory of libuv's own size for it (8-aligned), its
    /// `data` field (the first) holding the env.
    pub(super) struct Prepare {
        handle: *mut c_void,
    }

    impl Prepare {
        fn new(env: Env) -> Option<Prepare> {
            let mut event_loop = std::ptr::null_mut();
            // SAFETY: valid env and out pointer.
            if unsafe { sys::napi_get_uv_event_loop(env.0, &mut event_loop) } != sys::Status::napi_ok || event_loop.is_null() {
                return None;
            }
            // SAFETY: a size query.
            let words = unsafe { uv_handle_size(UV_PREPARE) }.div_ceil(8);
            let handle = Box::into_raw(vec![0u64; words].into_boxed_slice()) as *mut u64 as *mut c_void;
            // SAFETY: `handle` has room for a uv_prepare_t; libuv never
            // touches `data` (its first field), set to the env afterwards.
            unsafe {
                if uv_prepare_init(event_loop, handle) != 0 {
                    drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(handle as *mut u64, words)));
                    return None;
                }
                *(handle as *mut *mut c_void) = env.0 as *mut c_void;
                // It must not keep the loop alive by itself.
                uv_unref(handle);
            }
            Some(Prepare { handle })
        }

        /// Closes the handle; its memory goes once libuv is done with it.
        pub(super) fn close(self) {
            // SAFETY: an initialised handle, closed once (`self` is consumed).
            unsafe { uv_close(self.handle, on_closed) };
        }
    }

    unsafe extern "C" fn on_closed(handle: *mut c_void) {
        // SAFETY: the memory `Prepare::new` allocated, of the same length.
        unsafe {
            let words = uv_handle_size(UV_PREPARE).div_ceil(8);
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(handle as *mut u64, words)));
        }
    }

    /// Starts (`on`) or stops probing the environment on every loop turn.
    pub(super) fn watch(env: Env, on: bool) {
        let handle = with_watch(env, |w| {
            if w.prepare.is_none() && on {
                w.prepare = Prepare::new(env);
            }
            w.prepare.as_ref().map(|p| p.handle)
        })
        .flatten();
        if let Some(handle) = handle {
            // SAFETY: an initialised, open handle of this thread's loop.
            unsafe {
                if on {
                    uv_prepare_start(handle, on_turn);
                } else {
                    uv_prepare_stop(handle);
                }
            }
        }
    }

    /// Every loop turn while runs are in flight: once Node refuses calls
    /// into JavaScript (it checks this before anything else, and
    /// `napi_call_function` with no function otherwise only reports a bad
    /// argument), the environment is stopping: its runs are cancelled.
    unsafe extern "C" fn on_turn(handle: *mut c_void) {
        // SAFETY: `data` holds the env (set by `Prepare::new`); the probe
        // reaches no JavaScript either way.
        unsafe {
            let env = *(handle as *const sys::napi_env);
            let status = sys::napi_call_function(env, std::ptr::null_mut(), std::ptr::null_mut(), 0, std::ptr::null(), std::ptr::null_mut());
            if status == sys::Status::napi_pending_exception || status == sys::Status::napi_cannot_run_js {
                super::cancel_all(env as usize);
                uv_prepare_stop(handle);
            }
        }
    }
}
