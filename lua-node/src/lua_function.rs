//! Lua functions seen from JavaScript: callable wrappers that keep their
//! function (and so their state) alive until JavaScript collects them.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use lua_core::Function;
use napi::sys;

use crate::context::Context;
use crate::error::{Failure, JsError};
use crate::from_js::push_value;
use crate::js::{Env, Raw};
use crate::to_js::shape;

/// Marks JS functions that wrap a Lua function (Appendix B #12: a wrapper is
/// recognised by its tag, never by its shape).
pub const LUA_FUNCTION_TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x6c75_615f_6e61_7469, upper: 0x7665_5f66_756e_6331 };

struct LuaFunctionData {
    cx: Rc<Context>,
    func: Function,
}

/// A new JS function (`name` "luaFunction", `length` 0) that calls `func`.
pub fn wrap(cx: &Rc<Context>, func: Function) -> Result<Raw, JsError> {
    let env = cx.env;
    let data = Box::into_raw(Box::new(LuaFunctionData { cx: cx.clone(), func }));
    let mut f = ptr::null_mut();
    // SAFETY: `data` is owned by the function from here on: napi_wrap's
    // finalizer frees it when the function is collected. If wrapping fails
    // the box is leaked rather than freed, because the function could still
    // be called with it.
    unsafe {
        let name = "luaFunction";
        let status = sys::napi_create_function(env.0, name.as_ptr() as *const _, name.len() as isize, Some(call), data as *mut c_void, &mut f);
        if status != sys::Status::napi_ok {
            drop(Box::from_raw(data));
            return env.check(status).map(|_| ptr::null_mut());
        }
        env.check(sys::napi_wrap(env.0, f, data as *mut c_void, Some(finalize), ptr::null_mut(), ptr::null_mut()))?;
    }
    env.tag(f, &LUA_FUNCTION_TAG)?;
    Ok(f)
}

/// The Lua function behind `f`, if `f` is a wrapper made by this context;
/// borrowed from the wrapper (which the caller holds), not anchored again.
pub fn unwrap_for<'a>(cx: &Rc<Context>, f: Raw) -> Option<&'a Function> {
    let env = cx.env;
    if !env.has_tag(f, &LUA_FUNCTION_TAG) {
        return None;
    }
    let data = env.unwrap_ptr(f).ok()? as *const LuaFunctionData;
    // SAFETY: the tag guarantees `data` is the LuaFunctionData wrapped above;
    // it lives as long as the function `f`, which the caller holds.
    let data: &'a LuaFunctionData = unsafe { &*data };
    (Rc::ptr_eq(&data.cx, cx) && data.func.registry_ref().lua().ptr_eq(&cx.lua())).then_some(&data.func)
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the box made in `wrap`, finalized exactly once.
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(data as *mut LuaFunctionData) })));
}

unsafe extern "C" fn call(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (args, data) = crate::glue::read_args(env, info)?;
        // SAFETY: the function was created with a LuaFunctionData as its data.
        let data = unsafe { &*(data as *const LuaFunctionData) };
        data.cx.check_handle(data.func.registry_ref().lua(), "Lua function")?;
        call_function(&data.cx, &data.func, args.argv())
    }));
    crate::glue::finish(env, result)
}

/// Calls `func` with JS arguments and shapes its results.
pub fn call_function(cx: &Rc<Context>, func: &Function, argv: &[Raw]) -> Result<Raw, JsError> {
    let mut failure = Failure::default();
    let outcome = cx.lua().call_with(
        func,
        |stack| {
            for &arg in argv {
                push_value(cx, stack, arg, 0).map_err(|e| failure.keep(e))?;
            }
            Ok(argv.len())
        },
        |results| shape(cx, results),
    );
    failure.finish(cx.env, outcome)?
}
