//! Host objects: full userdata standing for an object the host owns, known
//! to Lua only by a numeric id. Opaque ones can only be stored, compared and
//! passed around; property ones forward `u.key` and `u.key = v` to the host.
//!
//! The two metatables are the registry entries `lua_native_userdata` and
//! `lua_native_proxy_userdata` (their `__name`s show in Lua's messages).
//! Each userdata made for an id counts; when Lua has collected the last one,
//! the host is told, so it can let its object go. A weak-valued cache maps
//! ids to their userdata, so an object handed back to Lua is the same
//! userdata again while one is alive (DECISIONS 7).
//!
//! An id can also have methods: a table of functions the host gives once
//! ([`Stack::set_host_methods`]), kept in the registry under the id until the
//! id is released. Its userdata takes the property metatable, and `u.name`
//! finds the method before anything else (the same function every time, so
//! `u:name(...)` works); a key that is no method reads nil unless the object
//! is readable.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_int, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use lua_sys::*;

use crate::raw::callback::CallContext;
use crate::error::Result;
#[cfg(feature = "host-binding")]
use crate::raw::lua::Lua;
use crate::raw::protect::bytes_at;
#[cfg(feature = "host-binding")]
use crate::raw::protect::protect;
use crate::raw::runtime::Runtime;
#[cfg(feature = "host-binding")]
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;
use crate::raw::tagged::Tag;

pub(crate) const OPAQUE_META: &CStr = c"lua_native_userdata";
pub(crate) const PROPERTY_META: &CStr = c"lua_native_proxy_userdata";
const CACHE: &CStr = c"lua_core_host_objects";
/// The registry key (a light userdata: looking it up never allocates) of
/// the table of method tables, by id (made by the first `set_host_methods`).
static METHODS: u8 = 0;

fn methods_key() -> *mut std::ffi::c_void {
    &METHODS as *const u8 as *mut std::ffi::c_void
}

/// How Lua may use a host object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Access {
    /// Lua may read properties (`u.key`).
    pub readable: bool,
    /// Lua may write properties (`u.key = v`).
    pub writable: bool,
}

impl Access {
    /// Neither: the object can only be stored, compared and passed around.
    pub fn is_opaque(self) -> bool {
        !self.readable && !self.writable
    }
}

/// What the host does for its objects.
pub trait HostObjects {
    /// `u[key]` on a readable object: push exactly one value.
    fn get(&self, call: &CallContext<'_>, id: u64, key: &[u8]) -> Result<()>;
    /// `u[key] = value` on a writable object.
    fn set(&self, call: &CallContext<'_>, id: u64, key: &[u8], value: StackValue<'_>) -> Result<()>;
    /// Lua has collected the last userdata for `id`.
    fn released(&self, id: u64);
}

#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Payload {
    pub(crate) id: u64,
    pub(crate) access: Access,
    /// Set by `__gc`, so that a second call (through the debug library)
    /// cannot count the object's release twice.
    finalized: bool,
    /// The id had methods when this userdata was made.
    methods: bool,
    /// The host class (`raw::host_class`) of an instance, [`NO_CLASS`] for
    /// a plain host object.
    pub(crate) class: u32,
}

/// The `class` of a host object that is no class's instance.
#[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
pub(crate) const NO_CLASS: u32 = u32::MAX;

/// Per-state bookkeeping, kept in the runtime.
#[derive(Default)]
pub(crate) struct HostObjectTable {
    pub(crate) host: RefCell<Option<Rc<dyn HostObjects>>>,
    counts: RefCell<HashMap<u64, usize>>,
    /// The host classes defined in this state (`raw::host_class`).
    #[cfg(feature = "host-binding")]
    pub(crate) classes: RefCell<crate::raw::host_class::Classes>,
}

