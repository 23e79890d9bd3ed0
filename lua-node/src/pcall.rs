//! `pcall(fn, ...args)` (EVOLUTION B6): a call whose failure is a value.

use std::rc::Rc;

use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::glue::Args;
use crate::js::{Env, Raw};

/// The TypeError of `pcall` without a function.
pub const NEEDS_FUNCTION: &str = "pcall(fn, ...args) requires a function as the first argument";

/// The codes of the limits, which `pcall` never catches (DECISIONS 11).
const LIMIT_CODES: [&str; 3] = ["LUA_INSTRUCTION_LIMIT", "LUA_TIMEOUT", "LUA_CANCELLED"];

/// `pcall(fn, ...args)`: `{ ok: true, value }` with `value` shaped as a call
/// result, or `{ ok: false, error }` with the error as a throw would have
/// given it. `fn` is a Lua function wrapper of this context (called in Lua,
/// protected); any other function (a plain JS function, a wrapper of another
/// context) is called as it is, with what it throws caught the same way.
/// Limits (instruction limit, timeout, cancellation) are not caught: they
/// throw. Argument and state errors (busy, disposed, released, stale) throw.
pub fn pcall(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let f = args.get(env, 0);
    if env.type_of(f) != ValueType::napi_function {
        return Err(JsError::type_error(NEEDS_FUNCTION));
    }
    let argv = &args.argv()[1..];
    let outcome = match crate::lua_function::unwrap_own(cx, f)? {
        Some(func) => {
            cx.check_handle(func.registry_ref().lua(), "Lua function")?;
            crate::lua_function::call_function(cx, &func, argv)
        }
        None => env.call(f, env.undefined(), argv),
    };
    let error = match outcome {
        Ok(value) => return result(env, true, c"value", value),
        Err(e) if e.code().is_some_and(|code| LIMIT_CODES.contains(&code)) => return Err(e),
        Err(e) => e.into_value(env),
    };
    if is_limit(env, error) {
        // A limit thrown by a plain JS function (another context's run, say):
        // thrown on as it is.
        // SAFETY: throwing a value of the current env.
        unsafe { napi::sys::napi_throw(env.0, error) };
        return Err(JsError::Pending);
    }
    result(env, false, c"error", error)
}

/// Whether `e` is an error object whose `code` is a limit's.
fn is_limit(env: Env, e: Raw) -> bool {
    if !env.is_object(e) {
        return false;
    }
    let Ok(code) = env.get_named(e, c"code") else {
        env.take_exception();
        return false;
    };
    env.type_of(code) == ValueType::napi_string && env.string_value(code).is_ok_and(|c| LIMIT_CODES.contains(&c.as_str()))
}

/// `{ ok, <key>: value }`.
fn result(env: Env, ok: bool, key: &std::ffi::CStr, value: Raw) -> Result<Raw, JsError> {
    let out = env.object()?;
    env.set_named(out, c"ok", env.boolean(ok))?;
    env.set_named(out, key, value)?;
    Ok(out)
}
