//! `set_file_reader(fn | null)` (EVOLUTION B15): the JavaScript side of
//! lua-core's file reader. This file only adapts the JS function; what
//! `dofile` and `loadfile` do with its answer is lua-core's.

use std::rc::{Rc, Weak};

use lua_core::{CallContext, Error};
use napi::sys::ValueType;

use crate::callbacks::JsFunctionSlot;
use crate::context::Context;
use crate::error::JsError;
use crate::glue::Args;
use crate::js::{with_handle_scope, Raw};

/// The name the reader goes by in error messages.
const NAME: &str = "file reader";

pub fn set_file_reader(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let f = args.get(env, 0);
    match env.type_of(f) {
        ValueType::napi_function => {
            let slot = Rc::new(JsFunctionSlot::new(env, NAME.into(), f)?);
            install(cx, slot.clone())?;
            // The old reader goes after the state let go of it.
            let old = cx.replay.borrow_mut().file_reader.replace(slot);
            drop(old);
        }
        ValueType::napi_null => {
            cx.lua().clear_file_reader()?;
            let old = cx.replay.borrow_mut().file_reader.take();
            drop(old);
        }
        _ => return Err(JsError::type_error("set_file_reader(fn) requires a function or null")),
    }
    Ok(env.undefined())
}

/// Installs the reader in the context's current state (also `reset()`'s replay).
pub fn install(cx: &Rc<Context>, slot: Rc<JsFunctionSlot>) -> Result<(), JsError> {
    // Weak: the state owns this closure and the context owns the state.
    let weak: Weak<Context> = Rc::downgrade(cx);
    cx.lua().set_file_reader_with(|stack| stack.push_function(move |call| read(&weak, &slot, call)))?;
    Ok(())
}

/// One read: `fn(path)` with the path as a string (also under
/// `binaryStrings`); a string or `Uint8Array` is the source, `null` or
/// `undefined` no such file. A throw reaches Lua as a callback's does (B6).
fn read(weak: &Weak<Context>, slot: &JsFunctionSlot, call: &CallContext<'_>) -> lua_core::Result<i32> {
    if call.lua().is_off_thread() {
        return Err(Error::runtime(call.located(&format!("JS callbacks are not available in async mode (called '{NAME}')"))));
    }
    let Some(cx) = weak.upgrade() else { return Ok(0) };
    // The path is copied: the reader may run Lua code.
    let path = call.arg(0).as_bytes().unwrap_or_default().to_vec();
    let env = cx.env;
    with_handle_scope(env, || {
        let outcome = slot.function().and_then(|f| {
            let result = env.call(f, env.undefined(), &[env.string(&path)?])?;
            source_of(&cx, result)
        });
        match outcome {
            Ok(Some(bytes)) => call.stack().push_bytes(&bytes)?,
            Ok(None) => call.stack().push_nil()?,
            Err(e) if crate::cancel::stopped_env(&cx, &e) => return Err(Error::runtime(call.located(crate::cancel::CANCELLED_MESSAGE))),
            Err(JsError::Pending) => {
                return Err(match env.take_exception() {
                    Some(thrown) => crate::js_errors::raise(&cx, call, NAME, thrown),
                    None => Error::runtime(format!("Host function '{NAME}' threw an exception: ")),
                })
            }
            Err(e) => return Err(Error::runtime(e.message(env))),
        }
        Ok(1)
    })
}

/// The source a reader returned, or None for "no such file".
fn source_of(cx: &Context, v: Raw) -> Result<Option<Vec<u8>>, JsError> {
    let env = cx.env;
    match env.type_of(v) {
        ValueType::napi_undefined | ValueType::napi_null => Ok(None),
        ValueType::napi_string => env.with_string(v, |s| Some(s.to_vec())),
        _ => match env.with_view_bytes(v, true, |b| b.to_vec())? {
            Some(bytes) => Ok(Some(bytes)),
            None => Err(JsError::type_error("the file reader must return a string, a Uint8Array, or null")),
        },
    }
}