/// Creates the two metatables; called once when the state is made.
///
/// # Safety
/// Must run inside a protected call on a fresh state.
pub(crate) unsafe fn install(l: *mut lua_State) {
    // SAFETY: forwarded; everything here allocates and may raise into the
    // enclosing protected call.
    unsafe {
        for (name, property) in [(OPAQUE_META, false), (PROPERTY_META, true)] {
            // __name, __gc, __metatable, and __index/__newindex.
            crate::raw::runtime::new_metatable(l, name, if property { 5 } else { 3 });
            lua_pushcclosure(l, Some(object_gc), 0);
            lua_setfield(l, -2, c"__gc".as_ptr());
            if property {
                lua_pushcclosure(l, Some(object_index), 0);
                lua_setfield(l, -2, c"__index".as_ptr());
                lua_pushcclosure(l, Some(object_newindex), 0);
                lua_setfield(l, -2, c"__newindex".as_ptr());
            }
            // Sealed: `getmetatable(u)` gives a stand-in that only names the
            // kind (as the original's did), never the functions themselves.
            lua_createtable(l, 0, 1);
            lua_pushstring(l, name.as_ptr());
            lua_setfield(l, -2, c"__name".as_ptr());
            lua_setfield(l, -2, c"__metatable".as_ptr());
            lua_settop(l, -2);
        }
        crate::raw::runtime::push_weak_table(l, c"v");
        lua_setfield(l, LUA_REGISTRYINDEX, CACHE.as_ptr());
    }
}

#[cfg(feature = "host-binding")]
impl Lua {
    /// Installs what the host does for its objects (replacing any earlier host).
    pub fn set_host_objects(&self, host: Rc<dyn HostObjects>) {
        self.rt.thread_bound.set(true);
        *self.rt.host_objects().host.borrow_mut() = Some(host);
    }
}

#[cfg(feature = "host-binding")]
impl Stack<'_> {
    /// Pushes the userdata for host object `id`: the one already alive if
    /// there is one, else a new one (which counts for `id`).
    pub fn push_host_object(&self, id: u64, access: Access) -> Result<()> {
        self.push_host_object_as(id, access, NO_CLASS)
    }

    /// [`Stack::push_host_object`] for an object whose new userdata takes
    /// the metatable of host class `class` ([`NO_CLASS`]: its own kind's).
    pub(crate) fn push_host_object_as(&self, id: u64, access: Access, class: u32) -> Result<()> {
        self.reserve(3)?;
        let rt: &Runtime = &self.lua.rt;
        let created = std::cell::Cell::new(false);
        let flag = &created;
        // SAFETY: the cache lookup and the creation allocate, so they run
        // protected; the closure captures only Copy values.
        self.with_raw(|l| unsafe {
            protect(l, 0, 1, move |l| {
                crate::raw::runtime::push_registry_table(l, CACHE);
                if lua_rawgeti(l, -1, id as lua_Integer) == LUA_TUSERDATA as c_int {
                    return 1;
                }
                lua_settop(l, -2);
                let methods = class == NO_CLASS && has_methods(l, id);
                let payload = Payload { id, access, finalized: false, methods, class };
                crate::raw::tagged::push_new(l, Tag::HostObject, payload);
                if class == NO_CLASS {
                    let meta = if access.is_opaque() && !methods { OPAQUE_META } else { PROPERTY_META };
                    crate::raw::runtime::push_registry_table(l, meta);
                } else {
                    crate::raw::host_class::push_class_metatable(l, class);
                }
                lua_setmetatable(l, -2);
                lua_pushvalue(l, -1);
                lua_rawseti(l, -3, id as lua_Integer);
                flag.set(true);
                1
            })
        })?;
        if created.get() {
            *rt.host_objects().counts.borrow_mut().entry(id).or_insert(0) += 1;
        }
        Ok(())
    }

    /// With a table at -1 (pushed on this stack): makes it the methods of
    /// host object `id`, and pops it. Give it before the id's first
    /// [`Stack::push_host_object`]: a userdata takes its metatable when made.
    /// Each string key names a method; its value is what `u.key` reads (a
    /// function, for `u:key(...)`). The table stays until Lua has collected
    /// the last userdata for `id`.
    pub fn set_host_methods(&mut self, id: u64) -> Result<()> {
        if self.is_empty() {
            return Err(crate::Error::api("set_host_methods needs a table on the stack"));
        }
        // SAFETY: the table is this stack's (checked to be one); the store
        // can allocate a new key, so it runs protected, with the table as
        // argument 1.
        unsafe {
            self.with_raw(|l| {
                if lua_type(l, -1) != LUA_TTABLE as c_int {
                    return Err(crate::Error::api(crate::raw::stack::NOT_A_TABLE));
                }
                protect(l, 1, 0, move |l| {
                    // Made on first use: a state without methods pays nothing.
                    if lua_rawgetp(l, LUA_REGISTRYINDEX, methods_key()) != LUA_TTABLE as c_int {
                        lua_settop(l, -2);
                        lua_createtable(l, 0, 0);
                        lua_pushvalue(l, -1);
                        lua_rawsetp(l, LUA_REGISTRYINDEX, methods_key());
                    }
                    lua_pushvalue(l, 1);
                    lua_rawseti(l, -2, id as lua_Integer);
                    0
                })
            })
        }
    }
}

