//! JavaScript functions called from Lua.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use lua_core::{CallContext, Error, Stack};
use napi::sys;

use crate::context::Context;
use crate::error::JsError;
use crate::from_js::push_value;
use crate::js::{with_handle_scope, Env, Raw};
use crate::to_js::ToJs;

/// A strong reference to a JS function, released when the last Lua function
/// using it is collected (or the context goes).
pub struct JsFunctionSlot {
    env: Env,
    pub name: String,
    func: Cell<sys::napi_ref>,
}

impl JsFunctionSlot {
    pub fn new(env: Env, name: String, f: Raw) -> Result<JsFunctionSlot, JsError> {
        Ok(JsFunctionSlot { env, name, func: Cell::new(env.reference(f)?) })
    }

    /// The JS function.
    pub fn function(&self) -> Result<Raw, JsError> {
        self.env.deref(self.func.get())
    }

    /// Points the slot at another function.
    pub fn replace(&self, f: Raw) -> Result<(), JsError> {
        let new = self.env.reference(f)?;
        let old = self.func.replace(new);
        // SAFETY: `old` was created by `reference` and is deleted once.
        unsafe { sys::napi_delete_reference(self.env.0, old) };
        Ok(())
    }
}

impl Drop for JsFunctionSlot {
    fn drop(&mut self) {
        // SAFETY: the reference was created by this slot and is deleted once.
        unsafe { sys::napi_delete_reference(self.env.0, self.func.get()) };
    }
}

/// Pushes a Lua function that calls the slot's JS function.
pub fn push_js_function(cx: &Rc<Context>, stack: &Stack<'_>, slot: Rc<JsFunctionSlot>) -> Result<(), JsError> {
    // A weak link: the Lua state owns this closure, and the context owns the
    // state, so a strong one would be a cycle that never frees.
    let weak: Weak<Context> = Rc::downgrade(cx);
    stack.push_function(move |call| invoke(&weak, &slot, call)).map_err(JsError::from)
}

/// One call from Lua: arguments to JS, the call, its result back to Lua. Any
/// failure becomes a Lua error with the spec's text.
fn invoke(weak: &Weak<Context>, slot: &JsFunctionSlot, call: &CallContext<'_>) -> lua_core::Result<i32> {
    let name = &slot.name;
    // Checked before anything of the context is touched: in async mode this
    // runs on a worker thread, where JavaScript is out of reach.
    if call.lua().is_off_thread() {
        return Err(Error::runtime(call.located(&format!("JS callbacks are not available in async mode (called '{name}')"))));
    }
    let Some(cx) = weak.upgrade() else { return Ok(0) };
    call_js(&cx, call, name, 0, |env| Ok((env.deref(slot.func.get())?, env.undefined(), None)))
}

/// Calls a JS function for Lua: `target` gives the function, its `this`
/// and an optional first argument; the Lua arguments from `skip` on follow.
/// Runs on the thread that owns the context (the caller checks).
pub fn call_js(
    cx: &Rc<Context>,
    call: &CallContext<'_>,
    name: &str,
    skip: usize,
    target: impl FnOnce(Env) -> Result<(Raw, Raw, Option<Raw>), JsError>,
) -> lua_core::Result<i32> {
    call_js_with(cx, call, name, skip, target, |result, number| match number {
        Some(n) => call.push_converted_number(n).map_err(JsError::from).map(Ok),
        None => push_value(cx, &mut call.stack(), result, 0).map(Ok),
    })
}

/// [`call_js`] with the result handed to `finish`, which pushes one value
/// for Lua; its inner error is raised in Lua as it is, its outer one
/// mapped as a failure of the call.
pub fn call_js_then(
    cx: &Rc<Context>,
    call: &CallContext<'_>,
    name: &str,
    skip: usize,
    target: impl FnOnce(Env) -> Result<(Raw, Raw, Option<Raw>), JsError>,
    finish: impl FnOnce(Raw) -> Result<lua_core::Result<()>, JsError>,
) -> lua_core::Result<i32> {
    call_js_with(cx, call, name, skip, target, |result, _| finish(result))
}

