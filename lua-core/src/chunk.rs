//! `lua.load(source)`: a chunk to run, named, given an environment and a
//! mode first if need be, then executed, evaluated, called with arguments
//! or kept as a function. Every finisher loads through the same door as
//! [`Lua::exec`] (`allow_bytecode` and the presets' seals hold alike).

use std::borrow::Cow;
use std::ffi::CString;

use crate::convert::{FromLuaMulti, IntoLuaMulti};
use crate::error::{Error, Result};
use crate::raw::lua::{ChunkMode, Lua};
use crate::raw::value::{Function, Table};

/// What [`Lua::load`] takes as a chunk's code: source text or a precompiled
/// chunk, borrowed (`&str`, `&[u8]`, `&String`, `&Vec<u8>`) or owned
/// (`String`, `Vec<u8>`).
pub trait AsChunk<'a> {
    /// The chunk's bytes.
    fn into_bytes(self) -> Cow<'a, [u8]>;
}

impl<'a> AsChunk<'a> for &'a str {
    fn into_bytes(self) -> Cow<'a, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl<'a> AsChunk<'a> for &'a String {
    fn into_bytes(self) -> Cow<'a, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl<'a> AsChunk<'a> for String {
    fn into_bytes(self) -> Cow<'a, [u8]> {
        Cow::Owned(self.into_bytes())
    }
}

impl<'a> AsChunk<'a> for &'a [u8] {
    fn into_bytes(self) -> Cow<'a, [u8]> {
        Cow::Borrowed(self)
    }
}

impl<'a, const N: usize> AsChunk<'a> for &'a [u8; N] {
    fn into_bytes(self) -> Cow<'a, [u8]> {
        Cow::Borrowed(self)
    }
}

impl<'a> AsChunk<'a> for &'a Vec<u8> {
    fn into_bytes(self) -> Cow<'a, [u8]> {
        Cow::Borrowed(self)
    }
}

impl<'a> AsChunk<'a> for Vec<u8> {
    fn into_bytes(self) -> Cow<'a, [u8]> {
        Cow::Owned(self)
    }
}

/// A chunk of Lua code waiting to run: made by [`Lua::load`], set up with
/// [`set_name`](Chunk::set_name), [`set_environment`](Chunk::set_environment)
/// and [`set_mode`](Chunk::set_mode), then finished with
/// [`exec`](Chunk::exec), [`eval`](Chunk::eval), [`call`](Chunk::call) or
/// [`into_function`](Chunk::into_function).
///
/// ```
/// use lua_core::{Lua, StdLib};
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// lua.load("x = 40").set_name("=setup").exec()?;
/// assert_eq!(lua.load("x + 2").eval::<i64>()?, 42);
/// let e = lua.load("\nerror('boom')").set_name("@plugin.lua").exec().unwrap_err();
/// assert_eq!(e.message(), "plugin.lua:2: boom");
/// # Ok::<(), lua_core::Error>(())
/// ```
#[must_use = "a chunk does nothing until it is executed, evaluated, called or turned into a function"]
pub struct Chunk<'a> {
    lua: &'a Lua,
    source: Cow<'a, [u8]>,
    name: Option<CString>,
    env: Option<Result<Table>>,
    mode: ChunkMode,
}

impl Lua {
    /// A chunk of `source` (text or a precompiled chunk) to run: see [`Chunk`].
    /// Nothing is compiled until a finisher runs.
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let (a, b): (i64, String) = lua.load("return 1, 'two'").eval()?;
    /// assert_eq!((a, b.as_str()), (1, "two"));
    /// let owned = String::from("return 3");
    /// assert_eq!(lua.load(owned).eval::<i64>()?, 3);
    /// assert_eq!(lua.load(&b"return 4"[..]).eval::<i64>()?, 4);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn load<'a>(&'a self, source: impl AsChunk<'a>) -> Chunk<'a> {
        Chunk { lua: self, source: source.into_bytes(), name: None, env: None, mode: ChunkMode::Any }
    }
}

