//! The three presets as a type: which libraries a state opens and what it
//! seals off, named once (the Node layer still takes them as strings).
//! Plain data beside `stdlib` and `sandbox`, whose values it names.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::raw::sandbox::Seal;
use crate::raw::stdlib::StdLib;

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