/// Whether `id` has methods. Never raises, never allocates (a registry read
/// under a light-userdata key and a raw integer read).
///
/// # Safety
/// `l` is a state of this crate with two free stack slots.
#[cfg(feature = "host-binding")]
unsafe fn has_methods(l: *mut lua_State, id: u64) -> bool {
    // SAFETY: as documented; the stack is left as it was.
    unsafe {
        if lua_rawgetp(l, LUA_REGISTRYINDEX, methods_key()) != LUA_TTABLE as c_int {
            lua_settop(l, -2);
            return false;
        }
        let found = lua_rawgeti(l, -1, id as lua_Integer) == LUA_TTABLE as c_int;
        lua_settop(l, -3);
        found
    }
}

/// Pushes method `key` (at `key_idx`, a string) of `id` and returns true, or
/// pushes nothing and returns false. Never raises, never allocates.
///
/// # Safety
/// `l` is a state of this crate with three free stack slots; `key_idx` is an
/// absolute index.
unsafe fn push_method(l: *mut lua_State, id: u64, key_idx: c_int) -> bool {
    // SAFETY: raw reads only; every path restores the stack but for the
    // value returned.
    unsafe {
        let base = lua_native_fast_gettop(l);
        if lua_rawgetp(l, LUA_REGISTRYINDEX, methods_key()) == LUA_TTABLE as c_int
            && lua_rawgeti(l, -1, id as lua_Integer) == LUA_TTABLE as c_int
        {
            lua_pushvalue(l, key_idx);
            if lua_rawget(l, -2) != LUA_TNIL as c_int {
                lua_replace(l, base + 1);
                lua_settop(l, base + 1);
                return true;
            }
        }
        lua_settop(l, base);
        false
    }
}

/// Forgets the methods of `id` (its last userdata is gone). Never raises,
/// never allocates: storing nil under an existing key reuses its slot, and
/// under a missing one stores nothing.
///
/// # Safety
/// `l` is a state of this crate with two free stack slots.
unsafe fn forget_methods(l: *mut lua_State, id: u64) {
    // SAFETY: as documented; the stack is left as it was.
    unsafe {
        if lua_rawgetp(l, LUA_REGISTRYINDEX, methods_key()) == LUA_TTABLE as c_int {
            lua_pushnil(l);
            lua_rawseti(l, -2, id as lua_Integer);
        }
        lua_settop(l, -2);
    }
}

impl StackValue<'_> {
    /// The id and access of a host object.
    pub fn host_object(&self) -> Option<(u64, Access)> {
        let l = self.state();
        // SAFETY: `check` only reads; non-null means one of our payloads.
        unsafe { crate::raw::tagged::check::<Payload>(l, self.index(), Tag::HostObject).as_ref() }.map(|p| (p.id, p.access))
    }
}

/// The key as text: strings as they are, numbers as `tostring` writes them;
/// anything else has no text (the access reads nil / is ignored).
unsafe fn key_text(l: *mut lua_State, idx: c_int, buf: &mut [std::ffi::c_char; LUA_N2SBUFFSZ as usize]) -> Option<&[u8]> {
    // SAFETY: non-raising reads; the number is formatted into `buf`.
    unsafe {
        match lua_type(l, idx) as u32 {
            LUA_TSTRING => bytes_at(l, idx),
            LUA_TNUMBER => {
                let n = lua_numbertocstring(l, idx, buf.as_mut_ptr());
                Some(std::slice::from_raw_parts(buf.as_ptr() as *const u8, n.saturating_sub(1) as usize))
            }
            _ => None,
        }
    }
}

