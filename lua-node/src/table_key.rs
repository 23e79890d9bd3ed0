//! Keys of the table-handle methods (`get`, `set`, `has`, `get_ref`):
//! EVOLUTION B2's typing, read from JavaScript before Lua is entered.
//!
//! - a `number` is an integer key when integral and within the 64-bit range
//!   (so `-0` is `0`), otherwise a float key (`1.5`, `Infinity`, `NaN`, 2^63);
//! - a `string` is always a string key (`"123"` and `123` differ);
//! - a boolean is a boolean key;
//! - a `BigInt` is an integer key (RangeError outside the 64-bit range);
//! - a `Uint8Array` (a `Buffer`) is a byte-string key;
//! - anything else is a TypeError.

use std::ptr;

use lua_core::Stack;
use napi::sys;
use napi::sys::ValueType;

use crate::error::JsError;
use crate::js::{Env, Raw};

pub enum Key {
    /// A BigInt key.
    Integer(i64),
    /// A JavaScript number: an integer key when integral, else a float key.
    Number(f64),
    Boolean(bool),
    Bytes(Vec<u8>),
}

/// The text of the TypeError for a key of another type (`<type>` is its
/// `typeof`, with `null` for null).
pub fn bad_key(kind: &str) -> String {
    format!("table key must be a string, number, boolean, bigint or Uint8Array (got {kind})")
}

impl Key {
    pub fn from_js(env: Env, v: Raw) -> Result<Key, JsError> {
        Ok(match env.type_of(v) {
            // Integral or not is settled when pushed (push_number_normalized).
            ValueType::napi_number => Key::Number(env.get_number(v)),
            ValueType::napi_string => Key::Bytes(env.with_string(v, <[u8]>::to_vec)?),
            ValueType::napi_boolean => Key::Boolean(env.get_bool(v)),
            ValueType::napi_bigint => match env.bigint_i64(v)? {
                Some(i) => Key::Integer(i),
                None => return Err(JsError::range_error("table key BigInt is outside the 64-bit integer range")),
            },
            ValueType::napi_object => match uint8_bytes(env, v)? {
                Some(bytes) => Key::Bytes(bytes),
                None => return Err(JsError::type_error(bad_key("object"))),
            },
            ValueType::napi_null => return Err(JsError::type_error(bad_key("null"))),
            ValueType::napi_undefined => return Err(JsError::type_error(bad_key("undefined"))),
            ValueType::napi_symbol => return Err(JsError::type_error(bad_key("symbol"))),
            ValueType::napi_function => return Err(JsError::type_error(bad_key("function"))),
            _ => return Err(JsError::type_error(bad_key("object"))),
        })
    }

    /// Pushes the key.
    pub fn push(&self, stack: &Stack<'_>) -> lua_core::Result<()> {
        match self {
            Key::Integer(i) => stack.push_integer(*i),
            Key::Number(n) => stack.push_number_normalized(*n),
            Key::Boolean(b) => stack.push_boolean(*b),
            Key::Bytes(b) => stack.push_bytes(b),
        }
    }

    /// The key as error messages show it (`field '<k>' ...`): a number as
    /// JavaScript writes it, bytes as text.
    pub fn display(&self, env: Env, original: Raw) -> String {
        match self {
            Key::Integer(i) => i.to_string(),
            Key::Number(_) => {
                let mut s = ptr::null_mut();
                // SAFETY: valid env and value; a number's String() runs no user code.
                unsafe { sys::napi_coerce_to_string(env.0, original, &mut s) };
                if s.is_null() {
                    return String::new();
                }
                env.string_value(s).unwrap_or_default()
            }
            Key::Boolean(b) => b.to_string(),
            Key::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        }
    }
}

/// A copy of the bytes of `v` when it is a `Uint8Array` (a `Buffer` is one).
fn uint8_bytes(env: Env, v: Raw) -> Result<Option<Vec<u8>>, JsError> {
    let mut is_typed = false;
    // SAFETY: a type query on any value.
    unsafe { sys::napi_is_typedarray(env.0, v, &mut is_typed) };
    if !is_typed {
        return Ok(None);
    }
    let mut kind = 0;
    let mut len = 0usize;
    let mut data = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    let mut offset = 0usize;
    // SAFETY: `v` is a typed array; N-API reports its bytes in place.
    env.check(unsafe { sys::napi_get_typedarray_info(env.0, v, &mut kind, &mut len, &mut data, &mut buffer, &mut offset) })?;
    if kind != sys::TypedarrayType::uint8_array {
        return Ok(None);
    }
    if len == 0 || data.is_null() {
        return Ok(Some(Vec::new()));
    }
    // SAFETY: `data` points at the `len` bytes of the view (offset applied).
    Ok(Some(unsafe { std::slice::from_raw_parts(data as *const u8, len) }.to_vec()))
}
