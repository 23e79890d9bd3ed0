//! Values crossing directly on the Lua stack.
//!
//! A host (the Node addon, or the `Value` conversions in this crate) never
//! builds an intermediate tree: it pushes its values straight onto the stack
//! through [`Stack`], and reads Lua values straight off it through
//! [`StackValue::visit`], which walks tables and hands each piece to a
//! [`Visitor`] that builds the host's own representation as it goes. All the
//! Lua-side rules (array detection, key text, depth limit, integer/float
//! choice) live here, once, for every host.

use std::ffi::{c_int, c_void};

use lua_sys::*;

use crate::error::{Error, Result, MAX_DEPTH};
use crate::lua::Lua;
use crate::protect::{bytes_at, protect};
use crate::runtime::Runtime;
use crate::value::{AnyUserData, Function, RegRef, Table, Thread};

/// Slots a table level needs while it is walked or built: the table, a key
/// and a value, plus one spare for metatable checks.
const SLOTS_PER_LEVEL: c_int = 4;

/// Somewhere to push values: the top of one Lua thread's stack.
///
/// Every method either cannot raise, or runs protected whenever the state can
/// refuse an allocation (`Allocator::may_refuse`: a memory limit, a limit that
/// can trip, an injected fault); either way a failure comes back as an `Err`,
/// never as a `longjmp` through the caller.
#[derive(Clone, Copy)]
pub struct Stack<'a> {
    pub(crate) l: *mut lua_State,
    pub(crate) lua: &'a Lua,
}

