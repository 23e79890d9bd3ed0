//! How native functions meet JavaScript: reading arguments, turning results
//! and failures into return values and exceptions, and never letting a Rust
//! panic cross into the engine.

use std::ffi::c_void;
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

/// Marks `LuaContext` instances.
pub const CONTEXT_TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x6c75_615f_6e61_7469, upper: 0x7665_5f63_7478_7431 };

/// The context wrapped in `this`, refusing anything that is not one.
pub fn context_of(env: Env, this: Raw) -> Result<Rc<Context>, JsError> {
    if !env.has_tag(this, &CONTEXT_TAG) {
        return Err(JsError::type_error("Illegal invocation: not a LuaContext"));
    }
    let p = env.unwrap_ptr(this)? as *const Rc<Context>;
    // SAFETY: the tag guarantees the wrapped pointer is the Box<Rc<Context>>
    // made by the constructor, alive as long as `this` is.
    Ok(unsafe { (*p).clone() })
}

/// At an outermost call into `cx` (none is running in its state, and no
/// worker holds it: the method will refuse then), the JS objects staged by
/// earlier calls are let go (EVOLUTION B6).
#[inline]
pub fn outermost_entry(cx: &Context) {
    cx.outermost_entry()
}

/// The value to hand back to the engine for a call's outcome.
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
