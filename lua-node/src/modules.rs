//! `add_search_path(path)` and `register_module(name, module)`.

use std::rc::Rc;

use lua_core::PackageError;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::{Failure, JsError};
use crate::glue::Args;
use crate::js::Raw;
use crate::metatables::push_definition;

const CODE: &str = "LUA_PACKAGE";

/// `add_search_path` under `filesystem: 'deny'` (EVOLUTION B19).
const FS_DENIED: &str = "Cannot add search path: this Lua context was created with filesystem access denied, so require() never consults package.path. Use register_module() or add_searcher() to serve modules from the host.";

pub fn add_search_path(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let path = args.get(env, 0);
    if args.is_empty() || env.type_of(path) != ValueType::napi_string {
        return Err(JsError::type_error("Expected string argument"));
    }
    let outcome = env.with_string(path, |path| {
        if !path.contains(&b'?') {
            return Ok(Err(JsError::error("Search path must contain a '?' placeholder (e.g., './modules/?.lua')", "LUA_INVALID_ARGUMENT")));
        }
        cx.lua().append_package_path(path).map(|r| {
            r.map_err(|e| match e {
                PackageError::FilesystemDenied => JsError::error(FS_DENIED, "LUA_FILESYSTEM_DENIED"),
                _ => JsError::error("Cannot add search path: the 'package' library is not loaded. Include 'package' in the libraries option.", CODE),
            })
        })
    })??;
    outcome?;
    env.with_string(path, |p| cx.replay.borrow_mut().search_paths.push(p.to_vec()))?;
    Ok(env.undefined())
}

pub fn register_module(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let (name, module) = (args.get(env, 0), args.get(env, 1));
    if args.len() < 2 || env.type_of(name) != ValueType::napi_string || !env.is_object(module) {
        return Err(JsError::type_error("Expected (string, object)"));
    }
    let id = cx.module_calls.get() + 1;
    cx.module_calls.set(id);
    let prefix = format!("__module_{id}_");
    let mut failure = Failure::default();
    let outcome = env.with_string(name, |name| cx.lua().register_module_with(name, |stack| push_definition(cx, stack, module, &prefix).map_err(|e| failure.keep(e))))?;
    match failure.finish(env, outcome)? {
        Ok(()) => Ok(env.undefined()),
        Err(PackageError::NoPackage) => Err(JsError::error(
            "Cannot register module: the 'package' library is not loaded. Include 'package' in the libraries option.",
            CODE,
        )),
        Err(PackageError::NoLoaded | PackageError::NoSearchers) => Err(JsError::error("Cannot register module: package.loaded is not available.", CODE)),
        // Only search paths are refused for that; modules are the host's door.
        Err(PackageError::FilesystemDenied) => Err(JsError::error(FS_DENIED, "LUA_FILESYSTEM_DENIED")),
    }
}
