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
/// walks it. Plain tables come as arrays or objects (the spec's rules), or
/// as maps with typed keys for a visitor whose [`map_tables`](Visitor::map_tables)
/// says so; everything that has identity comes as a handle.
///
/// A visitor that writes values out as text, asks for maps and refuses keys
/// it would have to drop:
///
/// ```
/// use std::ffi::c_void;
/// use lua_core::{Access, AnyUserData, Error, Function, Lua, StdLib, Table, Thread, Visitor};
///
/// struct Text;
/// type R = Result<String, Error>;
/// impl Visitor for Text {
///     type Value = String;
///     type Error = Error;
///     fn nil(&mut self) -> R { Ok("nil".into()) }
///     fn boolean(&mut self, b: bool) -> R { Ok(b.to_string()) }
///     fn integer(&mut self, i: i64) -> R { Ok(i.to_string()) }
///     fn number(&mut self, n: f64) -> R { Ok(format!("{n:?}")) }
///     fn string(&mut self, s: &[u8]) -> R { Ok(format!("{:?}", String::from_utf8_lossy(s))) }
///     fn new_array(&mut self, _len: usize) -> R { unreachable!("maps only") }
///     fn array_set(&mut self, _a: &String, _i: usize, _v: String) -> Result<(), Error> { unreachable!() }
///     fn new_object(&mut self) -> R { unreachable!("maps only") }
///     fn object_set(&mut self, _o: &String, _k: &[u8], _v: String, _r: bool) -> Result<(), Error> { unreachable!() }
///     fn table_ref(&mut self, _t: Table) -> R { Ok("<table with metatable>".into()) }
///     fn function(&mut self, _f: Function) -> R { Ok("<function>".into()) }
///     fn thread(&mut self, _t: Thread) -> R { Ok("<thread>".into()) }
///     fn host_object(&mut self, id: u64, _a: Access) -> R { Ok(format!("<host {id}>")) }
///     fn userdata(&mut self, _u: AnyUserData) -> R { Ok("<userdata>".into()) }
///     fn light_userdata(&mut self, _p: *mut c_void) -> R { Ok("<light>".into()) }
///     // The map shape: every plain table, its keys keeping their type.
///     fn map_tables(&self) -> bool { true }
///     fn new_map(&mut self) -> R { Ok(String::new()) }
///     fn map_set(&mut self, _m: &String, key: String, value: String) -> Result<(), Error> {
///         println!("{key} => {value}");
///         Ok(())
///     }
///     fn key_skipped(&mut self, type_name: &str) -> Result<(), Error> {
///         Err(Error::conversion(format!("a {type_name} key cannot be kept")))
///     }
/// }
///
/// let lua = Lua::with_libraries(StdLib::ALL).unwrap();
/// let read = |src: &str| {
///     let src = std::ffi::CString::new(src).unwrap();
///     lua.exec_source_with(&src, |r| r.get(0).visit(&mut Text)).unwrap()
/// };
/// // `1` and `"1"` stay two keys; `true` is a key too.
/// assert!(read(r#"return { [1] = "int", ["1"] = "str", [true] = "yes" }"#).is_ok());
/// let refused = read("return { [{}] = 1 }").unwrap_err();
/// assert_eq!(refused.message(), "a table key cannot be kept");
/// ```
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

    // The methods below have defaults, so a visitor written for the array /
    // object shape keeps working unchanged.

    /// Whether plain tables (without a metatable) should come as maps with
    /// typed keys, sequences included: then the walk calls [`new_map`],
    /// [`map_key`] and [`map_set`] instead of the array / object methods.
    /// Default `false`.
    ///
    /// [`new_map`]: Visitor::new_map
    /// [`map_key`]: Visitor::map_key
    /// [`map_set`]: Visitor::map_set
    fn map_tables(&self) -> bool {
        false
    }
    /// A new map, filled by `map_set` (only called when [`map_tables`](Visitor::map_tables)
    /// is true; the default refuses).
    fn new_map(&mut self) -> Result<Self::Value, Self::Error> {
        Err(Error::conversion("this visitor does not build maps").into())
    }
    /// A key of a map, kept with its Lua type. Only strings, numbers and
    /// booleans are map keys (others go to [`key_skipped`](Visitor::key_skipped)).
    /// The default visits it like a value.
    fn map_key(&mut self, key: MapKey<'_>) -> Result<Self::Value, Self::Error> {
        match key {
            MapKey::Boolean(b) => self.boolean(b),
            MapKey::Integer(i) => self.integer(i),
            MapKey::Number(n) => self.number(n),
            MapKey::String(s) => self.string(s),
        }
    }
    /// Adds an entry to a map made by `new_map` (the default refuses).
    fn map_set(&mut self, map: &Self::Value, key: Self::Value, value: Self::Value) -> Result<(), Self::Error> {
        let _ = (map, key, value);
        Err(Error::conversion("this visitor does not build maps").into())
    }
    /// Adds a field to an object, knowing whether its key text came from a
    /// Lua string or was written from a Lua number (`1`, `1.5`, `inf`). The
    /// default calls [`object_set`](Visitor::object_set); a host that must
    /// report a string key and a number key colliding overrides this.
    fn object_field(&mut self, object: &Self::Value, key: &[u8], origin: KeyOrigin, value: Self::Value, may_repeat: bool) -> Result<(), Self::Error> {
        let _ = origin;
        self.object_set(object, key, value, may_repeat)
    }
    /// A key of a plain table was left out because the shape cannot hold
    /// it: for objects, a key that is neither string nor number; for maps,
    /// one that is not a string, number or boolean. `type_name` is Lua's
    /// name for its type (`"boolean"`, `"table"`, ...). The default skips
    /// it silently; a strict host returns an error, which ends the walk.
    fn key_skipped(&mut self, type_name: &str) -> Result<(), Self::Error> {
        let _ = type_name;
        Ok(())
    }
}

