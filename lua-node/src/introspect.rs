//! B21: `get_stack(options?)` and `get_locals(level)`: read-only views of the
//! stack of the Lua code that called into JavaScript (a callback, a
//! metamethod, a hook, a finalizer). Nothing executing: no frames.

use std::rc::Rc;

use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::glue::Args;
use crate::js::{Env, Raw};
use crate::to_js::ToJs;

const MAX_LEVELS: &str = "maxLevels must be a non-negative integer";
const LEVEL: &str = "level must be a non-negative integer";
const DEFAULT_MAX_LEVELS: usize = 200;

/// A non-negative integer, or `message` (a TypeError for a non-number, a
/// RangeError for a number that is not one).
fn non_negative_integer(env: Env, v: Raw, message: &str) -> Result<usize, JsError> {
    if env.type_of(v) != ValueType::napi_number {
        return Err(JsError::type_error(message));
    }
    let n = env.get_number(v);
    if !n.is_finite() || n < 0.0 || n.fract() != 0.0 {
        return Err(JsError::range_error(message));
    }
    // Saturates past usize::MAX; no stack is that deep.
    Ok(n as usize)
}

pub fn get_stack(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let mut max = DEFAULT_MAX_LEVELS;
    if let Some(options) = crate::chunk::options_bag(env, args.get(env, 0), "get_stack()")? {
        let v = env.get_named(options, c"maxLevels")?;
        if env.type_of(v) != ValueType::napi_undefined {
            max = non_negative_integer(env, v, MAX_LEVELS)?;
        }
    }
    let frames = cx.lua().stack_frames(max)?;
    let out = env.array(frames.len())?;
    for (i, f) in frames.iter().enumerate() {
        let o = env.object()?;
        env.set_named(o, c"level", env.number(f.level as f64)?)?;
        env.set_named(o, c"source", env.str(&f.source)?)?;
        env.set_named(o, c"shortSource", env.str(&f.short_source)?)?;
        env.set_named(o, c"currentLine", env.number(f.current_line as f64)?)?;
        env.set_named(o, c"lineDefined", env.number(f.line_defined as f64)?)?;
        // '' when Lua cannot tell, as the hook's `name`.
        env.set_named(o, c"name", env.str(f.name.as_deref().unwrap_or(""))?)?;
        env.set_named(o, c"nameWhat", env.str(&f.name_what)?)?;
        env.set_named(o, c"what", env.str(&f.what)?)?;
        env.set_element(out, i as u32, o)?;
    }
    Ok(out)
}

pub fn get_locals(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let given = args.get(env, 0);
    let level = non_negative_integer(env, given, LEVEL)?;
    let out = env.array(0)?;
    let mut n = 0u32;
    let mut to_js = ToJs::new(cx);
    let found = cx.lua().locals_with(level, |name, value| {
        let entry = env.object()?;
        env.set_named(entry, c"name", env.str(&String::from_utf8_lossy(name))?)?;
        env.set_named(entry, c"value", to_js.convert(value)?)?;
        env.set_element(out, n, entry)?;
        n += 1;
        Ok::<(), JsError>(())
    })??;
    if !found {
        // The level as JavaScript wrote it (it may be past usize).
        let shown = env.number_text(given).unwrap_or_else(|_| level.to_string());
        return Err(JsError::range_error(format!("no stack frame at level {shown}; call get_stack() to see which levels exist")));
    }
    Ok(out)
}
