//! `require` from the host side: search paths and host-registered modules.

use std::cell::Cell;
use std::ffi::c_int;

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::stack::Stack;

/// Why a package operation could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageError {
    /// The global `package` is not a table.
    NoPackage,
    /// `package.loaded` is nil.
    NoLoaded,
    /// The state was made with [`Filesystem::Deny`](crate::Filesystem::Deny):
    /// `require` never reads `package.path`, so extending it would do nothing.
    FilesystemDenied,
    /// `package.searchers` is not a table.
    NoSearchers,
}

impl Lua {
    /// Appends a `?` template to `package.path` (after the defaults, with `;`).
    /// `package.path` as a number counts as its text, anything else as empty.
    /// Refused with [`PackageError::FilesystemDenied`] under
    /// [`Filesystem::Deny`](crate::Filesystem::Deny).
    pub fn append_package_path(&self, template: &[u8]) -> Result<std::result::Result<(), PackageError>> {
        if self.filesystem() == crate::raw::sandbox::Filesystem::Deny {
            return Ok(Err(PackageError::FilesystemDenied));
        }
        self.with_stack(|stack| {
            stack.reserve(4)?;
            let (p, len) = (template.as_ptr() as *const std::ffi::c_char, template.len());
            let ok = Cell::new(false);
            let flag = &ok;
            // SAFETY: reads and writes fields of `package` (allocating, and
            // `package` could carry metamethods), all protected.
            unsafe {
                protect(stack.raw(), 0, 0, move |l| {
                    if lua_getglobal(l, c"package".as_ptr()) != LUA_TTABLE as c_int {
                        return 0;
                    }
                    let t = lua_getfield(l, -1, c"path".as_ptr());
                    let use_old = t == LUA_TNUMBER as c_int || (t == LUA_TSTRING as c_int && lua_rawlen(l, -1) > 0);
                    if use_old {
                        lua_tolstring(l, -1, std::ptr::null_mut());
                        lua_pushstring(l, c";".as_ptr());
                        lua_pushlstring(l, p, len);
                        lua_concat(l, 3);
                    } else {
                        lua_settop(l, -2);
                        lua_pushlstring(l, p, len);
                    }
                    lua_setfield(l, -2, c"path".as_ptr());
                    flag.set(true);
                    0
                })?;
            }
            Ok(if ok.get() { Ok(()) } else { Err(PackageError::NoPackage) })
        })
    }

    /// Sets `package.loaded[name]` to the table `push_module` pushes, so
    /// `require(name)` returns it without touching the filesystem.
///
/// ```
/// use lua_core::{Lua, StdLib};
/// let lua = Lua::with_libraries(StdLib::BASE | StdLib::PACKAGE)?;
/// lua.register_module_with(b"greeting", |s| {
///     s.push_table(0, 1)?;
///     s.push_bytes(b"hello")?;
///     s.set_field(b"text")
/// })?.expect("package is loaded");
/// assert_eq!(lua.exec::<String>("return require('greeting').text")?, "hello");
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn register_module_with(
        &self,
        name: &[u8],
        push_module: impl FnOnce(&mut Stack<'_>) -> Result<()>,
    ) -> Result<std::result::Result<(), PackageError>> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            // The module is built first, as the original did: a value that
            // cannot be converted is reported before a missing `package`.
            push_module(stack)?;
            stack.expect_len(1, "the module closure")?;
            let outcome = Cell::new(0);
            let flag = &outcome;
            // SAFETY: checks `package` and `package.loaded`, protected.
            unsafe {
                protect(stack.raw(), 0, 0, move |l| {
                    if lua_getglobal(l, c"package".as_ptr()) != LUA_TTABLE as c_int {
                        flag.set(1);
                    } else if lua_getfield(l, -1, c"loaded".as_ptr()) == LUA_TNIL as c_int {
                        flag.set(2);
                    }
                    0
                })?;
            }
            match outcome.get() {
                1 => return Ok(Err(PackageError::NoPackage)),
                2 => return Ok(Err(PackageError::NoLoaded)),
                _ => {}
            }
            let (p, len) = (name.as_ptr() as *const std::ffi::c_char, name.len());
            // SAFETY: the module is argument 1; `package.loaded[name] = module`.
            unsafe {
                protect(stack.raw(), 1, 0, move |l| {
                    lua_getglobal(l, c"package".as_ptr());
                    lua_getfield(l, -1, c"loaded".as_ptr());
                    lua_pushlstring(l, p, len);
                    lua_pushvalue(l, 1);
                    lua_settable(l, -3);
                    0
                })?;
            }
            Ok(Ok(()))
        })
    }
}
