//! The entry type: one Lua state, its options, and the ways to run code in it.

use std::ffi::{c_int, CStr, CString};
use std::rc::Rc;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::occupancy::Entry;
use crate::raw::protect::{pop_error, protect, protect_status};
use crate::raw::runtime::{traceback_handler, Runtime, StackGuard};
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;
use crate::raw::stdlib::StdLib;
use crate::raw::value::{Function, RegRef};

/// How a chunk may be given: as source text, as precompiled bytecode, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChunkMode {
    /// Source text only.
    Text,
    /// Precompiled bytecode only.
    Binary,
    /// Either (Lua's default, `"bt"`).
    #[default]
    Any,
}

impl ChunkMode {
    pub(crate) fn as_cstr(self) -> &'static CStr {
        match self {
            ChunkMode::Text => c"t",
            ChunkMode::Binary => c"b",
            ChunkMode::Any => c"bt",
        }
    }
}

/// Options for a new state.
#[derive(Debug, Clone, Default)]
pub struct LuaOptions {
    /// The standard libraries to open; none by default (a bare state).
    pub libraries: StdLib,
    /// What scripts may not reach even with those libraries (see [`crate::Seal`]).
    pub seal: crate::raw::sandbox::Seal,
    /// The most bytes the state may hold; 0 for no limit.
    pub memory_limit: usize,
    /// The work budget of one call from the host, in units of about one VM
    /// instruction (see [`LuaBuilder::instruction_limit`](crate::LuaBuilder::instruction_limit)); 0 for no limit.
    pub max_instructions: u64,
    /// The longest one call from the host may run; None for no limit.
    pub timeout: Option<std::time::Duration>,
    /// Whether binary chunks may be loaded at all (see
    /// [`LuaBuilder::allow_bytecode`](crate::LuaBuilder::allow_bytecode));
    /// None: yes, except under [`Seal::NoFilesystem`](crate::Seal::NoFilesystem) (the `'sandbox'` preset).
    pub allow_bytecode: Option<bool>,
    /// Whether Lua code may reach the disk (see [`crate::Filesystem`]).
    pub filesystem: crate::raw::sandbox::Filesystem,
}

impl LuaOptions {
    /// Whether these options let binary chunks be loaded: the explicit
    /// choice, else yes except under the `'sandbox'` seal.
    pub fn bytecode_allowed(&self) -> bool {
        self.allow_bytecode.unwrap_or(self.seal != crate::raw::sandbox::Seal::NoFilesystem)
    }
}

/// The error of every host door that would load bytecode in a state that
/// does not allow it (the original addon's text for `load_bytecode`).
pub const BYTECODE_DENIED: &str = "bytecode loading is disabled in this context";

/// A Lua state. Cloning gives another handle to the same state; the state
/// closes when the last handle (including every value handle) is gone.
#[derive(Clone)]
pub struct Lua {
    pub(crate) rt: Rc<Runtime>,
}

impl Lua {
    /// A bare state: the language, but no standard library at all.
    pub fn new() -> Lua {
        Lua::with_options(LuaOptions::default()).expect("creating a bare Lua state failed")
    }

    /// A state with the given libraries.
    pub fn with_libraries(libraries: StdLib) -> Result<Lua> {
        Lua::with_options(LuaOptions { libraries, ..LuaOptions::default() })
    }

