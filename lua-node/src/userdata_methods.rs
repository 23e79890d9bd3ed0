//! `set_userdata(name, obj, { methods })` (EVOLUTION B1): functions Lua
//! calls as `obj:name(...)`, each receiving the registered JavaScript object
//! as its first argument (and as `this`), then the Lua arguments after the
//! receiver.
//!
//! The methods are read once, when the object is registered: each becomes
//! one Lua function, and lua-core keeps the table of them with the object's
//! id (`Stack::set_host_methods`), so `obj.name` is the same function on
//! every read and a method is found before any property of the same name.
//! Each function holds the object strongly, so a method kept in a Lua
//! variable still has its receiver after the userdata is gone.

use std::rc::{Rc, Weak};

use lua_core::{CallContext, Error, Stack};
use napi::sys::ValueType;

use crate::callbacks::{call_js, JsFunctionSlot};
use crate::context::Context;
use crate::error::{Failure, JsError};
use crate::js::{Env, Raw};

/// The methods given in `options`, validated: (name, function) in for-in
/// order. None given (or an empty object): an empty list.
pub fn read_methods(env: Env, options: Raw) -> Result<Vec<(Vec<u8>, Raw)>, JsError> {
    if !env.is_object(options) {
        return Ok(Vec::new());
    }
    let methods = env.get_named(options, c"methods")?;
    if env.type_of(methods) == ValueType::napi_undefined {
        return Ok(Vec::new());
    }
    if !env.is_object(methods) {
        return Err(JsError::type_error("set_userdata(): options.methods must be an object"));
    }
    let names = env.property_names(methods)?;
    let n = env.array_len(names)?;
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let key = env.get_element(names, i)?;
        let name = env.with_string(key, <[u8]>::to_vec)?;
        let f = env.get_property(methods, key)?;
        if env.type_of(f) != ValueType::napi_function {
            let shown = String::from_utf8_lossy(&name);
            return Err(JsError::type_error(format!("set_userdata(): method '{shown}' must be a function")));
        }
        out.push((name, f));
    }
    Ok(out)
}

/// Gives host object `id` (the JS object `obj`) its methods: one Lua
/// function each, in a table lua-core keeps. Leaves the stack as it was; a
/// JavaScript-side failure is kept in `failure`.
pub fn set_methods(
    cx: &Rc<Context>,
    stack: &mut Stack<'_>,
    id: u64,
    obj: Raw,
    methods: &[(Vec<u8>, Raw)],
    failure: &mut Failure,
) -> lua_core::Result<()> {
    if methods.is_empty() {
        return Ok(());
    }
    let env = cx.env;
    let outcome = (|| {
        let receiver = Rc::new(JsFunctionSlot::new(env, String::new(), obj).map_err(|e| failure.keep(e))?);
        stack.push_table(0, methods.len())?;
        for (name, f) in methods {
            let slot = Rc::new(JsFunctionSlot::new(env, String::from_utf8_lossy(name).into_owned(), *f).map_err(|e| failure.keep(e))?);
            let weak: Weak<Context> = Rc::downgrade(cx);
            let receiver = receiver.clone();
            stack.push_function(move |call| invoke_method(&weak, &slot, &receiver, call))?;
            stack.set_field(name)?;
        }
        stack.set_host_methods(id)
    })();
    if outcome.is_err() {
        stack.pop(stack.len() as i32);
    }
    outcome
}

/// One call of a method from Lua: the receiver (argument 1) is replaced by
/// the registered object.
fn invoke_method(weak: &Weak<Context>, slot: &JsFunctionSlot, receiver: &JsFunctionSlot, call: &CallContext<'_>) -> lua_core::Result<i32> {
    let name = &slot.name;
    // Checked before anything of the context is touched: in async mode this
    // runs on a worker thread, where JavaScript is out of reach.
    if call.lua().is_off_thread() {
        return Err(Error::runtime(call.located(&format!("JS callbacks are not available in async mode (called method '{name}')"))));
    }
    let Some(cx) = weak.upgrade() else { return Ok(0) };
    call_js(&cx, call, name, 1, |_| {
        let obj = receiver.function()?;
        Ok((slot.function()?, obj, Some(obj)))
    })
}
