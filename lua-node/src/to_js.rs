//! Lua values to JavaScript, built directly while lua-core walks the stack.
//!
//! The context's modes shape the result (B12, B16, B18): `binaryStrings`
//! gives string values as `Uint8Array`s, `strictConversion` turns the silent
//! losses of the object shape into errors, `tableAs: 'map'` asks lua-core for
//! maps with typed keys. Integers beyond ±(2^53−1) become BigInts (B3). The
//! converters of `register_from_lua_converter` (B10) see every object result,
//! at every level; primitives never reach them.

use std::ffi::c_void;
use std::rc::Rc;

use lua_core::{AnyUserData, Function, KeyOrigin, MapKey, Results, StackValue, Table, Thread, Visitor};
use napi::sys::ValueType;

use crate::context::Context;
use crate::convert::{Converters, Modes, STRICT};
use crate::error::JsError;
use crate::js::{Env, Raw};

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE: u64 = (1 << 53) - 1;

pub struct ToJs<'a> {
    cx: &'a Rc<Context>,
    env: Env,
    modes: Modes,
    converters: Option<Converters>,
    /// `Map` and `Map.prototype.set`, read on first use.
    map: Option<(Raw, Raw)>,
    /// Property names made by this conversion (made on first use).
    names: Option<Box<NameCache>>,
}

/// Keys at most this long are remembered by `NameCache`.
const NAME_BYTES: usize = 24;
/// How many property names `NameCache` remembers.
const NAME_SLOTS: usize = 8;

/// The property names one conversion made, by their bytes: the keys of a
/// list of records repeat in every record, and one JavaScript string serves
/// them all (issue 18: a string made per key was most of a small table's
/// cost). The strings are handles of the conversion's own scope, used only
/// within it; a JavaScript string is immutable, so sharing one is the same
/// as making an equal one again.
struct NameCache {
    entries: [(u8, [u8; NAME_BYTES], Raw); NAME_SLOTS],
    used: usize,
    next: usize,
}

impl NameCache {
    fn new() -> NameCache {
        NameCache { entries: [(0, [0; NAME_BYTES], std::ptr::null_mut()); NAME_SLOTS], used: 0, next: 0 }
    }

    /// The name for `key`, made by `make` unless an equal one was made before.
    #[inline]
    fn get(&mut self, key: &[u8], make: impl FnOnce() -> Result<Raw, JsError>) -> Result<Raw, JsError> {
        if key.len() > NAME_BYTES {
            return make();
        }
        for (len, bytes, name) in &self.entries[..self.used] {
            if *len as usize == key.len() && &bytes[..key.len()] == key {
                return Ok(*name);
            }
        }
        let name = make()?;
        let slot = &mut self.entries[self.next];
        slot.0 = key.len() as u8;
        slot.1[..key.len()].copy_from_slice(key);
        slot.2 = name;
        self.next = (self.next + 1) % NAME_SLOTS;
        self.used = (self.used + 1).min(NAME_SLOTS);
        Ok(name)
    }
}

