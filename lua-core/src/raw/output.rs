//! Output under the host's control (EVOLUTION B7): `print` and `io.write`
//! replaced by functions that hand their text to a host function.
//!
//! The Lua-facing functions are C closures, so that their text is made
//! exactly as stock Lua makes it (`luaL_tolstring`, `__tostring` and
//! `__name` included; numbers written by `io.write` as `lua_numbertocstring`
//! writes them) and every error they raise is stock Lua's. Upvalue 1 is the
//! *emitter*, a host function given the finished text; upvalue 2 is what the
//! global held before (the function `null` puts back). A closure is known as
//! ours by its C function, so setting a handler twice keeps the first
//! original.

use std::ffi::{c_char, c_int};

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::Lua;
use crate::raw::protect::protect;

impl Lua {
    /// Sends what scripts print to `handler` instead of the process's
    /// standard output: `print`'s line (values as `tostring` gives them,
    /// tab-separated, a newline at the end) and each `io.write`'s text
    /// (numbers as `io.write` writes them; no newline added). `print` is set
    /// even in a state without the base library; `io.write` is replaced
    /// only where `io.write` is a function. Setting a handler again replaces
    /// the first; [`Lua::remove_print_handler`] puts the stock functions
    /// back. The handler is given the state (to re-enter it without
    /// capturing a `Lua`, which the state would then keep alive: a cycle
    /// only [`Lua::close`] breaks) and the text.
    ///
    /// `io.write` returns the default output file, as stock Lua does (a
    /// `:write` chained on it writes to the file itself, not to the handler).
    /// While the state is lent to another thread (an addon's worker run),
    /// output is dropped: the handler belongs to the thread that set it.
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::ALL)?;
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let sink = seen.clone();
    /// lua.set_print_handler(move |_lua, text| sink.borrow_mut().push(String::from_utf8_lossy(text).into_owned()))?;
    /// lua.exec::<()>("print('a', 1, nil, 2.5) io.write('x', 7, 0.5)")?;
    /// assert_eq!(*seen.borrow(), ["a\t1\tnil\t2.5\n", "x70.5"]);
    /// lua.remove_print_handler()?;
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn set_print_handler(&self, handler: impl Fn(&Lua, &[u8]) + 'static) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(6)?;
            stack.push_function(move |call| {
                // The handler is this thread's; a worker run drops its output.
                if call.lua().rt.occupancy().is_away() {
                    return Ok(0);
                }
                if let Some(text) = call.arg(0).as_bytes() {
                    handler(call.lua(), text);
                }
                Ok(0)
            })?;
            // SAFETY: the emitter is argument 1; reads and writes globals and
            // `io` (metamethods may run), all inside the protected call.
            stack.with_raw(|l| unsafe { protect(l, 1, 0, |l| install(l)) })
        })
    }

    /// Puts back the `print` and `io.write` that [`Lua::set_print_handler`]
    /// replaced (nil for a `print` there was none of). A global a script has
    /// since replaced with a function of its own is left as it is.
    pub fn remove_print_handler(&self) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(6)?;
            // SAFETY: as in set_print_handler.
            stack.with_raw(|l| unsafe { protect(l, 0, 0, |l| uninstall(l)) })
        })
    }
}

/// Whether the value at `idx` is a closure of `f`.
unsafe fn is_ours(l: *mut lua_State, idx: c_int, f: unsafe extern "C" fn(*mut lua_State) -> c_int) -> bool {
    // SAFETY: reading a value's C function never raises.
    unsafe { lua_tocfunction(l, idx).map(|g| g as usize) == Some(f as usize) }
}

/// Pushes the original kept by the closure at `idx` if it is ours, or the
/// value at `idx` itself.
unsafe fn push_original(l: *mut lua_State, idx: c_int, f: unsafe extern "C" fn(*mut lua_State) -> c_int) {
    // SAFETY: inside a protected call with stack space reserved.
    unsafe {
        if is_ours(l, idx, f) {
            lua_getupvalue(l, idx, 2);
        } else {
            lua_pushvalue(l, idx);
        }
    }
}

