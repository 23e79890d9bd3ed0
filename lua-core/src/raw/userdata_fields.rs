//! `__index` and `__newindex` of typed userdata (`Lua::create_userdata`):
//! how `obj.name` finds a method or a field, and `obj.name = v` a setter.
//!
//! A type without field getters (and without an `__index` fallback of its
//! own) keeps the fast path: its `__index` is the plain table of methods,
//! and reads never leave Lua's VM. Otherwise `__index` is a C closure over
//! (methods, getters, fallback, type name): a method wins, then a getter (called with
//! the userdata), then the type's own `__index` metamethod; anything else
//! reads nil. `__newindex` is a C closure over (setters, getters, methods,
//! fallback, type name): a setter (called with the userdata and the value),
//! then the type's own `__newindex`; anything else is an error naming the
//! field (see `raise_field_error` for the texts).
//!
//! Lua code can reach both functions (`debug.getmetatable`) and call them
//! with anything, and can replace their upvalues (`debug.setupvalue`). So
//! each checks that its `self` is one of our userdata holding its type, and
//! treats an upvalue of the wrong type as absent. What it finds in the
//! tables is only ever called as a Lua value, and the getters and setters
//! are host functions that check their own `self` again. Neither function
//! creates a Rust value with a destructor: every Lua error they raise (a
//! getter's, a refused allocation, their own) crosses only plain frames.

use std::ffi::c_int;

use lua_sys::*;

use crate::error::Result;
use crate::raw::protect::protect;
use crate::raw::stack::Stack;

/// Upvalues of `__index`.
const INDEX_METHODS: c_int = lua_upvalueindex(1);
const INDEX_GETTERS: c_int = lua_upvalueindex(2);
const INDEX_FALLBACK: c_int = lua_upvalueindex(3);
const INDEX_NAME: c_int = lua_upvalueindex(4);

/// Upvalues of `__newindex`.
const NEWINDEX_SETTERS: c_int = lua_upvalueindex(1);
const NEWINDEX_GETTERS: c_int = lua_upvalueindex(2);
const NEWINDEX_METHODS: c_int = lua_upvalueindex(3);
const NEWINDEX_FALLBACK: c_int = lua_upvalueindex(4);
const NEWINDEX_NAME: c_int = lua_upvalueindex(5);

/// How a type's `__index` and `__newindex` are made.
pub(crate) struct Fields {
    /// `__index` is the methods table itself (no getters, no fallback).
    pub(crate) plain_index: bool,
    /// `typed_index::<T>`.
    pub(crate) index: unsafe extern "C" fn(*mut lua_State) -> c_int,
    /// `typed_newindex::<T>`.
    pub(crate) newindex: unsafe extern "C" fn(*mut lua_State) -> c_int,
}

impl Fields {
    /// With the metatable, then the methods table, the getters table (or
    /// nil), the setters table (or nil), the `__index` and `__newindex`
    /// fallbacks (or nil) and the type name on top: sets the metatable's
    /// `__index` and `__newindex` and pops the six pieces.
    pub(crate) fn install(&self, stack: &mut Stack<'_>) -> Result<()> {
        stack.reserve(8)?;
        let (plain, index, newindex) = (self.plain_index, self.index, self.newindex);
        stack.with_raw(|l| {
            // SAFETY: the seven values are this stack's (the caller pushed
            // them); a copy of the metatable goes below the pieces so the
            // protected body sees all seven as its arguments. Making the
            // closures and setting the fields allocate: protected, with Copy
            // captures only (a bool and two function pointers).
            unsafe {
                lua_pushvalue(l, -7);
                lua_rotate(l, -7, 1);
                protect(l, 7, 0, move |l| {
                    // 1 metatable, 2 methods, 3 getters, 4 setters,
                    // 5 __index fallback, 6 __newindex fallback, 7 name.
                    lua_pushvalue(l, 2);
                    if !plain {
                        lua_pushvalue(l, 3);
                        lua_pushvalue(l, 5);
                        lua_pushvalue(l, 7);
                        lua_pushcclosure(l, Some(index), 4);
                    }
                    lua_setfield(l, 1, c"__index".as_ptr());
                    for i in [4, 3, 2, 6, 7] {
                        lua_pushvalue(l, i);
                    }
                    lua_pushcclosure(l, Some(newindex), 5);
                    lua_setfield(l, 1, c"__newindex".as_ptr());
                    0
                })
            }
        })
    }
}