impl<'a> Stack<'a> {
    pub(crate) fn new(l: *mut lua_State, lua: &'a Lua) -> Stack<'a> {
        Stack { l, lua }
    }

    #[inline]
    fn rt(&self) -> &Runtime {
        &self.lua.rt
    }

    #[inline]
    fn guarded(&self) -> bool {
        self.rt().alloc().may_refuse()
    }

    /// The number of values on this stack frame.
    pub fn top(&self) -> i32 {
        // SAFETY: reading the top never fails.
        unsafe { lua_gettop(self.l) }
    }

    /// Makes room for `n` more values.
    pub fn reserve(&self, n: usize) -> Result<()> {
        // SAFETY: lua_checkstack reports failure instead of raising.
        if n > i32::MAX as usize || unsafe { lua_checkstack(self.l, n as c_int) } == 0 {
            return Err(Error::runtime("stack overflow (cannot grow the Lua stack)"));
        }
        Ok(())
    }

    /// Checks the depth limit for a value at `depth` and reserves room for one
    /// more table level: call it before converting each value.
    #[inline]
    pub fn enter(&self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::depth());
        }
        crate::limits::charge_host(&self.lua.rt, 1)?;
        self.reserve(SLOTS_PER_LEVEL as usize)
    }

    /// Removes the top `n` values (at most as many as there are; a negative
    /// `n` removes nothing).
    pub fn pop(&self, n: i32) {
        // SAFETY: the count is clamped to the values on the stack, so the top
        // only ever goes down, to the frame's base at lowest; lowering the
        // top never raises (no to-be-closed slots here).
        unsafe {
            let n = n.clamp(0, lua_gettop(self.l));
            lua_settop(self.l, -n - 1)
        }
    }

    /// Pushes nil (call [`Stack::enter`] or [`Stack::reserve`] first).
    pub fn push_nil(&self) {
        // SAFETY: the caller reserved a slot (see `enter`); pushing nil never allocates.
        unsafe { lua_pushnil(self.l) }
    }

    /// Pushes a boolean.
    pub fn push_boolean(&self, b: bool) {
        // SAFETY: as push_nil.
        unsafe { lua_pushboolean(self.l, b as c_int) }
    }

    /// Pushes an integer.
    pub fn push_integer(&self, i: i64) {
        // SAFETY: as push_nil.
        unsafe { lua_pushinteger(self.l, i) }
    }

    /// Pushes a float.
    pub fn push_number(&self, n: f64) {
        // SAFETY: as push_nil.
        unsafe { lua_pushnumber(self.l, n) }
    }

    /// Pushes a number that carries no integer/float distinction (a
    /// JavaScript number): finite integral values in [-2^63, 2^63) become
    /// integers (so `-0` becomes `0`), everything else a float.
    #[inline]
    pub fn push_number_normalized(&self, n: f64) {
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        if n.is_finite() && n.fract() == 0.0 && (-TWO_63..TWO_63).contains(&n) {
            self.push_integer(n as i64)
        } else {
            self.push_number(n)
        }
    }

    /// Pushes a light userdata: the pointer is stored as a value and never
    /// dereferenced by Lua or by this crate.
    #[allow(clippy::not_unsafe_ptr_arg_deref)]
    pub fn push_light_userdata(&self, p: *mut c_void) {
        // SAFETY: as push_nil; Lua only stores the address.
        unsafe { lua_pushlightuserdata(self.l, p) }
    }

    /// Pushes a string (any bytes, NULs included).
    pub fn push_bytes(&self, s: &[u8]) -> Result<()> {
        let (p, len) = (s.as_ptr() as *const std::ffi::c_char, s.len());
        // SAFETY: the bytes outlive the call; the closure captures two Copy values.
        unsafe {
            if self.guarded() {
                protect(self.l, 0, 1, move |l| {
                    lua_pushlstring(l, p, len);
                    1
                })
            } else {
                lua_pushlstring(self.l, p, len);
                Ok(())
            }
        }
    }

    /// Pushes a new table with room for `narr` array items and `nrec` fields.
    pub fn push_table(&self, narr: usize, nrec: usize) -> Result<()> {
        let (narr, nrec) = (narr.min(i32::MAX as usize) as c_int, nrec.min(i32::MAX as usize) as c_int);
        // A big presize can be refused by the system itself (a JS array's
        // length can say 2^32 - 1 with two items in it), so it runs
        // protected whatever the limits.
        let big = narr > (1 << 16) || nrec > (1 << 16);
        // SAFETY: as push_bytes.
        unsafe {
            if self.guarded() || big {
                protect(self.l, 0, 1, move |l| {
                    lua_createtable(l, narr, nrec);
                    1
                })
            } else {
                lua_createtable(self.l, narr, nrec);
                Ok(())
            }
        }
    }

    /// With a table at -2 and a value at -1: `table[index] = value` (raw), and
    /// pops the value.
    pub fn set_index(&self, index: i64) -> Result<()> {
        // SAFETY: the target is checked to be a table (a raw set on anything
        // else is undefined in Lua's C API); the protected form passes a copy
        // of it as argument 1 so the closure can address it.
        unsafe {
            if lua_type(self.l, -2) != LUA_TTABLE as c_int {
                lua_settop(self.l, -2);
                return Err(Error::api(NOT_A_TABLE));
            }
            if self.guarded() {
                lua_pushvalue(self.l, -2);
                lua_rotate(self.l, -2, 1);
                protect(self.l, 2, 0, move |l| {
                    lua_rawseti(l, 1, index);
                    0
                })
            } else {
                lua_rawseti(self.l, -2, index);
                Ok(())
            }
        }
    }

    /// With a table at -3, a key at -2 and a value at -1: `table[key] = value`
    /// (raw), and pops key and value. A nil or NaN key is an error.
    pub fn set_entry(&self) -> Result<()> {
        // SAFETY: as set_index; a nil/NaN key raises, so it always runs
        // protected when the key could be one.
        unsafe {
            if lua_type(self.l, -3) != LUA_TTABLE as c_int {
                lua_settop(self.l, -3);
                return Err(Error::api(NOT_A_TABLE));
            }
            let key_type = lua_type(self.l, -2);
            let key_safe = key_type == LUA_TSTRING as c_int || key_type == LUA_TBOOLEAN as c_int || key_type == LUA_TTABLE as c_int;
            if self.guarded() || !key_safe {
                lua_pushvalue(self.l, -3);
                lua_rotate(self.l, -3, 1);
                protect(self.l, 3, 0, |l| {
                    lua_rawset(l, 1);
                    0
                })
            } else {
                lua_rawset(self.l, -3);
                Ok(())
            }
        }
    }

    /// With a table at -2 and a value at -1: `table[name] = value` (raw).
    pub fn set_field(&self, name: &[u8]) -> Result<()> {
        self.push_bytes(name)?;
        // SAFETY: rotating within the frame never fails.
        unsafe { lua_rotate(self.l, -2, 1) };
        self.set_entry()
    }

    /// Pushes the value a handle refers to. Fails if the handle belongs to
    /// another state, or refers to nothing (a copy that could not be
    /// anchored: pushing it as nil would let a raw table access or a resume
    /// work on a value of the wrong type).
    pub fn push_ref(&self, r: &RegRef) -> Result<()> {
        if !r.belongs_to(self.lua) {
            return Err(Error::api("the value belongs to another Lua state"));
        }
        if r.id() == LUA_NOREF {
            return Err(Error::api("the handle refers to no value (it could not be anchored)"));
        }
        // SAFETY: a registry read never allocates.
        unsafe { lua_rawgeti(self.l, LUA_REGISTRYINDEX, r.id() as lua_Integer) };
        Ok(())
    }

    /// Pushes a function that calls `f` (see [`crate::callback`]).
    pub fn push_function<F>(&self, f: F) -> Result<()>
    where
        F: Fn(&crate::callback::CallContext<'_>) -> Result<i32> + 'static,
    {
        // The closure need not be `Send`: the state may not move to another
        // thread from now on (see `SendLua`).
        self.rt().thread_bound.set(true);
        crate::callback::push_host_function(self, Box::new(f))
    }

    /// A view of the value at `idx`.
    pub fn value(&self, idx: i32) -> StackValue<'a> {
        // SAFETY: absindex only does arithmetic on the frame.
        StackValue { l: self.l, idx: unsafe { lua_absindex(self.l, idx) }, lua: self.lua }
    }
}

