//! Dotted-path globals: `a.b.c` as a walk through tables.

use std::ffi::c_int;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;

/// Splits `a.b.c`; an empty segment (leading, trailing or doubled dot) is an error.
pub fn split_path(name: &[u8]) -> Result<Vec<&[u8]>> {
    let segments: Vec<&[u8]> = name.split(|&b| b == b'.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(Error::api(format!(
            "Invalid global path '{}': path segments must be non-empty (no leading, trailing, or doubled dots)",
            String::from_utf8_lossy(name)
        )));
    }
    Ok(segments)
}

/// Pushes `segments[..n]` as strings, in order, for the protected walks.
fn push_segments(stack: &Stack<'_>, segments: &[&[u8]]) -> Result<()> {
    stack.reserve(segments.len() + 4)?;
    for s in segments {
        stack.push_bytes(s)?;
    }
    Ok(())
}

impl Lua {
    /// `a.b.c = value` (the value `push` pushes): missing tables on the way
    /// are created; `__index` / `__newindex` run on the way.
///
/// ```
/// use lua_core::{host::split_path, Lua};
/// let lua = Lua::new();
/// lua.set_path_with(&split_path(b"config.server.port")?, |s| { s.push_integer(8080); Ok(()) })?;
/// assert_eq!(lua.exec::<i64>("return config.server.port")?, 8080);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn set_path_with(&self, segments: &[&[u8]], push: impl FnOnce(&mut Stack<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            push_segments(stack, segments)?;
            stack.reserve(4)?;
            push(stack)?;
            stack.expect_len(segments.len() + 1, "set_path_with's closure (a value after the path)")?;
            let n = segments.len() as c_int;
            let bad = std::cell::Cell::new(0 as c_int);
            let slot = &bad;
            // SAFETY: arguments 1..n are the segments, n+1 the value; every hop
            // may run metamethods or allocate, so the whole walk is protected.
            unsafe {
                protect(stack.raw(), n + 1, 0, move |l| {
                    lua_pushglobaltable(l);
                    for i in 1..n {
                        lua_pushvalue(l, i);
                        let t = lua_gettable(l, -2);
                        if t == LUA_TNIL as c_int {
                            lua_settop(l, -2);
                            lua_createtable(l, 0, 0);
                            lua_pushvalue(l, i);
                            lua_pushvalue(l, -2);
                            lua_settable(l, -4);
                        } else if t != LUA_TTABLE as c_int {
                            slot.set(i);
                            return 0;
                        }
                        lua_rotate(l, -2, -1);
                        lua_settop(l, -2);
                    }
                    lua_pushvalue(l, n);
                    lua_pushvalue(l, n + 1);
                    lua_settable(l, -3);
                    0
                })?;
            }
            match bad.get() {
                0 => Ok(()),
                i => Err(Error::api(format!(
                    "cannot set global path: intermediate '{}' is a {}, not a table",
                    String::from_utf8_lossy(segments[i as usize - 1]),
                    self.path_type(&segments[..i as usize])?
                ))),
            }
        })
    }

    /// Reads `a.b.c`; a nil anywhere on the way reads as nil.
    pub fn get_path_with<R>(&self, segments: &[&[u8]], read: impl FnOnce(StackValue<'_>) -> R) -> Result<R> {
        self.with_stack(|stack| {
            push_segments(stack, segments)?;
            let n = segments.len() as c_int;
            // SAFETY: arguments 1..n are the segments; hops run metamethods.
            unsafe {
                protect(stack.raw(), n, 1, move |l| walk_segments(l, n))?;
            }
            Ok(read(stack.value(-1)))
        })
    }

    /// Calls the function at the global `a.b.c` (read as [`Lua::get_path_with`]
    /// reads, `__index` honoured) with the arguments `push_args` pushes, and
    /// hands its results to `read`: no registry reference is made for the
    /// function. `Ok(None)`, with nothing called, when the value there is
    /// not a function (a table with `__call` included).
///
/// ```
/// use lua_core::{host::split_path, Lua};
/// let lua = Lua::new();
/// lua.exec::<()>("m = { add = function(a, b) return a + b end }")?;
/// let sum = lua.call_path_with(&split_path(b"m.add")?, |s| { s.push_integer(2)?; s.push_integer(3)?; Ok(2) }, |r| r.get(0).as_integer())?;
/// assert_eq!(sum, Some(Some(5)));
/// assert!(lua.call_path_with(&[&b"m"[..]], |_| Ok(0), |_| ())?.is_none());
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn call_path_with<R>(
        &self,
        segments: &[&[u8]],
        push_args: impl FnOnce(&mut Stack<'_>) -> Result<usize>,
        read: impl FnOnce(crate::raw::lua::Results<'_>) -> R,
    ) -> Result<Option<R>> {
        let not_function = std::cell::Cell::new(false);
        let outcome = self.run(
            |stack| {
                push_segments(stack, segments)?;
                let n = segments.len() as c_int;
                // SAFETY: the segments are the arguments of the protected walk,
                // which leaves the value found in their place; hops run
                // metamethods, so they are protected. The closure captures one
                // Copy value.
                unsafe {
                    protect(stack.raw(), n, 1, move |l| walk_segments(l, n))?;
                }
                stack.resync();
                if stack.value(-1).kind() != crate::raw::stack_value::Kind::Function {
                    not_function.set(true);
                    return Err(Error::api("not a function"));
                }
                push_args(stack).map(|_| ())
            },
            -1,
            read,
        );
        if not_function.get() {
            return Ok(None);
        }
        outcome.map(Some)
    }

    /// The type name of the value at a path (for messages).
    fn path_type(&self, segments: &[&[u8]]) -> Result<String> {
        self.get_path_with(segments, |v| v.kind().name().to_string())
    }
}

/// Inside a protected call whose arguments 1..n are the segments of a path:
/// reads `_G[seg1][seg2]...` (metamethods run) and leaves the value on top,
/// or nil as soon as a hop reads nil. Returns 1, the count of results.
///
/// # Safety
/// Runs only as the body of a protected call with `n` string arguments and
/// room for three more values.
unsafe fn walk_segments(l: *mut lua_State, n: c_int) -> c_int {
    // SAFETY: as the contract says; lua_gettable may raise, inside the
    // protected call.
    unsafe {
        lua_pushglobaltable(l);
        for i in 1..=n {
            lua_pushvalue(l, i);
            if lua_gettable(l, -2) == LUA_TNIL as c_int {
                return 1;
            }
            lua_rotate(l, -2, -1);
            lua_settop(l, -2);
        }
    }
    1
}
