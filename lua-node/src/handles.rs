//! JavaScript objects standing for Lua values that have identity but no
//! JavaScript counterpart: coroutines (`{ _coroutine, status }`) and
//! Lua-made userdata (`{ _userdata }`). Each holds its Lua value through an
//! External that is tagged with its kind and owning context, so a foreign or
//! forged handle is never misread (Appendix B #12).

use std::cell::RefCell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use lua_core::{AnyUserData, RegRef, Thread};
use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::js::{Env, Raw};

pub const HANDLE_TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x6c75_615f_6861_6e64, upper: 0x6c65_5f65_7874_6e31 };

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum HandleKind {
    Coroutine,
    Userdata,
    Table,
}

pub struct HandleData {
    pub kind: HandleKind,
    pub cx: Rc<Context>,
    /// Emptied by `release()`. An operation that runs Lua code holds its own
    /// `Rc` meanwhile, so a release from inside that code frees the slot
    /// when the operation ends, never under it.
    value: RefCell<Option<Rc<RegRef>>>,
}

impl HandleData {
    /// The value, unless it was released.
    pub fn value(&self) -> Option<Rc<RegRef>> {
        self.value.borrow().clone()
    }

    /// The value, borrowed from the handle (no `Rc` to count): for a use at
    /// once, before any JavaScript runs that could release it.
    pub fn value_now(&self) -> Option<&RegRef> {
        // SAFETY: no `RefCell` borrow is held across calls (every method here
        // takes and drops its own); the `RegRef` inside the `Rc` stays put
        // until `release` drops the last `Rc`, which the caller's rule (use it
        // at once, no JavaScript in between) rules out meanwhile.
        unsafe { (*self.value.as_ptr()).as_deref() }
    }

    /// Frees the registry slot (once the operations in flight let it go);
    /// true if the value was still held.
    pub fn release(&self) -> bool {
        let old = self.value.borrow_mut().take();
        old.is_some()
    }
}

/// A tagged External owning `value`.
pub fn external(cx: &Rc<Context>, kind: HandleKind, value: RegRef) -> Result<Raw, JsError> {
    let env = cx.env;
    let data = Box::into_raw(Box::new(HandleData { kind, cx: cx.clone(), value: RefCell::new(Some(Rc::new(value))) }));
    let mut ext = ptr::null_mut();
    // SAFETY: the External owns the box; its finalizer frees it once.
    let status = unsafe { sys::napi_create_external(env.0, data as *mut c_void, Some(finalize), ptr::null_mut(), &mut ext) };
    if status != sys::Status::napi_ok {
        // SAFETY: the External was not created, so the box is still ours.
        drop(unsafe { Box::from_raw(data) });
        return env.check(status).map(|_| ptr::null_mut());
    }
    env.tag(ext, &HANDLE_TAG)?;
    Ok(ext)
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the box made in `external`, finalized exactly once.
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(data as *mut HandleData) })));
}

/// The handle data behind a tagged External, if `v` is one.
pub fn external_data<'a>(env: Env, v: Raw) -> Option<&'a HandleData> {
    if env.type_of(v) != ValueType::napi_external || !env.has_tag(v, &HANDLE_TAG) {
        return None;
    }
    let mut p = ptr::null_mut();
    // SAFETY: the tag guarantees the External's data is a HandleData.
    unsafe {
        sys::napi_get_value_external(env.0, v, &mut p);
        (p as *const HandleData).as_ref()
    }
}

pub fn coroutine_object(cx: &Rc<Context>, t: Thread) -> Result<Raw, JsError> {
    let env = cx.env;
    let status = t.status().name();
    // The handle moves into the External: no second anchor to allocate.
    let ext = external(cx, HandleKind::Coroutine, t.into_ref())?;
    let obj = env.object()?;
    env.set_named(obj, c"_coroutine", ext)?;
    env.set_named(obj, c"status", env.str(status)?)?;
    crate::coroutine_iter::install(cx, obj)?;
    Ok(obj)
}

pub fn userdata_object(cx: &Rc<Context>, u: AnyUserData) -> Result<Raw, JsError> {
    let env = cx.env;
    let ext = external(cx, HandleKind::Userdata, u.into_ref())?;
    let obj = env.object()?;
    env.set_named(obj, c"_userdata", ext)?;
    Ok(obj)
}

/// The property names a conversion looks for on every object, made once per
/// conversion (a name made per lookup is interned again each time).
pub struct MarkerKeys {
    table_ref: Raw,
    userdata: Raw,
}

impl MarkerKeys {
    pub fn new(env: Env) -> Result<MarkerKeys, JsError> {
        Ok(MarkerKeys { table_ref: env.str("_tableRef")?, userdata: env.str("_userdata")? })
    }
}

/// The Lua value a JS object whose prototype is `Object.prototype` stands
/// for, when it is a Proxy or a `_userdata` handle of this context (a table
/// handle has its class's prototype: `table_handle::table_of`). Coroutine
/// objects are not recognised (the spec: they go back to Lua as plain
/// tables). The handle is borrowed from the object (anchoring a copy could
/// fail for lack of memory): use it at once, before any JavaScript runs that
/// could let it go.
pub fn plain_lua_ref_of<'a>(cx: &Rc<Context>, v: Raw, keys: &MarkerKeys) -> Result<Option<&'a RegRef>, JsError> {
    let env = cx.env;
    if let Some(table) = crate::proxy::table_of_key(cx, v, keys.table_ref)? {
        return Ok(Some(table));
    }
    let ext = env.get_property(v, keys.userdata)?;
    match external_data(env, ext) {
        Some(d) if d.kind == HandleKind::Userdata && Rc::ptr_eq(&d.cx, cx) => match d.value_now() {
            Some(value) => {
                cx.check_handle(value.lua(), "userdata handle")?;
                Ok(Some(value))
            }
            None => Ok(None),
        },
        _ => Ok(None),
    }
}