    /// A state with these options (see also [`Lua::builder`]).
    ///
    /// ```
    /// use lua_core::{Lua, LuaOptions, StdLib};
    /// let lua = Lua::with_options(LuaOptions { libraries: StdLib::BASE, memory_limit: 1 << 20, ..Default::default() })?;
    /// assert_eq!(lua.memory_limit(), 1 << 20);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn with_options(options: LuaOptions) -> Result<Lua> {
        let doors = crate::raw::sandbox::Doors {
            allow_bytecode: options.bytecode_allowed(),
            deny_filesystem: options.filesystem == crate::raw::sandbox::Filesystem::Deny,
        };
        let lua = Lua { rt: Runtime::new(options.libraries, options.seal, doors, options.memory_limit)? };
        lua.set_instruction_limit(options.max_instructions);
        lua.set_timeout(options.timeout);
        Ok(lua)
    }

    #[cfg(test)]
    pub(crate) fn allocator(&self) -> &crate::raw::alloc::Allocator {
        self.rt.alloc()
    }

    pub(crate) fn main_state(&self) -> *mut lua_State {
        self.rt.main()
    }

    /// The libraries the state was opened with.
    pub fn libraries(&self) -> StdLib {
        self.rt.libs()
    }

    /// Whether binary chunks may be loaded (fixed when the state is made).
    /// When not, the host's doors read text only and
    /// [`Lua::exec_bytecode_with`] refuses with [`BYTECODE_DENIED`]; Lua's
    /// `load`, `loadfile`, `dofile` and `require` read text only.
    pub fn bytecode_allowed(&self) -> bool {
        self.rt.doors().allow_bytecode
    }

    /// Whether Lua code may reach the disk (fixed when the state is made).
    pub fn filesystem(&self) -> crate::raw::sandbox::Filesystem {
        if self.rt.doors().deny_filesystem {
            crate::raw::sandbox::Filesystem::Deny
        } else {
            crate::raw::sandbox::Filesystem::Allow
        }
    }

    /// The mode a host door loads with: `mode` itself, or text only where
    /// bytecode is not allowed (a binary-only load is refused).
    pub(crate) fn load_mode(&self, mode: ChunkMode) -> Result<ChunkMode> {
        match mode {
            _ if self.bytecode_allowed() => Ok(mode),
            ChunkMode::Binary => Err(Error::api(BYTECODE_DENIED)),
            _ => Ok(ChunkMode::Text),
        }
    }

    /// Bytes the state holds now, as counted by its allocator.
    pub fn memory_used(&self) -> usize {
        self.rt.alloc().used()
    }

    /// The most bytes the state has held at once.
    pub fn memory_peak(&self) -> usize {
        self.rt.alloc().peak()
    }

    /// The memory limit in bytes (0: none).
    pub fn memory_limit(&self) -> usize {
        self.rt.alloc().limit()
    }

    /// Sets the memory limit in bytes (0: none). Lowering it below what is in
    /// use only refuses further growth.
    pub fn set_memory_limit(&self, bytes: usize) {
        self.rt.alloc().set_limit(bytes)
    }

    /// Whether two handles are the same state.
    pub fn ptr_eq(&self, other: &Lua) -> bool {
        Rc::ptr_eq(&self.rt, &other.rt)
    }

    /// Closes the state now. Finalizers run; every later use of this `Lua`
    /// or of a handle into it fails with [`Error::Closed`]. Closing twice
    /// does nothing.
    ///
    /// Refused with [`Error::Busy`] from inside the state (a callback, a
    /// hook, a finalizer, at any depth) and while it is lent to another
    /// thread: closing then would free what a running frame still uses.
    ///
    /// ```
    /// use lua_core::{Error, Lua, StdLib};
    /// let lua = Lua::with_libraries(StdLib::BASE)?;
    /// let f = lua.create_function(|lua, _: lua_core::MultiValue| Ok(lua.close().is_err()))?;
    /// lua.set_global("try_close", f)?;
    /// assert!(lua.exec::<bool>("return try_close()")?);
    /// lua.close()?;
    /// assert!(lua.is_closed());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn close(&self) -> Result<()> {
        self.rt.close()
    }

    /// What keeps the state from being closed (or lent to another thread)
    /// right now, if anything.
    pub fn occupied(&self) -> Option<crate::Occupied> {
        self.rt.occupancy().occupied()
    }

    /// Whether [`Lua::close`] has run.
    pub fn is_closed(&self) -> bool {
        self.rt.is_closed()
    }

    /// Forgets the value a host function last raised with
    /// [`CallContext::raise_value`](crate::CallContext::raise_value): raised
    /// again from now on, it is an ordinary Lua error value. For a host that
    /// lets go of what it kept for that value (its address may be reused).
    #[inline(always)]
    pub fn forget_raised_value(&self) {
        self.rt.forget_host_failure_value();
    }

    /// Whether anything is inside the state now: Lua code, the parser, a
    /// finalizer, a hook or a host callback, at any depth.
    pub fn is_executing(&self) -> bool {
        self.rt.occupancy().is_inside()
    }

    /// Whether the state is idle: nothing is inside it
    /// ([`is_executing`](Lua::is_executing)), it is not lent to another
    /// thread ([`is_off_thread`](Lua::is_off_thread)) and no driver run is
    /// in flight ([`is_driving`](Lua::is_driving)). The three in one look,
    /// for the start of every outermost call.
    ///
    /// ```
    /// let lua = lua_core::Lua::with_libraries(lua_core::StdLib::BASE)?;
    /// let inside = lua.create_function(|lua, _: lua_core::MultiValue| Ok(lua.is_idle()))?;
    /// lua.set_global("idle", inside)?;
    /// assert!(lua.is_idle());
    /// assert!(!lua.exec::<bool>("return idle()")?, "a callback runs inside the state");
    /// assert!(lua.is_idle());
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    #[inline]
    pub fn is_idle(&self) -> bool {
        self.rt.occupancy().is_idle()
    }

    /// The runtime pointer as the registry records it (for diagnostics and tests).
    #[cfg(feature = "host-binding")]
    pub fn registry_runtime_pointer(&self) -> *const std::ffi::c_void {
        if self.rt.is_closed() {
            return std::ptr::null();
        }
        // SAFETY: the main thread is idle between host calls and has a free slot.
        unsafe { Runtime::registry_pointer(self.rt.main()) }
    }

    /// The runtime pointer every callback finds (the state's extra space).
    #[cfg(feature = "host-binding")]
    pub fn callback_runtime_pointer(&self) -> *const std::ffi::c_void {
        if self.rt.is_closed() {
            return std::ptr::null();
        }
        // SAFETY: reading our own pointer back from the extra space.
        unsafe { Runtime::from_state(self.rt.main()) as *const Runtime as *const _ }
    }

    /// A stack to push values onto, for the duration of `f`; whatever `f`
    /// leaves is removed afterwards.
    pub fn with_stack<R>(&self, f: impl FnOnce(&mut Stack<'_>) -> Result<R>) -> Result<R> {
        let _entry = Entry::new(&self.rt)?;
        let l = self.rt.main();
        // SAFETY: the guard restores the top of the main thread.
        let _guard = unsafe { StackGuard::new(l) };
        f(&mut Stack::new(l, self))
    }

    /// Runs `source` as a chunk whose name is the source itself (so positions
    /// read `[string "..."]:1:`), and hands the results to `read` while they
    /// are still on the stack. Text and binary chunks are both accepted.
    pub fn exec_source_with<R>(&self, source: &CStr, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        self.exec_buffer_with(source.to_bytes(), source, ChunkMode::Any, read)
    }

    /// Runs a chunk of `bytes` named `name` (Lua's rules: `@file`, `=text`,
    /// or a source excerpt) and hands the results to `read`.
    pub fn exec_buffer_with<R>(&self, bytes: &[u8], name: &CStr, mode: ChunkMode, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        self.run(|stack| self.load_buffer(stack.raw(), bytes, name, mode), 0, read)
    }

    /// Runs the file at `path` (chunk name `@path`; a first `#` line is
    /// skipped; text or binary) and hands the results to `read`.
    pub fn exec_file_with<R>(&self, path: &[u8], read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        let path = file_path(path)?;
        self.run(|stack| self.load_file(stack.raw(), &path, ChunkMode::Any), 0, read)
    }

    /// Compiles a chunk without running it and leaves the function on the
    /// stack for `read`.
    pub fn load_with<R>(&self, bytes: &[u8], name: &CStr, mode: ChunkMode, read: impl FnOnce(StackValue<'_>) -> R) -> Result<R> {
        // The parser's collection steps can run finalizers: compiling is
        // being inside the state like running is.
        let _entry = Entry::new(&self.rt)?;
        let l = self.rt.main();
        // SAFETY: the guard restores the stack.
        let _guard = unsafe { StackGuard::new(l) };
        self.load_buffer(l, bytes, name, mode)?;
        Ok(read(StackValue::new(l, -1, self)))
    }

    /// Compiles the file at `path` without running it and leaves the function
    /// on the stack for `read`.
    pub fn load_file_with<R>(&self, path: &[u8], read: impl FnOnce(StackValue<'_>) -> R) -> Result<R> {
        let path = file_path(path)?;
        let _entry = Entry::new(&self.rt)?;
        let l = self.rt.main();
        // SAFETY: the guard restores the stack.
        let _guard = unsafe { StackGuard::new(l) };
        self.load_file(l, &path, ChunkMode::Any)?;
        Ok(read(StackValue::new(l, -1, self)))
    }

    /// Calls `f` with the arguments `push_args` pushes (it returns how many),
    /// and hands the results to `read`.
    pub fn call_with<R>(
        &self,
        f: &Function,
        push_args: impl FnOnce(&mut Stack<'_>) -> Result<usize>,
        read: impl FnOnce(Results<'_>) -> R,
    ) -> Result<R> {
        self.run_function(Some(&f.0), |stack| push_args(stack).map(|_| ()), -1, read)
    }

    /// Sets the global `name` (any bytes) to the value `push` pushes. Runs
    /// `__newindex` of a metatable on `_G`, protected.
    pub fn set_global_with(&self, name: &[u8], push: impl FnOnce(&mut Stack<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            push(stack)?;
            stack.expect_len(1, "set_global_with's closure")?;
            let (p, len) = (name.as_ptr() as *const std::ffi::c_char, name.len());
            // SAFETY: the closure captures two Copy values; the value is arg 1.
            unsafe {
                protect(stack.raw(), 1, 0, move |l| {
                    lua_pushglobaltable(l);
                    lua_pushlstring(l, p, len);
                    lua_pushvalue(l, 1);
                    lua_settable(l, -3);
                    0
                })
            }
        })
    }

    /// Reads the global `name` (honouring `__index` on `_G`) and hands it to `read`.
    pub fn get_global_with<R>(&self, name: &[u8], read: impl FnOnce(StackValue<'_>) -> R) -> Result<R> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            let (p, len) = (name.as_ptr() as *const std::ffi::c_char, name.len());
            // SAFETY: as set_global_with.
            unsafe {
                protect(stack.raw(), 0, 1, move |l| {
                    lua_pushglobaltable(l);
                    lua_pushlstring(l, p, len);
                    lua_gettable(l, -2);
                    1
                })?;
            }
            Ok(read(stack.value(-1)))
        })
    }

    /// Reads `table[key]` with metamethods (`__index` may run Lua code, so it
    /// runs protected), for the key `push_key` pushes; hands the value to `read`.
    pub fn index_with<R>(
        &self,
        table: &RegRef,
        push_key: impl FnOnce(&mut Stack<'_>) -> Result<()>,
        read: impl FnOnce(StackValue<'_>) -> R,
    ) -> Result<R> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            push_key(stack)?;
            stack.expect_len(2, "index_with's closure (a key after the table)")?;
            // SAFETY: table and key are arguments 1 and 2 of the protected call.
            unsafe {
                protect(stack.raw(), 2, 1, |l| {
                    lua_gettable(l, 1);
                    1
                })?;
            }
            Ok(read(stack.value(-1)))
        })
    }

    /// `table[key] = value` with metamethods, for the key and value `push`
    /// pushes (in that order).
    pub fn assign_with(&self, table: &RegRef, push: impl FnOnce(&mut Stack<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            push(stack)?;
            stack.expect_len(3, "assign_with's closure (a key and a value after the table)")?;
            // SAFETY: table, key and value are arguments 1 to 3.
            unsafe {
                protect(stack.raw(), 3, 0, |l| {
                    lua_settable(l, 1);
                    0
                })
            }
        })
    }

    /// Visits every raw key of `table` in `next` order (no metamethods).
    pub fn for_each_key(&self, table: &RegRef, mut f: impl FnMut(StackValue<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            let t = stack.top();
            // SAFETY: a raw traversal; lua_next only ever gets the key it
            // produced, checked to be still there after `f` ran (host code
            // that may have changed the table).
            let l = stack.raw();
            unsafe {
                lua_pushnil(l);
                while lua_next(l, t) != 0 {
                    lua_settop(l, -2);
                    f(stack.value(-1))?;
                    if !crate::raw::visit::key_still_present(l, t) {
                        return Err(Error::conversion(crate::raw::visit::TABLE_CHANGED));
                    }
                }
            }
            Ok(())
        })
    }

    /// Loads a chunk onto the stack of `l`, or returns the load error.
    pub(crate) fn load_buffer(&self, l: *mut lua_State, bytes: &[u8], name: &CStr, mode: ChunkMode) -> Result<()> {
        let mode = self.load_mode(mode)?;
        // SAFETY: lua_load runs the parser in its own protected call and reports
        // failures as a status (with the message pushed), never raising. Before
        // parsing it runs a collection step, which cannot raise but can run
        // finalizers: callers hold an `Entry`.
        unsafe {
            let status = luaL_loadbufferx(l, bytes.as_ptr() as *const _, bytes.len(), name.as_ptr(), mode.as_cstr().as_ptr());
            if status != LUA_OK as c_int {
                return Err(pop_error(l, status));
            }
        }
        Ok(())
    }

    fn load_file(&self, l: *mut lua_State, path: &CStr, mode: ChunkMode) -> Result<()> {
        let mode = self.load_mode(mode)?;
        let (p, m) = (path.as_ptr(), mode.as_cstr().as_ptr());
        // SAFETY: luaL_loadfilex builds the chunk name and its messages with
        // allocating pushes, so it runs protected; its status says whether the
        // value it left is the function or the error.
        unsafe {
            let status = protect_status(l, 0, move |l| luaL_loadfilex(l, p, m))?;
            if status != LUA_OK as c_int {
                return Err(pop_error(l, status));
            }
        }
        Ok(())
    }

    /// The one path by which the host runs Lua code: pushes the message
    /// handler, lets `prepare` push the function (and `nargs` arguments, or -1
    /// meaning "prepare counts them": everything above the function), calls
    /// it protected and passes the results to `read`.
    pub(crate) fn run<R>(
        &self,
        prepare: impl FnOnce(&mut Stack<'_>) -> Result<()>,
        nargs: c_int,
        read: impl FnOnce(Results<'_>) -> R,
    ) -> Result<R> {
        self.run_function(None, prepare, nargs, read)
    }

    /// `run` for a call whose function is the handle `func` (when given):
    /// it is pushed with the handler, and `prepare` pushes the arguments.
    pub(crate) fn run_function<R>(
        &self,
        func: Option<&RegRef>,
        prepare: impl FnOnce(&mut Stack<'_>) -> Result<()>,
        nargs: c_int,
        read: impl FnOnce(Results<'_>) -> R,
    ) -> Result<R> {
        if let Some(f) = func {
            f.check_pushable(self)?;
        }
        let _entry = Entry::framed(&self.rt)?;
        let l = self.rt.main();
        // Only the outermost entry gives the base frame's room back: a
        // nested one runs above slots an outer host operation made room for.
        let trim = !self.rt.occupancy().is_nested();
        // SAFETY: the body raises nothing itself (the call is protected);
        // its guard restores the stack whatever happens, and then (`trim`)
        // gives back the room a large result or argument list made the base
        // frame reserve, so the stack can shrink again.
        unsafe { self.run_here(l, func, prepare, nargs, read, trim) }
    }

    /// The body of `run_function`.
    unsafe fn run_here<R>(
        &self,
        l: *mut lua_State,
        func: Option<&RegRef>,
        prepare: impl FnOnce(&mut Stack<'_>) -> Result<()>,
        nargs: c_int,
        read: impl FnOnce(Results<'_>) -> R,
        trim: bool,
    ) -> Result<R> {
        // SAFETY: see `run_function`; `func` was checked to be a live handle
        // of this state.
        unsafe {
            let (with_ref, id) = func.map_or((0, 0), |f| (1, f.id()));
            let top = lua_native_begin_call(l, Some(traceback_handler), with_ref, id);
            if top < 0 {
                return Err(Error::runtime("stack overflow (cannot grow the Lua stack)"));
            }
            let guard = StackGuard::at(l, top);
            let handler = top + 1;
            let mut stack = Stack::at(l, self, handler + with_ref);
            let outcome = (|| {
                prepare(&mut stack)?;
                let nargs = if nargs >= 0 {
                    nargs
                } else {
                    let above = stack.pushed_count().unwrap_or_else(|| lua_native_fast_gettop(l) - handler - with_ref);
                    // With the function pushed here, everything above it is an argument.
                    above + with_ref - 1
                };
                self.rt.clear_traceback();
                let mut after = 0;
                let status = lua_native_pcall(l, nargs, handler, &mut after);
                self.called(l, status, handler, after, read)
            })();
            guard.finish(trim);
            outcome
        }
    }

    /// What a protected call from the host comes to, once Lua returned
    /// `status` with the handler at `handler` and the top at `after`: the
    /// error (with its traceback), the limit the script caught and returned
    /// past, or the results handed to `read`.
    ///
    /// # Safety
    /// `l` is the main thread, just back from that call.
    #[inline(always)]
    pub(crate) unsafe fn called<R>(&self, l: *mut lua_State, status: c_int, handler: c_int, after: c_int, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        if status != LUA_OK as c_int {
            // SAFETY: the error value is on top (the caller's contract).
            return Err(unsafe { self.call_error(l, status) });
        }
        if let Some(kind) = self.rt.limits().tripped() {
            // The script caught the limit's error and returned normally;
            // the call still failed.
            return Err(kind.error());
        }
        Ok(read(Results { l, base: handler + 1, count: after - handler, lua: self }))
    }

    /// The error a protected call from the host left on top of `l`, popped,
    /// with the traceback the handler recorded.
    #[cold]
    #[inline(never)]
    unsafe fn call_error(&self, l: *mut lua_State, status: c_int) -> Error {
        // SAFETY: the caller's contract.
        let mut error = unsafe { pop_error(l, status) };
        if let Some(traceback) = error.traceback_slot() {
            *traceback = self.rt.take_traceback();
        }
        error
    }
}

impl Default for Lua {
    fn default() -> Self {
        Lua::new()
    }
}

impl std::fmt::Debug for Lua {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lua").field("libraries", &self.libraries()).field("memory_used", &self.memory_used()).finish()
    }
}

/// The path of a file to run: C string semantics (cut at a NUL), never empty.
pub(crate) fn file_path(path: &[u8]) -> Result<CString> {
    if path.is_empty() {
        return Err(Error::api("File path cannot be empty"));
    }
    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
    Ok(CString::new(&path[..end]).expect("cut at the first NUL"))
}

/// The values a chunk or function returned, still on the stack.
#[derive(Clone, Copy)]
pub struct Results<'a> {
    l: *mut lua_State,
    base: c_int,
    count: c_int,
    lua: &'a Lua,
}

impl<'a> Results<'a> {
    pub(crate) fn new(l: *mut lua_State, base: c_int, count: c_int, lua: &'a Lua) -> Results<'a> {
        Results { l, base, count, lua }
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Result `i` (0-based).
    pub fn get(&self, i: usize) -> StackValue<'a> {
        assert!(i < self.len(), "result index out of range");
        StackValue::new(self.l, self.base + i as c_int, self.lua)
    }

    /// Result `i`, or nil when there are fewer results.
    pub fn get_or_nil(&self, i: usize) -> StackValue<'a> {
        if i < self.len() {
            self.get(i)
        } else {
            // One slot above the results is always reserved (see `run`), and
            // an empty slot reads as nil.
            StackValue::new(self.l, self.base + self.count, self.lua)
        }
    }

    /// The values in order.
    pub fn iter(&self) -> impl Iterator<Item = StackValue<'a>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}