fn host_of(rt: &Runtime) -> Option<Rc<dyn HostObjects>> {
    rt.host_objects().host.borrow().clone()
}

unsafe extern "C" fn object_index(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls __index with (userdata, key); all Rust values are
    // gone before `raise`.
    let rt = unsafe { Runtime::from_state(l) };
    if rt.is_closing() {
        return 0;
    }
    // Lua code can call this function with anything (`debug.getmetatable`):
    // only our own payloads are accepted.
    // SAFETY: `check` only reads; nothing with a destructor is alive if it raises.
    let payload = match unsafe { crate::raw::tagged::check::<Payload>(l, 1, Tag::HostObject).as_ref() }.copied() {
        Some(payload) => payload,
        None => unsafe { rt.raise(l, crate::raw::tagged::bad_self("__index", "lua_native_proxy_userdata")) },
    };
    // Methods win over properties. Only Copy values are alive here.
    // SAFETY: Lua called __index with two arguments and leaves LUA_MINSTACK
    // (20) free slots; push_method never raises.
    if payload.methods && unsafe { lua_type(l, 2) } == LUA_TSTRING as c_int && unsafe { push_method(l, payload.id, 2) } {
        return 1;
    }
    let missing_reads_nil = payload.methods;
    // SAFETY: as for this function.
    unsafe { index_fallback(l, rt, payload, missing_reads_nil) }
}

/// `u[key]` past the methods: the host's property if the object is
/// readable; else nil when `missing_reads_nil`, an error otherwise. Raises
/// on failure with nothing owned alive.
///
/// # Safety
/// Called from a `__index` C function, with (userdata, key) at 1 and 2.
pub(crate) unsafe fn index_fallback(l: *mut lua_State, rt: &Runtime, payload: Payload, missing_reads_nil: bool) -> c_int {
    let outcome: std::result::Result<c_int, String> = {
        let mut buf = [0; LUA_N2SBUFFSZ as usize];
        // SAFETY: argument 2 exists (Lua calls __index/__newindex with it); key_text only reads.
        match unsafe { key_text(l, 2, &mut buf) } {
            None => Ok(0),
            Some(key) => {
                let key_s = String::from_utf8_lossy(key).into_owned();
                if !payload.access.readable && missing_reads_nil {
                    // An object with methods (or a class): a key that is none reads nil.
                    Ok(0)
                } else if !payload.access.readable {
                    Err(format!("Error reading property '{key_s}': userdata is not readable"))
                } else {
                    match host_of(rt) {
                        None => Ok(0),
                        Some(host) => {
                            // SAFETY: see callback::borrowed_lua.
                            let lua = unsafe { crate::raw::callback::borrowed_lua(rt) };
                            let ctx = CallContext::new(l, 2, &lua);
                            let r = catch_unwind(AssertUnwindSafe(|| host.get(&ctx, payload.id, key)));
                            match r {
                                Ok(Ok(())) => Ok(1),
                                Ok(Err(e @ crate::Error::Memory { .. })) => {
                                    // Lua ran out of memory; the property itself is fine.
                                    let message = e.message().to_string();
                                    rt.record_host_failure(&message, e);
                                    Err(message)
                                }
                                Ok(Err(e)) => Err(format!("Error reading property '{key_s}': {}", e.message())),
                                Err(_) => Err(format!("Error reading property '{key_s}': the host panicked")),
                            }
                        }
                    }
                }
            }
        }
    };
    match outcome {
        Ok(n) => n,
        // SAFETY: `outcome` is moved; nothing with a destructor remains.
        Err(message) => unsafe { rt.raise(l, message) },
    }
}

