//! JavaScript values to Lua, pushed straight onto the Lua stack.

use std::rc::Rc;

use lua_core::Stack;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::js::Raw;

/// Pushes exactly one Lua value for `v`, which sits at `depth` (the top value
/// is depth 0; the spec's limit of 100 applies to every value).
pub fn push_value(cx: &Rc<Context>, stack: &mut Stack<'_>, v: Raw, depth: usize) -> Result<(), JsError> {
    stack.enter(depth)?;
    let env = cx.env;
    match env.type_of(v) {
        ValueType::napi_boolean => stack.push_boolean(env.get_bool(v))?,
        ValueType::napi_number => stack.push_number_normalized(env.get_number(v))?,
        ValueType::napi_string => env.with_string(v, |bytes| stack.push_bytes(bytes))??,
        ValueType::napi_function => push_function(cx, stack, v)?,
        ValueType::napi_object => push_object(cx, stack, v, depth)?,
        // undefined, null, symbol, external, bigint
        _ => stack.push_nil()?,
    }
    Ok(())
}

/// A Lua function wrapper of this context goes back as the very same Lua
/// function; any other function becomes a new Lua function calling it.
fn push_function(cx: &Rc<Context>, stack: &mut Stack<'_>, f: Raw) -> Result<(), JsError> {
    if let Some(func) = crate::lua_function::unwrap_for(cx, f)? {
        return stack.push_ref(func.registry_ref()).map_err(JsError::from);
    }
    let slot = Rc::new(crate::callbacks::JsFunctionSlot::new(cx.env, cx.next_nested_name(), f)?);
    crate::callbacks::push_js_function(cx, stack, slot)
}

/// Arrays longer than this are walked by their keys, not by index: `[]` with
/// `length = 2 ** 32 - 1` would otherwise cost four billion lookups of holes.
const DENSE_ARRAY_LIMIT: u32 = 1 << 20;

/// Sets `t[i + 1] = v[i]` on the table at the top, skipping holes.
fn push_element(cx: &Rc<Context>, stack: &mut Stack<'_>, v: Raw, i: u32, depth: usize) -> Result<(), JsError> {
    let env = cx.env;
    let item = env.get_element(v, i)?;
    if matches!(env.type_of(item), ValueType::napi_undefined | ValueType::napi_null) {
        return Ok(()); // a hole
    }
    push_value(cx, stack, item, depth + 1)?;
    stack.set_index(i as i64 + 1)?;
    Ok(())
}

/// A long array, by the indices it really has: the same table the index walk
/// gives, in time proportional to the elements present.
fn push_long_array(cx: &Rc<Context>, stack: &mut Stack<'_>, v: Raw, len: u32, depth: usize) -> Result<(), JsError> {
    let env = cx.env;
    let names = env.property_names(v)?;
    let count = env.array_len(names)?;
    stack.push_table(count as usize, 0)?;
    for k in 0..count {
        let key = env.get_element(names, k)?;
        if env.type_of(key) != ValueType::napi_string {
            continue;
        }
        // Only canonical indices ("7", not "07" or "foo"), as the index walk sees.
        let index = env.with_string(key, |b| {
            std::str::from_utf8(b).ok().filter(|s| s == &"0" || !s.starts_with('0')).and_then(|s| s.parse::<u32>().ok())
        })?;
        if let Some(i) = index.filter(|&i| i < len) {
            push_element(cx, stack, v, i, depth)?;
        }
    }
    Ok(())
}

fn push_object(cx: &Rc<Context>, stack: &mut Stack<'_>, v: Raw, depth: usize) -> Result<(), JsError> {
    let env = cx.env;
    if let Some(r) = crate::handles::lua_ref_of(cx, v)? {
        return stack.push_ref(r).map_err(JsError::from);
    }
    if let Some((id, access)) = cx.object_id(v)? {
        return stack.push_host_object(id, access).map_err(JsError::from);
    }
    if env.is_array(v) {
        let len = env.array_len(v)?;
        if len > DENSE_ARRAY_LIMIT {
            return push_long_array(cx, stack, v, len, depth);
        }
        stack.push_table(len as usize, 0)?;
        for i in 0..len {
            push_element(cx, stack, v, i, depth)?;
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
