//! Host classes: one metatable shared by every host object of a class, for
//! a binding that exposes host-side classes to Lua (`Name.new(...)` making
//! instances with methods, accessors and metamethods).
//!
//! A class is four tables the host fills with Lua values (methods, property
//! getters, property setters, metamethods) and gives once. A class that
//! extends another starts from copies of its base's four tables, so a lookup
//! is one raw read however deep the chain (the memo is the copy; a class
//! never changes after it is defined). The chain is capped at
//! [`MAX_CLASS_DEPTH`].
//!
//! `u.key` on an instance reads, in order: a method; a getter's result; for
//! a key with only a setter, an error; then the host object's own property
//! (`HostObjects::get`) when the instance is readable, nil otherwise.
//! `u.key = v` calls a setter; a key with only a getter is an error; then
//! the host's property when writable, an error otherwise.
//!
//! The registry holds, under a light-userdata key, an array of class
//! records `{metatable, methods, getters, setters, metamethods}`; the Rust
//! side keeps each class's name and base. Lua can reach all of it through
//! the debug library, so every read checks the type of what it finds.

use std::ffi::{c_int, c_void};

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::host_object::{index_fallback, newindex_fallback, object_gc, Payload, NO_CLASS};
use crate::raw::lua::Lua;
use crate::raw::protect::{bytes_at, protect};
use crate::raw::runtime::Runtime;
use crate::raw::stack::Stack;
use crate::raw::stack_value::{Kind, StackValue};
use crate::raw::tagged::Tag;

/// How deep a chain of `extends` may go (a class with no base is depth 1).
pub const MAX_CLASS_DEPTH: usize = 32;

/// Metamethod names the class mechanism owns: a host cannot replace them.
const RESERVED: [&[u8]; 6] = [b"__index", b"__newindex", b"__gc", b"__mode", b"__metatable", b"__name"];

/// The slots of a class record.
const META: lua_Integer = 1;
const TABLES: [lua_Integer; 4] = [2, 3, 4, 5];

static CLASSES: u8 = 0;

fn classes_key() -> *mut c_void {
    &CLASSES as *const u8 as *mut c_void
}

/// A class defined by [`Stack::define_host_class`], valid for the state
/// that defined it: another state's class is refused, never misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HostClass {
    index: u32,
    stamp: u64,
}

/// The classes of one state, and the stamp that tells its classes from
/// another state's (given when the first class is defined).
#[derive(Default)]
pub(crate) struct Classes {
    stamp: u64,
    list: Vec<ClassInfo>,
}

/// What the Rust side keeps of a class.
struct ClassInfo {
    name: Vec<u8>,
    base: Option<u32>,
    depth: usize,
}

impl Classes {
    /// The index of `class` if it is one of these.
    fn index_of(&self, class: HostClass) -> Option<u32> {
        (class.stamp == self.stamp && (class.index as usize) < self.list.len()).then_some(class.index)
    }

    fn class(&self, index: u32) -> HostClass {
        HostClass { index, stamp: self.stamp }
    }
}

static NEXT_STAMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Lua {
    /// The class named `name`, if one was defined in this state.
    pub fn host_class(&self, name: &[u8]) -> Option<HostClass> {
        let classes = self.rt.host_objects().classes.borrow();
        classes.list.iter().position(|c| c.name == name).map(|i| classes.class(i as u32))
    }

    /// The name `class` was defined with (None for another state's class).
    pub fn host_class_name(&self, class: HostClass) -> Option<Vec<u8>> {
        let classes = self.rt.host_objects().classes.borrow();
        classes.index_of(class).map(|i| classes.list[i as usize].name.clone())
    }

    /// How many classes the chain from `class` up holds (1 for a class
    /// with no base; 0 for another state's class).
    pub fn host_class_depth(&self, class: HostClass) -> usize {
        let classes = self.rt.host_objects().classes.borrow();
        classes.index_of(class).map_or(0, |i| classes.list[i as usize].depth)
    }

    /// Whether `class` is `ancestor` or extends it, directly or not (false
    /// for another state's classes).
    pub fn host_class_is(&self, class: HostClass, ancestor: HostClass) -> bool {
        let classes = self.rt.host_objects().classes.borrow();
        let (Some(mut at), Some(ancestor)) = (classes.index_of(class), classes.index_of(ancestor)) else { return false };
        loop {
            if at == ancestor {
                return true;
            }
            match classes.list[at as usize].base {
                Some(base) => at = base,
                None => return false,
            }
        }
    }
}

