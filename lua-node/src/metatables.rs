//! `set_metatable(name, definition)`.

use std::rc::Rc;

use lua_core::Stack;
use napi::sys::ValueType;

use crate::callbacks::{push_js_function, JsFunctionSlot};
use crate::context::Context;
use crate::error::{Failure, JsError};
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
        if kind == ValueType::napi_function && crate::lua_function::unwrap_for(cx, value).is_none() {
            let slot = Rc::new(JsFunctionSlot::new(env, format!("{prefix}{key_text}"), value)?);
            push_js_function(cx, stack, slot)?;
        } else {
            push_value(cx, stack, value, 1)?;
        }
        stack.set_entry()?;
    }
    Ok(())
}

pub fn set_metatable(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let (name, def) = (args.get(env, 0), args.get(env, 1));
    if args.len() < 2 || env.type_of(name) != ValueType::napi_string || !env.is_object(def) {
        return Err(JsError::type_error("Expected (string, object)"));
    }
    let id = cx.metatable_calls.get() + 1;
    cx.metatable_calls.set(id);
    let prefix = format!("__mt_{id}_");
    let mut failure = Failure::default();
    let outcome = env.with_string(name, |name| cx.lua().set_global_metatable(name, |stack| push_definition(cx, stack, def, &prefix).map_err(|e| failure.keep(e))))?;
    failure.finish(env, outcome)?;
    Ok(env.undefined())
}
