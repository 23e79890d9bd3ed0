//! Reading a Lua value into a host's own representation: the walk behind
//! [`StackValue::visit`](crate::StackValue::visit), with the spec's rules for
//! arrays, key text, depth and size, once for every host.

use std::ffi::{c_int, c_void};

use lua_sys::*;

use crate::error::{Error, Result, MAX_DEPTH};
use crate::raw::lua::Lua;
use crate::raw::protect::bytes_at;
use crate::raw::stack_value::{Kind, StackValue};
use crate::raw::value::{AnyUserData, Function, Table, Thread};

/// Slots a table level needs while it is walked: the table, a key and a
/// value, plus one spare for metatable checks.
pub(crate) const SLOTS_PER_LEVEL: c_int = 4;

/// Builds a host representation of a Lua value while [`StackValue::visit`]
/// walks it. Plain tables come as arrays or objects (the spec's rules);
/// everything that has identity comes as a handle.
pub trait Visitor {
    /// The host's representation of a value.
    type Value;
    /// The host's error (lua-core's errors convert into it).
    type Error: From<Error>;

    /// `nil`.
    fn nil(&mut self) -> Result<Self::Value, Self::Error>;
    /// A boolean.
    fn boolean(&mut self, b: bool) -> Result<Self::Value, Self::Error>;
    /// An integer.
    fn integer(&mut self, i: i64) -> Result<Self::Value, Self::Error>;
    /// A float.
    fn number(&mut self, n: f64) -> Result<Self::Value, Self::Error>;
    /// A string's bytes.
    fn string(&mut self, s: &[u8]) -> Result<Self::Value, Self::Error>;
    /// A new array of `len` items, filled by `array_set` with indices `0..len`.
    fn new_array(&mut self, len: usize) -> Result<Self::Value, Self::Error>;
    /// Sets item `index` (0-based) of an array made by `new_array`.
    fn array_set(&mut self, array: &Self::Value, index: usize, value: Self::Value) -> Result<(), Self::Error>;
    /// A new object, filled by `object_set`.
    fn new_object(&mut self) -> Result<Self::Value, Self::Error>;
    /// Adds a field. `may_repeat` is true when an earlier key of the same
    /// table could have produced the same text (a number key and a
    /// number-like string): then the first one set must win.
    fn object_set(&mut self, object: &Self::Value, key: &[u8], value: Self::Value, may_repeat: bool) -> Result<(), Self::Error>;
    /// A table with a metatable: passed by reference, never copied.
    fn table_ref(&mut self, table: Table) -> Result<Self::Value, Self::Error>;
    /// A function, by reference.
    fn function(&mut self, f: Function) -> Result<Self::Value, Self::Error>;
    /// A coroutine, by reference.
    fn thread(&mut self, t: Thread) -> Result<Self::Value, Self::Error>;
    /// A userdata made by the host (see `host::HostObjects`, feature `host-binding`).
    fn host_object(&mut self, id: u64, access: crate::Access) -> Result<Self::Value, Self::Error>;
    /// Any other full userdata (an `io` file, a C module's object).
    fn userdata(&mut self, u: AnyUserData) -> Result<Self::Value, Self::Error>;
    /// A light userdata.
    fn light_userdata(&mut self, p: *mut c_void) -> Result<Self::Value, Self::Error>;
}

pub(crate) fn visit_at<V: Visitor>(lua: &Lua, l: *mut lua_State, idx: c_int, v: &mut V, depth: usize) -> Result<V::Value, V::Error> {
    if depth > MAX_DEPTH {
        return Err(Error::depth().into());
    }
    crate::raw::limits::charge_host(&lua.rt, 1)?;
    let value = StackValue::at(l, idx, lua, lua.rt.occupancy().frame());
    match value.kind() {
        Kind::Nil => v.nil(),
        Kind::Boolean => v.boolean(value.as_boolean()),
        Kind::Number => match value.as_integer() {
            Some(i) => v.integer(i),
            None => v.number(value.as_number().unwrap_or(f64::NAN)),
        },
        Kind::String => v.string(value.as_bytes().unwrap_or_default()),
        Kind::Table if value.has_metatable() => v.table_ref(Table(value.to_ref()?)),
        Kind::Table => {
            if TABLES_VISITED.with(|c| c.replace(c.get() + 1)) >= MAX_TABLES {
                return Err(too_many_tables().into());
            }
            // SAFETY: both reads only look at the values (no allocation).
            if unsafe { lua_topointer(l, idx) == lua_topointer(l, LUA_REGISTRYINDEX) } {
                // Every reference the host holds lives in it: each copy would
                // make a new reference for each function in it, so copying it
                // twice would double it.
                return Err(Error::conversion(REGISTRY_NOT_CONVERTED).into());
            }
            visit_table(lua, l, idx, v, depth)
        }
        Kind::Function => v.function(Function(value.to_ref()?)),
        Kind::Thread => v.thread(Thread(value.to_ref()?)),
        Kind::UserData => match value.host_object() {
            Some((id, access)) => v.host_object(id, access),
            None => v.userdata(AnyUserData(value.to_ref()?)),
        },
        // SAFETY: a non-raising read of a light userdata.
        Kind::LightUserData => v.light_userdata(unsafe { lua_touserdata(l, idx) }),
    }
}

