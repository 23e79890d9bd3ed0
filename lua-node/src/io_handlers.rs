//! `set_print_handler`, the `print` option, `set_read_handler` and
//! `add_searcher` (EVOLUTION B7, B15): JS functions adapted to lua-core's
//! print handler, read handler and host searchers, which hold every Lua
//! rule. Each is kept in the context's replay record, and `reset()`
//! re-applies them (`replay`).

use std::rc::{Rc, Weak};

use lua_core::{Error, Lua, PackageError, ReadFormat};
use napi::sys::ValueType;

use crate::callbacks::JsFunctionSlot;
use crate::context::Context;
use crate::error::JsError;
use crate::glue::Args;
use crate::js::{with_handle_scope, Env, Raw};

const PRINT_TYPE: &str = "set_print_handler(fn) requires a function or null";
const READ_TYPE: &str = "set_read_handler(fn) requires a function or null";
const SEARCHER_TYPE: &str = "add_searcher(fn) requires a function";
const PRINT_OPTION_TYPE: &str = "print must be a function";
/// The spec's text for a JS searcher reached from a worker run.
const SEARCHER_ASYNC: &str = "JS searchers are not available in async mode";
const READER_ASYNC: &str = "JS read handlers are not available in async mode";
const CODE: &str = "LUA_PACKAGE";

/// `Some(f)` for a function, `None` for null or undefined, else `TypeError(text)`.
fn function_or_null(env: Env, v: Raw, text: &str) -> Result<Option<Raw>, JsError> {
    match env.type_of(v) {
        ValueType::napi_function => Ok(Some(v)),
        ValueType::napi_null | ValueType::napi_undefined => Ok(None),
        _ => Err(JsError::type_error(text)),
    }
}

pub fn set_print_handler(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    if args.is_empty() {
        return Err(JsError::type_error(PRINT_TYPE));
    }
    let slot = match function_or_null(env, args.get(env, 0), PRINT_TYPE)? {
        Some(f) => Some(Rc::new(JsFunctionSlot::new(env, "print".into(), f)?)),
        None => None,
    };
    apply_print(cx, slot.clone())?;
    let old = std::mem::replace(&mut cx.replay.borrow_mut().print, slot);
    drop(old);
    Ok(env.undefined())
}

/// Applies the constructor's `print` function, as `check_print_option`
/// read it (after the callbacks object, so it wins over a `print` given
/// there).
pub fn print_option(cx: &Rc<Context>, f: Raw) -> Result<(), JsError> {
    let slot = Rc::new(JsFunctionSlot::new(cx.env, "print".into(), f)?);
    apply_print(cx, Some(slot.clone()))?;
    cx.replay.borrow_mut().print = Some(slot);
    Ok(())
}

/// Reads and checks the `print` option before the state is made: the
/// function to apply, if one was given. Read once, so that what was checked
/// is what is applied (a getter is asked once).
pub fn check_print_option(env: Env, options: &crate::option_reader::Read) -> Result<Option<Raw>, JsError> {
    function_or_null(env, options.get(crate::option_reader::Slot::Print), PRINT_OPTION_TYPE)
}

fn apply_print(cx: &Rc<Context>, slot: Option<Rc<JsFunctionSlot>>) -> Result<(), JsError> {
    let Some(slot) = slot else {
        return Ok(cx.lua().remove_print_handler()?);
    };
    let weak: Weak<Context> = Rc::downgrade(cx);
    cx.lua().set_print_handler(move |_, text| call_print(&weak, &slot, text))?;
    Ok(())
}

/// Calls the JS print handler with the text; whatever it throws is dropped
/// (lua-core never calls this from a worker thread).
fn call_print(weak: &Weak<Context>, slot: &JsFunctionSlot, text: &[u8]) {
    let Some(cx) = weak.upgrade() else { return };
    let env = cx.env;
    with_handle_scope(env, || {
        let Ok(f) = slot.function() else { return };
        let outcome = env.string(text).and_then(|s| env.call(f, env.undefined(), &[s]));
        if let Err(e) = outcome {
            // Node refusing calls (the environment is stopping) cancels the run.
            crate::cancel::stopped_env(&cx, &e);
            env.take_exception();
        }
    })
}

pub fn set_read_handler(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    if args.is_empty() {
        return Err(JsError::type_error(READ_TYPE));
    }
    let slot = match function_or_null(env, args.get(env, 0), READ_TYPE)? {
        Some(f) => Some(Rc::new(JsFunctionSlot::new(env, "read".into(), f)?)),
        None => None,
    };
    let kept = apply_read(cx, slot.clone())?;
    // A handler `io` could not take is not retained.
    let old = std::mem::replace(&mut cx.replay.borrow_mut().read, if kept { slot } else { None });
    drop(old);
    Ok(env.boolean(kept))
}

fn apply_read(cx: &Rc<Context>, slot: Option<Rc<JsFunctionSlot>>) -> Result<bool, JsError> {
    let Some(slot) = slot else {
        cx.lua().remove_read_handler()?;
        return Ok(true);
    };
    let weak: Weak<Context> = Rc::downgrade(cx);
    Ok(cx.lua().set_read_handler(move |lua, format| call_read(&weak, &slot, lua, format))?)
}

