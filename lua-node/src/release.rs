//! `release(value)` (EVOLUTION B8): frees the registry slot behind a Lua
//! function wrapper, a coroutine object, a Proxy or a table handle now,
//! instead of when JavaScript collects it. Idempotent; a later use throws
//! "<what> has been released". A coroutine's `<close>` variables do not run.

use std::rc::Rc;

use napi::sys::ValueType;

use crate::context::Context;
use crate::error::{JsError, FOREIGN};
use crate::glue::Args;
use crate::handles::{external_data, HandleData, HandleKind};
use crate::js::Raw;
use crate::lua_function::Released;

const FOREIGN_VALUE: &str = "value belongs to a different Lua context";
const NOT_A_REFERENCE: &str = "release(value) requires a Lua function, coroutine, or table reference";

fn foreign() -> JsError {
    JsError::error(FOREIGN_VALUE, FOREIGN)
}

/// Releases a coroutine or Proxy handle of this context's current state.
fn release_handle(cx: &Rc<Context>, d: &HandleData) -> Result<Raw, JsError> {
    if !Rc::ptr_eq(&d.cx, cx) {
        return Err(foreign());
    }
    if let Some(value) = d.value() {
        if !value.lua().ptr_eq(&cx.lua()) {
            return Err(foreign()); // from before a reset()
        }
    }
    d.release();
    Ok(cx.env.undefined())
}

pub fn release(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let value = args.get(env, 0);
    match env.type_of(value) {
        ValueType::napi_function => match crate::lua_function::release(cx, value) {
            Released::Done => Ok(env.undefined()),
            Released::Foreign => Err(foreign()),
            Released::NotOne => Err(JsError::type_error("release(value): the function is not a Lua function reference")),
        },
        ValueType::napi_object => {
            if let Some(state) = crate::table_handle::state_of(env, value) {
                if !Rc::ptr_eq(&state.cx, cx) || state.held().is_some_and(|t| !t.lua().ptr_eq(&cx.lua())) {
                    return Err(foreign());
                }
                state.release();
                return Ok(env.undefined());
            }
            // A Proxy first: asking one of ours for `_coroutine` would run Lua.
            if let Some(d) = crate::proxy::proxy_data(env, value) {
                return release_handle(cx, d);
            }
            let ext = match env.get_named(value, c"_coroutine") {
                Ok(ext) => ext,
                Err(_) => {
                    env.take_exception();
                    return Err(JsError::type_error(NOT_A_REFERENCE));
                }
            };
            match external_data(env, ext) {
                Some(d) if d.kind == HandleKind::Coroutine => release_handle(cx, d),
                _ => Err(JsError::type_error(NOT_A_REFERENCE)),
            }
        }
        _ => Err(JsError::type_error(NOT_A_REFERENCE)),
    }
}
