//! `for (const [k, v] of handle)` (EVOLUTION B20): the key set is taken
//! when the iteration starts (a snapshot lua-core anchors in the registry);
//! each value is read raw as its turn comes, so a key removed before its
//! turn is skipped and keys added meanwhile are not visited. The handle's
//! `release()` ends the iteration; after `reset()` the next step throws.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use lua_core::{KeySnapshot, Kind};
use napi::sys;

use crate::error::JsError;
use crate::glue::{read_args, Args};
use crate::js::{Env, Raw};
use crate::table_handle::{instance, pair, skipped_key, wrapped, TableState};
use crate::to_js::ToJs;

pub const TABLE_ITER_TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x6c75_615f_7461_626c, upper: 0x655f_6974_6572_3031 };

const NOT_USABLE: &str = "table iterator is not usable";

struct Cursor {
    handle: Rc<TableState>,
    /// The keys still to visit; emptied when the iteration ends.
    keys: RefCell<Option<Rc<KeySnapshot>>>,
    next: Cell<usize>,
}

impl Cursor {
    fn end(&self) {
        let old = self.keys.borrow_mut().take();
        drop(old);
    }
}

/// `handle[Symbol.iterator]()`: a new, independent cursor.
pub fn start(state: &Rc<TableState>, _args: &Args) -> Result<Raw, JsError> {
    let table = state.live()?;
    let keys = state.cx.lua().snapshot_keys(&table)?;
    let cursor = Cursor { handle: state.clone(), keys: RefCell::new(Some(Rc::new(keys))), next: Cell::new(0) };
    instance(state.cx.env, true, &TABLE_ITER_TAG, cursor)
}

fn result(env: Env, value: Option<Raw>) -> Result<Raw, JsError> {
    let out = env.object()?;
    env.set_named(out, c"value", value.unwrap_or_else(|| env.undefined()))?;
    env.set_named(out, c"done", env.boolean(value.is_none()))?;
    Ok(out)
}

fn step(env: Env, cursor: &Cursor) -> Result<Raw, JsError> {
    loop {
        let Some(keys) = cursor.keys.borrow().clone() else { return result(env, None) };
        let Some(table) = cursor.handle.held() else {
            cursor.end();
            return result(env, None);
        };
        let cx = &cursor.handle.cx;
        cx.check_handle(table.lua(), "table handle")?;
        let i = cursor.next.get();
        if i >= keys.len() {
            cursor.end();
            return result(env, None);
        }
        cursor.next.set(i + 1);
        let item = keys.entry_with(i, &table, |k, v| {
            if v.kind() == Kind::Nil || skipped_key(&k) {
                return Ok(None);
            }
            let mut to_js = ToJs::new(cx);
            let (k, v) = (k.visit(&mut to_js)?, to_js.convert(v)?);
            pair(env, k, v).map(Some)
        })??;
        if let Some(item) = item {
            return result(env, Some(item));
        }
    }
}

fn cursor_method(env: sys::napi_env, info: sys::napi_callback_info, body: impl FnOnce(Env, Raw, &Cursor) -> Result<Raw, JsError>) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (args, _) = read_args(env, info)?;
        let cursor = wrapped::<Cursor>(env, args.this, &TABLE_ITER_TAG).ok_or_else(|| JsError::type_error(NOT_USABLE))?;
        body(env, args.this, cursor)
    }));
    crate::glue::finish(env, result)
}

/// `iterator.next()`.
pub unsafe extern "C" fn next(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    cursor_method(env, info, |env, _, cursor| step(env, cursor))
}

/// `iterator.return()` (a `break` out of `for..of`): ends the iteration.
pub unsafe extern "C" fn finish(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    cursor_method(env, info, |env, _, cursor| {
        cursor.end();
        result(env, None)
    })
}

/// `iterator[Symbol.iterator]()`: the iterator itself.
pub unsafe extern "C" fn itself(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    cursor_method(env, info, |_, this, _| Ok(this))
}