impl<'a> ToJs<'a> {
    pub fn new(cx: &'a Rc<Context>) -> ToJs<'a> {
        ToJs { cx, env: cx.env, modes: cx.modes.get(), converters: crate::convert::snapshot(&cx.from_lua_converters), map: None, names: None }
    }

    /// Applies the from-Lua converters to a converted value: objects only;
    /// the first converter whose `match` accepts it replaces it, verbatim.
    #[inline]
    pub fn finish(&mut self, v: Raw) -> Result<Raw, JsError> {
        if self.converters.is_none() {
            return Ok(v);
        }
        self.apply_converters(v)
    }

    #[inline(never)]
    fn apply_converters(&mut self, v: Raw) -> Result<Raw, JsError> {
        let Some(list) = &self.converters else { return Ok(v) };
        if self.env.type_of(v) != ValueType::napi_object {
            return Ok(v);
        }
        let list = list.clone();
        Ok(crate::convert::apply(self.env, &list, v)?.unwrap_or(v))
    }

    /// Converts one value (a top-level value: a result, an argument).
    pub fn convert(&mut self, value: StackValue<'_>) -> Result<Raw, JsError> {
        let v = value.visit(self)?;
        self.finish(v)
    }
}

/// Converts one value with the context's modes and converters.
pub fn to_js(cx: &Rc<Context>, value: StackValue<'_>) -> Result<Raw, JsError> {
    ToJs::new(cx).convert(value)
}

/// A Lua integer in JavaScript: a number, or a BigInt beyond ±(2^53−1) (B3).
#[inline]
fn integer(env: Env, i: i64) -> Result<Raw, JsError> {
    if i.unsigned_abs() > MAX_SAFE {
        return env.bigint(i);
    }
    env.number(i as f64)
}

fn strict(rest: String) -> JsError {
    JsError::error(format!("{STRICT}{rest}"), "LUA_CONVERSION")
}

/// A key's bytes for an error message (NUL shown as `\0`).
fn shown(key: &[u8]) -> String {
    String::from_utf8_lossy(key).replace('\0', "\\0")
}

/// The strict error for a string key that a JavaScript key would change:
/// one with a NUL (object shape only: property names stop there) or one
/// that is not UTF-8 (overlong forms and surrogates included).
fn lossy_key(key: &[u8], nul_matters: bool) -> Option<JsError> {
    if nul_matters && key.contains(&0) {
        return Some(strict(format!(
            "the Lua table key \"{}\" contains an embedded NUL, so the JavaScript property name would be truncated at that byte. Read the table in place with get_global_ref() and handle.pairs() to keep such keys.",
            shown(key)
        )));
    }
    if std::str::from_utf8(key).is_err() {
        return Some(strict(format!(
            "the Lua table key \"{}\" is not valid UTF-8, so its invalid bytes would be replaced with U+FFFD in the JavaScript key. Read the table in place with get_global_ref() and handle.pairs() to keep such keys.",
            shown(key)
        )));
    }
    None
}

impl Visitor for ToJs<'_> {
    type Value = Raw;
    type Error = JsError;

    fn nil(&mut self) -> Result<Raw, JsError> {
        Ok(self.env.null())
    }

    fn boolean(&mut self, b: bool) -> Result<Raw, JsError> {
        Ok(self.env.boolean(b))
    }

    fn integer(&mut self, i: i64) -> Result<Raw, JsError> {
        integer(self.env, i)
    }

    fn number(&mut self, n: f64) -> Result<Raw, JsError> {
        self.env.number(n)
    }

    fn string(&mut self, s: &[u8]) -> Result<Raw, JsError> {
        if self.modes.binary_strings {
            return self.env.uint8_array(s);
        }
        self.env.string(s)
    }

    fn new_array(&mut self, len: usize) -> Result<Raw, JsError> {
        self.env.array(len)
    }

    fn array_set(&mut self, array: &Raw, index: usize, value: Raw) -> Result<(), JsError> {
        let value = self.finish(value)?;
        self.env.set_element(*array, index as u32, value)
    }

    fn new_object(&mut self) -> Result<Raw, JsError> {
        self.env.object()
    }

    fn object_set(&mut self, object: &Raw, key: &[u8], value: Raw, may_repeat: bool) -> Result<(), JsError> {
        self.object_field(object, key, KeyOrigin::String, value, may_repeat)
    }

    fn object_field(&mut self, object: &Raw, key: &[u8], origin: KeyOrigin, value: Raw, may_repeat: bool) -> Result<(), JsError> {
        if self.modes.strict && origin == KeyOrigin::String {
            if let Some(e) = lossy_key(key, true) {
                return Err(e);
            }
        }
        // Property names stop at a NUL, as C strings do in the original.
        let key = match key.iter().position(|&b| b == 0) {
            Some(end) => &key[..end],
            None => key,
        };
        let env = self.env;
        let name = self.names.get_or_insert_with(|| Box::new(NameCache::new())).get(key, || env.string(key))?;
        if may_repeat && self.env.has_own(*object, name)? {
            if self.modes.strict {
                // Distinct numbers never share a text, so one of the two
                // keys was a number and the other a string.
                let k = shown(key);
                return Err(strict(format!(
                    "the Lua table keys {k} (number) and \"{k}\" (string) both become the JavaScript property \"{k}\", so one value would be lost. Read the table in place with get_global_ref() to keep both."
                )));
            }
            return Ok(()); // the first key met keeps its value
        }
        let value = self.finish(value)?;
        // A `__proto__` key sets the object's prototype, as in the original
        // (parity: tables.proto-key-object); a Proxy prototype then runs Lua
        // for later keys, which lua-core's table walk survives.
        self.env.set_property(*object, name, value)
    }

