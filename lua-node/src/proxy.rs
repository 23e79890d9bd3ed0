//! Tables with a metatable, seen from JavaScript as live `Proxy` objects.
//!
//! The target is an empty object carrying a non-enumerable `_tableRef`
//! External (tagged, see `handles`); the handler's traps read and write the
//! Lua table through lua-core, protected, so an error raised by a metamethod
//! becomes a JavaScript Error (Appendix B #5) and never aborts.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use lua_core::{Kind, RegRef, Stack, Table};
use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::{Failure, JsError};
use crate::from_js::push_value;
use crate::handles::{external, external_data, HandleKind};
use crate::js::{Env, Raw};
use crate::to_js::to_js;

/// Builds the Proxy for `table`.
pub fn make_proxy(cx: &Rc<Context>, table: Table) -> Result<Raw, JsError> {
    let env = cx.env;
    let [ctor, handler, inspect_symbol, inspector] = cx.proxy_parts()?;
    let target = env.object()?;
    // The handle moves into the External: no second anchor to allocate.
    let ext = external(cx, HandleKind::Table, table.into_ref())?;
    let descriptor = |utf8name: *const std::ffi::c_char, name: Raw, value: Raw| sys::napi_property_descriptor {
        utf8name,
        name,
        method: None,
        getter: None,
        setter: None,
        value,
        attributes: sys::PropertyAttributes::configurable,
        data: ptr::null_mut(),
    };
    // `util.inspect` reads the target, not through the traps: the inspector
    // sits there, beside the handle.
    let props = [descriptor(c"_tableRef".as_ptr(), ptr::null_mut(), ext), descriptor(ptr::null(), inspect_symbol, inspector)];
    let mut proxy = ptr::null_mut();
    // SAFETY: valid env, objects and one descriptor.
    unsafe {
        env.check(sys::napi_define_properties(env.0, target, props.len(), props.as_ptr()))?;
        let args = [target, handler];
        env.check(sys::napi_new_instance(env.0, ctor, 2, args.as_ptr(), &mut proxy))?;
    }
    Ok(proxy)
}

/// The handler object with the five traps, made once per context.
pub fn make_handler(env: Env) -> Result<Raw, JsError> {
    let handler = env.object()?;
    let traps: [(&std::ffi::CStr, unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value); 5] = [
        (c"get", trap_get),
        (c"set", trap_set),
        (c"has", trap_has),
        (c"ownKeys", trap_own_keys),
        (c"getOwnPropertyDescriptor", trap_descriptor),
    ];
    for (name, f) in traps {
        let mut func = ptr::null_mut();
        // SAFETY: valid env; the trap needs no data.
        env.check(unsafe { sys::napi_create_function(env.0, name.as_ptr(), name.to_bytes().len() as isize, Some(f), ptr::null_mut(), &mut func) })?;
        env.set_named(handler, name, func)?;
    }
    Ok(handler)
}

/// The Lua table a Proxy of this context stands for. The `get` trap hands
/// out the target's `_tableRef` External, whose tag and owner are checked.
/// Borrowed from the External, as in `handles::plain_lua_ref_of`: use it at once.
/// A released Proxy of this context is refused.
pub fn table_of_key<'a>(cx: &Rc<Context>, v: Raw, key: Raw) -> Result<Option<&'a RegRef>, JsError> {
    let env = cx.env;
    let ext = match env.get_property(v, key) {
        Ok(ext) => ext,
        Err(_) => {
            env.take_exception();
            return Ok(None);
        }
    };
    let Some(d) = external_data(env, ext).filter(|d| d.kind == HandleKind::Table) else {
        return Ok(None);
    };
    match d.value_now() {
        Some(value) if value.lua().ptr_eq(&cx.lua()) => Ok(Some(value)),
        None if Rc::ptr_eq(&d.cx, cx) => Err(JsError::released("table handle")),
        _ => Ok(None),
    }
}

/// The context of a Proxy's target and its table (the caller's own `Rc`,
/// so a `release()` run by a metamethod cannot free it under the trap).
fn target_table<'a>(env: Env, target: Raw) -> Result<(&'a Rc<Context>, Rc<RegRef>), JsError> {
    let ext = env.get_named(target, c"_tableRef")?;
    match external_data(env, ext) {
        Some(d) if d.kind == HandleKind::Table => {
            let value = d.value().ok_or_else(|| JsError::released("table handle"))?;
            // A Proxy's stale and closed texts say "Lua table handle", as
            // the original's 1.1.0 does (parity: reset/dispose.stale-proxy).
            d.cx.check_handle(value.lua(), "Lua table handle")?;
            Ok((&d.cx, value))
        }
        _ => Err(JsError::type_error("Invalid Lua table reference")),
    }
}

/// The Proxy's own data (for `release()` and `set_metatable`), if `v` is
/// a Proxy made by any context.
pub fn proxy_data<'a>(env: Env, v: Raw) -> Option<&'a crate::handles::HandleData> {
    let ext = match env.get_named(v, c"_tableRef") {
        Ok(ext) => ext,
        Err(_) => {
            env.take_exception();
            return None;
        }
    };
    external_data(env, ext).filter(|d| d.kind == HandleKind::Table)
}

/// The Lua key for a property name: an integer when the whole name is an
/// optional `-` and ASCII digits (`"1"`, `"-5"`, `"007"` → 7) that fit in 64
/// bits, else the string itself (cut at a NUL). `" 1"`, `"+2"`, `"2.5"` and
/// `"1e0"` are string keys, as in the original's 1.1.0.
fn push_key(stack: &Stack<'_>, name: &[u8]) -> lua_core::Result<()> {
    let name = name.iter().position(|&b| b == 0).map_or(name, |end| &name[..end]);
    match integer_key(name) {
        Some(i) => stack.push_integer(i),
        None => stack.push_bytes(name),
    }
}

