//! EVOLUTION B9: `create_environment(options?)` makes a table of chosen
//! globals (a `LuaTableHandle`); `execute_script_in(env, script, options?)`
//! runs a script with any table handle of the context as its `_ENV`.

use std::ffi::CStr;
use std::rc::Rc;

use lua_core::{ChunkMode, RegRef};
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::{JsError, FOREIGN, NOT_A_TABLE};
use crate::glue::Args;
use crate::js::Raw;
use crate::to_js::shape;

const BAD_WHITELIST: &str = "create_environment(): whitelist must be an array of strings";
const BAD_ENTRY: &str = "create_environment(): whitelist entries must be strings";
const USAGE: &str = "execute_script_in(env, script) requires an environment and a script string";
const NOT_AN_ENV: &str = "execute_script_in(): the first argument must be an environment or table reference";
const FOREIGN_ENV: &str = "environment belongs to a different Lua context";

/// `create_environment(options?: { whitelist?, inherit? })`.
pub fn create_environment(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let options = crate::chunk::options_bag(env, args.get(env, 0), "create_environment()")?;
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut inherit = false;
    if let Some(options) = options {
        let list = env.get_named(options, c"whitelist")?;
        match env.type_of(list) {
            ValueType::napi_undefined => {}
            _ if env.is_array(list) => {
                let n = env.array_len(list)?;
                names.reserve(n as usize);
                for i in 0..n {
                    let item = env.get_element(list, i)?;
                    if env.type_of(item) != ValueType::napi_string {
                        return Err(JsError::type_error(BAD_ENTRY));
                    }
                    names.push(env.with_string(item, <[u8]>::to_vec)?);
                }
            }
            _ => return Err(JsError::type_error(BAD_WHITELIST)),
        }
        let flag = env.get_named(options, c"inherit")?;
        inherit = env.truthy(flag)?;
    }
    // The getters above may have run anything, a dispose() included.
    cx.check_busy()?;
    let refs: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
    let table = cx.lua().create_environment(&refs, inherit)?;
    crate::table_handle::mint(cx, table.into_ref())
}

/// The table behind `v` (a `LuaTableHandle` or a table Proxy), held by
/// the caller for the run.
fn environment_of(cx: &Rc<Context>, v: Raw) -> Result<Rc<RegRef>, JsError> {
    let env = cx.env;
    if env.type_of(v) == ValueType::napi_object {
        if let Some(state) = crate::table_handle::state_of(env, v) {
            if !Rc::ptr_eq(&state.cx, cx) {
                return Err(JsError::error(FOREIGN_ENV, FOREIGN));
            }
            return state.live();
        }
        if let Some(d) = crate::proxy::proxy_data(env, v) {
            if !Rc::ptr_eq(&d.cx, cx) {
                return Err(JsError::error(FOREIGN_ENV, FOREIGN));
            }
            let value = d.value().ok_or_else(|| JsError::released("table handle"))?;
            cx.check_handle(value.lua(), "Lua table handle")?;
            return Ok(value);
        }
    }
    Err(JsError::type_error(NOT_AN_ENV))
}

/// `execute_script_in(env, script, options?: { chunkName })`.
pub fn execute_script_in(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let script = args.get(env, 1);
    if args.len() < 2 || env.type_of(script) != ValueType::napi_string {
        return Err(JsError::type_error(USAGE));
    }
    let name = crate::chunk::read(env, args.get(env, 2), "execute_script_in()")?;
    let table = environment_of(cx, args.get(env, 0))?;
    let lua = cx.lua();
    let read = |results: lua_core::Results<'_>| shape(cx, results);
    let outcome = match name.as_deref() {
        Some(name) => env.with_string(script, |bytes| run(&lua, &table, bytes, name, read))?,
        None => crate::methods::with_script(env, script, |source| run(&lua, &table, source.to_bytes(), source, read))?,
    };
    match outcome {
        Err(e) if matches!(&e, lua_core::Error::Api { message } if message == lua_core::NOT_A_TABLE_ENV) => {
            Err(JsError::error(lua_core::NOT_A_TABLE_ENV, NOT_A_TABLE))
        }
        other => other?,
    }
}

fn run<R>(lua: &lua_core::Lua, table: &RegRef, bytes: &[u8], name: &CStr, read: impl FnOnce(lua_core::Results<'_>) -> R) -> lua_core::Result<R> {
    lua.exec_in_with(table, bytes, name, ChunkMode::Any, read)
}
