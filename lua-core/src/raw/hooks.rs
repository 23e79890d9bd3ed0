//! Debug hooks: the host's one hook (`Lua::set_hook`) beside the hooks Lua
//! code sets with `debug.sethook`.
//!
//! Each thread has one hook slot. lua-sys keeps what Lua code sets per
//! thread in the thread's extra space (its ldblib.c patch) and reports it to
//! `debug.gethook` from there, so Lua sees exactly the hooks it set, inherited
//! by new coroutines as in stock Lua. The host's hook (mask and count in the
//! main thread's extra space) applies to every thread; when it is set, a
//! thread's slot holds lua-sys's dispatcher, which calls both, each for its
//! own events and at its own count interval (`lua_native_sync_hook`). Limits
//! use no hook at all (see `limits`).

use std::cell::RefCell;
use std::ffi::{c_int, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use lua_sys::*;

use crate::raw::lua::Lua;
use crate::raw::runtime::Runtime;

/// An event the user's hook hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookEventKind {
    /// A function is called.
    Call,
    /// A function is tail-called (no matching return follows).
    TailCall,
    /// A function returns.
    Return,
    /// A new line of Lua code starts.
    Line,
    /// A number of instructions ran.
    Count,
}

impl HookEventKind {
    /// The name the JavaScript API uses.
    pub fn name(self) -> &'static str {
        match self {
            HookEventKind::Call => "call",
            HookEventKind::TailCall => "tail call",
            HookEventKind::Return => "return",
            HookEventKind::Line => "line",
            HookEventKind::Count => "count",
        }
    }
}

/// What a debug hook is told: the event, the current line (-1 where there is
/// none) and the function's name (empty when Lua cannot tell).
#[derive(Debug, Clone)]
pub struct HookEvent<'a> {
    /// What happened.
    pub kind: HookEventKind,
    /// The current line, or -1 where there is none.
    pub line: i32,
    /// The function's name, or empty when Lua cannot tell.
    pub name: &'a str,
}

/// Which events a debug hook wants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HookMask {
    /// Calls and tail calls.
    pub call: bool,
    /// Returns.
    pub ret: bool,
    /// Each new line.
    pub line: bool,
    /// Every `count` instructions (0: no count events).
    pub count: u32,
}

