//! A thin, checked layer over the raw Node-API calls the addon needs. Every
//! call's status is checked; a pending JavaScript exception is reported as
//! `JsError::Pending` so callers can decide what the spec wants done with it.

use std::ffi::{c_char, c_void};
use std::ptr;

use napi::sys;
use napi::sys::{napi_env, napi_value, Status, ValueType};

use crate::error::JsError;

pub type Raw = napi_value;

/// The environment of the current call. Copy, like the raw pointer it holds.
#[derive(Clone, Copy)]
pub struct Env(pub napi_env);

/// Short strings are read into a stack buffer in one call; longer ones take
/// two (length, then bytes).
const INLINE_STRING: usize = 256;

impl Env {
    #[inline]
    pub fn check(self, status: sys::napi_status) -> Result<(), JsError> {
        if status == Status::napi_ok {
            return Ok(());
        }
        self.failed(status)
    }

    /// The error of an N-API call that did not succeed (out of line: every
    /// call's success path inlines `check`).
    #[cold]
    #[inline(never)]
    fn failed(self, status: sys::napi_status) -> Result<(), JsError> {
        match status {
            Status::napi_ok => Ok(()),
            Status::napi_pending_exception => Err(JsError::Pending),
            _ => {
                let mut pending = false;
                // SAFETY: a query of the engine's state with a valid env.
                unsafe { sys::napi_is_exception_pending(self.0, &mut pending) };
                if pending {
                    Err(JsError::Pending)
                } else {
                    Err(JsError::error(format!("Node-API call failed (status {status})"), "LUA_INTERNAL"))
                }
            }
        }
    }

    #[inline]
    pub fn undefined(self) -> Raw {
        let mut v = ptr::null_mut();
        // SAFETY: cannot fail with a valid env.
        unsafe { sys::napi_get_undefined(self.0, &mut v) };
        v
    }

    #[inline]
    pub fn null(self) -> Raw {
        let mut v = ptr::null_mut();
        // SAFETY: cannot fail with a valid env.
        unsafe { sys::napi_get_null(self.0, &mut v) };
        v
    }

    #[inline]
    pub fn boolean(self, b: bool) -> Raw {
        let mut v = ptr::null_mut();
        // SAFETY: cannot fail with a valid env.
        unsafe { sys::napi_get_boolean(self.0, b, &mut v) };
        v
    }

    #[inline]
    pub fn number(self, n: f64) -> Result<Raw, JsError> {
        let mut v = ptr::null_mut();
        // SAFETY: valid env and out pointer.
        self.check(unsafe { sys::napi_create_double(self.0, n, &mut v) })?;
        Ok(v)
    }

    /// A string from UTF-8 bytes; invalid sequences become U+FFFD, NULs are kept.
    pub fn string(self, s: &[u8]) -> Result<Raw, JsError> {
        let mut v = ptr::null_mut();
        // SAFETY: the bytes and their length are passed together.
        self.check(unsafe { sys::napi_create_string_utf8(self.0, s.as_ptr() as *const c_char, s.len() as isize, &mut v) })?;
        Ok(v)
    }

    pub fn str(self, s: &str) -> Result<Raw, JsError> {
        self.string(s.as_bytes())
    }

    #[inline]
    pub fn object(self) -> Result<Raw, JsError> {
        let mut v = ptr::null_mut();
        // SAFETY: valid env and out pointer.
        self.check(unsafe { sys::napi_create_object(self.0, &mut v) })?;
        Ok(v)
    }

    #[inline]
    pub fn array(self, len: usize) -> Result<Raw, JsError> {
        let mut v = ptr::null_mut();
        // SAFETY: valid env and out pointer.
        self.check(unsafe { sys::napi_create_array_with_length(self.0, len, &mut v) })?;
        Ok(v)
    }

    #[inline]
    pub fn type_of(self, v: Raw) -> sys::napi_valuetype {
        let mut t = ValueType::napi_undefined;
        // SAFETY: valid env and value.
        unsafe { sys::napi_typeof(self.0, v, &mut t) };
        t
    }

    /// `typeof v === 'object' && v !== null`, or a function (node-addon-api's IsObject).
    pub fn is_object(self, v: Raw) -> bool {
        matches!(self.type_of(v), ValueType::napi_object | ValueType::napi_function)
    }

    pub fn is_array(self, v: Raw) -> bool {
        let mut b = false;
        // SAFETY: valid env and value.
        unsafe { sys::napi_is_array(self.0, v, &mut b) };
        b
    }

