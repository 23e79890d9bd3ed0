//! `set_metatable(target, definition)`.

use std::rc::Rc;

use lua_core::{RegRef, Stack};
use napi::sys::ValueType;

use crate::callbacks::{push_js_function, JsFunctionSlot};
use crate::context::Context;
use crate::error::{Failure, JsError, FOREIGN};
use crate::from_js::push_value;
use crate::glue::Args;
use crate::js::Raw;

/// Pushes a table with one field per enumerable key of `def`: functions as
/// Lua functions named `<prefix><key>` in error messages (not globals),
/// anything else converted.
pub fn push_definition(cx: &Rc<Context>, stack: &mut Stack<'_>, def: Raw, prefix: &str) -> Result<(), JsError> {
    let env = cx.env;
    let names = env.property_names(def)?;
    let count = env.array_len(names)?;
    stack.reserve(4)?;
    stack.push_table(0, count as usize)?;
    for i in 0..count {
        let key = env.get_element(names, i)?;
        let value = env.get_property(def, key)?;
        let key_text = env.string_value(key)?;
        let kind = env.type_of(value);
        if matches!(kind, ValueType::napi_undefined | ValueType::napi_null) {
            continue;
        }
        stack.push_bytes(key_text.as_bytes())?;
        if kind == ValueType::napi_function && crate::lua_function::unwrap_for(cx, value)?.is_none() {
            let slot = Rc::new(JsFunctionSlot::new(env, format!("{prefix}{key_text}"), value)?);
            push_js_function(cx, stack, slot)?;
        } else {
            push_value(cx, stack, value, 1)?;
        }
        stack.set_entry()?;
    }
    Ok(())
}

/// The table a non-string `set_metatable` target stands for: a table
/// handle or a Proxy of this context (another context's is refused, as are
/// released and stale ones); `None` when it is neither.
fn target_table(cx: &Rc<Context>, target: Raw) -> Result<Option<Rc<RegRef>>, JsError> {
    let env = cx.env;
    let foreign = || JsError::error(crate::table_handle::FOREIGN_HANDLE, FOREIGN);
    if let Some(state) = crate::table_handle::state_of(env, target) {
        if !Rc::ptr_eq(&state.cx, cx) {
            return Err(foreign());
        }
        return state.live().map(Some);
    }
    if let Some(d) = crate::proxy::proxy_data(env, target) {
        if !Rc::ptr_eq(&d.cx, cx) {
            return Err(foreign());
        }
        let table = d.value().ok_or_else(|| JsError::released("table handle"))?;
        cx.check_handle(table.lua(), "table handle")?;
        return Ok(Some(table));
    }
    Ok(None)
}

/// `set_metatable(target, definition)`: `target` is a global's name, a
/// table handle or a Proxy (EVOLUTION B10); any earlier metatable is
/// replaced.
pub fn set_metatable(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let (target, def) = (args.get(env, 0), args.get(env, 1));
    // The texts of the original's 1.1.0 (parity: metatables.args-*).
    const TARGET: &str = "set_metatable(target, metatable) requires a global name or a table handle";
    const METATABLE: &str = "set_metatable(): metatable must be an object";
    let table = match env.type_of(target) {
        ValueType::napi_string => None,
        ValueType::napi_object => Some(target_table(cx, target)?.ok_or_else(|| JsError::type_error(TARGET))?),
        _ => return Err(JsError::type_error(TARGET)),
    };
    if !env.is_object(def) {
        return Err(JsError::type_error(METATABLE));
    }
    let id = cx.metatable_calls.get() + 1;
    cx.metatable_calls.set(id);
    let prefix = format!("__mt_{id}_");
    let mut failure = Failure::default();
    let push = |stack: &mut Stack<'_>| push_definition(cx, stack, def, &prefix).map_err(|e| failure.keep(e));
    let outcome = match table {
        Some(table) => cx.lua().set_metatable_with(&table, push),
        None => env.with_string(target, |name| cx.lua().set_global_metatable(name, push))?,
    };
    failure.finish(env, outcome)?;
    Ok(env.undefined())
}
