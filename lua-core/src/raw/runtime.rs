//! The per-state runtime: the `lua_State`, its allocator, and the pointer back
//! to both that every callback, hook and finalizer finds again.
//!
//! The runtime's address goes into the registry under `_lua_core_runtime` (a
//! light userdata) and into the state's extra space (`lua_getextraspace`),
//! which Lua copies into every thread it creates. The registry entry is the
//! record; the extra space is the fast path, one load instead of a table lookup
//! on every call from Lua into Rust.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::hash_map::RandomState;
use std::ffi::{c_int, c_void, CStr};
use std::hash::BuildHasher;
use std::ptr;
use std::rc::Rc;

use lua_sys::*;

use crate::raw::alloc::{lua_alloc, Allocator};
use crate::error::{Error, Result};
use crate::raw::protect::{bytes_at, lossy, protect};
use crate::raw::stdlib::StdLib;

/// The registry key under which the runtime pointer is kept.
pub const RUNTIME_KEY: &CStr = c"_lua_core_runtime";

/// The registry key of the metatable shared by host-function userdata.
pub(crate) const HOST_FN_META: &CStr = c"lua_core_host_function";

pub(crate) struct Runtime {
    /// NULL once the state is closed (see `close`).
    main: Cell<*mut lua_State>,
    /// Dropped after `lua_close` (see `Drop`), which still frees through it.
    alloc: Box<Allocator>,
    libs: StdLib,
    /// Bytecode and disk doors, fixed for the life of the state.
    doors: crate::raw::sandbox::Doors,
    /// Who is inside the state (the one record of it; see `occupancy`).
    occupancy: crate::raw::occupancy::Occupancy,
    /// An error message moved here before `lua_error`, so that no frame a
    /// `longjmp` crosses still owns it.
    staged: UnsafeCell<Vec<u8>>,
    /// The traceback taken by the message handler for the last failed call.
    traceback: RefCell<Option<String>>,
    /// What the last failing host function (or host-object access) really
    /// was, keyed by the text Lua saw, so the host can report it as such if
    /// it comes back uncaught.
    host_failure: RefCell<Option<(String, Error)>>,
    /// The same for a host function that raised a value (`CallContext::raise_value`):
    /// the value's address, and whether the call in progress asked for it.
    host_failure_value: RefCell<Option<(usize, Error)>>,
    raise_top: std::cell::Cell<bool>,
    /// Set once something that may not be `Send` is stored in the state.
    pub(crate) thread_bound: Cell<bool>,
    host_objects: crate::raw::host_object::HostObjectTable,
    limits: crate::raw::limits::LimitState,
    host_hook: crate::raw::hooks::HostHook,
    /// Registry references dropped by the owner while the state was away.
    deferred_unrefs: RefCell<Vec<c_int>>,
    /// Host functions Lua collected while away (their drop may touch the
    /// owner's data); only the thread holding the state touches this.
    deferred_drops: UnsafeCell<Vec<Box<dyn std::any::Any>>>,
    /// Host objects Lua released while away; same rule.
    deferred_releases: UnsafeCell<Vec<u64>>,
    /// The thread that called the host code running now (a host function's
    /// or the hook's), NULL when none is (see `introspect::Running`).
    pub(crate) running: Cell<*mut lua_State>,
    /// Awaits of host work asked for and settled (see `driver`).
    awaits: crate::raw::driver::AwaitState,
    /// Live [`LuaString`](crate::LuaString)s borrowing Lua's memory: `close`
    /// would free what they point into (see `raw::string`). Atomic because
    /// the thread a state is lent to may ask while the owner drops one.
    pub(crate) string_pins: std::sync::atomic::AtomicUsize,
}

