//! JavaScript values thrown by JS callbacks (EVOLUTION B6). An object thrown
//! is *staged*: Lua code sees a plain table `{ message, name, stack,
//! __jsErrorId }`, and if that table is raised on to the host, JavaScript
//! gets the very object thrown back (same class, same properties, no
//! prefix, and no `code` or `luaTraceback` added: it is the user's object).
//! The staged objects of a context are let go at each outermost call into it.

use std::cell::RefCell;
use std::collections::HashMap;

use lua_core::{CallContext, Error};
use napi::sys;

use crate::context::Context;
use crate::js::{Env, Raw};

/// The staged objects of every context of this thread: (context, id) ->
/// (env, reference, the Lua table: held so that its address, by which
/// lua-core knows it, cannot be reused while it is staged).
type StagedMap = HashMap<(usize, u64), (Env, sys::napi_ref, Option<lua_core::RegRef>)>;

thread_local! {
    static STAGED: RefCell<StagedMap> = RefCell::new(HashMap::new());
}

/// The cause of a callback failure that raised a staged object.
#[derive(Debug)]
pub struct JsThrown {
    /// The staging context (its address while it lives) and the object's number in it.
    pub context: usize,
    pub id: u64,
    pub message: String,
}

impl std::fmt::Display for JsThrown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsThrown {}

fn key(cx: &Context) -> usize {
    cx as *const Context as usize
}

/// How many objects `cx` has staged (`info().bindingRefs.errorRegistry`).
pub fn count(cx: &Context) -> usize {
    STAGED.with(|s| s.borrow().keys().filter(|(k, _)| *k == key(cx)).count())
}

/// Lets go of every object `cx` staged. lua-core's record of the raised
/// value is left alone while a worker holds the state (it is the worker's
/// then); the worker never reads the staged objects.
pub fn clear(cx: &Context) {
    if !cx.is_busy() {
        cx.lua().forget_raised_value();
    }
    clear_staged(cx);
}

/// The staged objects part of `clear`. Nearly always `cx` staged nothing
/// since it last let go: this runs at every outermost call, so then the
/// thread's map is not even looked at (issue 18).
#[inline]
pub fn clear_staged(cx: &Context) {
    if cx.staged.replace(false) {
        clear_map(cx);
    }
}

#[inline(never)]
fn clear_map(cx: &Context) {
    let mine = key(cx);
    let gone: Vec<(Env, sys::napi_ref, Option<lua_core::RegRef>)> = STAGED.with(|s| {
        let mut s = s.borrow_mut();
        let keys: Vec<(usize, u64)> = s.keys().filter(|(k, _)| *k == mine).copied().collect();
        keys.into_iter().filter_map(|k| s.remove(&k)).collect()
    });
    for (env, r, table) in gone {
        drop(table);
        // SAFETY: made by `raise`, removed from the map above, deleted once.
        unsafe { sys::napi_delete_reference(env.0, r) };
    }
}

/// The staged object `id` of `context`, if it is still staged.
pub fn value(env: Env, context: usize, id: u64) -> Option<Raw> {
    let r = STAGED.with(|s| s.borrow().get(&(context, id)).map(|(_, r, _)| *r))?;
    env.deref(r).ok()
}

/// The error a JS callback named `name` fails with when it threw `thrown`:
/// an object is staged and raised as its table; anything else becomes the
/// text `Host function '<name>' threw an exception: <String(thrown)>`.
pub fn raise(cx: &Context, call: &CallContext<'_>, name: &str, thrown: Raw) -> Error {
    match stage(cx, &mut call.stack(), thrown) {
        Staged::Value(report) => call.raise_value(report),
        Staged::Text(text) => Error::runtime(format!("Host function '{name}' threw an exception: {text}")),
        Staged::Failed(e) => e,
    }
}

/// What `stage` did.
pub enum Staged {
    /// The object's table is on top of the stack; raised uncaught, it is
    /// to be reported as this error (the object itself reaches JavaScript).
    Value(Error),
    /// Not an object (or not one that can be held): its text.
    Text(String),
    /// Pushing the table failed (Lua ran out of memory).
    Failed(Error),
}

/// Stages the object `thrown` (a callback threw it, or a Promise a run
/// awaited rejected with it) and pushes the table Lua sees for it.
pub fn stage(cx: &Context, stack: &mut lua_core::Stack<'_>, thrown: Raw) -> Staged {
    let env = cx.env;
    let t = env.type_of(thrown);
    if t != sys::ValueType::napi_object && t != sys::ValueType::napi_function {
        return Staged::Text(text_of(env, thrown));
    }
    // Each property is read once (a getter that throws reads as none).
    let fields: Vec<(&[u8], Option<Raw>)> = [(&b"message"[..], c"message"), (b"name", c"name"), (b"stack", c"stack")]
        .into_iter()
        .map(|(field, key)| match env.get_named(thrown, key) {
            Ok(v) => (field, Some(v)),
            Err(_) => {
                env.take_exception();
                (field, None)
            }
        })
        .collect();
    let message = match fields[0].1 {
        Some(m) if env.type_of(m) == sys::ValueType::napi_string => env.string_value(m).unwrap_or_default(),
        _ => String::new(),
    };
    let Ok(r) = env.reference(thrown) else { return Staged::Text(message) };
    let id = cx.js_error_ids.get() + 1;
    cx.js_error_ids.set(id);
    STAGED.with(|s| s.borrow_mut().insert((key(cx), id), (env, r, None)));
    cx.staged.set(true);
    let pushed = (|| -> lua_core::Result<()> {
        stack.push_table(0, 4)?;
        for (field, v) in &fields {
            let Some(v) = *v else { continue };
            match env.type_of(v) {
                sys::ValueType::napi_string => stack.push_bytes(env.string_value(v).unwrap_or_default().as_bytes())?,
                sys::ValueType::napi_number => stack.push_number(env.get_number(v))?,
                _ => continue,
            }
            stack.set_field(field)?;
        }
        stack.push_integer(id as i64)?;
        stack.set_field(b"__jsErrorId")?;
        let table = stack.value(-1).to_ref()?;
        STAGED.with(|s| s.borrow_mut().get_mut(&(key(cx), id)).map(|entry| entry.2 = Some(table)));
        Ok(())
    })();
    env.take_exception();
    match pushed {
        Ok(()) => Staged::Value(Error::external(JsThrown { context: key(cx), id, message })),
        Err(e) => Staged::Failed(e),
    }
}

/// `String(v)` for a primitive (a Symbol reads as its description form).
pub(crate) fn text_of(env: Env, v: Raw) -> String {
    let mut s = std::ptr::null_mut();
    // SAFETY: valid env and value; a failure (a Symbol) leaves an exception, taken below.
    let status = unsafe { sys::napi_coerce_to_string(env.0, v, &mut s) };
    if status != sys::Status::napi_ok {
        env.take_exception();
        return "Symbol()".to_string();
    }
    env.string_value(s).unwrap_or_default()
}
