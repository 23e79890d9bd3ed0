//! The typed API for Rust programs: run code, move values in and out with
//! `IntoLua` / `FromLua`, and expose Rust closures to Lua.

use std::ffi::CString;

use crate::raw::callback::CallContext;
use crate::convert::{FromLua, FromLuaMulti, IntoLua, IntoLuaMulti};
use crate::error::Result;
use crate::raw::lua::{ChunkMode, Lua};
use crate::raw::value::{Function, Table};

impl Lua {
    /// Runs `source` and converts its results (`()`, one value `T`, or [`MultiValue`](crate::MultiValue)).
///
/// ```
/// use lua_core::{Lua, MultiValue};
/// let lua = Lua::new();
/// assert_eq!(lua.exec::<i64>("return 6 * 7")?, 42);
/// let all: MultiValue = lua.exec("return 1, 'two', nil")?;
/// assert_eq!(all.0.len(), 3);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn exec<R: FromLuaMulti>(&self, source: &str) -> Result<R> {
        let name = chunk_name(source);
        self.exec_buffer_with(source.as_bytes(), &name, ChunkMode::Any, R::from_results)?
    }

    /// Runs `source` as a chunk named `name`, by Lua's rules: `@name` reads
    /// like a file (`name:1:`), `=name` is printed verbatim, anything else
    /// reads `[string "name"]:1:`. The whole source is run (NULs included);
    /// the name stops at a NUL.
///
/// ```
/// use lua_core::{Lua, StdLib};
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// let err = lua.exec_named::<()>("\nerror('boom')", "@script.lua").unwrap_err();
/// assert_eq!(err.message(), "script.lua:2: boom");
/// let err = lua.exec_named::<()>("error('boom')", "=raw").unwrap_err();
/// assert_eq!(err.message(), "raw:1: boom");
/// let err = lua.exec_named::<()>("error('boom')", "mine").unwrap_err();
/// assert_eq!(err.message(), "[string \"mine\"]:1: boom");
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn exec_named<R: FromLuaMulti>(&self, source: &str, name: &str) -> Result<R> {
        let name = chunk_name(name);
        self.exec_buffer_with(source.as_bytes(), &name, ChunkMode::Any, R::from_results)?
    }

    /// Runs `source` (named by itself, as [`Lua::exec`]) with the table
    /// `env` as its `_ENV`: its globals are that table's fields.
///
/// ```
/// use lua_core::{Lua, StdLib, Table};
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// let env: Table = lua.exec("return { x = 40 }")?;
/// assert_eq!(lua.exec_in::<i64>(&env, "y = x + 2; return y")?, 42);
/// assert_eq!(lua.exec::<Option<i64>>("return y")?, None);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn exec_in<R: FromLuaMulti>(&self, env: &Table, source: &str) -> Result<R> {
        let name = chunk_name(source);
        self.exec_in_with(&env.0, source.as_bytes(), &name, ChunkMode::Any, R::from_results)?
    }

    /// Runs the file at `path`.
    pub fn exec_file<R: FromLuaMulti>(&self, path: &str) -> Result<R> {
        self.exec_file_with(path.as_bytes(), R::from_results)?
    }

    /// Sets a global.
///
/// ```
/// let lua = lua_core::Lua::new();
/// lua.set_global("limit", 10)?;
/// lua.set_global("names", vec!["a", "b"])?;
/// assert_eq!(lua.exec::<i64>("return limit + #names")?, 12);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn set_global(&self, name: &str, value: impl IntoLua) -> Result<()> {
        self.set_global_with(name.as_bytes(), |stack| value.push_into(stack))
    }

    /// Reads a global.
///
/// ```
/// let lua = lua_core::Lua::new();
/// lua.exec::<()>("answer = 42")?;
/// assert_eq!(lua.get_global::<i64>("answer")?, 42);
/// assert_eq!(lua.get_global::<Option<i64>>("missing")?, None);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn get_global<T: FromLua>(&self, name: &str) -> Result<T> {
        self.get_global_with(name.as_bytes(), T::from_lua)?
    }

    /// Makes a Lua function that calls `f` with the call's arguments, as any
    /// [`FromLuaMulti`]: a tuple of typed values (read straight from the
    /// stack, no allocation per call; `Option` for ones that may be absent)
    /// or a [`MultiValue`](crate::MultiValue) of all of them. An argument
    /// that does not convert raises Lua's own `bad argument #n to '<name>'
    /// (<type> expected, got <type>)`. An `Err` (or a panic) becomes a Lua
    /// error that Lua code can catch with `pcall`.
    ///
    /// `f` is given the state: use it rather than capturing a [`Lua`] or a
    /// handle ([`Function`], [`Table`](crate::Table), ...). Every handle keeps
    /// its state alive and the state keeps `f`, so a captured one makes a
    /// cycle that dropping the last `Lua` does not free; only
    /// [`Lua::close`] does. Values `f` needs can live in the state (a global,
    /// an upvalue of a Lua closure, a named registry value) instead.