impl Runtime {
    /// Creates a state with the counting allocator and the given libraries.
    pub(crate) fn new(libs: StdLib, seal: crate::raw::sandbox::Seal, doors: crate::raw::sandbox::Doors, memory_limit: usize) -> Result<Rc<Runtime>> {
        crate::raw::limits::install_entry_points();
        let alloc = Box::new(Allocator::new(0));
        // A random seed for string hashing, so untrusted scripts cannot
        // predict collisions and turn table operations quadratic.
        let seed = RandomState::new().hash_one(ptr::addr_of!(*alloc) as usize) as u32;
        // SAFETY: the allocator outlives the state (it is a field dropped after
        // `lua_close`); lua_newstate does not raise, it returns NULL on failure.
        let main = unsafe { lua_newstate(Some(lua_alloc), &*alloc as *const Allocator as *mut c_void, seed) };
        if main.is_null() {
            return Err(Error::Memory { message: "Failed to create Lua state".into() });
        }
        let rt = Rc::new(Runtime {
            main: Cell::new(main),
            alloc,
            libs,
            doors,
            occupancy: Default::default(),
            staged: UnsafeCell::new(Vec::new()),
            traceback: RefCell::new(None),
            host_failure: RefCell::new(None),
            host_failure_value: RefCell::new(None),
            raise_top: std::cell::Cell::new(false),
            thread_bound: Cell::new(false),
            host_objects: Default::default(),
            limits: Default::default(),
            host_hook: Default::default(),
            deferred_unrefs: RefCell::new(Vec::new()),
            deferred_drops: UnsafeCell::new(Vec::new()),
            deferred_releases: UnsafeCell::new(Vec::new()),
            running: Cell::new(ptr::null_mut()),
            awaits: Default::default(),
            string_pins: Default::default(),
        });
        let rt_ptr = Rc::as_ptr(&rt) as *mut c_void;
        rt.alloc.watch(rt.limits());
        // SAFETY: fresh state; lua-sys initialised its extra space (its
        // `lua_native_extra`, copied into every coroutine) and nothing has
        // copied it yet: the runtime's parts are filled in here.
        unsafe {
            let extra = lua_native_extra(main);
            (*extra).runtime = rt_ptr;
            // The flag lives in the runtime, as long as the state.
            (*extra).flag = rt.limits().attention_flag();
            (*extra).steps = 1000;
        }
        // Cancels write the same flag (an atomic byte), so the VM notices them where it notices the deadline.
        rt.limits().cancel().bind(rt.limits().attention_flag() as *const std::sync::atomic::AtomicU8);
        // The library opening and the registry writes allocate, so they run
        // protected, under the memory limit if there is one.
        rt.alloc.set_limit(memory_limit);
        let bits = libs.bits();
        // SAFETY: closures capture only Copy values and create nothing with a destructor.
        unsafe {
            protect(main, 0, 0, move |l| {
                // The collector stands still until the opening is done,
                // and the tables it fills start at their final size
                // (lua-sys's lua_native_open_begin; the registry gets six
                // keys here: RUNTIME_KEY, HOST_FN_META, host_object's two
                // metatables and cache, thread's dead-coroutine table).
                lua_native_open_begin(l, bits, 6);
                // First: the reference table takes the registry slot after
                // Lua's own (lua-sys's lua_native_open_refs).
                lua_native_open_refs(l);
                lua_pushlightuserdata(l, rt_ptr);
                lua_setfield(l, LUA_REGISTRYINDEX, RUNTIME_KEY.as_ptr());
                new_metatable(l, HOST_FN_META, 3);
                lua_pushcclosure(l, Some(crate::raw::callback::host_fn_gc), 0);
                lua_setfield(l, -2, c"__gc".as_ptr());
                lua_pushboolean(l, 0);
                lua_setfield(l, -2, c"__metatable".as_ptr());
                lua_settop(l, -2);
                crate::raw::host_object::install(l);
                crate::raw::thread::install(l);
                luaL_openselectedlibs(l, bits, 0);
                crate::raw::sandbox::apply(l, seal, doors);
                lua_native_open_end(l);
                0
            })?;
        }
        Ok(rt)
    }

    #[inline]
    pub(crate) fn main(&self) -> *mut lua_State {
        self.main.get()
    }

