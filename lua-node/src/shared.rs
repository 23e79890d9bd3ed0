//! `createSharedTable(initial)` and the `shared` option: one JavaScript value
//! published to several contexts as a global. Synchronised copies, not shared
//! memory: `set` and `sync` push the whole value again to every subscriber,
//! through each context's public `set_global`; Lua-side changes stay local.

use std::cell::RefCell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::glue::{finish, read_args};
use crate::js::{Env, Raw};

pub const SHARED_TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x6c75_615f_7368_6172, upper: 0x6564_5f74_6162_6c31 };

struct SharedTable {
    env: Env,
    /// The caller's own object (held, not copied).
    value: sys::napi_ref,
    /// (weak reference to a context object, global name).
    subscribers: RefCell<Vec<(sys::napi_ref, Vec<u8>)>>,
}

impl Drop for SharedTable {
    fn drop(&mut self) {
        // SAFETY: every reference here was made by this table, deleted once.
        unsafe {
            sys::napi_delete_reference(self.env.0, self.value);
            for (r, _) in self.subscribers.get_mut().drain(..) {
                sys::napi_delete_reference(self.env.0, r);
            }
        }
    }
}

// The prototype of shared tables in this thread's environment (keyed by the
// environment, which a thread can outlive): plain functions `get`, `set`,
// `sync` that find their table through `this`.
thread_local! {
    static PROTOTYPE: RefCell<Option<(sys::napi_env, sys::napi_ref)>> = const { RefCell::new(None) };
}

fn prototype(env: Env) -> Result<Raw, JsError> {
    if let Some((e, r)) = PROTOTYPE.with(|c| *c.borrow()) {
        if e == env.0 {
            return env.deref(r);
        }
    }
    let proto = env.object()?;
    let methods: [(&std::ffi::CStr, unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value); 3] =
        [(c"get", js_get), (c"set", js_set), (c"sync", js_sync)];
    for (name, f) in methods {
        let mut func = ptr::null_mut();
        // SAFETY: valid env; the function needs no data.
        env.check(unsafe { sys::napi_create_function(env.0, name.as_ptr(), name.to_bytes().len() as isize, Some(f), ptr::null_mut(), &mut func) })?;
        let desc = sys::napi_property_descriptor {
            utf8name: name.as_ptr(),
            name: ptr::null_mut(),
            method: None,
            getter: None,
            setter: None,
            value: func,
            attributes: sys::PropertyAttributes::writable | sys::PropertyAttributes::configurable,
            data: ptr::null_mut(),
        };
        // SAFETY: one descriptor on a fresh object.
        env.check(unsafe { sys::napi_define_properties(env.0, proto, 1, &desc) })?;
    }
    let r = env.reference(proto)?;
    PROTOTYPE.with(|c| *c.borrow_mut() = Some((env.0, r)));
    Ok(proto)
}

/// `createSharedTable(initial?)` on the module.
pub unsafe extern "C" fn create(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (args, _) = read_args(env, info)?;
        let initial = args.get(env, 0);
        let value = match env.type_of(initial) {
            ValueType::napi_undefined => env.object()?,
            ValueType::napi_object => initial,
            _ => return Err(JsError::type_error("createSharedTable(initial) requires an object")),
        };
        let mut obj = ptr::null_mut();
        let proto = prototype(env)?;
        // SAFETY: an empty object whose prototype is the class's, then wrapped.
        unsafe {
            env.check(sys::napi_create_object(env.0, &mut obj))?;
            let mut global = ptr::null_mut();
            env.check(sys::napi_get_global(env.0, &mut global))?;
            let object_ctor = env.get_named(global, c"Object")?;
            let set_proto = env.get_named(object_ctor, c"setPrototypeOf")?;
            env.call(set_proto, object_ctor, &[obj, proto])?;
        }
        let table = Box::into_raw(Box::new(SharedTable { env, value: env.reference(value)?, subscribers: RefCell::new(Vec::new()) }));
        // SAFETY: the object owns the box; the finalizer frees it once.
        let status = unsafe { sys::napi_wrap(env.0, obj, table as *mut c_void, Some(finalize), ptr::null_mut(), ptr::null_mut()) };
        if status != sys::Status::napi_ok {
            // SAFETY: not wrapped, still ours.
            drop(unsafe { Box::from_raw(table) });
            env.check(status)?;
        }
        env.tag(obj, &SHARED_TAG)?;
        Ok(obj)
    }));
    finish(env, result)
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: the box made in `create`, freed once.
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(data as *mut SharedTable) })));
}

fn table_of<'a>(env: Env, v: Raw) -> Option<&'a SharedTable> {
    if !env.has_tag(v, &SHARED_TAG) {
        return None;
    }
    let p = env.unwrap_ptr(v).ok()? as *const SharedTable;
    // SAFETY: the tag guarantees the wrapped pointer is a SharedTable.
    unsafe { p.as_ref() }
}

/// The JS value a SharedTable object holds.
pub fn value_of(env: Env, shared: Raw) -> Result<Raw, JsError> {
    let t = table_of(env, shared).ok_or_else(|| JsError::type_error("not a shared table"))?;
    env.deref(t.value)
}

