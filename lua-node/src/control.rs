//! Operational control: `gc()`, `reset()`, `info()`, `dispose()`.

use std::rc::Rc;

use lua_core::{GcCommand, GcParam, GcResult, Lua, MAX_GC_PARAM};
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::{JsError, BUSY, DISPOSED};
use crate::glue::Args;
use crate::js::Raw;

/// `<op> is unavailable: the Lua context has been closed`.
fn check_open(cx: &Context, op: &str) -> Result<(), JsError> {
    if cx.disposed.get() {
        return Err(JsError::error(format!("{op} is unavailable: the Lua context has been closed"), DISPOSED));
    }
    Ok(())
}

/// Retiring the state (`reset`, `dispose`) while anything is inside it, or
/// while it is lent to a worker, would free what a running frame uses;
/// lua-core's occupancy says whether that is so.
fn refuse_if_occupied(cx: &Context, op: &str) -> Result<(), JsError> {
    match cx.lua().occupied() {
        Some(occupied) => Err(JsError::error(occupied.message(op), BUSY)),
        None => Ok(()),
    }
}

pub fn gc(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let command = args.get(env, 0);
    if env.type_of(command) != ValueType::napi_string {
        return Err(JsError::type_error("gc(command) requires a command string (e.g. 'collect', 'count')"));
    }
    let name = env.string_value(command)?;
    let command = match name.as_str() {
        "collect" => GcCommand::Collect,
        "stop" => GcCommand::Stop,
        "restart" => GcCommand::Restart,
        "count" => GcCommand::Count,
        "isrunning" => GcCommand::IsRunning,
        "incremental" => GcCommand::Incremental,
        "generational" => GcCommand::Generational,
        "step" => {
            let size = args.get(env, 1);
            match env.type_of(size) {
                ValueType::napi_undefined => GcCommand::Step(0),
                ValueType::napi_number => {
                    let n = env.get_number(size);
                    if n.is_nan() || n < 0.0 {
                        return Err(JsError::range_error("gc('step', stepSize): stepSize must be non-negative"));
                    }
                    GcCommand::Step(n.min(usize::MAX as f64) as usize)
                }
                _ => return Err(JsError::type_error("gc('step', stepSize): stepSize must be a number")),
            }
        }
        "param" => {
            let pname = args.get(env, 1);
            if env.type_of(pname) != ValueType::napi_string {
                return Err(JsError::type_error("gc('param', name, value?) requires a parameter name string"));
            }
            let pname = env.string_value(pname)?;
            let param = GcParam::from_name(&pname)
                .ok_or_else(|| JsError::range_error(format!("Unknown GC parameter: '{pname}'")))?;
            let value = args.get(env, 2);
            let value = match env.type_of(value) {
                ValueType::napi_undefined => None,
                ValueType::napi_number => {
                    let n = env.get_number(value);
                    if !(0.0..=MAX_GC_PARAM as f64).contains(&n) {
                        return Err(JsError::range_error(format!("gc('param', name, value): value must be between 0 and {MAX_GC_PARAM}")));
                    }
                    Some(n as u32)
                }
                _ => return Err(JsError::type_error("gc('param', name, value): value must be a number")),
            };
            GcCommand::Param(param, value)
        }
        // A RangeError (an Error, so the original's `instanceof Error` still
        // holds): the argument has the right type, not an allowed value.
        other => return Err(JsError::range_error(format!("Unknown GC command: '{other}'"))),
    };
    let result = cx.lua().gc(command).map_err(|e| match e {
        lua_core::Error::Api { .. } => JsError::error(format!("gc('{name}') is not available while a collection is in progress"), "LUA_GC_BUSY"),
        other => other.into(),
    })?;
    Ok(match result {
        GcResult::None => env.undefined(),
        GcResult::Count(kb) => env.number(kb)?,
        GcResult::Bool(b) => env.boolean(b),
        GcResult::Mode(m) => env.str(m)?,
        GcResult::Number(n) => env.number(n as f64)?,
    })
}

pub fn reset(cx: &Rc<Context>, _args: &Args) -> Result<Raw, JsError> {
    check_open(cx, "reset()")?;
    refuse_if_occupied(cx, "reset()")?;
    let options = cx.replay.borrow().options.clone();
    let failed = |what: String| JsError::error(format!("reset failed: {what}"), "LUA_RESET_FAILED");
    let fresh = Lua::with_options(options).map_err(|e| failed(e.message().to_string()))?;
    let retired = cx.replace_state(fresh.clone());
    // The new state counts as occupied while it is prepared, so a getter or
    // Proxy trap that replay runs cannot reset, dispose or lend it midway.
    let mut replayed = Ok(());
    let held = fresh.with_stack(|_| {
        replayed = replay(cx);
        Ok(())
    });
    match (held, replayed) {
        (Ok(()), Ok(())) => {
            cx.retire(retired);
            Ok(cx.env.undefined())
        }
        // All or nothing: the old state stays, as when the build fails.
        (Err(e), _) => {
            cx.restore_state(retired);
            Err(failed(e.message().to_string()))
        }
        (_, Err(e)) => {
            cx.restore_state(retired);
            Err(match e {
                JsError::Pending => JsError::Pending, // the caller's own getter threw: theirs, unchanged
                other => failed(other.message(cx.env)),
            })
        }
    }
}

