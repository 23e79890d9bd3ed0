//! How native functions meet JavaScript: reading arguments, turning results
//! and failures into return values and exceptions, and never letting a Rust
//! panic cross into the engine.

use std::cell::RefCell;
use std::collections::HashSet;
use std::ffi::c_void;
use std::hash::{BuildHasherDefault, Hasher};
use std::ptr;
use std::rc::Rc;

use napi::sys;

use crate::context::Context;
use crate::error::JsError;
use crate::js::{Env, Raw};

/// Arguments read inline; calls with more take a second read.
const INLINE_ARGS: usize = 8;

pub struct Args {
    pub this: Raw,
    inline: [Raw; INLINE_ARGS],
    heap: Vec<Raw>,
    len: usize,
}

impl Args {
    /// No arguments yet: for `read_args_into`.
    #[inline]
    pub fn new() -> Args {
        Args { this: ptr::null_mut(), inline: [ptr::null_mut(); INLINE_ARGS], heap: Vec::new(), len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Exactly the arguments passed.
    pub fn argv(&self) -> &[Raw] {
        if self.heap.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }

    /// Argument `i`, or `undefined` past the end.
    pub fn get(&self, env: Env, i: usize) -> Raw {
        self.argv().get(i).copied().unwrap_or_else(|| env.undefined())
    }
}

impl Default for Args {
    fn default() -> Args {
        Args::new()
    }
}

/// The arguments, `this` and the function's data pointer of a call.
pub fn read_args(env: Env, info: sys::napi_callback_info) -> Result<(Args, *mut c_void), JsError> {
    let mut args = Args::new();
    let data = read_args_into(env, info, &mut args)?;
    Ok((args, data))
}

/// `read_args` into the caller's `args` (made by `Args::new`), returning the
/// function's data pointer: the hundred-odd bytes of `Args` are written in
/// place rather than moved out through a `Result` (issue 18).
#[inline]
pub fn read_args_into(env: Env, info: sys::napi_callback_info, args: &mut Args) -> Result<*mut c_void, JsError> {
    let mut argc = INLINE_ARGS;
    let mut data = ptr::null_mut();
    // SAFETY: the inline array has room for argc values; N-API reports the real count.
    env.check(unsafe { sys::napi_get_cb_info(env.0, info, &mut argc, args.inline.as_mut_ptr(), &mut args.this, &mut data) })?;
    if argc > INLINE_ARGS {
        args.heap = vec![ptr::null_mut(); argc];
        // SAFETY: as above with the full count.
        env.check(unsafe { sys::napi_get_cb_info(env.0, info, &mut argc, args.heap.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) })?;
    }
    args.len = argc;
    Ok(data)
}

/// The function's data pointer and the first `into.len()` arguments, without
/// `this`; returns the real argument count. When it is larger than
/// `into.len()`, the caller reads them all with `read_args_into`. For the
/// hot calls that need neither `this` nor `Args`: N-API fills every slot it
/// is given (with `undefined` past the real count), so a short buffer is
/// cheaper than `Args`'s eight (issue 18).
#[inline]
pub fn read_data_and_args(env: Env, info: sys::napi_callback_info, into: &mut [Raw]) -> Result<(usize, *mut c_void), JsError> {
    let mut argc = into.len();
    let mut data = ptr::null_mut();
    // SAFETY: `into` has room for argc values; N-API reports the real count.
    env.check(unsafe { sys::napi_get_cb_info(env.0, info, &mut argc, into.as_mut_ptr(), ptr::null_mut(), &mut data) })?;
    Ok((argc, data))
}

thread_local! {
    /// The contexts whose JavaScript objects are alive on this thread, by the
    /// address wrapped into each (`Rc::into_raw` of its `Rc<Context>`). A
    /// method's `this` is unwrapped first and its pointer accepted only if it
    /// is in this set: compared, never read before the match. Any other
    /// object's wrap (a Lua function's, another addon's) is a different live
    /// allocation, so it cannot be in the set. One lookup here replaces the
    /// type-tag check (a second V8 private-property lookup per method call).
    static LIVE: RefCell<HashSet<usize, BuildHasherDefault<AddressHash>>> = RefCell::new(HashSet::default());
}

/// Hashes an address: the low bits (alignment) carry nothing, the
/// multiplication spreads the rest over the high bits hashbrown also uses.
#[derive(Default)]
pub struct AddressHash(u64);

impl Hasher for AddressHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = ((n as u64) >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Wraps `cx` into the new object `this` (the constructor's last step but
/// one); the finalizer lets it go.
pub fn wrap_context(env: Env, this: Raw, cx: &Rc<Context>) -> Result<(), JsError> {
    let raw = Rc::into_raw(cx.clone());
    // SAFETY: `this` owns one strong count from here on; the finalizer
    // gives it back.
    let status = unsafe { sys::napi_wrap(env.0, this, raw as *mut c_void, Some(finalize_context), ptr::null_mut(), ptr::null_mut()) };
    if status != sys::Status::napi_ok {
        // SAFETY: not wrapped, so the count is still ours.
        drop(unsafe { Rc::from_raw(raw) });
        return env.check(status);
    }
    LIVE.with(|live| live.borrow_mut().insert(raw as usize));
    Ok(())
}

unsafe extern "C" fn finalize_context(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Out of the set before the count goes: the address may be reused.
        let _ = LIVE.try_with(|live| live.borrow_mut().remove(&(data as usize)));
        // SAFETY: `data` is the count `wrap_context` gave the object, given back once.
        drop(unsafe { Rc::from_raw(data as *const Context) })
    }));
}

/// The context wrapped in `this`, refusing anything that is not one.
pub fn context_of(env: Env, this: Raw) -> Result<Rc<Context>, JsError> {
    let mut p: *mut c_void = ptr::null_mut();
    // SAFETY: valid env; anything that is not an object, or carries no
    // wrap, fails with a status (no exception is left pending).
    let status = unsafe { sys::napi_unwrap(env.0, this, &mut p) };
    if status != sys::Status::napi_ok || !LIVE.with(|live| live.borrow().contains(&(p as usize))) {
        return Err(JsError::type_error("Illegal invocation: not a LuaContext"));
    }
    let p = p as *const Context;
    // SAFETY: `p` is in LIVE, so it is the pointer `wrap_context` made from
    // an `Rc<Context>` whose count the wrapping object still holds (the
    // finalizer takes it out of LIVE first); taking one more count keeps it
    // alive for the call.
    unsafe {
        Rc::increment_strong_count(p);
        Ok(Rc::from_raw(p))
    }
}

/// At an outermost call into `cx` (none is running in its state, and no
/// worker holds it: the method will refuse then), the JS objects staged by
/// earlier calls are let go (EVOLUTION B6).
#[inline]
pub fn outermost_entry(cx: &Context) {
    cx.outermost_entry()
}

/// The value to hand back to the engine for a call's outcome.
#[inline]
pub fn finish(env: Env, result: std::thread::Result<Result<Raw, JsError>>) -> sys::napi_value {
    match result {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            e.throw(env);
            ptr::null_mut()
        }
        Err(_) => {
            JsError::error("internal error in lua-native (a Rust panic was caught)", "LUA_INTERNAL").throw(env);
            ptr::null_mut()
        }
    }
}

/// `finish` for a call that threw its error itself (see `thrown`).
#[inline(always)]
pub fn finish_raw(env: Env, result: std::thread::Result<Raw>) -> sys::napi_value {
    match result {
        Ok(v) => v,
        Err(_) => panicked(env),
    }
}

/// Throws `e` (out of the hot paths); the value to return with it.
#[cold]
#[inline(never)]
pub fn thrown(env: Env, e: JsError) -> Raw {
    e.throw(env);
    ptr::null_mut()
}

#[cold]
#[inline(never)]
fn panicked(env: Env) -> sys::napi_value {
    JsError::error("internal error in lua-native (a Rust panic was caught)", "LUA_INTERNAL").throw(env);
    ptr::null_mut()
}

/// Defines a context method: reads the call, finds the context in `this`,
/// runs the body with panics caught.
#[macro_export]
macro_rules! method {
    ($name:ident, $body:path) => {
        unsafe extern "C" fn $name(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
            let env = $crate::js::Env(env);
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let (args, _) = $crate::glue::read_args(env, info)?;
                let cx = $crate::glue::context_of(env, args.this)?;
                $crate::glue::outermost_entry(&cx);
                $body(&cx, &args)
            }));
            $crate::glue::finish(env, result)
        }
    };
}