/// Whether upvalue `up` holds a table with a non-nil value at the key at
/// index 2, which is pushed (nothing is pushed when it returns false).
///
/// # Safety
/// Inside one of this module's C closures, with a free stack slot.
unsafe fn lookup(l: *mut lua_State, up: c_int) -> bool {
    // SAFETY: type checks and a raw read never raise or allocate.
    unsafe {
        if lua_type(l, up) != LUA_TTABLE as c_int {
            return false;
        }
        lua_pushvalue(l, 2);
        if lua_rawget(l, up) == LUA_TNIL as c_int {
            lua_settop(l, -2);
            return false;
        }
        true
    }
}

/// `__index` of a type with fields: (userdata, key) → value.
///
/// # Safety
/// Called by Lua only, as a C closure made by `Fields::install`.
pub(crate) unsafe extern "C" fn typed_index<T: 'static>(l: *mut lua_State) -> c_int {
    // SAFETY: Lua gives a C function LUA_MINSTACK (20) free slots, of which
    // this uses at most four; `is_own` only reads. A call raises through
    // this frame, which owns nothing. Nothing here can panic (C API calls,
    // a type check and integer constants only), so no catch_unwind is
    // needed: the Rust work happens in the getters, behind the trampoline.
    unsafe {
        lua_settop(l, 2);
        if !crate::raw::userdata::is_own::<T>(l, 1) {
            raise_bad_self(l, INDEX_NAME);
        }
        if lookup(l, INDEX_METHODS) {
            return 1;
        }
        if lookup(l, INDEX_GETTERS) {
            lua_pushvalue(l, 1);
            lua_call(l, 1, 1);
            return 1;
        }
        if lua_type(l, INDEX_FALLBACK) == LUA_TFUNCTION as c_int {
            lua_pushvalue(l, INDEX_FALLBACK);
            lua_pushvalue(l, 1);
            lua_pushvalue(l, 2);
            lua_call(l, 2, 1);
            return 1;
        }
        0
    }
}

/// `__newindex` of every typed userdata: (userdata, key, value).
///
/// # Safety
/// Called by Lua only, as a C closure made by `Fields::install`.
pub(crate) unsafe extern "C" fn typed_newindex<T: 'static>(l: *mut lua_State) -> c_int {
    // SAFETY: as typed_index.
    unsafe {
        lua_settop(l, 3);
        if !crate::raw::userdata::is_own::<T>(l, 1) {
            raise_bad_self(l, NEWINDEX_NAME);
        }
        if lookup(l, NEWINDEX_SETTERS) {
            lua_pushvalue(l, 1);
            lua_pushvalue(l, 3);
            lua_call(l, 2, 0);
            return 0;
        }
        if lua_type(l, NEWINDEX_FALLBACK) == LUA_TFUNCTION as c_int {
            lua_pushvalue(l, NEWINDEX_FALLBACK);
            lua_pushvalue(l, 1);
            lua_pushvalue(l, 2);
            lua_pushvalue(l, 3);
            lua_call(l, 3, 0);
            return 0;
        }
        // Methods first, as on reads: the name means the method.
        let problem = if lookup(l, NEWINDEX_METHODS) {
            FieldError::Method
        } else if lookup(l, NEWINDEX_GETTERS) {
            FieldError::ReadOnly
        } else {
            FieldError::Unknown
        };
        raise_field_error(l, problem)
    }
}