impl StackValue<'_> {
    /// The id and class of a host object that is a class instance.
    pub fn host_instance(&self) -> Option<(u64, HostClass)> {
        let l = self.state();
        // SAFETY: `check` only reads; non-null means one of our payloads.
        let payload = unsafe { crate::raw::tagged::check::<Payload>(l, self.index(), Tag::HostObject).as_ref() }?;
        if payload.class == NO_CLASS {
            return None;
        }
        // SAFETY: the value is on a thread of one of this crate's states.
        let rt = unsafe { Runtime::from_state(l) };
        Some((payload.id, rt.host_objects().classes.borrow().class(payload.class)))
    }
}

impl Stack<'_> {
    /// With four tables on top, pushed on this stack in this order (methods,
    /// property getters, property setters, metamethods; string keys, values
    /// Lua calls), defines class `name` and pops them. An instance's
    /// methods and accessors are called with the instance as argument 1
    /// (setters with the value as argument 2); metamethods as Lua calls
    /// them. With `base`, the class starts from the base's four tables and
    /// its own entries win.
    ///
    /// Fails (popping the tables) if `name` is taken, `base` is not a class
    /// of this state, the chain would be deeper than [`MAX_CLASS_DEPTH`], or
    /// a metamethod is one the mechanism owns (`__index`, `__newindex`,
    /// `__gc`, `__mode`, `__metatable`, `__name`).
    ///
    /// ```
    /// use lua_core::{Access, IntoLua, Lua, StdLib};
    ///
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// let class = lua.with_stack(|stack| {
    ///     stack.push_table(0, 1)?; // methods
    ///     stack.push_function(|call| {
    ///         "hello".push_into(&mut call.stack())?;
    ///         Ok(1)
    ///     })?;
    ///     stack.set_field(b"greet")?;
    ///     stack.push_table(0, 0)?; // getters
    ///     stack.push_table(0, 0)?; // setters
    ///     stack.push_table(0, 0)?; // metamethods
    ///     stack.define_host_class(b"Greeter", None)
    /// })?;
    /// lua.set_global_with(b"g", |stack| stack.push_host_instance(1, Access::default(), class))?;
    /// assert_eq!(lua.exec::<String>("return g:greet() .. ' ' .. getmetatable(g).__name")?, "hello Greeter");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn define_host_class(&mut self, name: &[u8], base: Option<HostClass>) -> Result<HostClass> {
        let checked = self.check_class(name, base);
        let tables_ok = self.len() >= 4 && (1..=4).all(|i| self.value(-i).kind() == Kind::Table);
        let outcome = match (checked, tables_ok) {
            (Err(e), _) => Err(e),
            (Ok(_), false) => Err(Error::api("define_host_class needs four tables on the stack")),
            (Ok(depth), true) => self.reserve(8).and_then(|()| self.store_class(name, base, depth)),
        };
        if outcome.is_err() {
            self.pop(4);
        }
        outcome
    }

    /// The depth the new class would have, if it may be defined.
    fn check_class(&self, name: &[u8], base: Option<HostClass>) -> Result<usize> {
        let classes = self.lua.rt.host_objects().classes.borrow();
        if classes.list.iter().any(|c| c.name == name) {
            return Err(Error::api(format!("class '{}' is already defined", String::from_utf8_lossy(name))));
        }
        let depth = match base {
            None => 1,
            Some(b) => {
                let index = classes.index_of(b).ok_or_else(|| Error::api("the base class is not a class of this state"))?;
                classes.list[index as usize].depth + 1
            }
        };
        if depth > MAX_CLASS_DEPTH {
            return Err(Error::api(format!("the chain of base classes is deeper than {MAX_CLASS_DEPTH}")));
        }
        if !self.is_empty() && self.value(-1).kind() == Kind::Table {
            // SAFETY: the table is this stack's; the scan never raises.
            if let Some(key) = self.with_raw(|l| unsafe { reserved_key(l) }) {
                return Err(Error::api(format!("metamethod '{key}' belongs to the class mechanism")));
            }
        }
        Ok(depth)
    }

    fn store_class(&mut self, name: &[u8], base: Option<HostClass>, depth: usize) -> Result<HostClass> {
        let (id, base) = {
            let classes = self.lua.rt.host_objects().classes.borrow();
            (classes.list.len() as u32, base.and_then(|b| classes.index_of(b)))
        };
        let base_slot = base.map_or(0, |b| b as lua_Integer + 1);
        let (p, len) = (name.as_ptr() as *const std::ffi::c_char, name.len());
        // SAFETY: the four tables are arguments 1 to 4 (checked); everything
        // below allocates and may raise into the protection; the closure
        // captures only Copy values, and `name` outlives the call.
        self.with_raw(|l| unsafe {
            protect(l, 4, 0, move |l| {
                if lua_rawgetp(l, LUA_REGISTRYINDEX, classes_key()) != LUA_TTABLE as c_int {
                    lua_settop(l, 4);
                    lua_createtable(l, 1, 0);
                    lua_pushvalue(l, -1);
                    lua_rawsetp(l, LUA_REGISTRYINDEX, classes_key());
                }
                // 5: the records. The base's tables under the new ones' keys.
                if base_slot != 0 {
                    if lua_rawgeti(l, 5, base_slot) != LUA_TTABLE as c_int {
                        crate::raw::runtime::raise_replaced(l);
                    }
                    for (arg, slot) in (1..=4).zip(TABLES) {
                        if lua_rawgeti(l, 6, slot) != LUA_TTABLE as c_int {
                            crate::raw::runtime::raise_replaced(l);
                        }
                        inherit(l, arg, 7);
                        lua_settop(l, 6);
                    }
                    lua_settop(l, 5);
                }
                // 6: the metatable.
                lua_createtable(l, 0, 8);
                lua_pushnil(l);
                while lua_next(l, 4) != 0 {
                    lua_pushvalue(l, -2);
                    lua_insert(l, -2);
                    lua_rawset(l, 6);
                }
                type Handler = unsafe extern "C" fn(*mut lua_State) -> c_int;
                for (field, f) in [(c"__index", class_index as Handler), (c"__newindex", class_newindex as Handler)] {
                    for arg in 1..=3 {
                        lua_pushvalue(l, arg);
                    }
                    lua_pushlstring(l, p, len);
                    lua_pushcclosure(l, Some(f), 4);
                    lua_setfield(l, 6, field.as_ptr());
                }
                lua_pushcclosure(l, Some(object_gc), 0);
                lua_setfield(l, 6, c"__gc".as_ptr());
                lua_pushlstring(l, p, len);
                lua_setfield(l, 6, c"__name".as_ptr());
                // Sealed: `getmetatable(u)` shows only the class's name.
                lua_createtable(l, 0, 1);
                lua_pushlstring(l, p, len);
                lua_setfield(l, -2, c"__name".as_ptr());
                lua_setfield(l, 6, c"__metatable".as_ptr());
                // The record, at records[id + 1].
                lua_createtable(l, 5, 0);
                lua_pushvalue(l, 6);
                lua_rawseti(l, -2, META);
                for (arg, slot) in (1..=4).zip(TABLES) {
                    lua_pushvalue(l, arg);
                    lua_rawseti(l, -2, slot);
                }
                lua_rawseti(l, 5, id as lua_Integer + 1);
                0
            })
        })?;
        let mut classes = self.lua.rt.host_objects().classes.borrow_mut();
        if classes.list.is_empty() {
            classes.stamp = NEXT_STAMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        classes.list.push(ClassInfo { name: name.to_vec(), base, depth });
        Ok(classes.class(id))
    }

    /// Pushes the userdata for host object `id` as an instance of `class`:
    /// the one already alive if there is one (whatever it was made as),
    /// else a new one with the class's metatable. Counts as
    /// [`Stack::push_host_object`] does.
    pub fn push_host_instance(&self, id: u64, access: crate::raw::host_object::Access, class: HostClass) -> Result<()> {
        let index = self.lua.rt.host_objects().classes.borrow().index_of(class);
        let index = index.ok_or_else(|| Error::api("the class is not a class of this state"))?;
        self.push_host_object_as(id, access, index)
    }
}

