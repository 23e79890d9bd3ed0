//! Allocation-failure injection for the test suites (see lua-core's `fault`).
//!
//! Present only when the environment variable `LUA_NATIVE_FAULT_INJECTION`
//! was `1` when the addon was loaded; otherwise nothing here exists. All
//! three are non-enumerable:
//!
//! * `ctx.__fail_allocation(n, refusals?)`: arms a fault on the context's
//!   current state: the `n`-th growth request from now (1: the very next) is
//!   refused, and `refusals - 1` after it (default 1; `true` or `Infinity`:
//!   every one until disarmed). `n` `null`/`undefined` disarms. Returns how
//!   many requests the previous fault on this state refused.
//! * `init.__fail_next_state_allocation(n, refusals?)`: the same, for the next
//!   Lua state created (by the constructor or by `reset()`), from its first
//!   allocation on.
//! * `init.__injected_allocation_faults()`: how many requests injected faults
//!   have refused so far in the process.

use std::ptr;
use std::rc::Rc;

use lua_core::host::AllocationFault;
use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::glue::{finish, read_args, Args};
use crate::js::{Env, Raw};

/// The environment variable that enables the testing methods.
const ENABLE: &str = "LUA_NATIVE_FAULT_INJECTION";

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Adds the testing methods to the `LuaContext` class, if enabled.
pub fn install(env: Env, class: Raw) -> Result<(), JsError> {
    if std::env::var_os(ENABLE).is_none_or(|v| v != "1") {
        return Ok(());
    }
    let prototype = env.get_named(class, c"prototype")?;
    define(env, prototype, c"__fail_allocation", fail_allocation)?;
    define(env, class, c"__fail_next_state_allocation", fail_next_state_allocation)?;
    define(env, class, c"__injected_allocation_faults", injected_allocation_faults)
}

/// A non-enumerable method `name` on `target`.
fn define(env: Env, target: Raw, name: &std::ffi::CStr, f: Callback) -> Result<(), JsError> {
    let desc = sys::napi_property_descriptor {
        utf8name: name.as_ptr(),
        name: ptr::null_mut(),
        method: Some(f),
        getter: None,
        setter: None,
        value: ptr::null_mut(),
        attributes: sys::PropertyAttributes::writable | sys::PropertyAttributes::configurable,
        data: ptr::null_mut(),
    };
    // SAFETY: one descriptor on a live object; N-API copies it.
    env.check(unsafe { sys::napi_define_properties(env.0, target, 1, &desc) })
}

/// The fault described by arguments `i` (n) and `i + 1` (refusals).
fn fault_arg(env: Env, args: &Args, i: usize) -> Result<Option<AllocationFault>, JsError> {
    let n = args.get(env, i);
    let nth = match env.type_of(n) {
        ValueType::napi_undefined | ValueType::napi_null => return Ok(None),
        ValueType::napi_number => env.get_number(n),
        _ => return Err(JsError::type_error("n must be a positive integer, null or undefined")),
    };
    if !(nth >= 1.0 && nth.fract() == 0.0) {
        return Err(JsError::range_error("n must be a positive integer"));
    }
    let r = args.get(env, i + 1);
    let refusals = match env.type_of(r) {
        ValueType::napi_undefined => 1,
        ValueType::napi_boolean if env.get_bool(r) => AllocationFault::PERSISTENT,
        ValueType::napi_number if env.get_number(r) == f64::INFINITY => AllocationFault::PERSISTENT,
        ValueType::napi_number if env.get_number(r) >= 1.0 && env.get_number(r).fract() == 0.0 => env.get_number(r) as u64,
        _ => return Err(JsError::range_error("refusals must be a positive integer, Infinity or true")),
    };
    Ok(Some(AllocationFault { nth: nth as u64, refusals }))
}

fn arm(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    // While an async run holds the state it is on another thread: hands off.
    cx.check_busy()?;
    let fault = fault_arg(cx.env, args, 0)?;
    let lua = cx.lua();
    let fired = lua.allocation_faults_fired();
    lua.set_allocation_fault(fault);
    cx.env.number(fired as f64)
}

crate::method!(fail_allocation, arm);

unsafe extern "C" fn fail_next_state_allocation(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (args, _) = read_args(env, info)?;
        lua_core::host::fail_next_state(fault_arg(env, &args, 0)?);
        Ok(env.undefined())
    }));
    finish(env, result)
}

unsafe extern "C" fn injected_allocation_faults(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_args(env, info)?;
        env.number(lua_core::host::injected_total() as f64)
    }));
    finish(env, result)
}
