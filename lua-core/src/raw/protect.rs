//! Protected calls: the only way this crate runs a Lua API call that can raise.
//!
//! A Lua error is a `longjmp`. It must never cross a Rust frame that still owns
//! something with a destructor, and it must never escape into a frame that did
//! not set up a handler (that would end in `lua_panic` and an abort). So every
//! raising call runs inside [`protect`], whose closure type is `Copy`: a `Copy`
//! closure captures nothing with drop glue, and the closures written in this
//! crate create no owned values either, so a `longjmp` out of one skips only
//! plain frames.

use std::cell::Cell;
use std::ffi::{c_int, c_void, CStr};

use lua_sys::*;

use crate::error::{Error, Result};

/// Runs `f` on `l` inside `lua_pcall`. The top `nargs` values are passed to it
/// (they are at indices `1..=nargs` inside `f`); `f` returns how many values it
/// leaves as results, which `nresults` then adjusts (`LUA_MULTRET` keeps all).
///
/// # Safety
/// `l` must be a valid state with at least `nargs` values above the current
/// frame's base; `f` must keep to the crate's rule of creating no value with a
/// destructor between raising calls.
#[inline]
pub(crate) unsafe fn protect<F>(l: *mut lua_State, nargs: c_int, nresults: c_int, f: F) -> Result<()>
where
    F: Fn(*mut lua_State) -> c_int + Copy,
{
    // SAFETY: forwarded contract.
    match unsafe { protect_raw(l, nargs, nresults, f) } {
        s if s == LUA_OK as c_int => Ok(()),
        NO_STACK => Err(Error::runtime("stack overflow (cannot grow the Lua stack)")),
        // SAFETY: a failed call leaves its error value on top.
        status => Err(unsafe { pop_error(l, status) }),
    }
}

/// What [`protect_raw`] returns when there was no room for the call: the
/// arguments are gone and nothing was pushed.
pub(crate) const NO_STACK: c_int = -1;

/// Like [`protect`], but a failure is only reported as Lua's status, with
/// the error value left on the stack, unconverted (converting it can itself
/// fail: see `error_text`), or as [`NO_STACK`] with nothing pushed.
///
/// # Safety
/// As for [`protect`].
#[inline]
pub(crate) unsafe fn protect_raw<F>(l: *mut lua_State, nargs: c_int, nresults: c_int, f: F) -> c_int
where
    F: Fn(*mut lua_State) -> c_int + Copy,
{
    // SAFETY: the caller guarantees `l` and the argument count. The two pushes
    // below need stack space, checked first; pushing a light C function and a
    // light userdata never allocates, so nothing here can raise before
    // `lua_pcall` has set up its handler.
    unsafe {
        if lua_checkstack(l, 2) == 0 {
            lua_settop(l, -nargs - 1);
            return NO_STACK;
        }
        let body: ProtectBody<'_> = &f;
        let p = &body as *const ProtectBody<'_> as *mut c_void;
        lua_pushcclosure(l, Some(protect_trampoline), 0);
        lua_pushlightuserdata(l, p);
        lua_rotate(l, -(nargs + 2), 2);
        let outer = EXPECTED.with(|e| e.replace(p));
        let status = lua_pcall(l, nargs + 1, nresults, 0);
        EXPECTED.with(|e| e.set(outer));
        status
    }
}

/// Argument 1 of a trampoline, if it is the pointer the call was made with;
/// raises otherwise. A debug hook runs before a C function's body (a "call"
/// event) and, through `debug.setlocal`, Lua code can replace its arguments.
///
/// # Safety
/// Called first thing by a trampoline Lua is running; nothing owned is alive.
unsafe fn own_argument(l: *mut lua_State) -> *mut c_void {
    // SAFETY: raising from a C function Lua called.
    unsafe {
        let p = lua_touserdata(l, 1);
        if p.is_null() || p != EXPECTED.with(|e| e.get()) {
            lua_pushstring(l, c"lua-native: an internal call was tampered with".as_ptr());
            lua_error(l);
        }
        p
    }
}

type ProtectBody<'a> = &'a dyn Fn(*mut lua_State) -> c_int;