/// A map key as [`Visitor::map_key`] receives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MapKey<'a> {
    /// `true` or `false`.
    Boolean(bool),
    /// An integer key.
    Integer(i64),
    /// A float key (never integral: Lua stores those as integers).
    Number(f64),
    /// A string's bytes (any bytes: Lua strings need not be UTF-8).
    String(&'a [u8]),
}

/// Where an object key's text came from (see [`Visitor::object_field`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    /// A Lua string key: its bytes as they are.
    String,
    /// A Lua number key, written as text (`1`, `-5`, `1.5`, `inf`).
    Number,
}

pub(crate) fn visit_at<V: Visitor>(lua: &Lua, l: *mut lua_State, idx: c_int, v: &mut V, depth: usize) -> Result<V::Value, V::Error> {
    if depth > MAX_DEPTH {
        return Err(Error::depth().into());
    }
    crate::raw::limits::charge_host(&lua.rt, 1)?;
    // An integer, the commonest value, is read straight from its slot
    // before the dispatch on kinds (the index is the running frame's: the
    // caller's, made just now).
    let mut i = 0;
    // SAFETY: a non-raising read of a valid index into a local.
    if unsafe { lua_native_fast_to_integer(l, idx, &mut i) } != 0 {
        return v.integer(i);
    }
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
            // SAFETY: a read that only looks at the values (no allocation).
            if unsafe { lua_native_is_ref_holder(l, idx) } != 0 {
                // Every reference the host holds lives in it (in lua-sys's
                // reference table, a slot of it): each copy would make a new
                // reference for each function in it, so copying it twice
                // would double it.
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

/// The spec's array test: the table's keys are exactly the integers `1..=n`,
/// in any order (`{[2] = "b", [1] = "a"}` is `["a", "b"]`): every key is an
/// integer of at least 1 and the largest equals the count. Then the table is
/// an array of `n` items; otherwise an object keyed by strings and number
/// texts. A visitor that asks for maps ([`Visitor::map_tables`]) gets every
/// plain table as a map instead.
fn visit_table<V: Visitor>(lua: &Lua, l: *mut lua_State, t: c_int, v: &mut V, depth: usize) -> Result<V::Value, V::Error> {
    if v.map_tables() {
        return visit_map(lua, l, t, v, depth);
    }
    // SAFETY: every call below is a raw, non-raising read. `lua_next` raises
    // only for a key that is not in the table: it is only ever given the key
    // it produced, checked to be still there after the visitor ran host code
    // (which can change the table). The stack is reserved first and left
    // balanced.
    unsafe {
        if !lua_native_fast_has_room(l, SLOTS_PER_LEVEL) && lua_checkstack(l, SLOTS_PER_LEVEL) == 0 {
            return Err(Error::runtime("stack overflow (cannot grow the Lua stack)").into());
        }
        let (mut count, mut max): (lua_Integer, lua_Integer) = (0, 0);
        let mut is_array = true;
        lua_pushnil(l);
        while lua_next(l, t) != 0 {
            lua_settop(l, -2);
            let k = if lua_isinteger(l, -1) != 0 { lua_tointegerx(l, -1, std::ptr::null_mut()) } else { 0 };
            if k < 1 {
                is_array = false;
                lua_settop(l, -2);
                break;
            }
            count += 1;
            max = max.max(k);
        }
        if is_array && max == count {
            let len = count as usize;
            let array = v.new_array(len)?;
            for i in 1..=len {
                // Numbers, the common item, are read here directly (what
                // `visit_at` would do for them, minus its dispatch).
                let item = if lua_rawgeti(l, t, i as lua_Integer) == LUA_TNUMBER as c_int && depth < MAX_DEPTH {
                    match crate::raw::limits::charge_host(&lua.rt, 1) {
                        Err(e) => Err(e.into()),
                        Ok(()) if lua_isinteger(l, -1) != 0 => v.integer(lua_tointegerx(l, -1, std::ptr::null_mut())),
                        Ok(()) => v.number(lua_tonumberx(l, -1, std::ptr::null_mut())),
                    }
                } else {
                    visit_at(lua, l, lua_native_fast_gettop(l), v, depth + 1)
                };
                lua_settop(l, -2);
                v.array_set(&array, i - 1, item?)?;
            }
            return Ok(array);
        }

        let object = v.new_object()?;
        let mut number_text = [0 as std::ffi::c_char; LUA_N2SBUFFSZ as usize];
        // Two keys can give the same text only when one is a number and the
        // other a string that reads like one; the visitor is told to check
        // (`may_repeat`) only when such a pair is possible, so tables
        // without number keys never pay for the check.
        let (mut seen_number, mut seen_number_like) = (false, false);
        lua_pushnil(l);
        while lua_next(l, t) != 0 {
            // key at -2, value at -1
            let (key, origin, may_repeat): (&[u8], KeyOrigin, bool) = match lua_native_fast_type(l, -2) as u32 {
                LUA_TSTRING => {
                    let k = bytes_at(l, -2).unwrap_or_default();
                    let number_like = k.first().is_some_and(|c| c.is_ascii_digit() || matches!(*c, b'-' | b'i' | b'n'));
                    seen_number_like |= number_like;
                    (k, KeyOrigin::String, number_like && seen_number)
                }
                LUA_TNUMBER => {
                    let n = lua_numbertocstring(l, -2, number_text.as_mut_ptr());
                    let text = std::slice::from_raw_parts(number_text.as_ptr() as *const u8, n.saturating_sub(1) as usize);
                    seen_number = true;
                    (text, KeyOrigin::Number, seen_number_like)
                }
                other => {
                    let skipped = v.key_skipped(type_name(l, other as c_int));
                    end_step(l, t, skipped)?;
                    continue;
                }
            };
            let item = visit_at(lua, l, lua_native_fast_gettop(l), v, depth + 1);
            let result = match item {
                Ok(item) => v.object_field(&object, key, origin, item, may_repeat),
                Err(e) => Err(e),
            };
            end_step(l, t, result)?;
        }
        Ok(object)
    }
}

/// Ends one step of a `lua_next` walk of the table at `t`, with the key at
/// -2 and the value at -1: pops the value, and on an error the key too. The
/// visitor ran host code, which may have run Lua code that changed the
/// table; `lua_next` raises (unprotected, here) for a key no longer in it,
/// so the walk stops first with an error.
///
/// # Safety
/// `t` is a table index; key and value are on top, as described.
unsafe fn end_step<E: From<Error>>(l: *mut lua_State, t: c_int, result: Result<(), E>) -> Result<(), E> {
    // SAFETY: see above; key_still_present needs one free slot, the one the
    // popped value leaves.
    unsafe {
        if let Err(e) = result {
            lua_settop(l, -3);
            return Err(e);
        }
        lua_settop(l, -2);
        if !key_still_present(l, t) {
            lua_settop(l, -2);
            return Err(Error::conversion(TABLE_CHANGED).into());
        }
    }
    Ok(())
}

/// Lua's name for a type tag (`lua_typename`: a static string, no allocation).
///
/// # Safety
/// `l` is a live state.
unsafe fn type_name(l: *mut lua_State, tag: c_int) -> &'static str {
    // SAFETY: lua_typename returns a pointer into a static table of
    // NUL-terminated ASCII names, valid for the program's life.
    unsafe { std::ffi::CStr::from_ptr(lua_typename(l, tag)).to_str().unwrap_or("?") }
}

/// A plain table as a map with typed keys (see [`Visitor::map_tables`]):
/// string, number and boolean keys keep their type; other keys are reported
/// to [`Visitor::key_skipped`]. Same stack discipline as `visit_table`.
fn visit_map<V: Visitor>(lua: &Lua, l: *mut lua_State, t: c_int, v: &mut V, depth: usize) -> Result<V::Value, V::Error> {
    // SAFETY: as in visit_table: raw, non-raising reads; `lua_next` is only
    // given the key it produced, checked to be still present after the
    // visitor ran host code; the stack is reserved first and left balanced.
    unsafe {
        if lua_checkstack(l, SLOTS_PER_LEVEL) == 0 {
            return Err(Error::runtime("stack overflow (cannot grow the Lua stack)").into());
        }
        let map = v.new_map()?;
        lua_pushnil(l);
        while lua_next(l, t) != 0 {
            // key at -2, value at -1
            let tag = lua_type(l, -2);
            let key = match tag as u32 {
                LUA_TSTRING => Some(MapKey::String(bytes_at(l, -2).unwrap_or_default())),
                LUA_TNUMBER if lua_isinteger(l, -2) != 0 => Some(MapKey::Integer(lua_tointegerx(l, -2, std::ptr::null_mut()))),
                LUA_TNUMBER => Some(MapKey::Number(lua_tonumberx(l, -2, std::ptr::null_mut()))),
                LUA_TBOOLEAN => Some(MapKey::Boolean(lua_toboolean(l, -2) != 0)),
                _ => None,
            };
            let result = match key {
                None => v.key_skipped(type_name(l, tag)),
                Some(key) => match v.map_key(key) {
                    Ok(key) => match visit_at(lua, l, lua_native_fast_gettop(l), v, depth + 1) {
                        Ok(item) => v.map_set(&map, key, item),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                },
            };
            end_step(l, t, result)?;
        }
        Ok(map)
    }
}
