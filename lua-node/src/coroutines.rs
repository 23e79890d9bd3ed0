//! `create_coroutine(script)` and `resume(coroutine, ...args)`.

use std::rc::Rc;

use lua_core::{Function, Kind, Resumed};
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::from_js::push_values;
use crate::glue::Args;
use crate::handles::{coroutine_object, external_data, HandleKind};
use crate::js::Raw;
use crate::to_js::ToJs;

pub fn create_coroutine(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let script = args.get(env, 0);
    if args.is_empty() || env.type_of(script) != ValueType::napi_string {
        return Err(JsError::type_error("Expected a script string that returns a function"));
    }
    let name = crate::chunk::read(env, args.get(env, 1), "create_coroutine()")?;
    let function = crate::chunk::exec(cx, script, name.as_deref(), |results| match results.len() {
        0 => Ok(None),
        _ if results.get(0).kind() != Kind::Function => Ok(None),
        // Anchoring the function can fail for lack of memory: that is
        // reported as such, not as a script without a function.
        _ => results.get(0).to_ref().map(Some),
    })??;
    let Some(function) = function else {
        return Err(JsError::type_error("Script must return a function"));
    };
    let thread = cx.lua().create_thread(&Function::from_ref(function))?;
    coroutine_object(cx, thread)
}

pub fn resume(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let co = args.get(env, 0);
    if args.is_empty() || env.type_of(co) != ValueType::napi_object {
        return Err(JsError::type_error("Expected a coroutine object as first argument"));
    }
    if !env.has_property(co, c"_coroutine")? {
        return Err(JsError::type_error("Invalid coroutine object"));
    }
    let ext = env.get_named(co, c"_coroutine")?;
    // The handle's own `Rc` (no second anchor, which could fail for lack of
    // memory), held for the resume: a release from inside cannot free it.
    let held = match external_data(env, ext) {
        Some(d) if d.kind == HandleKind::Coroutine && Rc::ptr_eq(&d.cx, cx) => {
            let value = d.value().ok_or_else(|| JsError::released("coroutine"))?;
            cx.check_handle(value.lua(), "Lua coroutine")?;
            value
        }
        _ => return Err(JsError::type_error("Invalid coroutine object")),
    };
    let thread = lua_core::Thread::from_ref_borrowed(&held);
    let argv = &args.argv()[1..];
    let args_failed = std::cell::Cell::new(false);
    let outcome = thread.resume_with(
        |stack| {
            push_values(cx, stack, argv).map_err(|e| {
                args_failed.set(true);
                e.settle(env, "LUA_CONVERSION")
            })?;
            Ok::<usize, JsError>(argv.len())
        },
        |results| {
            let values = env.array(results.len())?;
            let mut to_js = ToJs::new(cx);
            for (i, v) in results.iter().enumerate() {
                env.set_element(values, i as u32, to_js.convert(v)?)?;
            }
            Ok(values)
        },
    );
    let (status, values, error) = match outcome {
        Ok(Resumed::Values { yielded, read }) => (if yielded { "suspended" } else { "dead" }, read, None),
        Ok(Resumed::Failed(e)) => ("dead", env.array(0)?, Some(e.message().to_owned())),
        Ok(Resumed::Refused(why)) => ("dead", env.array(0)?, Some(why.message().to_owned())),
        // Arguments that cannot be converted are thrown; nothing ran.
        Err(e) if args_failed.get() => return Err(e),
        // Values that cannot be converted end the coroutine (Appendix B #4).
        Err(e) => ("dead", env.array(0)?, Some(e.message(env))),
    };
    let result = env.object()?;
    let status = env.str(status)?;
    env.set_named(result, c"status", status)?;
    env.set_named(result, c"values", values)?;
    if let Some(error) = error {
        env.set_named(result, c"error", env.str(&error)?)?;
    }
    env.set_named(co, c"status", status)?;
    Ok(result)
}
