//! Lua functions seen from JavaScript: callable wrappers that keep their
//! function (and so their state) alive until JavaScript collects them.

use std::cell::RefCell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use lua_core::Function;
use napi::sys;

use crate::context::Context;
use crate::error::{Failure, JsError};
use crate::from_js::push_values;
use crate::js::{Env, Raw};
use crate::to_js::shape;

/// Marks JS functions that wrap a Lua function (Appendix B #12: a wrapper is
/// recognised by its tag, never by its shape).
pub const LUA_FUNCTION_TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x6c75_615f_6e61_7469, upper: 0x7665_5f66_756e_6331 };

struct LuaFunctionData {
    cx: Rc<Context>,
    /// Emptied by `release()`; a call in flight holds its own `Rc`.
    func: RefCell<Option<Rc<Function>>>,
}

/// A new JS function (`name` "luaFunction", `length` 0) that calls `func`.
pub fn wrap(cx: &Rc<Context>, func: Function) -> Result<Raw, JsError> {
    let env = cx.env;
    let data = Box::into_raw(Box::new(LuaFunctionData { cx: cx.clone(), func: RefCell::new(Some(Rc::new(func))) }));
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

/// The data behind `f`, if `f` is a Lua function wrapper (of any context).
fn data_of<'a>(env: crate::js::Env, f: Raw) -> Option<&'a LuaFunctionData> {
    if !env.has_tag(f, &LUA_FUNCTION_TAG) {
        return None;
    }
    let data = env.unwrap_ptr(f).ok()? as *const LuaFunctionData;
    // SAFETY: the tag guarantees `data` is the LuaFunctionData wrapped above;
    // it lives as long as the function `f`, which the caller holds.
    Some(unsafe { &*data })
}

/// Whether `f` is a Lua function wrapper (of any context or state).
pub fn is_wrapper(env: crate::js::Env, f: Raw) -> bool {
    data_of(env, f).is_some()
}

/// The Lua function behind `f`, if `f` is a wrapper made by this context
/// for its current state; a released one of this context is refused ("Lua
/// function has been released").
pub fn unwrap_for(cx: &Rc<Context>, f: Raw) -> Result<Option<Rc<Function>>, JsError> {
    let Some(data) = data_of(cx.env, f) else { return Ok(None) };
    if !Rc::ptr_eq(&data.cx, cx) {
        return Ok(None);
    }
    match data.func.borrow().clone() {
        None => Err(JsError::released("Lua function")),
        Some(func) => Ok(func.registry_ref().lua().ptr_eq(&cx.lua()).then_some(func)),
    }
}

/// The Lua function behind `f` if `f` is a wrapper made by this context,
/// for any of its states (a stale one is for the caller to refuse with
/// `check_handle`); a released one is refused.
pub fn unwrap_own(cx: &Rc<Context>, f: Raw) -> Result<Option<Rc<Function>>, JsError> {
    match data_of(cx.env, f) {
        Some(data) if Rc::ptr_eq(&data.cx, cx) => data.func.borrow().clone().map(Some).ok_or_else(|| JsError::released("Lua function")),
        _ => Ok(None),
    }
}

/// What `release(value)` found in a Lua function wrapper.
pub enum Released {
    /// Not a Lua function wrapper.
    NotOne,
    /// A wrapper of another context, or of a state `reset()` replaced.
    Foreign,
    /// Released now, or already before.
    Done,
}

/// Releases the wrapper `f` for `release(value)`: its registry slot is
/// freed (once a call in flight ends); later calls throw.
pub fn release(cx: &Rc<Context>, f: Raw) -> Released {
    let Some(data) = data_of(cx.env, f) else { return Released::NotOne };
    if !Rc::ptr_eq(&data.cx, cx) {
        return Released::Foreign;
    }
    let current = data.func.borrow().as_ref().map(|func| func.registry_ref().lua().ptr_eq(&cx.lua()));
    match current {
        Some(false) => Released::Foreign,
        _ => {
            let old = data.func.borrow_mut().take();
            drop(old);
            Released::Done
        }
    }
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the box made in `wrap`, finalized exactly once.
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(data as *mut LuaFunctionData) })));
}

unsafe extern "C" fn call(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    // The outcome is thrown inside, so that what crosses `catch_unwind` is
    // the value alone (issue 18: a `Result` with the error made the hot
    // path store and reload it).
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut few = [ptr::null_mut(); FEW_ARGS];
        let (argc, data) = match crate::glue::read_data_and_args(env, info, &mut few) {
            Ok(read) => read,
            Err(e) => return crate::glue::thrown(env, e),
        };
        // SAFETY: the function was created with a LuaFunctionData as its data.
        let data = unsafe { &*(data as *const LuaFunctionData) };
        // Reading a number has no effect a check could see (no getter runs),
        // so the numbers are read before the checks of the call.
        let mut numbers = [0.0; FEW_ARGS];
        if argc <= FEW_ARGS && read_numbers_into(env, &few[..argc], &mut numbers) {
            return match call_numbers_outright(env, data, &numbers[..argc]) {
                Ok(v) => v,
                Err(e) => crate::glue::thrown(env, e),
            };
        }
        match call_other(env, info, data, argc, &few) {
            Ok(v) => v,
            Err(e) => crate::glue::thrown(env, e),
        }
    }));
    crate::glue::finish_raw(env, result)
}