fn method(env: sys::napi_env, info: sys::napi_callback_info, body: impl FnOnce(Env, &SharedTable, &crate::glue::Args) -> Result<Raw, JsError>) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (args, _) = read_args(env, info)?;
        let t = table_of(env, args.this).ok_or_else(|| JsError::type_error("Illegal invocation: not a shared table"))?;
        body(env, t, &args)
    }));
    finish(env, result)
}

unsafe extern "C" fn js_get(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    method(env, info, |env, t, args| {
        let key = args.get(env, 0);
        if env.type_of(key) != ValueType::napi_string {
            return Err(JsError::type_error("get(key) requires a string key"));
        }
        env.get_property(env.deref(t.value)?, key)
    })
}

unsafe extern "C" fn js_set(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    method(env, info, |env, t, args| {
        let key = args.get(env, 0);
        if args.len() < 2 || env.type_of(key) != ValueType::napi_string {
            return Err(JsError::type_error("set(key, value) requires a string key and a value"));
        }
        env.set_property(env.deref(t.value)?, key, args.get(env, 1))?;
        publish(env, t)?;
        Ok(env.undefined())
    })
}

unsafe extern "C" fn js_sync(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    method(env, info, |env, t, _| {
        publish(env, t)?;
        Ok(env.undefined())
    })
}

/// Pushes the value to every live subscriber; failures are collected and
/// reported together after all the others were updated.
fn publish(env: Env, t: &SharedTable) -> Result<(), JsError> {
    let value = env.deref(t.value)?;
    // A snapshot: a push can run JavaScript that subscribes more contexts.
    let subscribers: Vec<(sys::napi_ref, Vec<u8>)> = t.subscribers.borrow().iter().map(|(r, n)| (*r, n.clone())).collect();
    let mut gone = Vec::new();
    let mut failures = Vec::new();
    let mut live = 0;
    for (r, name) in subscribers {
        let ctx = env.deref(r)?;
        if ctx.is_null() || crate::glue::context_of(env, ctx).map(|cx| cx.disposed.get()).unwrap_or(true) {
            gone.push(r);
            continue;
        }
        live += 1;
        let outcome = (|| -> Result<(), JsError> {
            let set_global = env.get_named(ctx, c"set_global")?;
            if env.type_of(set_global) != ValueType::napi_function {
                return Err(JsError::error(
                    "shared table subscriber's set_global is not a function; it has been shadowed by an own property on the context",
                    "LUA_SHARED",
                ));
            }
            env.call(set_global, ctx, &[env.string(&name)?, value])?;
            Ok(())
        })();
        if let Err(e) = outcome {
            failures.push(format!("{}: {}", String::from_utf8_lossy(&name), e.message(env)));
        }
    }
    if !gone.is_empty() {
        t.subscribers.borrow_mut().retain(|(r, _)| {
            let keep = !gone.contains(r);
            if !keep {
                // SAFETY: made by `subscribe`, deleted once.
                unsafe { sys::napi_delete_reference(env.0, *r) };
            }
            keep
        });
    }
    if failures.is_empty() {
        return Ok(());
    }
    Err(JsError::error(
        format!(
            "shared table update failed for {} of {} contexts ({}). The JS-side value was updated; call sync() to retry.",
            failures.len(),
            live,
            failures.join("; ")
        ),
        "LUA_SHARED",
    ))
}

const SHARED_SHAPE: &str = "shared must be an object mapping global names to shared tables";

/// The constructor's `shared` option: pushes each table's value into the new
/// context (`ctx_obj`) and subscribes it (weakly).
pub fn subscribe_all(cx: &Rc<Context>, ctx_obj: Raw, options: Raw) -> Result<(), JsError> {
    let env = cx.env;
    if !env.has_property(options, c"shared")? {
        return Ok(());
    }
    let shared = env.get_named(options, c"shared")?;
    match env.type_of(shared) {
        ValueType::napi_undefined => return Ok(()),
        ValueType::napi_object if env.is_array(shared) || table_of(env, shared).is_some() => {
            return Err(JsError::type_error(format!("{SHARED_SHAPE} (e.g. {{ settings: sharedTable }}), not a shared table itself")))
        }
        ValueType::napi_object => {}
        _ => return Err(JsError::type_error(SHARED_SHAPE)),
    }
    let names = env.property_names(shared)?;
    for i in 0..env.array_len(names)? {
        let key = env.get_element(names, i)?;
        let name = env.with_string(key, |b| b.to_vec())?;
        let entry = env.get_property(shared, key)?;
        let Some(table) = table_of(env, entry) else {
            return Err(JsError::type_error(format!(
                "shared.{} must be a shared table created with createSharedTable()",
                String::from_utf8_lossy(&name)
            )));
        };
        crate::methods::set_global_value(cx, &name, env.deref(table.value)?)?;
        let mut weak = ptr::null_mut();
        // SAFETY: a weak (count 0) reference to the context object.
        env.check(unsafe { sys::napi_create_reference(env.0, ctx_obj, 0, &mut weak) })?;
        table.subscribers.borrow_mut().push((weak, name.clone()));
        cx.replay.borrow_mut().shared.push((name, env.reference(entry)?));
    }
    Ok(())
}