/// The most tables one conversion walks. A table reached twice is copied
/// twice (copies, not references), so a script can build a value whose copy
/// grows exponentially within the depth limit (`t = {a = t, b = t}`, 40
/// times); no execution limit runs during a conversion, so this bounds it.
pub const MAX_TABLES: u64 = 1_000_000;

thread_local! {
    pub(crate) static TABLES_VISITED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The error of a conversion that walked more than [`MAX_TABLES`] tables.
pub(crate) fn too_many_tables() -> Error {
    Error::conversion(format!("Value is too large to convert: more than {MAX_TABLES} tables"))
}

/// The error of a conversion that met the registry (`debug.getregistry()`).
pub(crate) const REGISTRY_NOT_CONVERTED: &str = "Cannot convert the Lua registry (debug.getregistry()) to a host value";

/// The error of a walk whose table was changed under it by the host code it ran.
pub(crate) const TABLE_CHANGED: &str = "table was modified during conversion";

/// Whether the key on top of the stack is still a key of the table at `t`
/// with a value, so that `lua_next` may continue from it. A raw lookup:
/// never raises, never allocates (one slot, reserved by the caller).
///
/// # Safety
/// `t` is a table index; the key is on top; one free slot.
pub(crate) unsafe fn key_still_present(l: *mut lua_State, t: c_int) -> bool {
    // SAFETY: see above.
    unsafe {
        lua_pushvalue(l, -1);
        let present = lua_rawget(l, t) != LUA_TNIL as c_int;
        lua_settop(l, -2);
        present
    }
}

/// The spec's array test: walking with `next` from the start, every key must
/// be the integer one more than the last. Then the table is an array of
/// `rawlen` items; otherwise an object keyed by strings and number texts.
fn visit_table<V: Visitor>(lua: &Lua, l: *mut lua_State, t: c_int, v: &mut V, depth: usize) -> Result<V::Value, V::Error> {
    // SAFETY: every call below is a raw, non-raising read. `lua_next` raises
    // only for a key that is not in the table: it is only ever given the key
    // it produced, checked to be still there after the visitor ran host code
    // (which can change the table). The stack is reserved first and left
    // balanced.
    unsafe {
        if lua_checkstack(l, SLOTS_PER_LEVEL) == 0 {
            return Err(Error::runtime("stack overflow (cannot grow the Lua stack)").into());
        }
        let mut expected: lua_Integer = 1;
        let mut is_array = true;
        lua_pushnil(l);
        while lua_next(l, t) != 0 {
            lua_settop(l, -2);
            if lua_isinteger(l, -1) == 0 || lua_tointegerx(l, -1, std::ptr::null_mut()) != expected {
                is_array = false;
                lua_settop(l, -2);
                break;
            }
            expected += 1;
        }
        if is_array {
            let len = (expected - 1) as usize;
            let array = v.new_array(len)?;
            for i in 1..=len {
                lua_rawgeti(l, t, i as lua_Integer);
                let item = visit_at(lua, l, lua_gettop(l), v, depth + 1);
                lua_settop(l, -2);
                v.array_set(&array, i - 1, item?)?;
            }
            return Ok(array);
        }

        let object = v.new_object()?;
        let mut number_text = [0 as std::ffi::c_char; LUA_N2SBUFFSZ as usize];
        lua_pushnil(l);
        while lua_next(l, t) != 0 {
            // key at -2, value at -1
            let (key, may_repeat): (&[u8], bool) = match lua_type(l, -2) as u32 {
                LUA_TSTRING => {
                    let k = bytes_at(l, -2).unwrap_or_default();
                    (k, k.first().is_some_and(|c| c.is_ascii_digit() || *c == b'-' || *c == b'i'))
                }
                LUA_TNUMBER => {
                    let n = lua_numbertocstring(l, -2, number_text.as_mut_ptr());
                    let text = std::slice::from_raw_parts(number_text.as_ptr() as *const u8, n.saturating_sub(1) as usize);
                    (text, true)
                }
                _ => {
                    lua_settop(l, -2);
                    continue;
                }
            };
            let item = visit_at(lua, l, lua_gettop(l), v, depth + 1);
            let result = match item {
                Ok(item) => v.object_set(&object, key, item, may_repeat),
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                lua_settop(l, -3);
                return Err(e);
            }
            lua_settop(l, -2);
            // The visitor ran host code, which may have run Lua code that
            // changed this table. `lua_next` raises (unprotected, here) for
            // a key no longer in it, so the walk stops first.
            if !key_still_present(l, t) {
                lua_settop(l, -2);
                return Err(Error::conversion(TABLE_CHANGED).into());
            }
        }
        Ok(object)
    }
}
