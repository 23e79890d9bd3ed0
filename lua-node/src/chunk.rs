//! B17: `{ chunkName?: string }` on the source doors (`execute_script`,
//! `execute_script_async`, `create_coroutine`, `compile`), read before
//! anything else happens (on worker doors, before the state is lent).

use std::ffi::{CStr, CString};

use lua_core::{ChunkMode, Results};
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::js::{Env, Raw};

/// `"<op> options must be an object"` for an options bag that is neither
/// an object nor `undefined`/`null` (which mean no options).
pub fn options_bag(env: Env, v: Raw, op: &str) -> Result<Option<Raw>, JsError> {
    match env.type_of(v) {
        ValueType::napi_undefined | ValueType::napi_null => Ok(None),
        _ if env.is_object(v) => crate::options::check_keys(env, v, op).map(|()| Some(v)),
        _ => Err(JsError::type_error(format!("{op} options must be an object"))),
    }
}

/// `options.chunkName`: absent, `undefined` or `''` → None (the source names
/// itself); any other non-string is refused. The name stops at a NUL, as a
/// C string.
pub fn chunk_name(env: Env, options: Option<Raw>, op: &str) -> Result<Option<CString>, JsError> {
    let Some(options) = options else { return Ok(None) };
    let name = env.get_named(options, c"chunkName")?;
    match env.type_of(name) {
        ValueType::napi_undefined => Ok(None),
        ValueType::napi_string => env.with_string(name, |b| {
            let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
            (end > 0).then(|| CString::new(&b[..end]).expect("cut at the first NUL"))
        }),
        _ => Err(JsError::type_error(format!("{op} chunkName must be a string"))),
    }
}

/// Reads `args[1]` as `{ chunkName? }` for `op`.
pub fn read(env: Env, v: Raw, op: &str) -> Result<Option<CString>, JsError> {
    let options = options_bag(env, v, op)?;
    chunk_name(env, options, op)
}

/// Runs the script `v` with the chunk name `name`: with one, the whole
/// source (NULs included) under that name, by Lua's rules; without, the
/// source cut at a NUL, named by itself, as before.
pub fn exec<R>(cx: &Context, v: Raw, name: Option<&CStr>, read: impl FnOnce(Results<'_>) -> R) -> Result<R, JsError> {
    match name {
        Some(name) => Ok(cx.env.with_string(v, |bytes| cx.lua().exec_buffer_with(bytes, name, ChunkMode::Any, read))??),
        None => Ok(crate::methods::with_script(cx.env, v, |source| cx.lua().exec_source_with(source, read))??),
    }
}