    /// Whether `close` has run.
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.main.get().is_null()
    }

    /// The error for any use of a closed state.
    #[inline]
    pub(crate) fn check_open(&self) -> Result<()> {
        if self.is_closed() {
            return Err(Error::Closed { message: "the Lua state has been closed".into() });
        }
        Ok(())
    }

    /// Closes the state now (finalizers run, host functions do nothing).
    /// Handles that outlive it refuse to work; the allocator stays until the
    /// runtime itself goes. Refused while anything is inside the state or it
    /// is lent to another thread (see `occupancy`); closing a closed state
    /// does nothing.
    pub(crate) fn close(&self) -> Result<()> {
        let l = self.main.get();
        if l.is_null() {
            return Ok(());
        }
        if let Some(occupied) = self.occupancy.occupied() {
            return Err(Error::Busy { message: occupied.message("close()") });
        }
        // A LuaString reads Lua's memory in place (see `raw::string`).
        let pins = self.string_pins.load(std::sync::atomic::Ordering::Acquire);
        if pins > 0 {
            return Err(Error::Busy { message: format!("close() cannot be called while {pins} LuaString value(s) borrow the state's memory (drop them first)") });
        }
        self.occupancy.set_closing(true);
        self.host_objects.host.borrow_mut().take();
        // SAFETY: the state is ours and nothing is inside it (checked just
        // above, and host functions do nothing from here on, so no finalizer
        // can start anything). Finalizers of a limited state run under one
        // last budget (see begin_teardown).
        unsafe {
            crate::raw::limits::begin_teardown(self);
            lua_close(l);
            // lua_close freed every block of the state.
            self.alloc.state_closed();
        }
        crate::raw::limits::end_teardown(self);
        self.main.set(std::ptr::null_mut());
        self.occupancy.set_closing(false);
        self.deferred_unrefs.borrow_mut().clear();
        Ok(())
    }

    /// Who is inside the state.
    #[inline]
    pub(crate) fn occupancy(&self) -> &crate::raw::occupancy::Occupancy {
        &self.occupancy
    }

    #[inline]
    pub(crate) fn alloc(&self) -> &Allocator {
        &self.alloc
    }

    pub(crate) fn libs(&self) -> StdLib {
        self.libs
    }

    /// What the state may load (bytecode, the disk).
    pub(crate) fn doors(&self) -> crate::raw::sandbox::Doors {
        self.doors
    }

    #[inline]
    pub(crate) fn is_closing(&self) -> bool {
        self.occupancy.is_closing()
    }

    /// The runtime of any thread of a state this crate created.
    ///
    /// # Safety
    /// `l` must belong to a state created by [`Runtime::new`] that is still open.
    #[inline]
    pub(crate) unsafe fn from_state<'a>(l: *mut lua_State) -> &'a Runtime {
        // SAFETY: the extra space of every thread holds the runtime pointer,
        // copied from the main thread by lua_newthread.
        unsafe { &*(*(lua_getextraspace(l) as *const *const Runtime)) }
    }

    /// Reads the runtime pointer back from the registry (the record the extra
    /// space mirrors). Never raises: the key is a fixed string already interned.
    ///
    /// # Safety
    /// `l` must be a valid state with a free stack slot.
    #[cfg(feature = "host-binding")]
    pub(crate) unsafe fn registry_pointer(l: *mut lua_State) -> *const c_void {
        // SAFETY: a raw read of a string key present since creation.
        unsafe {
            lua_getfield(l, LUA_REGISTRYINDEX, RUNTIME_KEY.as_ptr());
            let p = lua_touserdata(l, -1);
            lua_settop(l, -2);
            p
        }
    }

    /// Moves `message` into the runtime, pushes it and raises it as a Lua error.
    /// Nothing owned is left in the calling frame when the `longjmp` happens.
    ///
    /// # Safety
    /// Must be called from a C function Lua is running on `l`, with no value
    /// with a destructor alive in the caller's frame.
    pub(crate) unsafe fn raise(&self, l: *mut lua_State, message: String) -> ! {
        // SAFETY: `staged` is only touched here, on the thread running the state.
        unsafe {
            let staged = &mut *self.staged.get();
            staged.clear();
            staged.extend_from_slice(message.as_bytes());
            drop(message);
            let (p, len) = (staged.as_ptr(), staged.len());
            lua_pushlstring(l, p as *const _, len);
            lua_error(l);
        }
        unreachable!("lua_error returned")
    }

    pub(crate) fn awaits(&self) -> &crate::raw::driver::AwaitState {
        &self.awaits
    }

    #[inline]
    pub(crate) fn limits(&self) -> &crate::raw::limits::LimitState {
        &self.limits
    }

    pub(crate) fn host_hook(&self) -> &crate::raw::hooks::HostHook {
        &self.host_hook
    }

    pub(crate) fn host_objects(&self) -> &crate::raw::host_object::HostObjectTable {
        &self.host_objects
    }

    #[inline]
    pub(crate) fn is_off_thread(&self) -> bool {
        self.occupancy.is_away()
    }

    /// Drops a registry reference now, or later if the state is away.
    pub(crate) fn unref(&self, id: c_int) {
        if self.is_closed() {
            return;
        }
        if self.is_off_thread() {
            self.deferred_unrefs.borrow_mut().push(id);
        } else {
            // SAFETY: lua_native_unref writes existing slots of the
            // reference table only; never raises.
            unsafe { lua_native_unref(self.main(), id) }
        }
    }

    /// Keeps a collected host function until the state is back.
    ///
    /// # Safety
    /// Only the thread running the state may call this.
    pub(crate) unsafe fn defer_drop(&self, f: Box<dyn std::any::Any>) {
        // SAFETY: see the field's rule.
        unsafe { (*self.deferred_drops.get()).push(f) }
    }

    /// Keeps a host-object release until the state is back.
    ///
    /// # Safety
    /// Only the thread running the state may call this.
    pub(crate) unsafe fn defer_release(&self, id: u64) {
        // SAFETY: see the field's rule.
        unsafe { (*self.deferred_releases.get()).push(id) }
    }

    /// Settles everything held back while the state was away.
    #[cfg_attr(not(feature = "host-binding"), allow(dead_code))]
    pub(crate) fn settle_deferred(&self) {
        for id in self.deferred_unrefs.take() {
            self.unref(id);
        }
        // SAFETY: called on the owner's thread after the state came back.
        let (drops, releases) = unsafe { (std::mem::take(&mut *self.deferred_drops.get()), std::mem::take(&mut *self.deferred_releases.get())) };
        drop(drops);
        if !releases.is_empty() {
            if let Some(host) = self.host_objects.host.borrow().clone() {
                for id in releases {
                    host.released(id);
                }
            }
        }
    }

    /// Records that a host function failed with `message` (the text it
    /// raises), and what that failure is to be reported as.
    pub(crate) fn record_host_failure(&self, message: &str, report: Error) {
        *self.host_failure.borrow_mut() = Some((message.to_string(), report));
    }

    /// Asks the trampoline to raise the value on top of the stack (see
    /// `CallContext::raise_value`); taken (and reset) by it.
    pub(crate) fn set_raise_top(&self, on: bool) -> bool {
        self.raise_top.replace(on)
    }

    /// Records that a host function raised the value at `address`, and what
    /// that failure is to be reported as while the value is raised on.
    pub(crate) fn record_host_failure_value(&self, address: usize, report: Error) {
        *self.host_failure_value.borrow_mut() = Some((address, report));
    }

    /// Done at every outermost call: a look when there is nothing to drop
    /// (a `take` would move the whole record through memory each time).
    #[inline(always)]
    pub(crate) fn forget_host_failure_value(&self) {
        clear_rarely(&self.host_failure_value);
    }

    /// The report recorded for a raised value at `address`.
    pub(crate) fn host_failure_for_value(&self, address: usize) -> Option<Error> {
        match self.host_failure_value.borrow().as_ref() {
            Some((a, report)) if *a == address => Some(report.clone()),
            _ => None,
        }
    }

    /// The report recorded for a host failure whose text is `message`.
    pub(crate) fn host_failure_for(&self, message: &str) -> Option<Error> {
        match self.host_failure.borrow().as_ref() {
            Some((m, report)) if m == message => Some(report.clone()),
            _ => None,
        }
    }

    /// Records the traceback of the error being raised (see `traceback_handler`).
    pub(crate) fn set_traceback(&self, text: String) {
        *self.traceback.borrow_mut() = Some(text);
    }

    /// Forgets a traceback an earlier error left (before a call from the
    /// host, whose own error must not get it).
    #[inline]
    pub(crate) fn clear_traceback(&self) {
        clear_rarely(&self.traceback);
    }

    pub(crate) fn take_traceback(&self) -> Option<String> {
        self.traceback.borrow_mut().take()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // The state goes first; `alloc` is dropped after this body, once
        // nothing can free through it any more. Nothing is inside: every
        // entry holds a handle, so the last one cannot go while one is open.
        let _ = self.close();
    }
}