    pub fn get_bool(self, v: Raw) -> bool {
        let mut b = false;
        // SAFETY: the caller checked the type.
        unsafe { sys::napi_get_value_bool(self.0, v, &mut b) };
        b
    }

    /// The value of `v` if it is a number: one N-API call where a type
    /// check and a read would be two (issue 18), for values that are
    /// mostly numbers.
    #[inline]
    pub fn try_number(self, v: Raw) -> Option<f64> {
        let mut n = 0.0;
        // SAFETY: valid env and value; any other type is reported as
        // `napi_number_expected`, with no exception pending.
        (unsafe { sys::napi_get_value_double(self.0, v, &mut n) } == sys::Status::napi_ok).then_some(n)
    }

    #[inline]
    pub fn get_number(self, v: Raw) -> f64 {
        let mut n = 0.0;
        // SAFETY: the caller checked the type.
        unsafe { sys::napi_get_value_double(self.0, v, &mut n) };
        n
    }

    /// Hands the UTF-8 bytes of the string `v` to `f` (lone surrogates
    /// become U+FFFD; NULs are kept).
    pub fn with_string<R>(self, v: Raw, f: impl FnOnce(&[u8]) -> R) -> Result<R, JsError> {
        self.with_string_nul(v, |b| f(&b[..b.len() - 1]))
    }

    /// As `with_string`, with the NUL N-API writes after the string kept at
    /// the end of the bytes handed to `f` (the string's own NULs are kept
    /// too): a C string up to its first NUL without a copy.
    pub fn with_string_nul<R>(self, v: Raw, f: impl FnOnce(&[u8]) -> R) -> Result<R, JsError> {
        let mut inline = [0u8; INLINE_STRING];
        let mut len = 0usize;
        // SAFETY: the buffer size passed is the buffer's size; N-API writes at
        // most size - 1 bytes plus a NUL and reports how many it wrote.
        self.check(unsafe { sys::napi_get_value_string_utf8(self.0, v, inline.as_mut_ptr() as *mut c_char, INLINE_STRING, &mut len) })?;
        // V8 writes whole characters only: a string it cut short left room
        // for less than one more (up to 4 bytes), so 4 spare bytes prove
        // the whole string is in the buffer.
        if len + 4 < INLINE_STRING - 1 {
            return Ok(f(&inline[..=len]));
        }
        // SAFETY: a NULL buffer asks for the length only.
        self.check(unsafe { sys::napi_get_value_string_utf8(self.0, v, ptr::null_mut(), 0, &mut len) })?;
        let mut heap = vec![0u8; len + 1];
        // SAFETY: as above, with a buffer of len + 1 bytes.
        self.check(unsafe { sys::napi_get_value_string_utf8(self.0, v, heap.as_mut_ptr() as *mut c_char, len + 1, &mut len) })?;
        Ok(f(&heap[..=len]))
    }

