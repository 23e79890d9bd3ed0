//! `set_userdata`: JavaScript objects handed to Lua by reference.
//!
//! Lua holds a host-object userdata carrying an id; the context keeps the
//! object (and the access it was given) under that id until Lua has
//! collected every userdata for it. A WeakMap from object to id lets the same
//! object go back to Lua as the same userdata (DECISIONS 7).

use std::rc::{Rc, Weak};

use lua_core::{Access, CallContext, StackValue};
use lua_core::host::HostObjects;
use napi::sys;

use crate::context::Context;
use crate::error::{Failure, JsError};
use crate::from_js::push_value;
use crate::glue::Args;
use crate::js::{Env, Raw};
use crate::to_js::to_js;

pub struct NodeObjects {
    pub cx: Weak<Context>,
}

impl NodeObjects {
    fn object(&self, id: u64) -> lua_core::Result<(Rc<Context>, Raw)> {
        let cx = self.cx.upgrade().ok_or_else(|| lua_core::Error::runtime("the context is gone"))?;
        let obj = cx.object_value(id).ok_or_else(|| lua_core::Error::runtime("the object was released"))?;
        Ok((cx, obj))
    }
}

impl HostObjects for NodeObjects {
    fn get(&self, call: &CallContext<'_>, id: u64, key: &[u8]) -> lua_core::Result<()> {
        if call.lua().is_off_thread() {
            return Err(lua_core::Error::runtime("JS objects are not available in async mode"));
        }
        let (cx, obj) = self.object(id)?;
        let env = cx.env;
        crate::js::with_handle_scope(env, || {
            let outcome = env.string(key).and_then(|k| env.get_property(obj, k)).and_then(|v| push_value(&cx, &mut call.stack(), v, 0));
            outcome.map_err(|e| match e {
                JsError::Error(e) if e.code == "LUA_MEMORY" => lua_core::Error::Memory { message: e.message },
                e => lua_core::Error::runtime(e.message(env)),
            })
        })
    }

    fn set(&self, call: &CallContext<'_>, id: u64, key: &[u8], value: StackValue<'_>) -> lua_core::Result<()> {
        if call.lua().is_off_thread() {
            return Err(lua_core::Error::runtime("JS objects are not available in async mode"));
        }
        let (cx, obj) = self.object(id)?;
        let env = cx.env;
        crate::js::with_handle_scope(env, || {
            let outcome = to_js(&cx, value).and_then(|v| env.string(key).and_then(|k| env.set_property(obj, k, v)));
            outcome.map_err(|e| lua_core::Error::runtime(e.message(env)))
        })
    }

    fn released(&self, id: u64) {
        if let Some(cx) = self.cx.upgrade() {
            cx.release_object(id);
        }
    }
}

/// `set_userdata(name, object, { readable, writable, methods }?)`.
pub fn set_userdata(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let (name, obj) = (args.get(env, 0), args.get(env, 1));
    if args.len() < 2 || env.type_of(name) != sys::ValueType::napi_string || !env.is_object(obj) {
        return Err(JsError::type_error("Expected (string, object[, options])"));
    }
    let mut access = Access::default();
    let options = args.get(env, 2);
    if env.is_object(options) {
        crate::options::check_keys(env, options, "set_userdata()")?;
        access.readable = flag(env, options, c"readable")?;
        access.writable = flag(env, options, c"writable")?;
    }
    // Read (and validated) before anything is registered; a getter may
    // throw, or run code that uses this context.
    let methods = crate::userdata_methods::read_methods(env, options)?;
    cx.check_busy()?;
    let id = cx.register_object(obj, access, methods.len(), None)?;
    let mut failure = Failure::default();
    let result = env.with_string(name, |name| {
        cx.lua().set_global_with(name, |stack| {
            crate::userdata_methods::set_methods(cx, stack, id, obj, &methods, &mut failure)?;
            stack.push_host_object(id, access)
        })
    })?;
    failure.finish(env, result)?;
    Ok(env.undefined())
}

/// An option that counts only when it is an actual boolean `true`.
fn flag(env: Env, options: Raw, name: &std::ffi::CStr) -> Result<bool, JsError> {
    let v = env.get_named(options, name)?;
    Ok(env.type_of(v) == sys::ValueType::napi_boolean && env.get_bool(v))
}