/// The message handler every call from the host runs under: it records
/// Lua's traceback for the error in the runtime and leaves the error value
/// itself unchanged, so messages stay exactly as Lua made them.
pub(crate) unsafe extern "C" fn traceback_handler(l: *mut lua_State) -> c_int {
    // SAFETY: called by Lua as a message handler with the error value at 1.
    // The traceback is built in a protected call (it allocates); if that
    // fails the error simply goes without one.
    unsafe {
        let rt = Runtime::from_state(l);
        if protect(l, 0, 1, |l| {
            luaL_traceback(l, l, ptr::null(), 2);
            1
        })
        .is_ok()
        {
            let text = bytes_at(l, -1).map(lossy);
            *rt.traceback.borrow_mut() = text;
        }
        lua_settop(l, 1);
        1
    }
}

/// Pushes the registry's table under `key` (an internal metatable or cache),
/// raising if it is not a table: Lua code can replace registry entries
/// through `debug.getregistry()`, and Lua's C API takes a non-table given
/// as a table for one.
///
/// # Safety
/// Must run inside a protected call, with a free stack slot.
pub(crate) unsafe fn push_registry_table(l: *mut lua_State, key: &CStr) {
    // SAFETY: forwarded; raising is what the caller's protection is for.
    unsafe {
        if lua_getfield(l, LUA_REGISTRYINDEX, key.as_ptr()) != LUA_TTABLE as c_int {
            raise_replaced(l);
        }
    }
}