/// The C function every protected call runs: one address for all of them,
/// so a debug hook can tell them apart (`is_internal`).
unsafe extern "C" fn protect_trampoline(l: *mut lua_State) -> c_int {
    // SAFETY: argument 1 is the pointer this call was made with (checked);
    // it points at the `ProtectBody` that lives in `protect_raw`'s frame for
    // the whole call.
    unsafe {
        let f = *(own_argument(l) as *const ProtectBody<'_>);
        // Removing slot 1 shifts the arguments down; never allocates.
        lua_rotate(l, 1, -1);
        lua_settop(l, -2);
        f(l)
    }
}

/// Whether `f` is one of the C functions this module calls through Lua
/// (their arguments are the crate's own: a user's debug hook is not told
/// of them, so it cannot reach into them with `debug.setlocal`).
pub(crate) fn is_internal(f: lua_CFunction) -> bool {
    let f = f.map(|f| f as *const () as usize);
    f == Some(protect_trampoline as *const () as usize)
}

thread_local! {
    /// The pointer the innermost pending trampoline call was made with
    /// (saved and restored around each call, so nested calls from a hook
    /// that runs before a trampoline's body leave it as they found it).
    static EXPECTED: std::cell::Cell<*mut c_void> = const { std::cell::Cell::new(std::ptr::null_mut()) };
}

/// Like [`protect`] for a closure that reports a Lua status (such as a loader's)
/// instead of raising: returns that status, with the loader's results or its
/// error value left on the stack.
///
/// # Safety
/// As for [`protect`].
pub(crate) unsafe fn protect_status<F>(l: *mut lua_State, nargs: c_int, f: F) -> Result<c_int>
where
    F: Fn(*mut lua_State) -> c_int + Copy,
{
    let status = Cell::new(LUA_OK as c_int);
    let slot = &status;
    // SAFETY: forwarded contract; the closure captures two Copy values (a
    // reference and `f`) and writes the status through the reference.
    unsafe {
        protect(l, nargs, 1, move |l| {
            slot.set(f(l));
            1
        })?;
    }
    Ok(status.get())
}

/// Pops the error value a failed call left on top of `l` and turns it into an
/// [`Error`] of the kind `status` says. Never raises.
///
/// # Safety
/// `l` must be valid with the error value on top.
pub(crate) unsafe fn pop_error(l: *mut lua_State, status: c_int) -> Error {
    // SAFETY: the value is read while still on the stack, then popped.
    let message = unsafe { error_text(l, -1) };
    // A value a host function raised (`CallContext::raise_value`), raised on.
    // SAFETY: as above.
    let raised = match unsafe { lua_type(l, -1) } as u32 {
        LUA_TTABLE | LUA_TUSERDATA => unsafe { crate::raw::runtime::Runtime::from_state(l) }.host_failure_for_value(unsafe { lua_topointer(l, -1) } as usize),
        _ => None,
    };
    // SAFETY: the error value is still on top; popping never raises.
    unsafe { lua_settop(l, -2) };
    // A run stopped by a limit reports the limit, whatever the script did
    // with the error on its way out.
    // SAFETY: `l` is a thread of one of this crate's states.
    if let Some(kind) = unsafe { crate::raw::runtime::Runtime::from_state(l) }.limits().tripped() {
        let message = if message.ends_with(kind.message()) { message } else { kind.message().to_string() };
        return match kind {
            crate::raw::limits::LimitKind::Instructions => Error::InstructionLimit { message, traceback: None },
            crate::raw::limits::LimitKind::Timeout => Error::Timeout { message, traceback: None },
            crate::raw::limits::LimitKind::Cancelled => Error::Cancelled { message, traceback: None },
        };
    }
    match status as u32 {
        LUA_ERRSYNTAX => Error::Syntax { message },
        LUA_ERRMEM => Error::Memory { message },
        s if s == LUA_ERRERR + 1 => Error::File { message },
        // A host function's failure is reported as what it was (a callback
        // error with its cause, a panic, Lua running out of memory).
        // SAFETY: as above.
        _ if raised.is_some() => raised.unwrap_or(Error::Runtime { message, traceback: None }),
        _ => unsafe { crate::raw::runtime::Runtime::from_state(l) }
            .host_failure_for(&message)
            .unwrap_or(Error::Runtime { message, traceback: None }),
    }
}

/// The text of an error value (Appendix B #1 of the spec): strings as they are,
/// numbers in Lua's own format, `__tostring` when present, and otherwise
/// `(error object is a <type> value)`. Never raises.
///
/// # Safety
/// `l` must be valid and `idx` an acceptable index.
pub(crate) unsafe fn error_text(l: *mut lua_State, idx: c_int) -> String {
    // SAFETY: only non-raising reads, plus one protected __tostring call.
    unsafe {
        let idx = lua_absindex(l, idx);
        match lua_type(l, idx) as u32 {
            LUA_TSTRING => return bytes_at(l, idx).map(lossy).unwrap_or_default(),
            LUA_TNUMBER => {
                let mut buf = [0 as std::ffi::c_char; LUA_N2SBUFFSZ as usize];
                lua_numbertocstring(l, idx, buf.as_mut_ptr());
                return CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned();
            }
            LUA_TNIL => return "<no error object>".to_string(),
            _ => {}
        }
        let type_name = CStr::from_ptr(luaL_typename(l, idx)).to_string_lossy().into_owned();
        // The metafield lookup allocates (the key) and `__tostring` runs Lua:
        // both inside one protected call. If it fails, its own error value is
        // dropped unconverted: converting it could fail the same way again
        // (`__tostring = error` raises the object itself), without end.
        if lua_checkstack(l, 3) != 0 {
            lua_pushvalue(l, idx);
            let status = protect_raw(l, 1, 1, |l| {
                if luaL_getmetafield(l, 1, c"__tostring".as_ptr()) == LUA_TNIL as c_int {
                    lua_pushnil(l);
                    return 1;
                }
                lua_settop(l, 1);
                luaL_tolstring(l, 1, std::ptr::null_mut());
                1
            });
            let text = if status == LUA_OK as c_int { bytes_at(l, -1).map(lossy) } else { None };
            if status != NO_STACK {
                lua_settop(l, -2);
            }
            if let Some(text) = text {
                return text;
            }
        }
        format!("(error object is a {type_name} value)")
    }
}

/// The bytes of the string at `idx`, if it is a string (numbers are not
/// converted: that would allocate and change the stack slot).
///
/// # Safety
/// `l` valid; the slice lives as long as the value stays on the stack.
#[inline]
pub(crate) unsafe fn bytes_at<'a>(l: *mut lua_State, idx: c_int) -> Option<&'a [u8]> {
    // SAFETY: lua_tolstring on a string value returns its internal buffer
    // without allocating; it stays valid while the value is on the stack.
    unsafe {
        if lua_type(l, idx) != LUA_TSTRING as c_int {
            return None;
        }
        let mut len = 0usize;
        let p = lua_tolstring(l, idx, &mut len);
        Some(std::slice::from_raw_parts(p as *const u8, len))
    }
}

pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
