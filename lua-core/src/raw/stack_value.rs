//! A value on the stack, read in place, and the kind of value it is.

use std::ffi::{c_int, c_void};

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::Lua;
use crate::raw::protect::bytes_at;
use crate::raw::value::RegRef;
use crate::raw::visit::{visit_at, Visitor, TABLES_VISITED};

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

/// A value on the stack, read in place. It borrows whatever holds the value
/// there (a [`Stack`](crate::Stack), a call's arguments or results), so the
/// value cannot be removed while the view is in use.
#[derive(Clone, Copy)]
pub struct StackValue<'a> {
    l: *mut lua_State,
    idx: c_int,
    lua: &'a Lua,
    /// The frame `idx` refers to (see `Occupancy::frame`).
    frame: u32,
}

impl<'a> StackValue<'a> {
    /// A view of `idx` (made absolute) in the frame the state is in now.
    pub(crate) fn new(l: *mut lua_State, idx: c_int, lua: &'a Lua) -> StackValue<'a> {
        // A positive index (or a pseudo-index) is absolute already.
        // SAFETY: arithmetic on the frame only.
        let idx = if idx > 0 || idx <= LUA_REGISTRYINDEX { idx } else { unsafe { lua_absindex(l, idx) } };
        StackValue { l, idx, lua, frame: lua.rt.occupancy().frame() }
    }

    /// A view of the absolute index `idx` of the frame `frame`.
    pub(crate) fn at(l: *mut lua_State, idx: c_int, lua: &'a Lua, frame: u32) -> StackValue<'a> {
        StackValue { l, idx, lua, frame }
    }

    /// The index, once the state is known to be in this value's frame: in
    /// another, the index would name some other slot.
    #[inline]
    fn slot(&self) -> c_int {
        if self.lua.rt.occupancy().frame() != self.frame {
            crate::raw::stack::wrong_frame("StackValue")
        }
        self.idx
    }

    /// What kind of value this is.
    pub fn kind(&self) -> Kind {
        // SAFETY: lua_type (here inline) on a valid index never fails.
        match unsafe { lua_native_fast_type(self.l, self.slot()) } as u32 {
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
    #[inline]
    pub fn as_integer(&self) -> Option<i64> {
        let mut i = 0;
        // SAFETY: a non-raising read of a valid index into a local.
        (unsafe { lua_native_fast_to_integer(self.l, self.slot(), &mut i) } != 0).then_some(i)
    }

    /// The number, if the value is a number (no string coercion).
    #[inline]
    pub fn as_number(&self) -> Option<f64> {
        let mut n = 0.0;
        // SAFETY: a non-raising read of a valid index into a local.
        (unsafe { lua_native_fast_to_number(self.l, self.slot(), &mut n) } != 0).then_some(n)
    }

    /// Lua truthiness: everything but nil and false.
    pub fn as_boolean(&self) -> bool {
        // SAFETY: non-raising read.
        unsafe { lua_toboolean(self.l, self.slot()) != 0 }
    }

    /// The bytes, if the value is a string (numbers are not converted).
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        // SAFETY: the slice lives while the value is on the stack, which the
        // 'a borrow of the frame guarantees.
        unsafe { bytes_at(self.l, self.slot()) }
    }

    /// The pointer, if the value is a light userdata.
    pub fn as_light_userdata(&self) -> Option<*mut c_void> {
        // SAFETY: a non-raising read, guarded by the type check.
        (self.kind() == Kind::LightUserData).then(|| unsafe { lua_touserdata(self.l, self.slot()) })
    }

    /// The raw length (`#` without `__len`): a string's bytes, a table's
    /// border, a full userdata's size; 0 for anything else.
    pub fn raw_len(&self) -> usize {
        // SAFETY: lua_rawlen never raises or allocates.
        unsafe { lua_rawlen(self.l, self.slot()) as usize }
    }

    /// Calls `f` with the items `1..=raw_len()` of a table, in order, read
    /// without metamethods; stops at the first error.
    pub fn for_each_item(&self, mut f: impl FnMut(StackValue<'_>) -> Result<()>) -> Result<()> {
        if self.kind() != Kind::Table {
            return Err(Error::api(crate::raw::stack::NOT_A_TABLE));
        }
        let (l, t) = (self.l, self.slot());
        let len = self.raw_len() as lua_Integer;
        for i in 1..=len {
            // SAFETY: a raw read of a table (checked above) into a slot made
            // first; the item is popped whatever `f` did (it cannot pop it:
            // it gets a view only).
            unsafe {
                if lua_checkstack(l, 1) == 0 {
                    return Err(crate::raw::stack::stack_overflow());
                }
                lua_rawgeti(l, t, i);
                let result = f(StackValue::new(l, -1, self.lua));
                lua_settop(l, -2);
                result?;
            }
        }
        Ok(())
    }

    /// Calls `f` with every key and value of a table, in `next` order,
    /// without metamethods; stops at the first error. If `f` runs code that
    /// removes the current key, the walk stops with a conversion error
    /// (continuing would make `next` raise).
    pub fn for_each_pair(&self, mut f: impl FnMut(StackValue<'_>, StackValue<'_>) -> Result<()>) -> Result<()> {
        if self.kind() != Kind::Table {
            return Err(Error::api(crate::raw::stack::NOT_A_TABLE));
        }
        let (l, t) = (self.l, self.slot());
        // SAFETY: a raw traversal of a table (checked above); `lua_next`
        // only ever gets the key it produced, checked to be still there
        // after `f` ran; key and value are popped whatever `f` did (it gets
        // views only). Three slots are made first.
        unsafe {
            if lua_checkstack(l, 3) == 0 {
                return Err(crate::raw::stack::stack_overflow());
            }
            lua_pushnil(l);
            while lua_next(l, t) != 0 {
                let result = f(StackValue::new(l, -2, self.lua), StackValue::new(l, -1, self.lua));
                lua_settop(l, -2);
                if let Err(e) = result {
                    lua_settop(l, -2);
                    return Err(e);
                }
                if !crate::raw::visit::key_still_present(l, t) {
                    lua_settop(l, -2);
                    return Err(Error::conversion(crate::raw::visit::TABLE_CHANGED));
                }
            }
        }
        Ok(())
    }

    /// Whether the value is a table with a metatable.
    pub fn has_metatable(&self) -> bool {
        // SAFETY: a read of the value and its type's metatable slot, as
        // lua_getmetatable's own (with nothing pushed); never raises.
        unsafe { lua_native_has_metatable(self.l, self.slot()) != 0 }
    }

    /// Anchors the value in the registry and returns a handle to it.
    pub fn to_ref(&self) -> Result<RegRef> {
        RegRef::new(self.lua, self.l, self.slot())
    }

    /// Converts the value by walking it into `visitor` (depth 0).
    pub fn visit<V: Visitor>(&self, visitor: &mut V) -> Result<V::Value, V::Error> {
        // Each conversion has its own table budget (a visitor may start
        // another conversion from host code); the outer one's is kept.
        let outer = TABLES_VISITED.with(|c| c.replace(0));
        let result = visit_at(self.lua, self.l, self.slot(), visitor, 0);
        TABLES_VISITED.with(|c| c.set(outer));
        result
    }

    pub(crate) fn index(&self) -> c_int {
        self.slot()
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
        let n = unsafe { lua_numbertocstring(self.l, self.slot(), buf.as_mut_ptr()) };
        if n == 0 {
            return None;
        }
        // SAFETY: n - 1 bytes were written before the terminating NUL.
        let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr() as *const u8, n as usize - 1) };
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}