/// Raises the error for an internal registry entry Lua code replaced
/// (through the debug library).
///
/// # Safety
/// Inside a protected call (or a C function Lua called), one free slot.
pub(crate) unsafe fn raise_replaced(l: *mut lua_State) -> ! {
    // SAFETY: forwarded; pushing a literal and raising it.
    unsafe {
        lua_pushstring(l, c"an internal registry entry of lua-native was replaced".as_ptr());
        lua_error(l);
    }
    unreachable!("lua_error returned")
}

/// Empties `cell`, which is nearly always empty already: a look inline, the
/// drop out of line (dropping inline kept the callers on every call's path
/// from being inlined, issue 18).
#[inline(always)]
fn clear_rarely<T>(cell: &RefCell<Option<T>>) {
    #[cold]
    #[inline(never)]
    fn clear<T>(cell: &RefCell<Option<T>>) {
        cell.borrow_mut().take();
    }
    if cell.borrow().is_some() {
        clear(cell);
    }
}

/// What `luaL_newmetatable` does in a new state (where `name` is not yet
/// in the registry), with the table made for the `keys` keys it will hold,
/// `__name` among them: grown from luaL_newmetatable's two, it would be
/// rehashed on the way to the same size (issue 18).
///
/// # Safety
/// Allocates: inside a protected call, with room for two slots.
pub(crate) unsafe fn new_metatable(l: *mut lua_State, name: &CStr, keys: c_int) {
    // SAFETY: forwarded to the caller.
    unsafe {
        lua_createtable(l, 0, keys);
        lua_pushstring(l, name.as_ptr());
        lua_setfield(l, -2, c"__name".as_ptr());
        lua_pushvalue(l, -1);
        lua_setfield(l, LUA_REGISTRYINDEX, name.as_ptr());
    }
}

/// Pushes a new table whose keys (`mode` "k") or values ("v") are weak.
///
/// # Safety
/// Allocates: must run inside a protected call.
pub(crate) unsafe fn push_weak_table(l: *mut lua_State, mode: &CStr) {
    // SAFETY: forwarded to the caller.
    unsafe {
        lua_createtable(l, 0, 0);
        lua_createtable(l, 0, 1);
        lua_pushstring(l, mode.as_ptr());
        lua_setfield(l, -2, c"__mode".as_ptr());
        lua_setmetatable(l, -2);
    }
}

/// Restores the stack top of `l` when dropped. Lowering the top never raises
/// (none of this crate's slots are to-be-closed variables).
pub(crate) struct StackGuard {
    l: *mut lua_State,
    top: c_int,
}

impl StackGuard {
    /// # Safety
    /// `l` must be valid for the guard's lifetime.
    pub(crate) unsafe fn new(l: *mut lua_State) -> StackGuard {
        // SAFETY: reading the top never fails.
        StackGuard { l, top: unsafe { lua_native_fast_gettop(l) } }
    }

    /// A guard for a top the caller already knows.
    ///
    /// # Safety
    /// As `new`; `top` is the current top of `l`.
    pub(crate) unsafe fn at(l: *mut lua_State, top: c_int) -> StackGuard {
        StackGuard { l, top }
    }

    pub(crate) fn top(&self) -> c_int {
        self.top
    }

    /// Restores the top now and, with `trim`, gives the base frame's room
    /// back (see `Lua::run`), in one call into Lua.
    pub(crate) fn finish(self, trim: bool) {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: as `drop`; trimming only lowers the base frame's top to
        // what a C function gets on entry, above the restored top.
        unsafe { lua_native_end_call(this.l, this.top, trim as c_int) }
    }
}

impl Drop for StackGuard {
    fn drop(&mut self) {
        // SAFETY: see the type's comment.
        unsafe { lua_settop(self.l, self.top) }
    }
}
