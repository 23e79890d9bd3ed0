//! `create_coroutine(body)` and `resume(coroutine, ...args)`; iterating a
//! coroutine object is in `coroutine_iter`.

use std::rc::Rc;

use lua_core::{Function, Kind, ResumeRefusal, Resumed};
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::{JsError, FOREIGN};
use crate::from_js::push_values;
use crate::glue::Args;
use crate::handles::{coroutine_object, external_data, HandleKind};
use crate::js::Raw;
use crate::to_js::ToJs;

const BAD_BODY: &str = "Expected a script string that returns a function, or a Lua function";

/// `create_coroutine(body)`: `body` is a script that returns the function,
/// or a Lua function of this context (EVOLUTION B10).
pub fn create_coroutine(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let body = args.get(env, 0);
    let thread = match env.type_of(body) {
        _ if args.is_empty() => return Err(JsError::type_error(BAD_BODY)),
        ValueType::napi_function => match crate::lua_function::unwrap_for(cx, body)? {
            Some(f) => cx.lua().create_thread(&f)?,
            // A wrapper of another context, or of a state `reset()` replaced.
            None if crate::lua_function::is_wrapper(env, body) => {
                return Err(JsError::error("Lua function belongs to a different Lua context", FOREIGN));
            }
            None => return Err(JsError::type_error("JavaScript function cannot be a coroutine body")),
        },
        ValueType::napi_string => {
            let name = crate::chunk::read(env, args.get(env, 1), "create_coroutine()")?;
            let function = crate::chunk::exec(cx, body, name.as_deref(), |results| match results.len() {
                0 => Ok(None),
                _ if results.get(0).kind() != Kind::Function => Ok(None),
                // Anchoring the function can fail for lack of memory: that is
                // reported as such, not as a script without a function.
                _ => results.get(0).to_ref().map(Some),
            })??;
            let Some(function) = function else {
                return Err(JsError::type_error("Script must return a function"));
            };
            cx.lua().create_thread(&Function::from_ref(function))?
        }
        _ => return Err(JsError::type_error(BAD_BODY)),
    };
    coroutine_object(cx, thread)
}

/// What one resume gave: the status, the values (a JS array), and the
/// failure if there was one.
pub struct Step {
    pub status: &'static str,
    pub values: Raw,
    pub error: Option<JsError>,
    /// Nothing ran: it had finished or died earlier.
    pub refused_dead: bool,
    /// Nothing ran: it is running (this call comes from inside it).
    pub refused_running: bool,
}

/// The coroutine behind the object `co` (of context `cx`, or of any context
/// when `cx` is None), held for a resume.
pub fn held_thread(env: crate::js::Env, co: Raw, cx: Option<&Rc<Context>>) -> Result<(Rc<Context>, Rc<lua_core::RegRef>), JsError> {
    if !env.has_property(co, c"_coroutine")? {
        return Err(JsError::type_error("Invalid coroutine object"));
    }
    let ext = env.get_named(co, c"_coroutine")?;
    // The handle's own `Rc` (no second anchor, which could fail for lack of
    // memory), held for the resume: a release from inside cannot free it.
    match external_data(env, ext) {
        Some(d) if d.kind == HandleKind::Coroutine && cx.is_none_or(|cx| Rc::ptr_eq(&d.cx, cx)) => {
            d.cx.check_busy()?;
            let value = d.value().ok_or_else(|| JsError::released("coroutine"))?;
            d.cx.check_handle(value.lua(), "Lua coroutine")?;
            Ok((d.cx.clone(), value))
        }
        _ => Err(JsError::type_error("Invalid coroutine object")),
    }
}

/// Resumes the coroutine `held` with `argv`; arguments that cannot be
/// converted are thrown (nothing ran).
pub fn resume_thread(cx: &Rc<Context>, held: &lua_core::RegRef, argv: &[Raw]) -> Result<Step, JsError> {
    let env = cx.env;
    let thread = lua_core::Thread::from_ref_borrowed(held);
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
    let dead = |error: JsError, refusal: Option<ResumeRefusal>| -> Result<Step, JsError> {
        let refused_running = refusal == Some(ResumeRefusal::Running);
        let refused_dead = refusal.is_some() && !refused_running;
        Ok(Step { status: "dead", values: env.array(0)?, error: Some(error), refused_dead, refused_running })
    };
    match outcome {
        Ok(Resumed::Values { yielded, read }) => {
            let status = if yielded { "suspended" } else { "dead" };
            Ok(Step { status, values: read, error: None, refused_dead: false, refused_running: false })
        }
        Ok(Resumed::Failed(e)) => dead(e.into(), None),
        Ok(Resumed::Refused(why)) => dead(JsError::error(why.message(), "LUA_RUNTIME"), Some(why)),
        // Arguments that cannot be converted are thrown; nothing ran.
        Err(e) if args_failed.get() => Err(e),
        // Values that cannot be converted end the coroutine (Appendix B #4).
        Err(e) => dead(e, None),
    }
}

pub fn resume(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let co = args.get(env, 0);
    if args.is_empty() || env.type_of(co) != ValueType::napi_object {
        return Err(JsError::type_error("Expected a coroutine object as first argument"));
    }
    let (_, held) = held_thread(env, co, Some(cx))?;
    let step = resume_thread(cx, &held, &args.argv()[1..])?;
    let result = env.object()?;
    let status = env.str(step.status)?;
    env.set_named(result, c"status", status)?;
    env.set_named(result, c"values", step.values)?;
    if let Some(error) = step.error {
        env.set_named(result, c"error", env.str(&error.message(env))?)?;
    }
    env.set_named(co, c"status", status)?;
    Ok(result)
}

/// `close(coroutine)` (EVOLUTION B14): runs its pending `<close>` variables
/// and marks it dead; idempotent, and a no-op on a dead or released
/// coroutine. A `__close` that raises makes it throw (the coroutine is dead
/// all the same). `release()` does not close.
pub fn close(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let co = args.get(env, 0);
    let data = match env.type_of(co) {
        ValueType::napi_object if env.has_property(co, c"_coroutine")? => external_data(env, env.get_named(co, c"_coroutine")?),
        _ => None,
    };
    let Some(data) = data.filter(|d| d.kind == HandleKind::Coroutine) else {
        return Err(JsError::type_error("close(coroutine) requires a coroutine object"));
    };
    if !Rc::ptr_eq(&data.cx, cx) {
        return Err(JsError::error("Lua coroutine belongs to a different Lua context", FOREIGN));
    }
    // Released: nothing is held any more, nothing to close.
    let Some(value) = data.value() else { return Ok(env.undefined()) };
    // A coroutine of a state reset() replaced died with that state.
    if !value.lua().ptr_eq(&cx.lua()) {
        return Ok(env.undefined());
    }
    let closed = lua_core::Thread::from_ref_borrowed(&value).close();
    env.set_named(co, c"status", env.str("dead")?)?;
    closed?;
    Ok(env.undefined())
}