/// With a table at `to` and the base's table at `from`: copies every entry
/// of `from` that `to` lacks. Raises only for memory.
///
/// # Safety
/// Inside a protected call, with two free slots; both indices absolute.
unsafe fn inherit(l: *mut lua_State, to: c_int, from: c_int) {
    // SAFETY: as documented; lua_next walks a table we only read.
    unsafe {
        lua_pushnil(l);
        while lua_next(l, from) != 0 {
            lua_pushvalue(l, -2);
            if lua_rawget(l, to) == LUA_TNIL as c_int {
                lua_settop(l, -2);
                lua_pushvalue(l, -2);
                lua_insert(l, -2);
                lua_rawset(l, to);
            } else {
                lua_settop(l, -3);
            }
        }
    }
}

/// The first key of the table on top that the mechanism owns, as text.
///
/// # Safety
/// A table on top, with two free slots.
unsafe fn reserved_key(l: *mut lua_State) -> Option<String> {
    // SAFETY: lua_next on a table never raises for its own keys.
    unsafe {
        lua_pushnil(l);
        while lua_next(l, -2) != 0 {
            lua_settop(l, -2);
            if let Some(key) = bytes_at(l, -1).filter(|k| RESERVED.contains(k)) {
                let key = String::from_utf8_lossy(key).into_owned();
                lua_settop(l, -2);
                return Some(key);
            }
        }
        None
    }
}

