//! `Lua::builder()`: options and limits in one place.

use std::time::Duration;

use crate::error::Result;
use crate::raw::stdlib::Preset;
use crate::raw::lua::{Lua, LuaOptions};
use crate::raw::sandbox::{Filesystem, Seal};
use crate::raw::stdlib::StdLib;

/// Builds a [`Lua`] state.
///
/// ```
/// use lua_core::{Lua, Preset};
/// use std::time::Duration;
///
/// let lua = Lua::builder()
///     .preset(Preset::Safe)
///     .memory_limit(8 << 20)
///     .instruction_limit(10_000_000)
///     .timeout(Duration::from_millis(250))
///     .build()?;
/// assert_eq!(lua.exec::<i64>("return #string.rep('x', 10)")?, 10);
/// let e = lua.exec::<()>("while true do end").unwrap_err();
/// assert!(matches!(e.code(), "LUA_INSTRUCTION_LIMIT" | "LUA_TIMEOUT"));
/// # Ok::<(), lua_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct LuaBuilder {
    options: LuaOptions,
}

impl Lua {
    /// Starts building a state: bare, with no limits, until told otherwise.
    pub fn builder() -> LuaBuilder {
        LuaBuilder::default()
    }
}

impl LuaBuilder {
    /// Opens these libraries (see [`StdLib`]), with no seal.
    pub fn libraries(mut self, libraries: StdLib) -> Self {
        self.options.libraries = libraries;
        self
    }

    /// Uses a preset (see [`Preset`]): its libraries and its seal.
    ///
    /// ```
    /// use lua_core::{Lua, Preset};
    /// let lua = Lua::builder().preset(Preset::Sandbox).build()?;
    /// assert!(lua.exec::<bool>("return require == nil and io == nil and os == nil")?);
    /// assert!(!lua.bytecode_allowed());
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn preset(mut self, preset: Preset) -> Self {
        self.options.libraries = preset.libraries();
        self.options.seal = preset.seal();
        self
    }

    /// Uses the preset called `name` (`"all"`, `"safe"` or `"sandbox"`), as
    /// JavaScript names it; any other name fails with `Unknown preset: '<name>'`.
    ///
    /// ```
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::builder().preset_named("safe")?.build()?;
    /// assert_eq!(lua.libraries(), StdLib::SAFE);
    /// assert_eq!(Lua::builder().preset_named("Safe").unwrap_err().message(), "Unknown preset: 'Safe'");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn preset_named(self, name: &str) -> Result<Self> {
        Ok(self.preset(name.parse::<Preset>()?))
    }

    /// Closes doors beyond the library choice (see [`Seal`]).
    pub fn seal(mut self, seal: Seal) -> Self {
        self.options.seal = seal;
        self
    }

    /// Whether binary chunks may be loaded (EVOLUTION B7). By default they
    /// may, except under the `"sandbox"` preset; an explicit choice wins.
    ///
    /// With `false` every door refuses bytecode: [`Lua::exec_bytecode_with`]
    /// fails with [`BYTECODE_DENIED`](crate::BYTECODE_DENIED), running or
    /// compiling a file or a string reads text only, and Lua's `load`,
    /// `loadfile`, `dofile` and `require` read text only. With `true` under
    /// `"safe"` or `"sandbox"`, the host's doors take bytecode but Lua's stay
    /// text-only: scripts under a seal never load binary chunks (DECISIONS 9).
    ///
    /// ```
    /// use lua_core::{Lua, StdLib, BYTECODE_DENIED};
    /// let lua = Lua::builder().libraries(StdLib::ALL).allow_bytecode(false).build()?;
    /// let code = lua.compile(b"return 1", c"=one", false)?; // compiling is not loading
    /// let e = lua.exec_bytecode_with(&code, c"one", |_| ()).unwrap_err();
    /// assert_eq!(e.message(), BYTECODE_DENIED);
    /// let msg: String = lua.exec("return select(2, load(string.dump(function() return 1 end)))")?;
    /// assert_eq!(msg, "attempt to load a binary chunk (mode is 't')");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn allow_bytecode(mut self, allow: bool) -> Self {
        self.options.allow_bytecode = Some(allow);
        self
    }

    /// Whether Lua code may reach the disk (EVOLUTION B19; see [`Filesystem`]).
    /// The setting holds for the life of the state.
    ///
    /// ```
    /// use lua_core::{Filesystem, Lua, Preset};
    /// let lua = Lua::builder().preset(Preset::All).filesystem(Filesystem::Deny).build()?;
    /// let msg: String = lua.exec("return select(2, io.open('/etc/passwd'))")?;
    /// assert_eq!(msg, "io.open is unavailable: this Lua context was created with filesystem access denied");
    /// assert!(lua.exec::<()>("dofile('x.lua')").is_err());
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn filesystem(mut self, filesystem: Filesystem) -> Self {
        self.options.filesystem = filesystem;
        self
    }

    /// The most bytes the state may hold (0: no limit).
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.options.memory_limit = bytes;
        self
    }

    /// The work budget of one call from the host, in units (0: no limit).
    ///
    /// A unit is about the cost of one VM instruction: each instruction costs
    /// one, and standard-library functions and the garbage collector charge
    /// units in proportion to the work they do (a byte upper-cased, an
    /// element concatenated or sorted, an object marked; see the table in
    /// the README), so the budget bounds CPU time whichever function burns
    /// it. A spent budget fails the call with
    /// [`Error::InstructionLimit`](crate::Error::InstructionLimit).
    ///
    /// ```
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::builder().libraries(StdLib::ALL).instruction_limit(2_000_000).build()?;
    /// // Each iteration is a few instructions but upper-cases a megabyte:
    /// // the budget stops the loop after a handful of them.
    /// let e = lua.exec::<()>("s = string.rep('a', 1e6) n = 0 while true do local u = s:upper() n = n + 1 end").unwrap_err();
    /// assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT");
    /// assert!(lua.get_global::<i64>("n")? < 10);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn instruction_limit(mut self, max: u64) -> Self {
        self.options.max_instructions = max;
        self
    }

    /// The longest one call from the host may run.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// The options gathered so far.
    pub fn options(&self) -> &LuaOptions {
        &self.options
    }

    /// Creates the state.
    pub fn build(self) -> Result<Lua> {
        Lua::with_options(self.options)
    }
}