/// Installs `print` and `io.write` with the emitter at index 1.
unsafe fn install(l: *mut lua_State) -> c_int {
    // SAFETY: inside the protected call of set_print_handler.
    unsafe {
        lua_getglobal(l, c"print".as_ptr());
        lua_pushvalue(l, 1);
        push_original(l, -2, print_to);
        lua_pushcclosure(l, Some(print_to), 2);
        lua_setglobal(l, c"print".as_ptr());
        lua_settop(l, 1);
        if lua_getglobal(l, c"io".as_ptr()) == LUA_TTABLE as c_int && lua_getfield(l, 2, c"write".as_ptr()) == LUA_TFUNCTION as c_int {
            lua_pushvalue(l, 1);
            push_original(l, 3, write_to);
            lua_pushcclosure(l, Some(write_to), 2);
            lua_setfield(l, 2, c"write".as_ptr());
        }
        lua_settop(l, 0);
        0
    }
}

unsafe fn uninstall(l: *mut lua_State) -> c_int {
    // SAFETY: inside the protected call of remove_print_handler.
    unsafe {
        lua_getglobal(l, c"print".as_ptr());
        if is_ours(l, 1, print_to) {
            lua_getupvalue(l, 1, 2);
            lua_setglobal(l, c"print".as_ptr());
        }
        lua_settop(l, 0);
        if lua_getglobal(l, c"io".as_ptr()) == LUA_TTABLE as c_int {
            lua_getfield(l, 1, c"write".as_ptr());
            if is_ours(l, 2, write_to) {
                lua_getupvalue(l, 2, 2);
                lua_setfield(l, 1, c"write".as_ptr());
            }
        }
        lua_settop(l, 0);
        0
    }
}

/// Calls the emitter (upvalue 1) with the string on top, then charges the
/// work budget as stock `print` is charged (1 per value + bytes/16).
unsafe fn emit(l: *mut lua_State, values: usize) {
    // SAFETY: called by print_to / write_to with the text on top; nothing
    // with a destructor is alive, so the call and the charge may raise.
    unsafe {
        let len = lua_rawlen(l, -1) as usize;
        lua_pushvalue(l, lua_upvalueindex(1));
        lua_insert(l, -2);
        lua_call(l, 1, 0);
        crate::raw::limits::charge_in_c(l, values + len / 16);
    }
}

/// `print(...)`: stock `print`'s text, to the emitter.
unsafe extern "C" fn print_to(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its arguments; the buffer is a plain C
    // struct used in place (it may point into itself), and every raising
    // call leaves nothing of Rust to drop.
    unsafe {
        let n = lua_native_fast_gettop(l);
        let mut b: luaL_Buffer = std::mem::zeroed();
        luaL_buffinit(l, &mut b);
        for i in 1..=n {
            if i > 1 {
                luaL_addlstring(&mut b, c"\t".as_ptr(), 1);
            }
            luaL_tolstring(l, i, std::ptr::null_mut());
            luaL_addvalue(&mut b);
        }
        luaL_addlstring(&mut b, c"\n".as_ptr(), 1);
        luaL_pushresult(&mut b);
        emit(l, n as usize);
        0
    }
}

/// `io.write(...)`: stock `io.write`'s text (each number as
/// `lua_numbertocstring` writes it, anything else must be a string), to the
/// emitter; returns the default output file as stock `io.write` does.
unsafe extern "C" fn write_to(l: *mut lua_State) -> c_int {
    // SAFETY: as print_to.
    unsafe {
        let n = lua_native_fast_gettop(l);
        let mut b: luaL_Buffer = std::mem::zeroed();
        luaL_buffinit(l, &mut b);
        for i in 1..=n {
            let mut buff = [0 as c_char; 64];
            let len = lua_numbertocstring(l, i, buff.as_mut_ptr());
            if len > 0 {
                luaL_addlstring(&mut b, buff.as_ptr(), len as usize - 1);
            } else {
                let mut len = 0usize;
                let s = luaL_checklstring(l, i, &mut len);
                luaL_addlstring(&mut b, s, len);
            }
        }
        luaL_pushresult(&mut b);
        emit(l, n as usize);
        lua_getfield(l, LUA_REGISTRYINDEX, c"_IO_output".as_ptr());
        1
    }
}