/// The kind of a Lua value, as `type()` would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `nil`.
    Nil,
    /// A boolean.
    Boolean,
    /// A light userdata (a bare pointer).
    LightUserData,
    /// An integer or a float.
    Number,
    /// A string (any bytes).
    String,
    /// A table.
    Table,
    /// A Lua or C function.
    Function,
    /// A full userdata.
    UserData,
    /// A coroutine.
    Thread,
}

impl Kind {
    /// The name `type()` gives.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Nil => "nil",
            Kind::Boolean => "boolean",
            Kind::LightUserData | Kind::UserData => "userdata",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Table => "table",
            Kind::Function => "function",
            Kind::Thread => "thread",
        }
    }
}

/// A value on the stack, read in place.
#[derive(Clone, Copy)]
pub struct StackValue<'a> {
    l: *mut lua_State,
    idx: c_int,
    lua: &'a Lua,
}

impl<'a> StackValue<'a> {
    pub(crate) fn new(l: *mut lua_State, idx: c_int, lua: &'a Lua) -> StackValue<'a> {
        // SAFETY: arithmetic on the frame only.
        StackValue { l, idx: unsafe { lua_absindex(l, idx) }, lua }
    }

    /// What kind of value this is.
    pub fn kind(&self) -> Kind {
        // SAFETY: lua_type on a valid index never fails.
        match unsafe { lua_type(self.l, self.idx) } as u32 {
            LUA_TBOOLEAN => Kind::Boolean,
            LUA_TLIGHTUSERDATA => Kind::LightUserData,
            LUA_TNUMBER => Kind::Number,
            LUA_TSTRING => Kind::String,
            LUA_TTABLE => Kind::Table,
            LUA_TFUNCTION => Kind::Function,
            LUA_TUSERDATA => Kind::UserData,
            LUA_TTHREAD => Kind::Thread,
            _ => Kind::Nil,
        }
    }

    /// The integer, if the value is a number of integer subtype.
    pub fn as_integer(&self) -> Option<i64> {
        let mut ok = 0;
        // SAFETY: non-raising reads.
        unsafe {
            if lua_isinteger(self.l, self.idx) == 0 {
                return None;
            }
            let i = lua_tointegerx(self.l, self.idx, &mut ok);
            (ok != 0).then_some(i)
        }
    }

    /// The number, if the value is a number (no string coercion).
    pub fn as_number(&self) -> Option<f64> {
        // SAFETY: non-raising read, guarded by the type check.
        (self.kind() == Kind::Number).then(|| unsafe { lua_tonumberx(self.l, self.idx, std::ptr::null_mut()) })
    }

    /// Lua truthiness: everything but nil and false.
    pub fn as_boolean(&self) -> bool {
        // SAFETY: non-raising read.
        unsafe { lua_toboolean(self.l, self.idx) != 0 }
    }

    /// The bytes, if the value is a string (numbers are not converted).
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        // SAFETY: the slice lives while the value is on the stack, which the
        // 'a borrow of the frame guarantees.
        unsafe { bytes_at(self.l, self.idx) }
    }

