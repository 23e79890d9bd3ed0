//! Lua values held by Rust: plain data by value, everything with identity
//! (tables, functions, coroutines, userdata) through a registry handle.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::fmt;
use std::rc::Rc;

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::Lua;
use crate::raw::protect::protect;

/// A registry reference: keeps one Lua value alive until dropped. It holds its
/// state alive too, so a handle can never outlive the state it points into.
pub struct RegRef {
    lua: Lua,
    id: c_int,
}

impl RegRef {
    pub(crate) fn new(lua: &Lua, l: *mut lua_State, idx: c_int) -> Result<RegRef> {
        let id = Cell::new(LUA_NOREF);
        let slot = &id;
        // SAFETY: lua_native_ref (luaL_ref into lua-sys's reference table)
        // may allocate (it grows the table when it has no free slot), so it
        // runs protected when a limit is set; the closure captures a
        // reference only.
        unsafe {
            lua_pushvalue(l, idx);
            if lua.rt.alloc().may_refuse() {
                protect(l, 1, 0, move |l| {
                    slot.set(lua_native_ref(l));
                    0
                })?;
            } else {
                id.set(lua_native_ref(l));
            }
        }
        Ok(RegRef { lua: lua.clone(), id: id.get() })
    }

    pub(crate) fn id(&self) -> c_int {
        self.id
    }

    /// The state this handle belongs to.
    pub fn lua(&self) -> &Lua {
        &self.lua
    }

    pub(crate) fn belongs_to(&self, lua: &Lua) -> bool {
        Rc::ptr_eq(&self.lua.rt, &lua.rt)
    }

    /// Fails unless the handle can be pushed on a stack of `lua`: it
    /// belongs to that state and anchors a value.
    pub(crate) fn check_pushable(&self, lua: &Lua) -> crate::Result<()> {
        if !self.belongs_to(lua) {
            return Err(crate::Error::api("the value belongs to another Lua state"));
        }
        if self.id() == lua_sys::LUA_NOREF {
            return Err(crate::Error::api("the handle refers to no value (it could not be anchored)"));
        }
        Ok(())
    }
}

impl Drop for RegRef {
    fn drop(&mut self) {
        // The state is alive: this handle holds it. If it is lent to another
        // thread, the release waits until it is back.
        self.lua.rt.unref(self.id)
    }
}

impl RegRef {
    /// Another handle to the same value, or the reason there cannot be one:
    /// the state is closed or lent to another thread, or anchoring the copy
    /// needs memory that is refused. (`clone` gives a handle to nothing in
    /// those cases instead.)
    pub fn try_clone(&self) -> Result<RegRef> {
        // Anchoring the copy allocates, and a collection step it triggers
        // can run finalizers: it is an entry into the state like any other.
        let _entry = crate::raw::occupancy::Entry::new(&self.lua.rt)?;
        let l = self.lua.rt.main();
        // SAFETY: the value is pushed (a stack slot is checked first) and
        // anchored again by RegRef::new, which runs protected when an
        // allocation can be refused.
        unsafe {
            if lua_native_push_ref(l, self.id) == 0 {
                return Err(crate::error::Error::runtime("stack overflow (cannot grow the Lua stack)"));
            }
            let r = RegRef::new(&self.lua, l, -1);
            lua_settop(l, -2);
            r
        }
    }
}

impl Clone for RegRef {
    /// Where the copy cannot be anchored (closed, lent, out of memory) it
    /// refers to nothing, as a handle into a closed state does; see
    /// [`RegRef::try_clone`] to be told instead.
    fn clone(&self) -> Self {
        self.try_clone().unwrap_or_else(|_| RegRef { lua: self.lua.clone(), id: LUA_NOREF })
    }
}

impl fmt::Debug for RegRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ref#{}", self.id)
    }
}

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        #[repr(transparent)]
        pub struct $name(pub(crate) RegRef);

        impl $name {
            /// Wraps a registry handle known to hold this kind of value.
            pub fn from_ref(r: RegRef) -> Self {
                $name(r)
            }

            /// The registry handle behind this value.
            pub fn registry_ref(&self) -> &RegRef {
                &self.0
            }

            /// A registry handle known to hold this kind of value, seen as
            /// this handle type without anchoring the value again.
            pub fn from_ref_borrowed(r: &RegRef) -> &Self {
                // SAFETY: the type is a `repr(transparent)` wrapper of `RegRef`.
                unsafe { &*(r as *const RegRef as *const Self) }
            }

            /// The registry handle behind this value, taken out of it.
            pub fn into_ref(self) -> RegRef {
                self.0
            }

            /// Another handle to the same value, or the error of anchoring
            /// it (see [`RegRef::try_clone`]).
            pub fn try_clone(&self) -> Result<Self> {
                self.0.try_clone().map($name)
            }
        }
    };
}

handle!(
    /// A Lua table, by reference.
    Table
);
handle!(
    /// A Lua function (Lua or C), by reference.
    Function
);
handle!(
    /// A Lua coroutine, by reference.
    Thread
);
handle!(
    /// A full userdata, by reference.
    AnyUserData
);

/// Any Lua value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `nil`.
    #[default]
    Nil,
    /// A boolean.
    Boolean(bool),
    /// An integer.
    Integer(i64),
    /// A float.
    Number(f64),
    /// A Lua string: any bytes.
    String(Vec<u8>),
    /// A table, by reference.
    Table(Table),
    /// A function, by reference.
    Function(Function),
    /// A coroutine, by reference.
    Thread(Thread),
    /// A full userdata, by reference.
    UserData(AnyUserData),
    /// A light userdata (a bare pointer).
    LightUserData(*mut c_void),
}

impl Value {
    /// The name `type()` gives this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Boolean(_) => "boolean",
            Value::Integer(_) | Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Table(_) => "table",
            Value::Function(_) => "function",
            Value::Thread(_) => "thread",
            Value::UserData(_) | Value::LightUserData(_) => "userdata",
        }
    }

    /// Whether this is nil.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The text of a string value, if it is one and valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// The integer, for an integer or an integral float within `i64`'s
    /// range (as Lua's `math.tointeger` says; `1e300` has none).
    pub fn as_integer(&self) -> Option<i64> {
        // 2^63 exactly: the first float past i64::MAX.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        match self {
            Value::Integer(i) => Some(*i),
            Value::Number(n) if n.fract() == 0.0 && (-LIMIT..LIMIT).contains(n) => Some(*n as i64),
            _ => None,
        }
    }

    /// The number as a float.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Integer(i) => Some(*i as f64),
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
}

impl PartialEq for Value {
    /// Plain data compares by value; handles compare by identity of their
    /// registry slot's value is not known without the state, so only the
    /// same handle slot is equal.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Boolean(a), Value::Boolean(b)) => a == b,
            (Value::Integer(a), Value::Integer(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::Integer(a), Value::Number(b)) | (Value::Number(b), Value::Integer(a)) => (*a as f64) == *b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::LightUserData(a), Value::LightUserData(b)) => a == b,
            _ => false,
        }
    }
}

/// Where a coroutine stands, as `coroutine.status` would say from outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadStatus {
    /// Not started yet, or paused in a yield.
    Suspended,
    /// Finished, or stopped by an error.
    Dead,
}

impl ThreadStatus {
    /// The name `coroutine.status` would give.
    pub fn name(self) -> &'static str {
        match self {
            ThreadStatus::Suspended => "suspended",
            ThreadStatus::Dead => "dead",
        }
    }
}