/// [`call_js_then`] whose `finish` is also given the result's value when
/// it is a number (read once, here).
fn call_js_with(
    cx: &Rc<Context>,
    call: &CallContext<'_>,
    name: &str,
    skip: usize,
    target: impl FnOnce(Env) -> Result<(Raw, Raw, Option<Raw>), JsError>,
    finish: impl FnOnce(Raw, Option<f64>) -> Result<lua_core::Result<()>, JsError>,
) -> lua_core::Result<i32> {
    let env = cx.env;
    with_handle_scope(env, || {
        let (f, this, lead) = target(env).map_err(|e| Error::runtime(e.message(env)))?;
        // Numbers, the commonest arguments, convert the same whatever the
        // modes and converters (which apply to objects only): with every
        // argument a number, they are read in one step and made with no
        // conversion set up (issue 18). Any other argument takes the
        // general way, out of line.
        let mut numbers = [0.0; INLINE_ARGV];
        let result = match call.args_as_numbers(skip, &mut numbers) {
            Ok(Some(numbers)) => {
                let mut argv = [std::ptr::null_mut(); INLINE_ARGV + 1];
                let mut len = 0;
                if let Some(lead) = lead {
                    argv[0] = lead;
                    len = 1;
                }
                for &n in numbers {
                    argv[len] = env.number(n).map_err(|e| argument_failure(env, name, e))?;
                    len += 1;
                }
                env.call(f, this, &argv[..len])
            }
            Ok(None) => call_converted(cx, call, name, skip, (f, this, lead))?,
            Err(e) => return Err(argument_failure(env, name, e.into())),
        };
        // A Promise is awaited by a driven run, refused elsewhere (EVOLUTION
        // B5). A number, the commonest result, is no Promise: its value is
        // read instead of asking (one N-API call either way).
        let mut number = None;
        if let Ok(p) = result {
            number = env.try_number(p);
            if number.is_none() && env.is_promise(p) {
                return crate::await_settle::promised(cx, call, name, p);
            }
        }
        match result.and_then(|p| finish(p, number)) {
            Ok(Ok(())) => Ok(1),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(call_failure(cx, call, name, e)),
        }
    })
}

/// Calls `f` with `this`, the optional `lead` and the Lua arguments from
/// `skip` on converted with the context's modes and converters (the way
/// for arguments that are not all numbers).
#[inline(never)]
fn call_converted(
    cx: &Rc<Context>,
    call: &CallContext<'_>,
    name: &str,
    skip: usize,
    (f, this, lead): (Raw, Raw, Option<Raw>),
) -> lua_core::Result<Result<Raw, JsError>> {
    let env = cx.env;
    let mut argv = Argv::new(call.len().saturating_sub(skip) + 1);
    if let Some(lead) = lead {
        argv.push(lead);
    }
    let mut to_js = ToJs::new(cx);
    for i in skip..call.len() {
        argv.push(to_js.convert(call.arg(i)).map_err(|e| argument_failure(env, name, e))?);
    }
    Ok(env.call(f, this, argv.as_slice()))
}

/// The Lua error for a JS call that failed, or whose result did not convert.
#[cold]
#[inline(never)]
fn call_failure(cx: &Rc<Context>, call: &CallContext<'_>, name: &str, e: JsError) -> Error {
    let env = cx.env;
    match e {
        // Node refuses every call: the environment is stopping, and the run is cancelled.
        e if crate::cancel::stopped_env(cx, &e) => Error::runtime(call.located(crate::cancel::CANCELLED_MESSAGE)),
        // A refused allocation is Lua running out of memory, not the callback failing.
        JsError::Error(e) if e.code == "LUA_MEMORY" => Error::Memory { message: e.message },
        // What the function threw (EVOLUTION B6): an object reaches Lua as a table, and
        // JavaScript as itself; anything else as text.
        JsError::Pending => match env.take_exception() {
            Some(thrown) => crate::js_errors::raise(cx, call, name, thrown),
            None => Error::runtime(format!("Host function '{name}' threw an exception: ")),
        },
        e => Error::runtime(format!("Host function '{name}' threw an exception: {}", e.message(env))),
    }
}

/// The error of an argument that did not convert.
#[cold]
#[inline(never)]
fn argument_failure(env: Env, name: &str, e: JsError) -> Error {
    match e {
        // A refused allocation is Lua running out of memory, as for the call's result.
        JsError::Error(e) if e.code == "LUA_MEMORY" => Error::Memory { message: e.message },
        e => Error::runtime(format!("Error converting arguments for '{name}': {}", e.message(env))),
    }
}

/// Arguments inline for a JS call from Lua: calls with this many or fewer
/// arguments allocate nothing for them (issue 18: one malloc and free per
/// call was a tenth of a callback's cost).
const INLINE_ARGV: usize = 8;

/// The arguments of one JS call, inline up to `INLINE_ARGV`.
struct Argv {
    inline: [Raw; INLINE_ARGV],
    heap: Vec<Raw>,
    len: usize,
}

impl Argv {
    /// Room for `capacity` arguments (on the heap only past `INLINE_ARGV`).
    fn new(capacity: usize) -> Argv {
        let heap = if capacity > INLINE_ARGV { Vec::with_capacity(capacity) } else { Vec::new() };
        Argv { inline: [std::ptr::null_mut(); INLINE_ARGV], heap, len: 0 }
    }

    #[inline]
    fn push(&mut self, v: Raw) {
        if self.len < INLINE_ARGV && self.heap.capacity() == 0 {
            self.inline[self.len] = v;
        } else {
            if self.heap.is_empty() {
                // More than planned for: what is inline moves over first.
                self.heap.extend_from_slice(&self.inline[..self.len]);
            }
            self.heap.push(v);
        }
        self.len += 1;
    }

    fn as_slice(&self) -> &[Raw] {
        if self.heap.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }
}
