//! `compile`, `compile_file` and `load_bytecode`.

use std::ffi::{c_void, CString};
use std::ptr;
use std::rc::Rc;

use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::glue::Args;
use crate::js::{Env, Raw};
use crate::to_js::shape;

struct CompileOptions {
    strip: bool,
    chunk_name: Option<CString>,
}

/// `compile`'s options (B17: a non-object bag and a non-string `chunkName`
/// are refused); `compile_file`'s (`with_name` false) read only `stripDebug`
/// and refuse unknown keys, as every door does.
fn options(env: Env, v: Raw, with_name: bool) -> Result<CompileOptions, JsError> {
    let mut o = CompileOptions { strip: false, chunk_name: None };
    let bag = if with_name { crate::chunk::options_bag(env, v, "compile()")? } else { env.is_object(v).then_some(v) };
    if let (false, Some(bag)) = (with_name, bag) {
        crate::options::check_keys(env, bag, "compile_file()")?;
    }
    let Some(v) = bag else { return Ok(o) };
    let strip = env.get_named(v, c"stripDebug")?;
    if env.type_of(strip) == ValueType::napi_boolean {
        o.strip = env.get_bool(strip);
    }
    if with_name {
        o.chunk_name = crate::chunk::chunk_name(env, Some(v), "compile()")?;
    }
    Ok(o)
}

/// A C string from bytes, cut at the first NUL.
fn c_string(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).expect("cut at the first NUL")
}

fn buffer(env: Env, bytes: &[u8]) -> Result<Raw, JsError> {
    let mut out = ptr::null_mut();
    let mut data = ptr::null_mut();
    // SAFETY: N-API copies `bytes` into a new Buffer.
    env.check(unsafe { sys::napi_create_buffer_copy(env.0, bytes.len(), bytes.as_ptr() as *const c_void, &mut data, &mut out) })?;
    Ok(out)
}

pub fn compile(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let script = args.get(env, 0);
    if args.is_empty() || env.type_of(script) != ValueType::napi_string {
        return Err(JsError::type_error("Expected string argument"));
    }
    let o = options(env, args.get(env, 1), true)?;
    let bytes = env.with_string(script, |source| match &o.chunk_name {
        // With a name, the whole source (NULs included) is compiled.
        Some(name) => cx.lua().compile(source, name, o.strip),
        // Without, the source is cut at a NUL and names itself.
        None => {
            let source = c_string(source);
            cx.lua().compile(source.as_bytes(), &source, o.strip)
        }
    })??;
    buffer(env, &bytes)
}

pub fn compile_file(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let path = args.get(env, 0);
    if args.is_empty() || env.type_of(path) != ValueType::napi_string {
        return Err(JsError::type_error("Expected string argument"));
    }
    // Only stripDebug is read: a file's chunk name is always its path.
    let o = options(env, args.get(env, 1), false)?;
    let bytes = env.with_string(path, |path| cx.lua().compile_file(path, o.strip))??;
    buffer(env, &bytes)
}

pub fn load_bytecode(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let input = args.get(env, 0);
    let mut is_typed = false;
    // SAFETY: a type query on any value.
    unsafe { sys::napi_is_typedarray(env.0, input, &mut is_typed) };
    if args.is_empty() || !is_typed {
        return Err(JsError::type_error("Expected Buffer argument"));
    }
    let mut kind = 0;
    let mut len = 0usize;
    let mut data = ptr::null_mut();
    let mut array_buffer = ptr::null_mut();
    let mut offset = 0usize;
    // SAFETY: `input` is a typed array; N-API reports its bytes in place.
    env.check(unsafe { sys::napi_get_typedarray_info(env.0, input, &mut kind, &mut len, &mut data, &mut array_buffer, &mut offset) })?;
    if kind != sys::TypedarrayType::uint8_array {
        return Err(JsError::type_error("Expected Buffer argument"));
    }
    if len == 0 {
        return Err(JsError::error("Bytecode cannot be empty", "LUA_INVALID_ARGUMENT"));
    }
    if !cx.lua().bytecode_allowed() {
        // EVOLUTION B7; the text is the original addon's (parity bytecode.sandbox-host-door).
        return Err(JsError::error(lua_core::BYTECODE_DENIED, "LUA_BYTECODE_DENIED"));
    }
    // The bytes are copied: running Lua may run JavaScript that changes them.
    // SAFETY: `data` points at `len` bytes of the array.
    let bytes = unsafe { std::slice::from_raw_parts(data as *const u8, len) }.to_vec();
    let name = args.get(env, 1);
    let name = if env.type_of(name) == ValueType::napi_string { env.with_string(name, c_string)? } else { CString::from(c"bytecode") };
    cx.lua().exec_bytecode_with(&bytes, &name, |results| shape(cx, results))?
}