    fn key_skipped(&mut self, type_name: &str) -> Result<(), JsError> {
        if self.modes.strict {
            return Err(strict(format!(
                "a Lua table key of type '{type_name}' would be dropped converting this table to JavaScript, which can only key an object by string or number. Read the table in place with get_global_ref() to keep such keys."
            )));
        }
        Ok(())
    }

    fn map_tables(&self) -> bool {
        self.modes.table_as_map
    }

    fn new_map(&mut self) -> Result<Raw, JsError> {
        let (ctor, _) = self.map_parts()?;
        crate::convert::new_map(self.env, ctor)
    }

    fn map_key(&mut self, key: MapKey<'_>) -> Result<Raw, JsError> {
        match key {
            MapKey::Boolean(b) => self.boolean(b),
            MapKey::Integer(i) => self.integer(i),
            MapKey::Number(n) => self.number(n),
            MapKey::String(s) => {
                // A JS string keeps NULs; only bytes that are not UTF-8 change.
                if self.modes.strict && !self.modes.binary_strings {
                    if let Some(e) = lossy_key(s, false) {
                        return Err(e);
                    }
                }
                self.string(s)
            }
        }
    }

    fn map_set(&mut self, map: &Raw, key: Raw, value: Raw) -> Result<(), JsError> {
        let value = self.finish(value)?;
        let (_, set) = self.map_parts()?;
        self.env.call(set, *map, &[key, value]).map(|_| ())
    }

    fn table_ref(&mut self, table: Table) -> Result<Raw, JsError> {
        crate::proxy::make_proxy(self.cx, table)
    }

    fn function(&mut self, f: Function) -> Result<Raw, JsError> {
        crate::lua_function::wrap(self.cx, f)
    }

    fn thread(&mut self, t: Thread) -> Result<Raw, JsError> {
        crate::handles::coroutine_object(self.cx, t)
    }

    fn host_object(&mut self, id: u64, _access: lua_core::Access) -> Result<Raw, JsError> {
        Ok(self.cx.object_value(id).unwrap_or_else(|| self.env.null()))
    }

    fn userdata(&mut self, u: AnyUserData) -> Result<Raw, JsError> {
        crate::handles::userdata_object(self.cx, u)
    }

    fn light_userdata(&mut self, _p: *mut c_void) -> Result<Raw, JsError> {
        Ok(self.env.null())
    }
}

impl ToJs<'_> {
    fn map_parts(&mut self) -> Result<(Raw, Raw), JsError> {
        if let Some(parts) = self.map {
            return Ok(parts);
        }
        let parts = self.cx.builtins()?.map(self.env)?;
        self.map = Some(parts);
        Ok(parts)
    }
}

/// The spec's result shaping: no value → `undefined`, one → that value,
/// several → an array of them.
#[inline(always)]
pub fn shape(cx: &Rc<Context>, results: Results<'_>) -> Result<Raw, JsError> {
    if results.len() == 1 {
        // A number converts the same whatever the modes and converters
        // (which apply to objects only): no conversion set up for it.
        let v = results.get(0);
        if let Some(i) = v.as_integer() {
            return integer(cx.env, i);
        }
        if let Some(n) = v.as_number() {
            return cx.env.number(n);
        }
    }
    shape_values(cx, results)
}

/// One number a call returned (lua-core's shortcut for it), as `shape`
/// converts it.
#[inline(always)]
pub fn number(env: Env, n: lua_core::Number) -> Result<Raw, JsError> {
    match n {
        lua_core::Number::Integer(i) => integer(env, i),
        lua_core::Number::Float(f) => env.number(f),
    }
}

/// `shape` for anything but one number.
#[inline(never)]
fn shape_values(cx: &Rc<Context>, results: Results<'_>) -> Result<Raw, JsError> {
    let mut to_js = ToJs::new(cx);
    match results.len() {
        0 => Ok(cx.env.undefined()),
        1 => to_js.convert(results.get(0)),
        n => {
            let array = cx.env.array(n)?;
            for (i, v) in results.iter().enumerate() {
                let item = to_js.convert(v)?;
                cx.env.set_element(array, i as u32, item)?;
            }
            Ok(array)
        }
    }
}