/// The user's debug hook. It must not raise: errors are its own business.
pub type DebugHook = Rc<dyn Fn(&Lua, &HookEvent<'_>)>;

/// The host's hook, kept by the runtime.
#[derive(Default)]
pub(crate) struct HostHook(RefCell<Option<(DebugHook, HookMask)>>);

/// Installs the process-wide entry points in lua-sys (called once, by
/// `limits::install_entry_points`).
pub(crate) fn install_entry_points() {
    // SAFETY: plain stores of function pointers into lua-sys's globals,
    // under the caller's `Once`.
    unsafe {
        lua_native_host_hook = Some(host_event);
        lua_native_internal_hook = Some(internal_event);
        lua_native_internal_fn = Some(internal_function);
    }
}

/// Whether `f` is one of the crate's protected-call trampolines.
unsafe extern "C" fn internal_function(f: lua_CFunction) -> c_int {
    crate::raw::protect::is_internal(f) as c_int
}

/// Writes the host's mask and count where lua-sys reads them (the main
/// thread's extra space) and brings the main thread's slot in line; other
/// threads follow when next resumed.
///
/// # Safety
/// `rt`'s state must be open, on the thread that owns it.
unsafe fn publish(rt: &Runtime) {
    let (mask, count) = match rt.host_hook().0.borrow().as_ref() {
        Some((_, m)) => {
            let mut mask = 0;
            if m.call {
                mask |= LUA_MASKCALL as c_int;
            }
            if m.ret {
                mask |= LUA_MASKRET as c_int;
            }
            if m.line {
                mask |= LUA_MASKLINE as c_int;
            }
            let count = m.count.min(i32::MAX as u32) as c_int;
            if count > 0 {
                mask |= LUA_MASKCOUNT as c_int;
            }
            (mask, count)
        }
        None => (0, 0),
    };
    let main = rt.main();
    if main.is_null() {
        return;
    }
    // SAFETY: the main thread's extra space is lua-sys's struct; the sync
    // only rewrites the thread's hook fields.
    unsafe {
        let x = lua_native_extra(main);
        (*x).host_mask = mask;
        (*x).host_count = count;
        (*x).host_left = count;
        lua_native_sync_hook(main);
    }
}

/// Drops the host's hook (the state is about to close).
///
/// # Safety
/// As `publish`.
pub(crate) unsafe fn clear_host_hook(rt: &Runtime) {
    let old = rt.host_hook().0.borrow_mut().take();
    // SAFETY: the caller's promise.
    unsafe { publish(rt) };
    drop(old);
}

/// Whether the event is a call or return of one of the crate's own
/// protected-call trampolines: neither hook hears of those (a hook told of
/// them could reach into their arguments with `debug.setlocal`).
unsafe extern "C" fn internal_event(l: *mut lua_State, ar: *mut lua_Debug) -> c_int {
    // SAFETY: called by lua-sys's dispatcher inside a hook, which has
    // LUA_MINSTACK free slots; "f" pushes the running function, popped at once.
    unsafe {
        lua_getinfo(l, c"f".as_ptr(), ar);
        let f = lua_tocfunction(l, -1);
        lua_settop(l, -2);
        crate::raw::protect::is_internal(f) as c_int
    }
}

/// An event the host's hook asked for (lua-sys's dispatcher decides which).
/// Never raises: whatever the hook does is its own business.
unsafe extern "C" fn host_event(l: *mut lua_State, ar: *mut lua_Debug) {
    // SAFETY: called by lua-sys's dispatcher with a valid record, on a
    // thread of one of our states.
    let rt = unsafe { Runtime::from_state(l) };
    // SAFETY: `ar` is the record Lua passed to the hook, valid for the call.
    let kind = match unsafe { (*ar).event } as u32 {
        LUA_HOOKCALL => HookEventKind::Call,
        LUA_HOOKTAILCALL => HookEventKind::TailCall,
        LUA_HOOKRET => HookEventKind::Return,
        LUA_HOOKLINE => HookEventKind::Line,
        LUA_HOOKCOUNT => HookEventKind::Count,
        _ => return,
    };
    // Never while the state is lent to another thread, or closing.
    if rt.is_off_thread() || rt.is_closing() {
        return;
    }
    let Some((hook, _)) = rt.host_hook().0.borrow().clone() else { return };
    // SAFETY: "nl" fills the record without pushing or allocating.
    let (line, name) = unsafe {
        lua_getinfo(l, c"nl".as_ptr(), ar);
        let line = if kind == HookEventKind::Line { (*ar).currentline } else { (*ar).currentline.max(-1) };
        let name = if (*ar).name.is_null() { String::new() } else { CStr::from_ptr((*ar).name).to_string_lossy().into_owned() };
        (line, name)
    };
    // SAFETY: see callback::borrowed_lua.
    let lua = unsafe { crate::raw::callback::borrowed_lua(rt) };
    let _running = crate::raw::introspect::Running::enter(rt, l);
    let _ = catch_unwind(AssertUnwindSafe(|| hook(&lua, &HookEvent { kind, line, name: &name })));
}

impl Lua {
    /// Sets the host's debug hook (replacing any earlier one). It applies to
    /// every thread of the state, beside any hook Lua code sets with
    /// `debug.sethook`; limits stay in force.
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use lua_core::{HookMask, Lua};
    /// let lua = Lua::new();
    /// let lines = Rc::new(RefCell::new(Vec::new()));
    /// let seen = lines.clone();
    /// lua.set_hook(Rc::new(move |_, ev| seen.borrow_mut().push(ev.line)), HookMask { line: true, ..Default::default() });
    /// lua.exec::<()>("local a = 1\nlocal b = 2")?;
    /// assert_eq!(*lines.borrow(), [1, 2]);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn set_hook(&self, hook: DebugHook, mask: HookMask) {
        if self.rt.is_closed() {
            return;
        }
        self.rt.thread_bound.set(true);
        let old = self.rt.host_hook().0.borrow_mut().replace((hook, mask));
        // SAFETY: an open state, on its owner's thread.
        unsafe { publish(&self.rt) };
        drop(old);
    }

    /// Removes the host's debug hook; hooks Lua code set and limits stay.
    pub fn remove_hook(&self) {
        if self.rt.is_closed() {
            return;
        }
        let old = self.rt.host_hook().0.borrow_mut().take();
        // SAFETY: an open state, on its owner's thread.
        unsafe { publish(&self.rt) };
        drop(old);
    }
}
