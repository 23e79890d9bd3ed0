//! Choosing which standard libraries a state opens.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

use lua_sys::{LUA_COLIBK, LUA_DBLIBK, LUA_GLIBK, LUA_IOLIBK, LUA_LOADLIBK, LUA_MATHLIBK, LUA_OSLIBK, LUA_STRLIBK, LUA_TABLIBK, LUA_UTF8LIBK};

/// A set of Lua's ten standard libraries. The bits are Lua's own
/// (`LUA_GLIBK`, `LUA_LOADLIBK`, ...), so the set goes straight to
/// `luaL_openselectedlibs`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StdLib(u32);

impl StdLib {
    /// No library: a bare state.
    pub const NONE: StdLib = StdLib(0);
    /// `print`, `type`, `pairs`, `pcall`, `load`, ...
    pub const BASE: StdLib = StdLib(LUA_GLIBK);
    /// `package` and `require`.
    pub const PACKAGE: StdLib = StdLib(LUA_LOADLIBK);
    /// `coroutine`.
    pub const COROUTINE: StdLib = StdLib(LUA_COLIBK);
    /// `debug` (never for untrusted code).
    pub const DEBUG: StdLib = StdLib(LUA_DBLIBK);
    /// `io` (files).
    pub const IO: StdLib = StdLib(LUA_IOLIBK);
    /// `math`.
    pub const MATH: StdLib = StdLib(LUA_MATHLIBK);
    /// `os` (clock, environment, processes).
    pub const OS: StdLib = StdLib(LUA_OSLIBK);
    /// `string` and the string metatable (`s:upper()`).
    pub const STRING: StdLib = StdLib(LUA_STRLIBK);
    /// `table`.
    pub const TABLE: StdLib = StdLib(LUA_TABLIBK);
    /// `utf8`.
    pub const UTF8: StdLib = StdLib(LUA_UTF8LIBK);

    /// The `'all'` preset: every library.
    pub const ALL: StdLib = StdLib(
        LUA_GLIBK | LUA_LOADLIBK | LUA_COLIBK | LUA_DBLIBK | LUA_IOLIBK | LUA_MATHLIBK | LUA_OSLIBK | LUA_STRLIBK | LUA_TABLIBK | LUA_UTF8LIBK,
    );

    /// The `'safe'` preset: everything but `io`, `os` and `debug`.
    pub const SAFE: StdLib =
        StdLib(LUA_GLIBK | LUA_LOADLIBK | LUA_COLIBK | LUA_MATHLIBK | LUA_STRLIBK | LUA_TABLIBK | LUA_UTF8LIBK);

    /// The `'sandbox'` preset: `'safe'` without `package`.
    pub const SANDBOX: StdLib = StdLib(LUA_GLIBK | LUA_COLIBK | LUA_MATHLIBK | LUA_STRLIBK | LUA_TABLIBK | LUA_UTF8LIBK);

    /// The ten names, in the order the spec's tables list them.
    pub const NAMES: [(&'static str, StdLib); 10] = [
        ("base", StdLib::BASE),
        ("package", StdLib::PACKAGE),
        ("coroutine", StdLib::COROUTINE),
        ("table", StdLib::TABLE),
        ("io", StdLib::IO),
        ("os", StdLib::OS),
        ("string", StdLib::STRING),
        ("math", StdLib::MATH),
        ("utf8", StdLib::UTF8),
        ("debug", StdLib::DEBUG),
    ];

    /// The library called `name` (case-sensitive), if there is one.
    pub fn from_name(name: &str) -> Option<StdLib> {
        StdLib::NAMES.iter().find(|(n, _)| *n == name).map(|(_, lib)| *lib)
    }

    /// A preset by name, with the seal it comes with: `"all"` (open),
    /// `"safe"` (no native code or binary chunks from scripts) and
    /// `"sandbox"` (no filesystem either). The typed form is
    /// [`Preset`](crate::Preset).
    pub fn preset(name: &str) -> Option<(StdLib, crate::raw::sandbox::Seal)> {
        crate::raw::preset::Preset::from_name(name).map(|p| (p.libraries(), p.seal()))
    }

    /// Whether every library of `other` is in this set.
    pub fn contains(self, other: StdLib) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether the set is empty (a bare state).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the libraries in the set.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        StdLib::NAMES.into_iter().filter(move |(_, lib)| self.contains(*lib)).map(|(n, _)| n)
    }

    pub(crate) fn bits(self) -> i32 {
        self.0 as i32
    }
}

impl BitOr for StdLib {
    type Output = StdLib;
    fn bitor(self, rhs: StdLib) -> StdLib {
        StdLib(self.0 | rhs.0)
    }
}

impl BitOrAssign for StdLib {
    fn bitor_assign(&mut self, rhs: StdLib) {
        self.0 |= rhs.0
    }
}

impl fmt::Debug for StdLib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_names() {
        assert_eq!(StdLib::ALL.names().count(), 10);
        let safe: Vec<_> = StdLib::SAFE.names().collect();
        assert_eq!(safe, ["base", "package", "coroutine", "table", "string", "math", "utf8"]);
        assert_eq!(StdLib::from_name("math"), Some(StdLib::MATH));
        assert_eq!(StdLib::from_name("Math"), None);
        assert_eq!(StdLib::preset("safe").map(|p| p.0), Some(StdLib::SAFE));
        assert!(!StdLib::SANDBOX.contains(StdLib::PACKAGE));
        assert!(StdLib::preset("Safe").is_none());
    }
}
