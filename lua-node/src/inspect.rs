//! What `util.inspect` (and so `console.log`) shows for a table Proxy:
//! `LuaTable { ... }` with a raw snapshot of the table's entries, or
//! `LuaTable <why not>` when the table cannot be read (released, stale,
//! closed, busy). Node inspects a Proxy's target without its traps, so the
//! target carries this function under `Symbol.for('nodejs.util.inspect.custom')`
//! (`proxy::make_proxy`); one function serves every Proxy of a context.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::sys;

use crate::error::{Failure, JsError};
use crate::js::{Env, Raw};
use crate::to_js::ToJs;

/// The inspect symbol and the native inspector, made once per context.
pub fn proxy_inspector(env: Env) -> Result<(Raw, Raw), JsError> {
    let mut global = ptr::null_mut();
    // SAFETY: valid env and out pointer.
    env.check(unsafe { sys::napi_get_global(env.0, &mut global) })?;
    let symbol_for = env.get_named(env.get_named(global, c"Symbol")?, c"for")?;
    let symbol = env.call(symbol_for, env.undefined(), &[env.str("nodejs.util.inspect.custom")?])?;
    let mut f = ptr::null_mut();
    let name = c"inspectLuaTable";
    // SAFETY: valid env; the function needs no data.
    env.check(unsafe { sys::napi_create_function(env.0, name.as_ptr(), name.to_bytes().len() as isize, Some(inspect_proxy), ptr::null_mut(), &mut f) })?;
    Ok((symbol, f))
}

unsafe extern "C" fn inspect_proxy(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (args, _) = crate::glue::read_args(env, info)?;
        let shown = match snapshot(env, args.this) {
            Ok(entries) => {
                // Formatted by the inspect function Node passes (depth and
                // colours as the caller asked), when it passes one.
                let (options, inspect) = (args.get(env, 1), args.get(env, 2));
                if env.type_of(inspect) == sys::ValueType::napi_function {
                    let text = env.call(inspect, env.undefined(), &[entries, options])?;
                    env.with_string(text, |b| format!("LuaTable {}", String::from_utf8_lossy(b)))?
                } else {
                    return Ok(entries);
                }
            }
            Err(why) => format!("LuaTable <{}>", why.message(env)),
        };
        env.str(&shown)
    }));
    crate::glue::finish(env, result)
}

/// The table's entries as a plain object, read raw in one snapshot (keys
/// with identity left out, as `pairs()` does); an error says why not.
fn snapshot(env: Env, this: Raw) -> Result<Raw, JsError> {
    let data = crate::proxy::proxy_data(env, this).ok_or_else(|| JsError::type_error("not a Lua table Proxy"))?;
    let cx = &data.cx;
    let table = data.value().ok_or_else(|| JsError::released("table handle"))?;
    cx.check_handle(table.lua(), "Lua table handle")?;
    cx.check_busy()?;
    let out = env.object()?;
    let mut failure = Failure::default();
    let mut to_js = ToJs::new(cx);
    let outcome = cx.lua().for_each_entry_snapshot(&table, |k, v| {
        if crate::table_handle::skipped_key(&k) {
            return Ok(());
        }
        let entry = k.visit(&mut to_js).and_then(|k| Ok((k, to_js.convert(v)?))).and_then(|(k, v)| env.set_property(out, k, v));
        entry.map_err(|e| failure.keep(e))
    });
    failure.finish(env, outcome)?;
    Ok(out)
}