///
/// ```
/// use lua_core::{Lua, MultiValue, StdLib, Value};
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// let add = lua.create_function(|_, (a, b): (i64, Option<i64>)| Ok(a + b.unwrap_or(1)))?;
/// lua.set_global("add", add)?;
/// assert_eq!(lua.exec::<i64>("return add(40, 2) + add(0)")?, 43);
/// let err = lua.exec::<()>("add('x')").unwrap_err();
/// assert!(err.message().contains("bad argument #1 to 'add' (integer expected, got string)"), "{}", err.message());
/// let sum = lua.create_function(|_, args: MultiValue| Ok(args.0.iter().filter_map(Value::as_integer).sum::<i64>()))?;
/// lua.set_global("sum", sum)?;
/// assert_eq!(lua.exec::<i64>("return sum(1, 2, 3)")?, 6);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn create_function<A, F, R>(&self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + 'static,
        R: IntoLuaMulti,
    {
        self.create_raw_function(move |ctx: &CallContext<'_>| {
            let args = crate::userdata::args::read::<A>(ctx, 0, "?")?;
            let out = f(ctx.lua(), args)?;
            out.push_multi(&mut ctx.results_stack()).map(|n| n as i32)
        })
    }

    /// Like [`Lua::create_function`] for a closure that is `Send`: the state
    /// can still move to another thread afterwards ([`Lua::into_send`]).
    pub fn create_send_function<A, F, R>(&self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + Send + 'static,
        R: IntoLuaMulti,
    {
        self.push_function_value(move |ctx: &CallContext<'_>| {
            let args = crate::userdata::args::read::<A>(ctx, 0, "?")?;
            let out = f(ctx.lua(), args)?;
            out.push_multi(&mut ctx.results_stack()).map(|n| n as i32)
        })
    }

    /// Makes a Lua function from a closure that works on the call directly:
    /// reads arguments in place and pushes results itself.
    pub fn create_raw_function<F>(&self, f: F) -> Result<Function>
    where
        F: Fn(&CallContext<'_>) -> Result<i32> + 'static,
    {
        self.rt.thread_bound.set(true);
        self.push_function_value(f)
    }

    fn push_function_value<F>(&self, f: F) -> Result<Function>
    where
        F: Fn(&CallContext<'_>) -> Result<i32> + 'static,
    {
        self.with_stack(|stack| {
            // Not `Stack::push_function`, which marks the state thread-bound:
            // whether it is, is the caller's to say.
            crate::raw::callback::push_host_function(stack, Box::new(f))?;
            stack.value(-1).to_ref().map(Function)
        })
    }

    /// The named locals of the frame at `level` as values, or `None` when
    /// there is no such frame (see [`Lua::locals_with`]). A local that does
    /// not convert (a cyclic table) fails the call.
    ///
    /// ```
    /// use lua_core::{Lua, Value};
    /// let lua = Lua::new();
    /// let probe = lua.create_function(|lua, _: lua_core::MultiValue| {
    ///     let locals = lua.locals(1)?.unwrap_or_default();
    ///     Ok(locals.into_iter().map(|(name, _)| name).collect::<Vec<_>>().join(","))
    /// })?;
    /// lua.set_global("probe", probe)?;
    /// assert_eq!(lua.exec::<String>("local a, b = 1, 'two' return (probe())")?, "a,b");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn locals(&self, level: usize) -> Result<Option<Vec<(String, crate::Value)>>> {
        let mut out = Vec::new();
        let found = self.locals_with(level, |name, v| {
            out.push((String::from_utf8_lossy(name).into_owned(), crate::Value::from_lua(v)?));
            Ok::<(), crate::Error>(())
        })??;
        Ok(found.then_some(out))
    }

    /// A new empty table.
    pub fn create_table(&self) -> Result<Table> {
        self.with_stack(|stack| {
            stack.reserve(1)?;
            stack.push_table(0, 0)?;
            stack.value(-1).to_ref().map(Table)
        })
    }
}

impl Function {
    /// Calls the function with `args` (a value, a tuple, `()` or a
    /// [`MultiValue`](crate::MultiValue)) and converts its results to `R`,
    /// the one type to name.
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let f: lua_core::Function = lua.exec("return function(a, b) return a .. b end")?;
    /// assert_eq!(f.call::<String>(("lu", "a"))?, "lua");
    /// let (q, r): (i64, i64) = lua.exec::<lua_core::Function>("return function(a, b) return a // b, a % b end")?.call((7, 2))?;
    /// assert_eq!((q, r), (3, 1));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn call<R: FromLuaMulti>(&self, args: impl IntoLuaMulti) -> Result<R> {
        self.0.lua().call_with(self, |stack| args.push_multi(stack), R::from_results)?
    }
}

/// The chunk name for source text (or a name given as text): the text up to
/// any NUL, as Lua's `luaL_loadstring` would name it.
fn chunk_name(source: &str) -> CString {
    let bytes = source.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).expect("cut at the first NUL")
}
