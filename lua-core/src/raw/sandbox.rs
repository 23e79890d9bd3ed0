//! Closing the doors a script could use to load native code or binary
//! chunks (DECISIONS 9), for the `'safe'` and `'sandbox'` presets.
//!
//! * `package.loadlib` is removed, `package.cpath` emptied, and
//!   `package.searchers` reduced to the preload searcher and a Lua-file
//!   searcher that reads text only;
//! * `load`, `loadfile` and `dofile` read text only (`string.dump` output
//!   can be made but never loaded back);
//! * `'sandbox'` also has no `package` library and no `loadfile` / `dofile`:
//!   no door to the filesystem at all.
//!
//! The host's own `load_bytecode` is untouched: it is the trusted door.
//! `allow_bytecode(false)` makes scripts read text only without the rest of
//! the seal (the loaders are in `text_load`), and `filesystem: 'deny'`
//! closes the disk doors of every library (`fs_deny`).

use std::ffi::c_int;

use lua_sys::*;

/// How far a state is closed off, beyond the libraries chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seal {
    /// Nothing closed: the libraries as Lua ships them.
    #[default]
    Open,
    /// No native code and no binary chunks from scripts.
    NoNativeCode,
    /// That, and no filesystem access from the base and package libraries.
    NoFilesystem,
}

/// Whether Lua code may reach the disk (EVOLUTION B19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filesystem {
    /// The libraries' file functions work as Lua ships them.
    #[default]
    Allow,
    /// Every Lua door to the disk refuses: `dofile`, `loadfile`,
    /// `package.loadlib`, `package.searchpath`, the file searchers,
    /// `io.open`, `io.lines`, `io.input`, `io.output`, `os.remove`,
    /// `os.rename`, `os.tmpname`. The host's own doors (running or compiling
    /// a file, a file reader) still work; `package.path` can no longer be
    /// extended from the host ([`PackageError::FilesystemDenied`](crate::PackageError::FilesystemDenied)).
    Deny,
}

/// What a state's scripts and host may load, beyond the libraries and the
/// seal: binary chunks, and the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Doors {
    /// Binary chunks may be loaded (from the host's doors too).
    pub allow_bytecode: bool,
    /// Lua's doors to the disk are closed (`filesystem: 'deny'`).
    pub deny_filesystem: bool,
}

/// Applies `seal` and `doors` to a state whose libraries are open.
///
/// # Safety
/// Must run inside a protected call.
pub(crate) unsafe fn apply(l: *mut lua_State, seal: Seal, doors: Doors) {
    // SAFETY: forwarded; everything raises into the enclosing protected call.
    unsafe {
        // Scripts read text only under a seal (DECISIONS 9, whatever
        // `allow_bytecode` says) and wherever bytecode is not allowed.
        if seal != Seal::Open || !doors.allow_bytecode {
            crate::raw::text_load::install(l);
        }
        if seal == Seal::NoFilesystem {
            lua_pushnil(l);
            lua_setglobal(l, c"loadfile".as_ptr());
            lua_pushnil(l);
            lua_setglobal(l, c"dofile".as_ptr());
        }
        if seal != Seal::Open {
            if lua_getglobal(l, c"package".as_ptr()) == LUA_TTABLE as c_int {
                lua_pushnil(l);
                lua_setfield(l, -2, c"loadlib".as_ptr());
                lua_pushstring(l, c"".as_ptr());
                lua_setfield(l, -2, c"cpath".as_ptr());
                if lua_getfield(l, -1, c"searchers".as_ptr()) == LUA_TTABLE as c_int {
                    lua_pushnil(l);
                    lua_rawseti(l, -2, 4);
                    lua_pushnil(l);
                    lua_rawseti(l, -2, 3);
                }
                lua_settop(l, -2);
            }
            lua_settop(l, -2);
        }
        if doors.deny_filesystem {
            crate::raw::fs_deny::apply(l);
        }
    }
}
