//! Reading the call stack of the code that called the host: its frames
//! (`lua_getstack` / `lua_getinfo("nSl")`) and a frame's named locals
//! (`lua_getlocal`). Read-only, and nothing here raises.
//!
//! Which thread: the one that called the host. The trampoline of every host
//! function and the host's hook record the thread they run on (`Running`) for
//! as long as they run, nested calls restoring the outer one when they end.
//! With none recorded, nothing is executing, and there are no frames.

use std::ffi::{c_int, CStr};

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::Lua;
use crate::raw::occupancy::Entry;
use crate::raw::runtime::{Runtime, StackGuard};
use crate::raw::stack_value::StackValue;

/// One frame of the running thread's call stack, as Lua's debug API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFrame {
    /// 0 is the innermost frame: from a host function, that function itself;
    /// from a hook, the function the hook interrupted.
    pub level: usize,
    /// The chunk's source as named (`@file`, `=name`, or the source text).
    pub source: String,
    /// The printable form of `source` (`file`, `name`, `[string "..."]`, `[C]`).
    pub short_source: String,
    /// The line running now, or -1 where there is none (a C function).
    pub current_line: i32,
    /// The line where the function's definition starts (0 for a main chunk,
    /// -1 for a C function).
    pub line_defined: i32,
    /// The function's name, when Lua can tell.
    pub name: Option<String>,
    /// What the name is: `"global"`, `"local"`, `"method"`, `"field"`,
    /// `"upvalue"`, ... or `""`.
    pub name_what: String,
    /// `"Lua"`, `"C"` or `"main"`.
    pub what: String,
}

/// Records the thread that called the host (a host function's or hook's
/// thread) until it is dropped; the outer record comes back then.
pub(crate) struct Running<'a> {
    rt: &'a Runtime,
    outer: *mut lua_State,
}