unsafe extern "C" fn object_newindex(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls __newindex with (userdata, key, value); as above.
    let rt = unsafe { Runtime::from_state(l) };
    if rt.is_closing() {
        return 0;
    }
    // Lua code can call this function with anything (`debug.getmetatable`):
    // only our own payloads are accepted.
    // SAFETY: `check` only reads; nothing with a destructor is alive if it raises.
    let payload = match unsafe { crate::raw::tagged::check::<Payload>(l, 1, Tag::HostObject).as_ref() }.copied() {
        Some(payload) => payload,
        None => unsafe { rt.raise(l, crate::raw::tagged::bad_self("__newindex", "lua_native_proxy_userdata")) },
    };
    // SAFETY: as for this function.
    unsafe { newindex_fallback(l, rt, payload) }
}

/// `u[key] = value` past the accessors: the host's property if the object
/// is writable, else an error. Raises on failure with nothing owned alive.
///
/// # Safety
/// Called from a `__newindex` C function, with (userdata, key, value) at 1 to 3.
pub(crate) unsafe fn newindex_fallback(l: *mut lua_State, rt: &Runtime, payload: Payload) -> c_int {
    let outcome: std::result::Result<(), String> = {
        let mut buf = [0; LUA_N2SBUFFSZ as usize];
        // SAFETY: argument 2 exists (Lua calls __index/__newindex with it); key_text only reads.
        match unsafe { key_text(l, 2, &mut buf) } {
            None => Ok(()),
            Some(key) => {
                let key_s = String::from_utf8_lossy(key).into_owned();
                if !payload.access.writable {
                    Err(format!("Error writing property '{key_s}': userdata is not writable"))
                } else {
                    match host_of(rt) {
                        None => Ok(()),
                        Some(host) => {
                            // SAFETY: see callback::borrowed_lua.
                            let lua = unsafe { crate::raw::callback::borrowed_lua(rt) };
                            let ctx = CallContext::new(l, 3, &lua);
                            let value = ctx.arg(2);
                            match catch_unwind(AssertUnwindSafe(|| host.set(&ctx, payload.id, key, value))) {
                                Ok(Ok(())) => Ok(()),
                                Ok(Err(e)) => Err(format!("Error writing property '{key_s}': {}", e.message())),
                                Err(_) => Err(format!("Error writing property '{key_s}': the host panicked")),
                            }
                        }
                    }
                }
            }
        }
    };
    match outcome {
        Ok(()) => 0,
        // SAFETY: as in object_index.
        Err(message) => unsafe { rt.raise(l, message) },
    }
}


pub(crate) unsafe extern "C" fn object_gc(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this (from a collection step, from lua_close, or
    // directly from Lua code through the debug library) on a thread of one
    // of this crate's states, whose extra space holds the runtime pointer.
    let rt = unsafe { Runtime::from_state(l) };
    // SAFETY: `check` accepts only our own payloads; `finalized` makes a
    // repeated call (through the debug library) a no-op.
    let (id, methods) = match unsafe { crate::raw::tagged::check::<Payload>(l, 1, Tag::HostObject).as_mut() } {
        None => unsafe { rt.raise(l, crate::raw::tagged::bad_self("__gc", "lua_native_userdata")) },
        Some(p) if p.finalized => return 0,
        Some(p) => {
            p.finalized = true;
            (p.id, p.methods)
        }
    };
    let last = catch_unwind(AssertUnwindSafe(|| {
        let table = rt.host_objects();
        let last = {
            let mut counts = table.counts.borrow_mut();
            match counts.get_mut(&id) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                Some(_) => {
                    counts.remove(&id);
                    true
                }
                None => false,
            }
        };
        if last && rt.is_off_thread() {
            // SAFETY: this runs on the thread holding the state.
            unsafe { rt.defer_release(id) };
        } else if last && !rt.is_closing() {
            if let Some(host) = host_of(rt) {
                host.released(id);
            }
        }
        last
    }));
    if methods && matches!(last, Ok(true)) && !rt.is_closing() {
        // SAFETY: a finalizer runs with LUA_MINSTACK free slots; this never
        // raises or allocates, and only Copy values are alive.
        unsafe { forget_methods(l, id) };
    }
    0
}