fn integer_key(s: &[u8]) -> Option<i64> {
    let digits = s.strip_prefix(b"-").unwrap_or(s);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Reads a trap's arguments, runs `body`, and turns failures into exceptions.
fn trap(env: sys::napi_env, info: sys::napi_callback_info, body: impl FnOnce(Env, &[Raw]) -> Result<Raw, JsError>) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (args, _) = crate::glue::read_args(env, info)?;
        body(env, args.argv())
    }));
    crate::glue::finish(env, result)
}

fn is_symbol(env: Env, v: Raw) -> bool {
    env.type_of(v) == ValueType::napi_symbol
}

fn key_is(env: Env, key: Raw, name: &str) -> bool {
    env.with_string(key, |b| b == name.as_bytes()).unwrap_or(false)
}

/// `t[k]` through metamethods, converted to JS.
fn read(cx: &Rc<Context>, table: &RegRef, key: Raw) -> Result<Raw, JsError> {
    let env = cx.env;
    env.with_string(key, |name| {
        cx.lua().index_with(table, |s| push_key(s, name), |v| to_js(cx, v))?
    })?
}

unsafe extern "C" fn trap_get(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    trap(env, info, |env, a| {
        let (target, key) = (a[0], a[1]);
        if is_symbol(env, key) || key_is(env, key, "then") {
            return Ok(env.undefined());
        }
        if key_is(env, key, "_tableRef") {
            return env.get_named(target, c"_tableRef");
        }
        let (cx, table) = target_table(env, target)?;
        read(cx, &table, key)
    })
}

unsafe extern "C" fn trap_set(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    trap(env, info, |env, a| {
        let (target, key, value) = (a[0], a[1], a[2]);
        if is_symbol(env, key) {
            return Ok(env.boolean(true));
        }
        let (cx, table) = target_table(env, target)?;
        let mut failure = Failure::default();
        let outcome = env.with_string(key, |name| {
            cx.lua().assign_with(&table, |s| {
                push_key(s, name)?;
                push_value(cx, s, value, 0).map_err(|e| failure.keep(e))
            })
        })?;
        failure.finish(env, outcome)?;
        Ok(env.boolean(true))
    })
}

fn has(cx: &Rc<Context>, table: &RegRef, key: Raw) -> Result<bool, JsError> {
    cx.env.with_string(key, |name| cx.lua().index_with(table, |s| push_key(s, name), |v| v.kind() != Kind::Nil))?.map_err(JsError::from)
}

unsafe extern "C" fn trap_has(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    trap(env, info, |env, a| {
        let (target, key) = (a[0], a[1]);
        if is_symbol(env, key) {
            return Ok(env.boolean(false));
        }
        if key_is(env, key, "_tableRef") {
            return Ok(env.boolean(true));
        }
        let (cx, table) = target_table(env, target)?;
        Ok(env.boolean(has(cx, &table, key)?))
    })
}

unsafe extern "C" fn trap_own_keys(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    trap(env, info, |env, a| {
        let (cx, table) = target_table(env, a[0])?;
        let keys = env.array(0)?;
        let mut n = 0u32;
        let mut failure = None;
        cx.lua().for_each_key(&table, |k| {
            let text = match k.kind() {
                Kind::String => Some(k.as_bytes().unwrap_or_default().to_vec()),
                Kind::Number => k.number_text().map(String::into_bytes),
                _ => None,
            };
            if let Some(text) = text {
                let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
                match env.string(&text[..end]).and_then(|s| env.set_element(keys, n, s)) {
                    Ok(()) => n += 1,
                    Err(e) => {
                        failure = Some(e);
                        return Err(lua_core::Error::conversion("key"));
                    }
                }
            }
            Ok(())
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(keys),
        }
    })
}

unsafe extern "C" fn trap_descriptor(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    trap(env, info, |env, a| {
        let (target, key) = (a[0], a[1]);
        if is_symbol(env, key) {
            return Ok(env.undefined());
        }
        let (cx, table) = target_table(env, target)?;
        if !has(cx, &table, key)? {
            return Ok(env.undefined());
        }
        let value = read(cx, &table, key)?;
        let desc = env.object()?;
        env.set_named(desc, c"value", value)?;
        env.set_named(desc, c"enumerable", env.boolean(true))?;
        env.set_named(desc, c"configurable", env.boolean(true))?;
        Ok(desc)
    })
}

#[cfg(test)]
mod tests {
    use super::integer_key;

    #[test]
    fn integer_keys_are_an_optional_minus_and_digits() {
        assert_eq!(integer_key(b"1"), Some(1));
        assert_eq!(integer_key(b"007"), Some(7));
        assert_eq!(integer_key(b"-5"), Some(-5));
        assert_eq!(integer_key(b"-0"), Some(0));
        assert_eq!(integer_key(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(integer_key(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(integer_key(b"9223372036854775808"), None);
        assert_eq!(integer_key(b" 1"), None);
        assert_eq!(integer_key(b"+2"), None);
        assert_eq!(integer_key(b"2.5"), None);
        assert_eq!(integer_key(b"1e0"), None);
        assert_eq!(integer_key(b"-"), None);
        assert_eq!(integer_key(b""), None);
        assert_eq!(integer_key(b"1 "), None);
        assert_eq!(integer_key(b"abc"), None);
    }
}