impl<'a> Chunk<'a> {
    /// Names the chunk, by Lua's rules: `@name` reads like a file
    /// (`name:1:`), `=name` is printed verbatim, anything else reads
    /// `[string "name"]:1:`. The name stops at a NUL. Without a name, the
    /// chunk is named by its source, as [`Lua::exec`] names it.
    ///
    /// ```
    /// use lua_core::{Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// let e = lua.load("error('x')").set_name("=raw").exec().unwrap_err();
    /// assert_eq!(e.message(), "raw:1: x");
    /// let e = lua.load("error('x')").set_name("mine").exec().unwrap_err();
    /// assert_eq!(e.message(), "[string \"mine\"]:1: x");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn set_name(mut self, name: impl AsRef<str>) -> Self {
        self.name = Some(cut_at_nul(name.as_ref().as_bytes()));
        self
    }

    /// Runs the chunk with `env` as its `_ENV`: its globals are that
    /// table's fields (as [`Lua::exec_in`]). A table of another state fails
    /// the finisher with "the value belongs to another Lua state".
    ///
    /// ```
    /// use lua_core::{Lua, StdLib, Table};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// let env: Table = lua.exec("return { x = 40 }")?;
    /// assert_eq!(lua.load("y = x + 2 return y").set_environment(&env).eval::<i64>()?, 42);
    /// assert_eq!(env.get::<_, i64>("y")?, 42);
    /// assert_eq!(lua.exec::<Option<i64>>("return y")?, None);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn set_environment(mut self, env: &Table) -> Self {
        self.env = Some(env.try_clone());
        self
    }

    /// Which forms the chunk may take: text, binary or either (the
    /// default). The state's own rule comes first: where bytecode is not
    /// allowed ([`LuaBuilder::allow_bytecode`](crate::LuaBuilder::allow_bytecode),
    /// the `Sandbox` preset) a chunk loads as text only, and
    /// [`ChunkMode::Binary`] fails with [`BYTECODE_DENIED`](crate::BYTECODE_DENIED).
    ///
    /// ```
    /// use lua_core::{ChunkMode, Lua};
    /// let lua = Lua::new();
    /// let code = lua.compile(b"return 7", c"=seven", true)?;
    /// assert_eq!(lua.load(&code).set_mode(ChunkMode::Binary).eval::<i64>()?, 7);
    /// let e = lua.load(&code).set_mode(ChunkMode::Text).exec().unwrap_err();
    /// assert!(e.message().contains("attempt to load a binary chunk (mode is 't')"), "{}", e.message());
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn set_mode(mut self, mode: ChunkMode) -> Self {
        self.mode = mode;
        self
    }

    /// Runs the chunk as statements, for its effects.
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// lua.load("t = {} for i = 1, 3 do t[i] = i * i end").exec()?;
    /// assert_eq!(lua.globals()?.get::<_, lua_core::Table>("t")?.sequence::<i64>()?, [1, 4, 9]);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn exec(self) -> Result<()> {
        self.call(())
    }

    /// Evaluates the chunk: as an expression if it is one (`1 + 1`,
    /// `f(x)`), else as statements (which may `return` values), and
    /// converts the results to `R`. A precompiled chunk is run as it is.
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// assert_eq!(lua.load("6 * 7").eval::<i64>()?, 42);
    /// assert_eq!(lua.load("local x = 6 return x * 7").eval::<i64>()?, 42);
    /// assert_eq!(lua.load("{ 1, 2, 3 }").eval::<Vec<i64>>()?, [1, 2, 3]);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn eval<R: FromLuaMulti>(self) -> Result<R> {
        if self.mode != ChunkMode::Binary && !self.source.starts_with(LUA_SIGNATURE) {
            let mut expression = Vec::with_capacity(self.source.len() + 7);
            expression.extend_from_slice(b"return ");
            expression.extend_from_slice(&self.source);
            let name = self.name();
            let env = self.env()?;
            // Compiled first, apart: a chunk that is not an expression must
            // not run as anything but itself.
            match self.lua.load_chunk(&expression, &name, self.mode, env.map(|t| t.registry_ref())) {
                Ok(f) => return f.call(()),
                Err(Error::Syntax { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.call(())
    }

    /// Runs the chunk with `args` (its `...`) and converts the results to `R`.
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let sum: i64 = lua.load("local a, b = ... return a + b").call((40, 2))?;
    /// assert_eq!(sum, 42);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn call<R: FromLuaMulti>(self, args: impl IntoLuaMulti) -> Result<R> {
        let name = self.name();
        let env = self.env()?;
        self.lua.run_chunk(&self.source, &name, self.mode, env.map(|t| t.registry_ref()), |s| args.push_multi(s), R::from_results)?
    }

    /// Compiles the chunk into a function without running it (with the
    /// environment, if one was set, as its `_ENV`).
    ///
    /// ```
    /// use lua_core::{Function, Lua};
    /// let lua = Lua::new();
    /// let double: Function = lua.load("local n = ... return n * 2").set_name("=double").into_function()?;
    /// assert_eq!(double.call::<i64>(21)?, 42);
    /// assert_eq!(lua.load("return +").into_function().unwrap_err().code(), "LUA_SYNTAX");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn into_function(self) -> Result<Function> {
        let name = self.name();
        let env = self.env()?;
        self.lua.load_chunk(&self.source, &name, self.mode, env.map(|t| t.registry_ref()))
    }

    /// The chunk's name: the one set, or the source itself.
    fn name(&self) -> CString {
        match &self.name {
            Some(name) => name.clone(),
            None => cut_at_nul(&self.source),
        }
    }

    /// The environment, or the error of holding it.
    fn env(&self) -> Result<Option<&Table>> {
        match &self.env {
            None => Ok(None),
            Some(Ok(table)) => Ok(Some(table)),
            Some(Err(e)) => Err(e.clone()),
        }
    }
}

impl std::fmt::Debug for Chunk<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chunk").field("name", &self.name()).field("mode", &self.mode).field("bytes", &self.source.len()).finish()
    }
}

/// What begins every precompiled chunk.
const LUA_SIGNATURE: &[u8] = b"\x1bLua";

/// The bytes up to any NUL, as a chunk name (Lua's `luaL_loadstring` names a
/// chunk by its text the same way).
fn cut_at_nul(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).expect("cut at the first NUL")
}
