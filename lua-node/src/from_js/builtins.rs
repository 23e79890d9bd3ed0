//! Built-in JavaScript types with a faithful Lua form (B3, B18): byte views
//! (`Buffer`, any TypedArray, `DataView`, `ArrayBuffer`) become strings of
//! exactly the bytes viewed, a `Date` its epoch milliseconds, a `Map` a
//! table (keys stringified, or typed under `tableAs: 'map'`), a `Set` a
//! sequence of its values, a `RegExp` its `.source`. Only objects whose
//! prototype is not `Object.prototype` get here.

use lua_core::Stack;
use napi::sys::ValueType;

use super::{is_nullish, null_at_key, FromJs};
use crate::error::JsError;
use crate::js::Raw;

/// What `convert::CLASSIFY` reports.
const MAP: f64 = 0.0;
const SET: f64 = 1.0;
const REGEXP: f64 = 2.0;
const ARRAY: f64 = 3.0;

/// The refusal of a Map key under `tableAs: 'map'`.
fn bad_map_key(kind: &str) -> JsError {
    JsError::type_error(format!(
        "tableAs: 'map': a Map key that is not a string, number or boolean cannot be a Lua table key (got {kind}); convert the key first, or leave tableAs as 'object' to stringify keys"
    ))
}

impl FromJs<'_> {
    /// Pushes `v` if it is one of the built-ins; false (nothing pushed) if not.
    pub(super) fn push_builtin(&mut self, stack: &mut Stack<'_>, v: Raw, depth: usize) -> Result<bool, JsError> {
        let env = self.env;
        if let Some(pushed) = env.with_view_bytes(v, false, |bytes| stack.push_bytes(bytes))? {
            pushed?;
            return Ok(true);
        }
        if let Some(t) = env.date_value(v)? {
            stack.push_number_normalized(t)?;
            return Ok(true);
        }
        let classify = self.cx.builtins()?.classify(env)?;
        let found = env.call(classify, env.undefined(), &[v, env.boolean(self.modes.table_as_map)])?;
        if env.type_of(found) != ValueType::napi_object {
            return Ok(false);
        }
        let kind = env.get_number(env.get_element(found, 0)?);
        let payload = env.get_element(found, 1)?;
        if kind == MAP {
            self.push_map(stack, v, payload, depth)?;
        } else if kind == SET || kind == ARRAY {
            // A Set's values, or a copy of a Proxy array's items.
            self.push_array(stack, v, payload, depth)?;
        } else if kind == REGEXP {
            env.with_string(payload, |bytes| stack.push_bytes(bytes))??;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// A Map, from its entries flattened (`[k0, v0, k1, v1, ...]`).
    fn push_map(&mut self, stack: &mut Stack<'_>, map: Raw, entries: Raw, depth: usize) -> Result<(), JsError> {
        let env = self.env;
        let len = env.array_len(entries)?;
        self.nested(map, |w| {
            stack.push_table(0, (len / 2) as usize)?;
            let mut i = 0;
            while i + 1 < len {
                let (key, value) = (env.get_element(entries, i)?, env.get_element(entries, i + 1)?);
                i += 2;
                if w.modes.table_as_map {
                    w.push_map_key(stack, key)?;
                } else {
                    env.with_string(key, |bytes| stack.push_bytes(bytes))??;
                }
                if is_nullish(env, value) {
                    stack.pop(1);
                    if w.modes.strict {
                        return Err(null_at_key(env, key_text(w, key)?));
                    }
                    continue;
                }
                w.push(stack, value, depth + 1)?;
                stack.set_entry()?;
            }
            Ok(())
        })
    }

    /// A Map key with its type (`tableAs: 'map'`): a string, number,
    /// boolean, BigInt, or under `binaryStrings` a `Uint8Array` of bytes.
    fn push_map_key(&mut self, stack: &mut Stack<'_>, key: Raw) -> Result<(), JsError> {
        let env = self.env;
        match env.type_of(key) {
            ValueType::napi_string => env.with_string(key, |bytes| stack.push_bytes(bytes))??,
            ValueType::napi_number => {
                let n = env.get_number(key);
                if n.is_nan() {
                    return Err(JsError::range_error("tableAs: 'map': a Map key that is NaN cannot be a Lua table key"));
                }
                stack.push_number_normalized(n)?
            }
            ValueType::napi_boolean => stack.push_boolean(env.get_bool(key))?,
            ValueType::napi_bigint => match env.bigint_i64(key)? {
                Some(i) => stack.push_integer(i)?,
                None => return Err(JsError::range_error(super::BIGINT_RANGE)),
            },
            ValueType::napi_object if self.modes.binary_strings => match env.with_view_bytes(key, true, |b| stack.push_bytes(b))? {
                Some(pushed) => pushed?,
                None => return Err(bad_map_key("object")),
            },
            ValueType::napi_object => return Err(bad_map_key("object")),
            ValueType::napi_undefined => return Err(bad_map_key("undefined")),
            ValueType::napi_null => return Err(bad_map_key("null")),
            ValueType::napi_symbol => return Err(bad_map_key("symbol")),
            ValueType::napi_function => return Err(bad_map_key("function")),
            _ => return Err(bad_map_key("an unsupported type")),
        }
        Ok(())
    }
}

/// A Map key as text, for an error message (`String(key)` when it is not a
/// string already; the key has been accepted as a Lua key by then).
fn key_text(w: &FromJs<'_>, key: Raw) -> Result<Raw, JsError> {
    let env = w.env;
    if env.type_of(key) == ValueType::napi_string {
        return Ok(key);
    }
    let mut out = std::ptr::null_mut();
    // SAFETY: valid env and value; a number, boolean, BigInt or Uint8Array
    // (the accepted key kinds) converts to a string.
    env.check(unsafe { napi::sys::napi_coerce_to_string(env.0, key, &mut out) })?;
    Ok(out)
}
