//! The `LuaContext` constructor and methods: argument checks with the spec's
//! texts, then one call into lua-core.

use std::ffi::CStr;
use std::rc::Rc;

use lua_core::{Lua, LuaOptions};
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::{Failure, JsError};
use crate::from_js::push_value;
use crate::glue::Args;
use crate::js::{Env, Raw};
use crate::to_js::{shape, to_js};

const EXPECTED_STRING: &str = "Expected string argument";
const EXPECTED_NAME: &str = "Expected string name as first argument";

fn is_string(env: Env, v: Raw) -> bool {
    env.type_of(v) == ValueType::napi_string
}

/// The first argument as a string, or the TypeError `message`.
fn string_arg(env: Env, args: &Args, message: &str) -> Result<Raw, JsError> {
    match args.argv().first() {
        Some(&v) if is_string(env, v) => Ok(v),
        _ => Err(JsError::type_error(message)),
    }
}

/// `new init(callbacks?, options?)`.
pub fn construct(env: Env, args: &Args) -> Result<Rc<Context>, JsError> {
    let (options, library_names, modes, print) = match args.argv() {
        [_, options, ..] if env.is_object(*options) => {
            // One call into JavaScript reads every option (`option_reader`).
            let read = crate::option_reader::read(env, *options, "new init()")?;
            let (o, names) = crate::options::parse(env, &read)?;
            let print = crate::io_handlers::check_print_option(env, &read)?;
            (o, names, crate::options::modes(env, &read)?, print)
        }
        _ => (LuaOptions::default(), None, Default::default(), None),
    };
    let lua = Lua::with_options(options.clone())?;
    let cx = Context::new(lua, env);
    cx.modes.set(modes);
    cx.replay.borrow_mut().options = options;
    cx.replay.borrow_mut().library_names = library_names;
    if let Some(&callbacks) = args.argv().first() {
        if env.is_object(callbacks) {
            install_callbacks(&cx, callbacks)?;
            cx.replay.borrow_mut().callbacks = Some(env.reference(callbacks)?);
        }
    }
    // The `print` option wins over a `print` in the callbacks object.
    if let Some(f) = print {
        crate::io_handlers::print_option(&cx, f)?;
    }
    Ok(cx)
}

/// Every enumerable string key of the callbacks object becomes a global:
/// functions as host functions dispatching by name, anything else converted.
pub fn install_callbacks(cx: &Rc<Context>, callbacks: Raw) -> Result<(), JsError> {
    let env = cx.env;
    let names = env.property_names(callbacks)?;
    for i in 0..env.array_len(names)? {
        let key = env.get_element(names, i)?;
        let value = env.get_property(callbacks, key).map_err(|e| e.settle(env, "LUA_CONVERSION"))?;
        env.with_string(key, |name| set_global_value(cx, name, value))??;
    }
    Ok(())
}

/// `set_global`'s effect: a function is registered under `name`; any other
/// value is converted (a failed conversion leaves the global unchanged). A
/// name with dots is a path (`a.b.c`); missing tables on the way are made.
pub fn set_global_value(cx: &Rc<Context>, name: &[u8], value: Raw) -> Result<(), JsError> {
    if name.contains(&b'.') {
        return set_path_value(cx, name, value);
    }
    let env = cx.env;
    let mut failure = Failure::default();
    let is_plain_function = env.type_of(value) == ValueType::napi_function && crate::lua_function::unwrap_for(cx, value)?.is_none();
    let outcome = cx.lua().set_global_with(name, |stack| {
        let pushed = if is_plain_function { cx.push_named_function(stack, name, value) } else { push_value(cx, stack, value, 0) };
        pushed.map_err(|e| failure.keep(e))
    });
    failure.finish(env, outcome)
}

fn set_path_value(cx: &Rc<Context>, name: &[u8], value: Raw) -> Result<(), JsError> {
    let env = cx.env;
    let segments = lua_core::host::split_path(name).map_err(|e| JsError::type_error(e.message()))?;
    let mut failure = Failure::default();
    // A function at a path is an ordinary (collectable) Lua function, not a
    // named registration.
    let outcome = cx.lua().set_path_with(&segments, |stack| push_value(cx, stack, value, 0).map_err(|e| failure.keep(e)));
    failure.finish(env, outcome)
}

/// Hands the script text to `f` as a C string: everything from a NUL on is
/// ignored, as the original did.
pub fn with_script<R>(env: Env, v: Raw, f: impl FnOnce(&CStr) -> R) -> Result<R, JsError> {
    // The bytes end with N-API's NUL, so the script up to its first NUL is a
    // C string in place: no copy per call (issue 18).
    env.with_string_nul(v, |bytes| f(CStr::from_bytes_until_nul(bytes).expect("N-API ends the bytes with a NUL")))
}

pub fn execute_script(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let script = string_arg(cx.env, args, EXPECTED_STRING)?;
    // No second argument is no options: nothing to ask N-API (issue 18).
    let name = if args.len() < 2 { None } else { crate::chunk::read(cx.env, args.get(cx.env, 1), "execute_script()")? };
    crate::chunk::exec(cx, script, name.as_deref(), |results| shape(cx, results))?
}

pub fn execute_file(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let path = string_arg(cx.env, args, EXPECTED_STRING)?;
    cx.env.with_string(path, |path| cx.lua().exec_file_with(path, |results| shape(cx, results)))??
}

pub fn set_global(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    if args.len() < 2 || !is_string(env, args.get(env, 0)) {
        return Err(JsError::type_error(EXPECTED_NAME));
    }
    let value = args.get(env, 1);
    env.with_string(args.get(env, 0), |name| set_global_value(cx, name, value))??;
    Ok(env.undefined())
}

pub fn get_global(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let name = string_arg(env, args, EXPECTED_NAME)?;
    env.with_string(name, |name| {
        if name.contains(&b'.') {
            let segments = lua_core::host::split_path(name).map_err(|e| JsError::type_error(e.message()))?;
            cx.lua().get_path_with(&segments, |v| to_js(cx, v))?
        } else {
            cx.lua().get_global_with(name, |v| to_js(cx, v))?
        }
    })?
}

pub fn get_memory_usage(cx: &Rc<Context>, _args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    cx.env.number(cx.lua().memory_used() as f64)
}
