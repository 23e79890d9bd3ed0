//! JavaScript values to Lua, pushed straight onto the Lua stack.

use std::rc::Rc;

use lua_core::Stack;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::js::Raw;

/// Pushes exactly one Lua value for `v`, which sits at `depth` (the top value
/// is depth 0; the spec's limit of 100 applies to every value).
pub fn push_value(cx: &Rc<Context>, stack: &Stack<'_>, v: Raw, depth: usize) -> Result<(), JsError> {
    stack.enter(depth)?;
    let env = cx.env;
    match env.type_of(v) {
        ValueType::napi_boolean => stack.push_boolean(env.get_bool(v)),
        ValueType::napi_number => stack.push_number_normalized(env.get_number(v)),
        ValueType::napi_string => env.with_string(v, |bytes| stack.push_bytes(bytes))??,
        ValueType::napi_function => push_function(cx, stack, v)?,
        ValueType::napi_object => push_object(cx, stack, v, depth)?,
        // undefined, null, symbol, external, bigint
        _ => stack.push_nil(),
    }
    Ok(())
}

/// A Lua function wrapper of this context goes back as the very same Lua
/// function; any other function becomes a new Lua function calling it.
fn push_function(cx: &Rc<Context>, stack: &Stack<'_>, f: Raw) -> Result<(), JsError> {
    if let Some(func) = crate::lua_function::unwrap_for(cx, f) {
        return stack.push_ref(func.registry_ref()).map_err(JsError::from);
    }
    let slot = Rc::new(crate::callbacks::JsFunctionSlot::new(cx.env, cx.next_nested_name(), f)?);
    crate::callbacks::push_js_function(cx, stack, slot)
}

fn push_object(cx: &Rc<Context>, stack: &Stack<'_>, v: Raw, depth: usize) -> Result<(), JsError> {
    let env = cx.env;
    if let Some(r) = crate::handles::lua_ref_of(cx, v)? {
        return stack.push_ref(r).map_err(JsError::from);
    }
    if let Some((id, access)) = cx.object_id(v)? {
        return stack.push_host_object(id, access).map_err(JsError::from);
    }
    if env.is_array(v) {
        let len = env.array_len(v)?;
        stack.push_table(len as usize, 0)?;
        for i in 0..len {
            let item = env.get_element(v, i)?;
            if matches!(env.type_of(item), ValueType::napi_undefined | ValueType::napi_null) {
                continue; // a hole
            }
            push_value(cx, stack, item, depth + 1)?;
            stack.set_index(i as i64 + 1)?;
        }
        return Ok(());
    }
    let names = env.property_names(v)?;
    let count = env.array_len(names)?;
    stack.push_table(0, count as usize)?;
    for i in 0..count {
        let key = env.get_element(names, i)?;
        let item = env.get_property(v, key)?;
        if matches!(env.type_of(item), ValueType::napi_undefined | ValueType::napi_null) {
            continue;
        }
        env.with_string(key, |bytes| stack.push_bytes(bytes))??;
        push_value(cx, stack, item, depth + 1)?;
        stack.set_entry()?;
    }
    Ok(())
}