    /// Whether the value is a table with a metatable.
    pub fn has_metatable(&self) -> bool {
        // SAFETY: lua_getmetatable pushes at most one value and never raises.
        unsafe {
            if lua_checkstack(self.l, 1) == 0 || lua_getmetatable(self.l, self.idx) == 0 {
                return false;
            }
            lua_settop(self.l, -2);
            true
        }
    }

    /// Anchors the value in the registry and returns a handle to it.
    pub fn to_ref(&self) -> Result<RegRef> {
        RegRef::new(self.lua, self.l, self.idx)
    }

    /// Converts the value by walking it into `visitor` (depth 0).
    pub fn visit<V: Visitor>(&self, visitor: &mut V) -> Result<V::Value, V::Error> {
        // Each conversion has its own table budget (a visitor may start
        // another conversion from host code); the outer one's is kept.
        let outer = TABLES_VISITED.with(|c| c.replace(0));
        let result = visit_at(self.lua, self.l, self.idx, visitor, 0);
        TABLES_VISITED.with(|c| c.set(outer));
        result
    }

    pub(crate) fn index(&self) -> c_int {
        self.idx
    }

    pub(crate) fn state(&self) -> *mut lua_State {
        self.l
    }

    /// The state this value belongs to.
    pub fn lua(&self) -> &'a Lua {
        self.lua
    }

    /// A number as Lua's `tostring` writes it (`42`, `1.5`, `1e+100`, `-inf`).
    pub fn number_text(&self) -> Option<String> {
        let mut buf = [0 as std::ffi::c_char; LUA_N2SBUFFSZ as usize];
        // SAFETY: lua_numbertocstring writes at most LUA_N2SBUFFSZ bytes and
        // returns 0 for a non-number; it never allocates.
        let n = unsafe { lua_numbertocstring(self.l, self.idx, buf.as_mut_ptr()) };
        if n == 0 {
            return None;
        }
        // SAFETY: n - 1 bytes were written before the terminating NUL.
        let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr() as *const u8, n as usize - 1) };
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

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
    /// A userdata made by the host (see [`crate::HostObjects`]).
    fn host_object(&mut self, id: u64, access: crate::Access) -> Result<Self::Value, Self::Error>;
    /// Any other full userdata (an `io` file, a C module's object).
    fn userdata(&mut self, u: AnyUserData) -> Result<Self::Value, Self::Error>;
    /// A light userdata.
    fn light_userdata(&mut self, p: *mut c_void) -> Result<Self::Value, Self::Error>;
}

fn visit_at<V: Visitor>(lua: &Lua, l: *mut lua_State, idx: c_int, v: &mut V, depth: usize) -> Result<V::Value, V::Error> {
    if depth > MAX_DEPTH {
        return Err(Error::depth().into());
    }
    crate::limits::charge_host(&lua.rt, 1)?;
    let value = StackValue { l, idx, lua };
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
    static TABLES_VISITED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The error of a conversion that walked more than [`MAX_TABLES`] tables.
pub(crate) fn too_many_tables() -> Error {
    Error::conversion(format!("Value is too large to convert: more than {MAX_TABLES} tables"))
}

/// The error of a conversion that met the registry (`debug.getregistry()`).
pub(crate) const REGISTRY_NOT_CONVERTED: &str = "Cannot convert the Lua registry (debug.getregistry()) to a host value";

/// The error of a raw write or read into something that is not a table.
pub(crate) const NOT_A_TABLE: &str = "the target of a raw table access is not a table";

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