    pub fn string_value(self, v: Raw) -> Result<String, JsError> {
        self.with_string(v, |b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn array_len(self, v: Raw) -> Result<u32, JsError> {
        let mut n = 0u32;
        // SAFETY: the caller checked it is an array.
        self.check(unsafe { sys::napi_get_array_length(self.0, v, &mut n) })?;
        Ok(n)
    }

    #[inline]
    pub fn get_element(self, v: Raw, i: u32) -> Result<Raw, JsError> {
        let mut out = ptr::null_mut();
        // SAFETY: valid env, object and out pointer; getters may throw (checked).
        self.check(unsafe { sys::napi_get_element(self.0, v, i, &mut out) })?;
        Ok(out)
    }

    #[inline]
    pub fn set_element(self, v: Raw, i: u32, item: Raw) -> Result<(), JsError> {
        // SAFETY: valid env and values.
        self.check(unsafe { sys::napi_set_element(self.0, v, i, item) })
    }

    pub fn get_property(self, v: Raw, key: Raw) -> Result<Raw, JsError> {
        let mut out = ptr::null_mut();
        // SAFETY: valid env and values; getters may throw (checked).
        self.check(unsafe { sys::napi_get_property(self.0, v, key, &mut out) })?;
        Ok(out)
    }

    pub fn get_named(self, v: Raw, name: &std::ffi::CStr) -> Result<Raw, JsError> {
        let mut out = ptr::null_mut();
        // SAFETY: valid env, value and NUL-terminated name.
        self.check(unsafe { sys::napi_get_named_property(self.0, v, name.as_ptr(), &mut out) })?;
        Ok(out)
    }

    /// Ordinary `[[Set]]`: `obj[key] = value`.
    #[inline]
    pub fn set_property(self, v: Raw, key: Raw, value: Raw) -> Result<(), JsError> {
        // SAFETY: valid env and values.
        self.check(unsafe { sys::napi_set_property(self.0, v, key, value) })
    }

    pub fn set_named(self, v: Raw, name: &std::ffi::CStr, value: Raw) -> Result<(), JsError> {
        // SAFETY: valid env, value and NUL-terminated name.
        self.check(unsafe { sys::napi_set_named_property(self.0, v, name.as_ptr(), value) })
    }

    /// `key in v` (prototype chain included).
    pub fn has_property(self, v: Raw, key: &std::ffi::CStr) -> Result<bool, JsError> {
        let mut b = false;
        // SAFETY: valid env, value and name.
        self.check(unsafe { sys::napi_has_named_property(self.0, v, key.as_ptr(), &mut b) })?;
        Ok(b)
    }

    pub fn has_own(self, v: Raw, key: Raw) -> Result<bool, JsError> {
        let mut b = false;
        // SAFETY: valid env and values.
        self.check(unsafe { sys::napi_has_own_property(self.0, v, key, &mut b) })?;
        Ok(b)
    }

    /// Enumerable string keys, inherited ones included (for-in order).
    pub fn property_names(self, v: Raw) -> Result<Raw, JsError> {
        let mut out = ptr::null_mut();
        // SAFETY: valid env and object.
        self.check(unsafe { sys::napi_get_property_names(self.0, v, &mut out) })?;
        Ok(out)
    }

    #[inline]
    pub fn call(self, f: Raw, this: Raw, args: &[Raw]) -> Result<Raw, JsError> {
        let mut out = ptr::null_mut();
        // SAFETY: valid env, function and argument array.
        self.check(unsafe { sys::napi_call_function(self.0, this, f, args.len(), args.as_ptr(), &mut out) })?;
        Ok(out)
    }

    /// `Object.getPrototypeOf(v)` (a Proxy's trap may run, and throw).
    pub fn prototype(self, v: Raw) -> Result<Raw, JsError> {
        let mut out = ptr::null_mut();
        // SAFETY: valid env, object and out pointer.
        self.check(unsafe { sys::napi_get_prototype(self.0, v, &mut out) })?;
        Ok(out)
    }

    /// `a === b`.
    pub fn strict_equals(self, a: Raw, b: Raw) -> bool {
        let mut eq = false;
        // SAFETY: valid env and values; never throws.
        unsafe { sys::napi_strict_equals(self.0, a, b, &mut eq) };
        eq
    }

    /// `String(v)` of a number (ToString of a number runs no user code).
    pub fn number_text(self, v: Raw) -> Result<String, JsError> {
        let mut s = ptr::null_mut();
        // SAFETY: valid env and value; the caller passes a number.
        self.check(unsafe { sys::napi_coerce_to_string(self.0, v, &mut s) })?;
        self.string_value(s)
    }

    /// `!!v`.
    pub fn truthy(self, v: Raw) -> Result<bool, JsError> {
        let mut b = ptr::null_mut();
        // SAFETY: valid env and value; ToBoolean runs no user code.
        self.check(unsafe { sys::napi_coerce_to_bool(self.0, v, &mut b) })?;
        Ok(self.get_bool(b))
    }

    /// A BigInt holding `i`.
    pub fn bigint(self, i: i64) -> Result<Raw, JsError> {
        let mut v = ptr::null_mut();
        // SAFETY: valid env and out pointer.
        self.check(unsafe { sys::napi_create_bigint_int64(self.0, i, &mut v) })?;
        Ok(v)
    }

    /// The BigInt `v` as an i64, or None when it does not fit.
    pub fn bigint_i64(self, v: Raw) -> Result<Option<i64>, JsError> {
        let (mut i, mut lossless) = (0i64, false);
        // SAFETY: the caller checked the type.
        self.check(unsafe { sys::napi_get_value_bigint_int64(self.0, v, &mut i, &mut lossless) })?;
        Ok(lossless.then_some(i))
    }

    /// A `Uint8Array` holding a copy of `bytes`.
    pub fn uint8_array(self, bytes: &[u8]) -> Result<Raw, JsError> {
        let mut data = ptr::null_mut();
        let mut buffer = ptr::null_mut();
        let mut array = ptr::null_mut();
        // SAFETY: the ArrayBuffer is made with room for exactly `bytes.len()`
        // bytes, which are copied into it before any other engine call.
        unsafe {
            self.check(sys::napi_create_arraybuffer(self.0, bytes.len(), &mut data, &mut buffer))?;
            if !bytes.is_empty() {
                ptr::copy_nonoverlapping(bytes.as_ptr(), data as *mut u8, bytes.len());
            }
            self.check(sys::napi_create_typedarray(self.0, sys::TypedarrayType::uint8_array, bytes.len(), buffer, 0, &mut array))?;
        }
        Ok(array)
    }

    /// The bytes a TypedArray, DataView or ArrayBuffer views (exactly the
    /// view: its offset and length), handed to `f`; None when `v` is none of
    /// those. `uint8_only` accepts only `Uint8Array`s (and `Buffer`s).
    pub fn with_view_bytes<R>(self, v: Raw, uint8_only: bool, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>, JsError> {
        let mut is = false;
        let mut data: *mut c_void = ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: each query runs on a valid value; the info calls are made
        // only after the matching type check succeeded. N-API's `data` points
        // at the view's first byte (its byte offset already applied) and the
        // view has `len` bytes from there; a detached buffer reports NULL
        // and 0, which gives the empty slice below. No JavaScript runs while
        // the slice is borrowed, so the buffer cannot be detached under it.
        unsafe {
            sys::napi_is_typedarray(self.0, v, &mut is);
            if is {
                let mut kind = sys::TypedarrayType::int8_array;
                let mut count = 0usize;
                let mut byte_offset = 0usize;
                let mut buffer = ptr::null_mut();
                self.check(sys::napi_get_typedarray_info(self.0, v, &mut kind, &mut count, &mut data, &mut buffer, &mut byte_offset))?;
                if uint8_only && kind != sys::TypedarrayType::uint8_array {
                    return Ok(None);
                }
                let Some(size) = element_size(kind) else {
                    return Err(JsError::error(format!("Cannot convert a TypedArray of unknown element type ({kind}) to a Lua value"), "LUA_CONVERSION"));
                };
                len = count * size;
            } else if uint8_only {
                return Ok(None);
            } else {
                sys::napi_is_dataview(self.0, v, &mut is);
                if is {
                    let mut buffer = ptr::null_mut();
                    let mut byte_offset = 0usize;
                    self.check(sys::napi_get_dataview_info(self.0, v, &mut len, &mut data, &mut buffer, &mut byte_offset))?;
                } else {
                    sys::napi_is_arraybuffer(self.0, v, &mut is);
                    if !is {
                        return Ok(None);
                    }
                    self.check(sys::napi_get_arraybuffer_info(self.0, v, &mut data, &mut len))?;
                }
            }
            let bytes: &[u8] = if data.is_null() || len == 0 { &[] } else { std::slice::from_raw_parts(data as *const u8, len) };
            Ok(Some(f(bytes)))
        }
    }

    /// The time value of a `Date`, or None when `v` is not one.
    pub fn date_value(self, v: Raw) -> Result<Option<f64>, JsError> {
        let mut is = false;
        // SAFETY: valid env and value; the value is read only from a Date.
        unsafe {
            sys::napi_is_date(self.0, v, &mut is);
            if !is {
                return Ok(None);
            }
            let mut t = 0.0;
            self.check(sys::napi_get_date_value(self.0, v, &mut t))?;
            Ok(Some(t))
        }
    }

    /// Compiles and runs `source` (trusted text of this crate) in the
    /// current global scope, returning its completion value.
    pub fn run_script(self, source: &str) -> Result<Raw, JsError> {
        let script = self.str(source)?;
        let mut out = ptr::null_mut();
        // SAFETY: valid env and a string value.
        self.check(unsafe { sys::napi_run_script(self.0, script, &mut out) })?;
        Ok(out)
    }

    /// Throws `e` (a value taken with `take_exception`) again: the error to
    /// return is then `JsError::Pending`.
    #[cold]
    pub fn rethrow(self, e: Raw) -> JsError {
        // SAFETY: valid env and value; nothing is pending (it was taken).
        match unsafe { sys::napi_throw(self.0, e) } {
            Status::napi_ok => JsError::Pending,
            _ => JsError::error("unknown JavaScript exception", "LUA_RUNTIME"),
        }
    }

    /// Takes the pending exception, if any, and clears it.
    pub fn take_exception(self) -> Option<Raw> {
        let mut pending = false;
        // SAFETY: valid env; the exception is fetched only when one is pending.
        unsafe {
            sys::napi_is_exception_pending(self.0, &mut pending);
            if !pending {
                return None;
            }
            let mut e = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(self.0, &mut e);
            Some(e)
        }
    }

    /// The `message` of a thrown value when it is an object whose `message`
    /// is a string; empty otherwise (the spec's rule for host exceptions).
    pub fn exception_message(self, e: Raw) -> String {
        if !self.is_object(e) {
            return String::new();
        }
        match self.get_named(e, c"message") {
            Ok(m) if self.type_of(m) == ValueType::napi_string => self.string_value(m).unwrap_or_default(),
            _ => {
                self.take_exception();
                String::new()
            }
        }
    }

    /// Whether `v` is a Promise.
    #[inline]
    pub fn is_promise(self, v: Raw) -> bool {
        let mut is = false;
        // SAFETY: valid env and value; `is` is written on success only.
        unsafe { sys::napi_is_promise(self.0, v, &mut is) };
        is
    }

    pub fn reference(self, v: Raw) -> Result<sys::napi_ref, JsError> {
        let mut r = ptr::null_mut();
        // SAFETY: valid env and value; one strong reference.
        self.check(unsafe { sys::napi_create_reference(self.0, v, 1, &mut r) })?;
        Ok(r)
    }

    #[inline]
    pub fn deref(self, r: sys::napi_ref) -> Result<Raw, JsError> {
        let mut v = ptr::null_mut();
        // SAFETY: r is a live reference made by `reference`.
        self.check(unsafe { sys::napi_get_reference_value(self.0, r, &mut v) })?;
        Ok(v)
    }

    pub fn tag(self, v: Raw, tag: &sys::napi_type_tag) -> Result<(), JsError> {
        // SAFETY: valid env, object and tag.
        self.check(unsafe { sys::napi_type_tag_object(self.0, v, tag) })
    }

    pub fn has_tag(self, v: Raw, tag: &sys::napi_type_tag) -> bool {
        // Only objects (and functions, externals) can carry a tag; asking
        // about anything else would leave an exception pending.
        if !matches!(self.type_of(v), ValueType::napi_object | ValueType::napi_function | ValueType::napi_external) {
            return false;
        }
        let mut b = false;
        // SAFETY: valid env and an object-like value.
        unsafe { sys::napi_check_object_type_tag(self.0, v, tag, &mut b) };
        b
    }

    /// The native pointer wrapped into `v` (call only after checking its tag).
    pub fn unwrap_ptr(self, v: Raw) -> Result<*mut c_void, JsError> {
        let mut p = ptr::null_mut();
        // SAFETY: valid env and object.
        self.check(unsafe { sys::napi_unwrap(self.0, v, &mut p) })?;
        Ok(p)
    }
}

/// Runs `f` inside its own handle scope, so values made during one call from
/// Lua into JavaScript do not pile up until the outer call returns.
pub fn with_handle_scope<R>(env: Env, f: impl FnOnce() -> R) -> R {
    let mut scope = ptr::null_mut();
    // SAFETY: scopes are opened and closed in strict nesting on this thread.
    unsafe { sys::napi_open_handle_scope(env.0, &mut scope) };
    let r = f();
    // SAFETY: closes the scope opened above.
    unsafe { sys::napi_close_handle_scope(env.0, scope) };
    r
}

/// Bytes per element of a TypedArray kind; None for a kind this build does
/// not know (never guessed: a wrong size would read past the view).
fn element_size(kind: sys::napi_typedarray_type) -> Option<usize> {
    use sys::TypedarrayType as T;
    /// `napi_float16_array`, newer than the bindings.
    const FLOAT16_ARRAY: sys::napi_typedarray_type = 11;
    match kind {
        T::int8_array | T::uint8_array | T::uint8_clamped_array => Some(1),
        T::int16_array | T::uint16_array | FLOAT16_ARRAY => Some(2),
        T::int32_array | T::uint32_array | T::float32_array => Some(4),
        T::float64_array | T::bigint64_array | T::biguint64_array => Some(8),
        _ => None,
    }
}