/// Arguments a call reads in its first N-API call; more take a second.
const FEW_ARGS: usize = 4;

/// A call whose (at most `FEW_ARGS`) arguments are all numbers: the
/// commonest call, whose single number result takes lua-core's shortcut.
#[inline(always)]
fn call_numbers_outright(env: Env, data: &LuaFunctionData, numbers: &[f64]) -> Result<Raw, JsError> {
    // The call holds its own `Rc`: a `release()` from inside it frees
    // the registry slot only once the call is over.
    let func = data.func.borrow().clone().ok_or_else(released)?;
    let cx = &data.cx;
    let lua = func.registry_ref().lua();
    cx.enter_handle(lua, "Lua function")?;
    lua.call_numbers_or_number(&func, numbers, |n| crate::to_js::number(env, n), |results| shape(cx, results))?
}

#[cold]
#[inline(never)]
fn released() -> JsError {
    JsError::released("Lua function")
}

/// Every other call: more arguments, or some that are not numbers.
#[inline(never)]
fn call_other(env: Env, info: sys::napi_callback_info, data: &LuaFunctionData, argc: usize, few: &[Raw; FEW_ARGS]) -> Result<Raw, JsError> {
    // The call holds its own `Rc` (see `call_numbers_outright`).
    let func = data.func.borrow().clone().ok_or_else(released)?;
    data.cx.enter_handle(func.registry_ref().lua(), "Lua function")?;
    if argc <= FEW_ARGS {
        return call_with_args(env, &data.cx, &func, &few[..argc]);
    }
    let mut args = crate::glue::Args::new();
    crate::glue::read_args_into(env, info, &mut args)?;
    call_with_args(env, &data.cx, &func, args.argv())
}

fn call_with_args(env: Env, cx: &Rc<Context>, func: &Function, argv: &[Raw]) -> Result<Raw, JsError> {
    let mut numbers = [0.0; 8];
    match read_numbers(env, argv, &mut numbers) {
        Some(numbers) => call_numbers(cx, func, numbers),
        None => call_function(cx, func, argv),
    }
}

/// Calls `func` with JS arguments and shapes its results. The caller has
/// checked that `func` belongs to the context's current state
/// (`check_handle`), so the call goes to the state `func` holds.
pub fn call_function(cx: &Rc<Context>, func: &Function, argv: &[Raw]) -> Result<Raw, JsError> {
    let mut failure = Failure::default();
    let outcome = func.registry_ref().lua().call_with(
        func,
        |stack| {
            push_values(cx, stack, argv).map_err(|e| failure.keep(e))?;
            Ok(argv.len())
        },
        |results| shape(cx, results),
    );
    failure.finish(cx.env, outcome)?
}

/// The arguments as numbers, read into `into`, when there are at most 8
/// and every one is a number (the commonest call, which takes lua-core's
/// one-step path). Read in place: a copy of the array out of the function
/// made the caller load what was just stored, in other widths.
#[inline]
fn read_numbers<'a>(env: Env, argv: &[Raw], into: &'a mut [f64; 8]) -> Option<&'a [f64]> {
    if argv.len() > into.len() {
        return None;
    }
    for (slot, &v) in into.iter_mut().zip(argv) {
        *slot = env.try_number(v)?;
    }
    Some(&into[..argv.len()])
}

/// `read_numbers` for the first read of a call: whether all of `argv` are
/// numbers (read into `into`).
#[inline(always)]
fn read_numbers_into(env: Env, argv: &[Raw], into: &mut [f64; FEW_ARGS]) -> bool {
    for (slot, &v) in into.iter_mut().zip(argv) {
        match env.try_number(v) {
            Some(n) => *slot = n,
            None => return false,
        }
    }
    true
}

/// `call_function` for arguments that are all numbers.
fn call_numbers(cx: &Rc<Context>, func: &Function, numbers: &[f64]) -> Result<Raw, JsError> {
    func.registry_ref().lua().call_numbers(func, numbers, |results| shape(cx, results))?
}

/// `call(name, ...args)` (EVOLUTION B10): calls the function at a global
/// name or dotted path without making a wrapper for it; results are shaped
/// as a wrapper's call shapes them.
pub fn call_global(cx: &Rc<Context>, args: &crate::glue::Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let name = args.get(env, 0);
    if env.type_of(name) != napi::sys::ValueType::napi_string {
        return Err(JsError::type_error("call(name, ...args) requires a string name"));
    }
    let argv = &args.argv()[1..];
    env.with_string(name, |name| {
        let segments = if name.contains(&b'.') { lua_core::host::split_path(name).map_err(|e| JsError::type_error(e.message()))? } else { vec![name] };
        let mut failure = Failure::default();
        let outcome = cx.lua().call_path_with(
            &segments,
            |stack| {
                push_values(cx, stack, argv).map_err(|e| failure.keep(e))?;
                Ok(argv.len())
            },
            |results| shape(cx, results),
        );
        match failure.finish(env, outcome)? {
            Some(shaped) => shaped,
            None => Err(JsError::error(format!("Lua global '{}' is not a function", String::from_utf8_lossy(name)), crate::error::NOT_A_FUNCTION)),
        }
    })?
}
