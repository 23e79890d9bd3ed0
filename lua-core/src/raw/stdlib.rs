//! Choosing which standard libraries a state opens, alone (`StdLib`) or
//! as one of the three presets with their seals (`Preset`).

use std::fmt;
use std::ops::{BitOr, BitOrAssign};
use std::str::FromStr;

use crate::error::Error;
use crate::raw::sandbox::Seal;

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
    pub fn preset(name: &str) -> Option<(StdLib, Seal)> {
        Preset::from_name(name).map(|p| (p.libraries(), p.seal()))
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

/// A ready-made choice of libraries and seal, for
/// [`LuaBuilder::preset`](crate::LuaBuilder::preset).
///
/// ```
/// use lua_core::{Lua, Preset, StdLib};
/// let lua = Lua::builder().preset(Preset::Safe).build()?;
/// assert_eq!(lua.libraries(), StdLib::SAFE);
/// assert!(lua.exec::<bool>("return os == nil and io == nil")?);
/// // The string form (what JavaScript passes) parses to the same thing.
/// assert_eq!("sandbox".parse::<Preset>()?, Preset::Sandbox);
/// assert_eq!("nope".parse::<Preset>().unwrap_err().message(), "Unknown preset: 'nope'");
/// # Ok::<(), lua_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// `"all"`: every library ([`StdLib::ALL`]), nothing sealed.
    All,
    /// `"safe"`: everything but `io`, `os` and `debug` ([`StdLib::SAFE`]);
    /// scripts load no native code and no binary chunks ([`Seal::NoNativeCode`]).
    Safe,
    /// `"sandbox"`: `"safe"` without `package` ([`StdLib::SANDBOX`]), and no
    /// filesystem from the base library either ([`Seal::NoFilesystem`]).
    Sandbox,
}

impl Preset {
    /// The three presets, in the order the spec lists them.
    pub const EVERY: [Preset; 3] = [Preset::All, Preset::Safe, Preset::Sandbox];

    /// The libraries the preset opens.
    pub const fn libraries(self) -> StdLib {
        match self {
            Preset::All => StdLib::ALL,
            Preset::Safe => StdLib::SAFE,
            Preset::Sandbox => StdLib::SANDBOX,
        }
    }

    /// What the preset seals off beyond the library choice.
    pub const fn seal(self) -> Seal {
        match self {
            Preset::All => Seal::Open,
            Preset::Safe => Seal::NoNativeCode,
            Preset::Sandbox => Seal::NoFilesystem,
        }
    }

    /// The preset's name: `"all"`, `"safe"` or `"sandbox"`.
    pub const fn name(self) -> &'static str {
        match self {
            Preset::All => "all",
            Preset::Safe => "safe",
            Preset::Sandbox => "sandbox",
        }
    }

    /// The preset called `name` (case-sensitive), if there is one.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::EVERY.into_iter().find(|p| p.name() == name)
    }
}

impl FromStr for Preset {
    type Err = Error;

    /// Fails with an [`Error::Api`] saying `Unknown preset: '<name>'`.
    fn from_str(name: &str) -> Result<Preset, Error> {
        Preset::from_name(name).ok_or_else(|| Error::api(format!("Unknown preset: '{name}'")))
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