/// Pushes class `class`'s metatable (raising if its record was replaced).
///
/// # Safety
/// Inside a protected call, with three free slots.
pub(crate) unsafe fn push_class_metatable(l: *mut lua_State, class: u32) {
    // SAFETY: raw reads; the type of each is checked before it is used.
    unsafe {
        if lua_rawgetp(l, LUA_REGISTRYINDEX, classes_key()) != LUA_TTABLE as c_int
            || lua_rawgeti(l, -1, class as lua_Integer + 1) != LUA_TTABLE as c_int
            || lua_rawgeti(l, -1, META) != LUA_TTABLE as c_int
        {
            crate::raw::runtime::raise_replaced(l);
        }
        lua_replace(l, -3);
        lua_settop(l, -2);
    }
}

/// Pushes `upvalue[key]` (key at 2) and returns its type; pushes nil when
/// the upvalue is no table (Lua can replace it through `debug.setupvalue`).
///
/// # Safety
/// Inside a class C function, with two free slots.
unsafe fn lookup(l: *mut lua_State, upvalue: c_int) -> c_int {
    // SAFETY: raw reads only, on a value checked to be a table.
    unsafe {
        if lua_type(l, lua_upvalueindex(upvalue)) != LUA_TTABLE as c_int {
            lua_pushnil(l);
            return LUA_TNIL as c_int;
        }
        lua_pushvalue(l, 2);
        lua_rawget(l, lua_upvalueindex(upvalue))
    }
}

/// The error for an accessor used the way it does not go; raised with
/// nothing owned alive.
unsafe fn raise_accessor(l: *mut lua_State, rt: &Runtime, kind: &str) -> ! {
    // SAFETY: plain reads of the key and of the name upvalue.
    let message = unsafe {
        let key = bytes_at(l, 2).map(String::from_utf8_lossy).unwrap_or_default();
        let class = bytes_at(l, lua_upvalueindex(4)).map(String::from_utf8_lossy).unwrap_or_default();
        format!("property '{key}' of class '{class}' is {kind}")
    };
    // SAFETY: `message` is moved in; nothing else owned is alive.
    unsafe { rt.raise(l, message) }
}

/// The payload of argument 1, or a raised argument error.
unsafe fn self_payload(l: *mut lua_State, rt: &Runtime, function: &str) -> Payload {
    // SAFETY: `check` only reads; the raise leaves nothing owned alive.
    match unsafe { crate::raw::tagged::check::<Payload>(l, 1, Tag::HostObject).as_ref() }.copied() {
        Some(p) => p,
        None => unsafe { rt.raise(l, crate::raw::tagged::bad_self(function, "class instance")) },
    }
}

unsafe extern "C" fn class_index(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls __index with (userdata, key) and LUA_MINSTACK free
    // slots; only Copy values are alive when anything raises or calls.
    unsafe {
        let rt = Runtime::from_state(l);
        if rt.is_closing() {
            return 0;
        }
        lua_settop(l, 2);
        let payload = self_payload(l, rt, "__index");
        if lua_type(l, 2) == LUA_TSTRING as c_int {
            if lookup(l, 1) != LUA_TNIL as c_int {
                return 1;
            }
            if lookup(l, 2) != LUA_TNIL as c_int {
                lua_pushvalue(l, 1);
                lua_call(l, 1, 1);
                return 1;
            }
            if lookup(l, 3) != LUA_TNIL as c_int {
                raise_accessor(l, rt, "write-only");
            }
            lua_settop(l, 2);
        }
        index_fallback(l, rt, payload, true)
    }
}

unsafe extern "C" fn class_newindex(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls __newindex with (userdata, key, value); as above.
    unsafe {
        let rt = Runtime::from_state(l);
        if rt.is_closing() {
            return 0;
        }
        lua_settop(l, 3);
        let payload = self_payload(l, rt, "__newindex");
        if lua_type(l, 2) == LUA_TSTRING as c_int {
            if lookup(l, 3) != LUA_TNIL as c_int {
                lua_pushvalue(l, 1);
                lua_pushvalue(l, 3);
                lua_call(l, 2, 0);
                return 0;
            }
            lua_settop(l, 3);
            if lookup(l, 2) != LUA_TNIL as c_int {
                raise_accessor(l, rt, "read-only");
            }
            lua_settop(l, 3);
        }
        newindex_fallback(l, rt, payload)
    }
}