impl<'a> Running<'a> {
    pub(crate) fn enter(rt: &'a Runtime, l: *mut lua_State) -> Running<'a> {
        Running { rt, outer: rt.running.replace(l) }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.rt.running.set(self.outer);
    }
}

/// A C string of the debug record as text (empty for NULL).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
unsafe fn text(p: *const std::ffi::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the caller's promise.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Whether the C frame `ar` describes is one of the crate's own protected
/// calls (`protect::is_internal`): the host's plumbing, not a frame of the
/// code that called it, so it is not reported (its level stays counted).
///
/// # Safety
/// `ar` was filled by `lua_getstack` on `l` and `lua_getinfo("S")`.
unsafe fn is_internal(l: *mut lua_State, ar: &mut lua_Debug) -> Result<bool> {
    // SAFETY: the caller's promise; "f" pushes the frame's function (one
    // slot, checked first; lua_checkstack does not raise), popped at once.
    unsafe {
        if ar.what.is_null() || CStr::from_ptr(ar.what).to_bytes() != b"C" {
            return Ok(false);
        }
        if lua_checkstack(l, 1) == 0 {
            return Err(crate::error::Error::runtime("stack overflow (cannot grow the Lua stack)"));
        }
        lua_getinfo(l, c"f".as_ptr(), ar);
        let f = lua_tocfunction(l, -1);
        lua_settop(l, -2);
        Ok(crate::raw::protect::is_internal(f))
    }
}

impl Lua {
    /// The frames of the thread that called the host, innermost first, at
    /// most `max_levels` of them; empty when nothing is executing (called
    /// from outside any host function or hook). Usable from a host function,
    /// a hook, or host code those run.
    ///
    /// ```
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// assert!(lua.stack_frames(200)?.is_empty());
    /// let probe = lua.create_function(|lua, _: lua_core::MultiValue| {
    ///     let frames = lua.stack_frames(200)?;
    ///     Ok(frames.iter().map(|f| format!("{}:{}", f.what, f.current_line)).collect::<Vec<_>>().join(" "))
    /// })?;
    /// lua.set_global("probe", probe)?;
    /// let source = "local function f()\n  local r = probe()\n  return r\nend\nreturn (f())";
    /// assert_eq!(lua.exec_named::<String>(source, "=t")?, "C:-1 Lua:2 main:5");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn stack_frames(&self, max_levels: usize) -> Result<Vec<StackFrame>> {
        let _entry = Entry::new(&self.rt)?;
        let l = self.rt.running.get();
        let mut frames = Vec::new();
        if l.is_null() {
            return Ok(frames);
        }
        let max = max_levels.min(c_int::MAX as usize) as c_int;
        // SAFETY: lua_Debug is a plain C struct; all zeroes is a valid value.
        let mut ar: lua_Debug = unsafe { std::mem::zeroed() };
        for level in 0..max {
            // SAFETY: `l` is the thread running the host code that called
            // this (see `Running`), alive while it runs. lua_getstack and
            // lua_getinfo("nSl") fill `ar` without pushing, allocating or
            // raising; the strings they point at live while the frame does.
            unsafe {
                if lua_getstack(l, level, &mut ar) == 0 || lua_getinfo(l, c"nSl".as_ptr(), &mut ar) == 0 {
                    break;
                }
                if is_internal(l, &mut ar)? {
                    continue;
                }
                let source = if ar.source.is_null() {
                    String::new()
                } else {
                    String::from_utf8_lossy(std::slice::from_raw_parts(ar.source as *const u8, ar.srclen)).into_owned()
                };
                frames.push(StackFrame {
                    level: level as usize,
                    source,
                    short_source: text(ar.short_src.as_ptr()),
                    current_line: ar.currentline,
                    line_defined: ar.linedefined,
                    name: (!ar.name.is_null()).then(|| text(ar.name)),
                    name_what: text(ar.namewhat),
                    what: text(ar.what),
                });
            }
        }
        Ok(frames)
    }

    /// Hands each named local of the frame at `level` (see
    /// [`Lua::stack_frames`]) to `visit`, in declaration order, while its
    /// value is on the stack; Lua's temporaries (names starting with `(`)
    /// are skipped. `Ok(Ok(false))` when there is no frame at `level`;
    /// `visit`'s first error stops the walk and is returned inside.
    pub fn locals_with<E>(&self, level: usize, mut visit: impl FnMut(&[u8], StackValue<'_>) -> std::result::Result<(), E>) -> Result<std::result::Result<bool, E>> {
        let _entry = Entry::new(&self.rt)?;
        let l = self.rt.running.get();
        if l.is_null() || level > c_int::MAX as usize {
            return Ok(Ok(false));
        }
        let level = level as c_int;
        // SAFETY: as in `stack_frames`; the guard restores `l`'s top.
        let guard = unsafe { StackGuard::new(l) };
        let mut ar: lua_Debug = unsafe { std::mem::zeroed() };
        // SAFETY: as in `stack_frames`.
        if unsafe { lua_getstack(l, level, &mut ar) } == 0 {
            return Ok(Ok(false));
        }
        for n in 1.. {
            // SAFETY: the frame is looked up again for each local, as `visit`
            // may have run code on this thread since. lua_checkstack does not
            // raise (it reports a stack that cannot grow); lua_getlocal
            // pushes the local's value (one slot, checked) or nothing, and
            // does not raise. The value is removed after `visit`.
            unsafe {
                if lua_getstack(l, level, &mut ar) == 0 {
                    break;
                }
                if lua_checkstack(l, 1) == 0 {
                    return Err(crate::error::Error::runtime("stack overflow (cannot grow the Lua stack)"));
                }
                let name = lua_getlocal(l, &ar, n);
                if name.is_null() {
                    break;
                }
                let name = CStr::from_ptr(name).to_bytes();
                let outcome = if name.first() == Some(&b'(') { Ok(()) } else { visit(name, StackValue::new(l, -1, self)) };
                lua_settop(l, guard.top());
                if let Err(e) = outcome {
                    return Ok(Err(e));
                }
            }
        }
        Ok(Ok(true))
    }
}