#[derive(Clone, Copy)]
enum FieldError {
    ReadOnly,
    Method,
    Unknown,
}

/// Pushes the type's name (the string upvalue `up`, or "userdata").
///
/// # Safety
/// Inside one of this module's C closures, with a free stack slot; may
/// raise (a memory error).
unsafe fn push_type_name(l: *mut lua_State, up: c_int) {
    // SAFETY: a copy of a string value, or a literal (which allocates and
    // may raise: nothing of Rust is alive).
    unsafe {
        if lua_type(l, up) == LUA_TSTRING as c_int {
            lua_pushvalue(l, up);
        } else {
            lua_pushstring(l, c"userdata".as_ptr());
        }
    }
}

/// Pushes how a message names the key at index 2: `'hp'` for a string or a
/// number, `of type boolean` for anything else.
///
/// # Safety
/// As `push_type_name`.
unsafe fn push_key(l: *mut lua_State) {
    // SAFETY: as push_type_name; lua_concat turns a number into its text.
    unsafe {
        if matches!(lua_type(l, 2) as u32, LUA_TSTRING | LUA_TNUMBER) {
            lua_pushstring(l, c"'".as_ptr());
            lua_pushvalue(l, 2);
            lua_pushstring(l, c"'".as_ptr());
        } else {
            lua_pushstring(l, c"of type ".as_ptr());
            lua_pushstring(l, lua_typename(l, lua_type(l, 2)));
        }
    }
}

/// Raises, with the position of the Lua code in front as `luaL_error` puts
/// it, for an assignment of the key at index 2:
/// * a field with a getter but no setter: `field 'hp' of Player is read-only`;
/// * a method: `cannot assign to method 'heal' of Player`;
/// * anything else: `Player has no field 'xp'`.
///
/// A key that is neither a string nor a number is named by its type
/// instead (`Player has no field of type boolean`).
///
/// # Safety
/// Inside `typed_newindex`; never returns.
unsafe fn raise_field_error(l: *mut lua_State, problem: FieldError) -> ! {
    // SAFETY: at most nine pieces on a frame with LUA_MINSTACK free slots
    // above the three arguments; everything pushed is a Lua value, so a
    // raise (of the message, or of a refused allocation) crosses only plain
    // data.
    unsafe {
        lua_settop(l, 3);
        luaL_where(l, 1);
        match problem {
            FieldError::ReadOnly => {
                lua_pushstring(l, c"field ".as_ptr());
                push_key(l);
                lua_pushstring(l, c" of ".as_ptr());
                push_type_name(l, NEWINDEX_NAME);
                lua_pushstring(l, c" is read-only".as_ptr());
            }
            FieldError::Method => {
                lua_pushstring(l, c"cannot assign to method ".as_ptr());
                push_key(l);
                lua_pushstring(l, c" of ".as_ptr());
                push_type_name(l, NEWINDEX_NAME);
            }
            FieldError::Unknown => {
                push_type_name(l, NEWINDEX_NAME);
                lua_pushstring(l, c" has no field ".as_ptr());
                push_key(l);
            }
        }
        lua_concat(l, lua_native_fast_gettop(l) - 3);
        lua_error(l);
    }
    unreachable!("lua_error returned")
}

/// Raises Lua's `bad argument #1 to '<function>' (<Type> expected, got
/// <type>)` (through `luaL_typeerror`, so with `luaL_argerror`'s naming) for
/// a `self` that is not one of ours, naming the type by the string upvalue
/// `up`. Lua code only gets here by calling the function itself.
///
/// # Safety
/// Inside one of this module's C closures; never returns.
unsafe fn raise_bad_self(l: *mut lua_State, up: c_int) -> ! {
    // SAFETY: as raise_field_error; the name stays on the stack while
    // luaL_typeerror formats it, then raises.
    unsafe {
        push_type_name(l, up);
        luaL_typeerror(l, 1, lua_tostring(l, -1));
    }
    unreachable!("luaL_typeerror returned")
}
