//! `set_hook(callback, { call, return, line, count })` and `remove_hook()`.

use std::rc::{Rc, Weak};

use lua_core::{HookEvent, HookMask, Lua};
use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::glue::Args;
use crate::js::{with_handle_scope, Env, Raw};

pub fn set_hook(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let (callback, options) = (args.get(env, 0), args.get(env, 1));
    if env.type_of(callback) != ValueType::napi_function {
        return Err(JsError::type_error("set_hook(callback, options) requires a function"));
    }
    if env.type_of(options) != ValueType::napi_object || env.is_array(options) {
        return Err(JsError::type_error("set_hook(callback, options) requires an options object ({ call?, return?, line?, count? })"));
    }
    crate::options::check_keys(env, options, "set_hook()")?;
    let truthy = |name: &std::ffi::CStr| -> Result<bool, JsError> {
        let v = env.get_named(options, name)?;
        let mut b = ptr_null();
        // SAFETY: ToBoolean of any value.
        env.check(unsafe { sys::napi_coerce_to_bool(env.0, v, &mut b) })?;
        Ok(env.get_bool(b))
    };
    let mut mask = HookMask { call: truthy(c"call")?, ret: truthy(c"return")?, line: truthy(c"line")?, count: 0 };
    let count = env.get_named(options, c"count")?;
    match env.type_of(count) {
        ValueType::napi_undefined | ValueType::napi_null => {}
        ValueType::napi_number => {
            let n = env.get_number(count);
            if !(n >= 1.0 && n.fract() == 0.0 && n <= i32::MAX as f64) {
                return Err(JsError::range_error("set_hook(): count must be a positive integer"));
            }
            mask.count = n as u32;
        }
        _ => return Err(JsError::type_error("set_hook(): count must be a number")),
    }
    if !(mask.call || mask.ret || mask.line || mask.count > 0) {
        return Err(JsError::type_error("set_hook(): at least one of call, return, line, or count must be requested"));
    }
    let slot = Rc::new(crate::callbacks::JsFunctionSlot::new(env, "hook".into(), callback)?);
    install(cx, slot.clone(), mask);
    cx.replay.borrow_mut().hook = Some((slot, mask));
    Ok(env.undefined())
}

/// Sets the JS hook on the context's current state.
pub fn install(cx: &Rc<Context>, slot: Rc<crate::callbacks::JsFunctionSlot>, mask: HookMask) {
    let weak: Weak<Context> = Rc::downgrade(cx);
    cx.lua().set_hook(Rc::new(move |_lua: &Lua, event: &HookEvent<'_>| call_hook(&weak, &slot, event)), mask);
}

pub fn remove_hook(cx: &Rc<Context>, _args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    cx.lua().remove_hook();
    // Dropped after the state let go of it (a hook may remove itself).
    let old = cx.replay.borrow_mut().hook.take();
    drop(old);
    Ok(cx.env.undefined())
}

/// Calls the JS hook with (event, line, name); whatever it throws is dropped.
fn call_hook(weak: &Weak<Context>, slot: &crate::callbacks::JsFunctionSlot, event: &HookEvent<'_>) {
    let Some(cx) = weak.upgrade() else { return };
    let env: Env = cx.env;
    with_handle_scope(env, || {
        let args = (|| -> Result<[Raw; 3], JsError> { Ok([env.str(event.kind.name())?, env.number(event.line as f64)?, env.str(event.name)?]) })();
        if let (Ok(args), Ok(f)) = (args, slot.function()) {
            if let Err(e) = env.call(f, env.undefined(), &args) {
                // Swallowed, as the spec says; but a call refused because the
                // environment is stopping cancels the run.
                crate::cancel::stopped_env(&cx, &e);
                env.take_exception();
            }
        }
    });
}

fn ptr_null() -> Raw {
    std::ptr::null_mut()
}