/// Re-applies, in constructor order, what a fresh state inherits.
fn replay(cx: &Rc<Context>) -> Result<(), JsError> {
    let env = cx.env;
    let (callbacks, paths, hook, shared, file_reader) = {
        let r = cx.replay.borrow();
        (r.callbacks, r.search_paths.clone(), r.hook.clone(), r.shared.iter().map(|(n, s)| (n.clone(), *s)).collect::<Vec<_>>(), r.file_reader.clone())
    };
    let lua = cx.lua();
    for path in paths {
        let _ = lua.append_package_path(&path)?;
    }
    crate::io_handlers::replay_searchers(cx)?;
    if let Some(callbacks) = callbacks {
        crate::methods::install_callbacks(cx, env.deref(callbacks)?)?;
    }
    if let Some(slot) = file_reader {
        crate::file_reader::install(cx, slot)?;
    }
    crate::io_handlers::replay_handlers(cx)?;
    if let Some((slot, mask)) = hook {
        crate::hooks::install(cx, slot, mask);
    }
    for (name, table) in shared {
        let value = crate::shared::value_of(env, env.deref(table)?)?;
        crate::methods::set_global_value(cx, &name, value)?;
    }
    Ok(())
}

pub fn dispose(cx: &Rc<Context>, _args: &Args) -> Result<Raw, JsError> {
    if cx.disposed.get() {
        return Ok(cx.env.undefined());
    }
    // Lent to a worker: the run is cancelled, every call refuses from now on,
    // and the state closes once the worker lets go (`async_run::complete`,
    // which rejects the run's promise with the closed error).
    // A driven run at an await rejects with the closed error and lets go
    // of the state; during one of its steps dispose() is refused below.
    // (The worker flag is read first: while a worker holds the state nothing
    // else of it is read here.)
    if !cx.lua().is_off_thread() && cx.lua().is_driving() && !crate::await_run::abandon_for_dispose(cx) {
        return Err(JsError::error(crate::error::BUSY_MESSAGE, BUSY));
    }
    if cx.lua().is_off_thread() {
        cx.cancel_run();
        cx.disposed.set(true);
        return Ok(cx.env.undefined());
    }
    refuse_if_occupied(cx, "dispose()")?;
    cx.close()?;
    Ok(cx.env.undefined())
}

pub fn info(cx: &Rc<Context>, _args: &Args) -> Result<Raw, JsError> {
    check_open(cx, "info()")?;
    cx.check_busy()?;
    let env = cx.env;
    let lua = cx.lua();
    let out = env.object()?;
    env.set_named(out, c"version", env.str(lua_core::LUA_VERSION)?)?;
    env.set_named(out, c"release", env.str(lua_core::LUA_RELEASE)?)?;
    env.set_named(out, c"versionNumber", env.number(lua_core::LUA_VERSION_NUM as f64)?)?;
    let bytes = lua.memory_used() as f64;
    env.set_named(out, c"memoryBytes", env.number(bytes)?)?;
    env.set_named(out, c"memoryKB", env.number(bytes / 1024.0)?)?;
    env.set_named(out, c"memoryLimit", env.number(lua.memory_limit() as f64)?)?;
    env.set_named(out, c"maxInstructions", env.number(lua.instruction_limit() as f64)?)?;
    env.set_named(out, c"timeout", env.number(lua.timeout().map_or(0.0, |t| t.as_millis() as f64))?)?;
    let given = cx.replay.borrow().library_names.clone();
    let names: Vec<String> = given.unwrap_or_else(|| lua.libraries().names().map(str::to_owned).collect());
    let libraries = env.array(names.len())?;
    for (i, name) in names.iter().enumerate() {
        env.set_element(libraries, i as u32, env.str(name)?)?;
    }
    env.set_named(out, c"libraries", libraries)?;
    let refs = cx.binding_refs();
    let binding = env.object()?;
    let mut total = 0usize;
    for (name, n) in refs {
        total += n;
        env.set_named(binding, name, env.number(n as f64)?)?;
    }
    env.set_named(binding, c"total", env.number(total as f64)?)?;
    env.set_named(out, c"bindingRefs", binding)?;
    Ok(out)
}