/// Asks the JS read handler for one format: text, `Uint8Array` bytes, or
/// end of input (`null`, `undefined`, a boolean).
fn call_read(weak: &Weak<Context>, slot: &JsFunctionSlot, lua: &Lua, format: ReadFormat) -> lua_core::Result<Option<Vec<u8>>> {
    // Checked before anything of the context is touched (a worker thread).
    if lua.is_off_thread() {
        return Err(Error::runtime(READER_ASYNC));
    }
    let Some(cx) = weak.upgrade() else { return Ok(None) };
    let env = cx.env;
    with_handle_scope(env, || {
        let outcome = (|| -> Result<Raw, JsError> {
            // The format is always a string or a number (never bytes, even under binaryStrings).
            let arg = match format.letter() {
                Some(letter) => env.str(letter)?,
                None => match format {
                    ReadFormat::Count(n) => env.number(n as f64)?,
                    _ => env.undefined(),
                },
            };
            env.call(slot.function()?, env.undefined(), &[arg])
        })();
        let result = match outcome {
            Ok(v) => v,
            Err(e) => return Err(Error::runtime(thrown_text(&cx, e))),
        };
        match env.type_of(result) {
            ValueType::napi_string => env.with_string(result, |b| Some(b.to_vec())).map_err(|e| Error::runtime(e.message(env))),
            ValueType::napi_null | ValueType::napi_undefined | ValueType::napi_boolean => Ok(None),
            _ => match env.with_view_bytes(result, true, |b| b.to_vec()) {
                Ok(Some(bytes)) => Ok(Some(bytes)),
                _ => Err(Error::runtime("the handler must return a string, a Uint8Array, null or undefined")),
            },
        }
    })
}

/// The text of what a JS call threw (its `message`, or the value as a string).
fn thrown_text(cx: &Context, e: JsError) -> String {
    let env = cx.env;
    if crate::cancel::stopped_env(cx, &e) {
        return crate::cancel::CANCELLED_MESSAGE.to_string();
    }
    match e {
        JsError::Pending => match env.take_exception() {
            Some(v) if env.is_object(v) => env.exception_message(v),
            Some(v) => crate::js_errors::text_of(env, v),
            None => String::new(),
        },
        other => other.message(env),
    }
}

pub fn add_searcher(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let f = args.get(env, 0);
    if env.type_of(f) != ValueType::napi_function {
        return Err(JsError::type_error(SEARCHER_TYPE));
    }
    let slot = Rc::new(JsFunctionSlot::new(env, "searcher".into(), f)?);
    apply_searcher(cx, slot.clone())?;
    cx.replay.borrow_mut().searchers.push(slot);
    Ok(env.undefined())
}

fn apply_searcher(cx: &Rc<Context>, slot: Rc<JsFunctionSlot>) -> Result<(), JsError> {
    let weak: Weak<Context> = Rc::downgrade(cx);
    match cx.lua().add_searcher(move |lua, name| call_searcher(&weak, &slot, lua, name))? {
        Ok(()) => Ok(()),
        Err(PackageError::NoSearchers) => Err(JsError::error("Cannot add searcher: package.searchers is not a table.", CODE)),
        Err(_) => Err(JsError::error("Cannot add searcher: the 'package' library is not loaded. Include 'package' in the libraries option.", CODE)),
    }
}

/// Asks the JS searcher for a module's source: a string, or `null` /
/// `undefined` to pass; a Promise is refused (searchers are synchronous).
fn call_searcher(weak: &Weak<Context>, slot: &JsFunctionSlot, lua: &Lua, name: &[u8]) -> lua_core::Result<Option<Vec<u8>>> {
    if lua.is_off_thread() {
        return Err(Error::runtime(SEARCHER_ASYNC));
    }
    let Some(cx) = weak.upgrade() else { return Ok(None) };
    let env = cx.env;
    let shown = String::from_utf8_lossy(name).into_owned();
    with_handle_scope(env, || {
        let outcome = env.string(name).and_then(|n| env.call(slot.function()?, env.undefined(), &[n]));
        let result = match outcome {
            Ok(v) => v,
            Err(e) => return Err(Error::runtime(format!("JS searcher for module '{shown}' threw an exception: {}", thrown_text(&cx, e)))),
        };
        match env.type_of(result) {
            ValueType::napi_string => env.with_string(result, |b| Some(b.to_vec())).map_err(|e| Error::runtime(e.message(env))),
            ValueType::napi_null | ValueType::napi_undefined => Ok(None),
            _ if env.is_promise(result) => {
                Err(Error::runtime(format!("JS searcher for module '{shown}' returned a Promise; searchers must be synchronous")))
            }
            _ => Err(Error::runtime(format!("JS searcher for module '{shown}' must return a string of Lua source, null or undefined"))),
        }
    })
}

/// Re-applies the searchers (after the search paths) on a fresh state.
pub fn replay_searchers(cx: &Rc<Context>) -> Result<(), JsError> {
    let searchers = cx.replay.borrow().searchers.clone();
    for slot in searchers {
        apply_searcher(cx, slot)?;
    }
    Ok(())
}

/// Re-applies the print and read handlers (after the callbacks object).
pub fn replay_handlers(cx: &Rc<Context>) -> Result<(), JsError> {
    let (print, read) = {
        let r = cx.replay.borrow();
        (r.print.clone(), r.read.clone())
    };
    if print.is_some() {
        apply_print(cx, print)?;
    }
    if read.is_some() {
        apply_read(cx, read)?;
    }
    Ok(())
}
