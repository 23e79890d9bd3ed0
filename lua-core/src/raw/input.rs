//! Input under the host's control (EVOLUTION B15): `io.read` replaced by a
//! function that asks a host function for each format.
//!
//! The Lua-facing `io.read` is a C closure that checks its formats as stock
//! `io.read` does (stock messages: `bad argument #1 to 'read' (invalid
//! format)`), then calls the *reader*, a host function, once per format; it
//! stops at the first end of input, as stock Lua does. Upvalue 1 is the
//! reader, upvalue 2 what `io.read` held before. Without an `io` table, a
//! minimal `io = { read = ... }` is made, remembered in the registry under
//! `luanative_io_synth` so that removing the handler removes that table and
//! no other.

use std::cell::Cell;
use std::ffi::c_int;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::Lua;
use crate::raw::protect::protect;

/// What a script asked `io.read` for (a leading `*` is stripped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFormat {
    /// `'l'`: the next line, without its end of line (also `io.read()`).
    Line,
    /// `'L'`: the next line with its end of line.
    LineWithEnd,
    /// `'a'`: everything left (stock Lua never reports end of input for it).
    All,
    /// `'n'`: a numeral; the text returned is parsed as Lua parses a
    /// number (`lua_stringtonumber`), and gives nil if it does not parse.
    Number,
    /// A number: up to that many bytes (`0` asks whether input remains).
    Count(i64),
}

impl ReadFormat {
    /// The format as a script writes it: `"l"`, `"L"`, `"a"`, `"n"`; `None`
    /// for a byte count.
    pub fn letter(self) -> Option<&'static str> {
        match self {
            ReadFormat::Line => Some("l"),
            ReadFormat::LineWithEnd => Some("L"),
            ReadFormat::All => Some("a"),
            ReadFormat::Number => Some("n"),
            ReadFormat::Count(_) => None,
        }
    }
}

/// The prefix of the error a failing read handler raises in Lua.
pub const READ_HANDLER_FAILED: &str = "io.read handler failed: ";

const SYNTH_KEY: &std::ffi::CStr = c"luanative_io_synth";

impl Lua {
    /// Makes `io.read` ask `handler` for input: it is called once per
    /// format with the [`ReadFormat`], and returns the text read, or `None`
    /// at the end of input (an empty text is an empty line, not the end).
    /// For [`ReadFormat::Number`] the text is parsed as a number (nil when
    /// it is not one). An error the handler returns is raised in Lua as
    /// `io.read handler failed: <message>` (a memory error stays one).
    ///
    /// Without the io library a minimal `io` table holding only `read` is
    /// made (removed again by [`Lua::remove_read_handler`]). Returns `false`,
    /// keeping nothing, when the global `io` is something other than a
    /// table.
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use lua_core::{Lua, ReadFormat, StdLib};
    /// let lua = Lua::with_libraries(StdLib::BASE | StdLib::MATH)?;
    /// let lines = RefCell::new(vec!["42", "second"].into_iter());
    /// assert!(lua.set_read_handler(move |_lua, format| {
    ///     assert!(matches!(format, ReadFormat::Number | ReadFormat::Line));
    ///     Ok(lines.borrow_mut().next().map(|s| s.as_bytes().to_vec()))
    /// })?);
    /// let got: String = lua.exec("local n, l, e = io.read('n', 'l', 'l') return math.type(n) .. n .. '|' .. l .. '|' .. tostring(e)")?;
    /// assert_eq!(got, "integer42|second|nil");
    /// lua.remove_read_handler()?;
    /// assert!(lua.exec::<bool>("return io == nil")?);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn set_read_handler(&self, handler: impl Fn(&Lua, ReadFormat) -> Result<Option<Vec<u8>>> + 'static) -> Result<bool> {
        self.with_stack(|stack| {
            stack.reserve(6)?;
            stack.push_function(move |call| {
                let arg = call.arg(0);
                let format = match (arg.as_integer(), arg.as_bytes()) {
                    (Some(n), _) => ReadFormat::Count(n),
                    (None, Some(b"L")) => ReadFormat::LineWithEnd,
                    (None, Some(b"a")) => ReadFormat::All,
                    (None, Some(b"n")) => ReadFormat::Number,
                    _ => ReadFormat::Line,
                };
                // The handler may call into the state: the stack is taken after.
                let outcome = handler(call.lua(), format);
                let stack = call.stack();
                match outcome {
                    Ok(Some(text)) => stack.push_bytes(&text).map(|()| 1),
                    Ok(None) => stack.push_nil().map(|()| 1),
                    Err(e @ Error::Memory { .. }) => Err(e),
                    // A failure is handed back as (false, message), raised by
                    // io.read itself with the position of its caller.
                    Err(e) => {
                        stack.push_boolean(false)?;
                        stack.push_bytes(e.message().as_bytes())?;
                        Ok(2)
                    }
                }
            })?;
            let installed = Cell::new(false);
            let flag = &installed;
            // SAFETY: the reader is argument 1; reads and writes `io` and the
            // registry (metamethods may run), all inside the protected call.
            stack.with_raw(|l| unsafe { protect(l, 1, 0, move |l| install(l, flag)) })?;
            Ok(installed.get())
        })
    }

    /// Undoes [`Lua::set_read_handler`]: the `io` table it made is removed
    /// (if `io` is still that table), otherwise `io.read` gets back what it
    /// held (if it is still the handler's).
    pub fn remove_read_handler(&self) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(6)?;
            // SAFETY: as in set_read_handler.
            stack.with_raw(|l| unsafe { protect(l, 0, 0, |l| uninstall(l)) })
        })
    }
}

unsafe fn is_ours(l: *mut lua_State, idx: c_int) -> bool {
    // SAFETY: reading a value's C function never raises.
    unsafe { lua_tocfunction(l, idx).map(|g| g as usize) == Some(read_from as *const () as usize) }
}

unsafe fn install(l: *mut lua_State, installed: &Cell<bool>) -> c_int {
    // SAFETY: inside the protected call of set_read_handler, reader at 1.
    unsafe {
        match lua_getglobal(l, c"io".as_ptr()) {
            t if t == LUA_TNIL as c_int => {
                lua_createtable(l, 0, 1);
                lua_pushvalue(l, 1);
                lua_pushnil(l);
                lua_pushcclosure(l, Some(read_from), 2);
                lua_setfield(l, 3, c"read".as_ptr());
                lua_pushvalue(l, 3);
                lua_setfield(l, LUA_REGISTRYINDEX, SYNTH_KEY.as_ptr());
                lua_pushvalue(l, 3);
                lua_setglobal(l, c"io".as_ptr());
            }
            t if t == LUA_TTABLE as c_int => {
                lua_getfield(l, 2, c"read".as_ptr());
                lua_pushvalue(l, 1);
                if is_ours(l, 3) {
                    lua_getupvalue(l, 3, 2);
                } else {
                    lua_pushvalue(l, 3);
                }
                lua_pushcclosure(l, Some(read_from), 2);
                lua_setfield(l, 2, c"read".as_ptr());
            }
            _ => {
                lua_settop(l, 0);
                return 0;
            }
        }
        installed.set(true);
        lua_settop(l, 0);
        0
    }
}

unsafe fn uninstall(l: *mut lua_State) -> c_int {
    // SAFETY: inside the protected call of remove_read_handler.
    unsafe {
        let io = lua_getglobal(l, c"io".as_ptr());
        lua_getfield(l, LUA_REGISTRYINDEX, SYNTH_KEY.as_ptr());
        if lua_type(l, 2) == LUA_TTABLE as c_int && lua_rawequal(l, 1, 2) != 0 {
            lua_pushnil(l);
            lua_setglobal(l, c"io".as_ptr());
        } else if io == LUA_TTABLE as c_int {
            lua_getfield(l, 1, c"read".as_ptr());
            if is_ours(l, 3) {
                lua_getupvalue(l, 3, 2);
                lua_setfield(l, 1, c"read".as_ptr());
            }
        }
        lua_pushnil(l);
        lua_setfield(l, LUA_REGISTRYINDEX, SYNTH_KEY.as_ptr());
        lua_settop(l, 0);
        0
    }
}

/// Asks the reader (upvalue 1) for the format just pushed; leaves its
/// result (text or nil; a number for `'n'`) on top and says whether it is
/// not nil.
unsafe fn ask(l: *mut lua_State, number: bool) -> bool {
    // SAFETY: called by read_from with the format on top; nothing with a
    // destructor is alive, so the call and the raise may longjmp.
    unsafe {
        lua_pushvalue(l, lua_upvalueindex(1));
        lua_insert(l, -2);
        lua_call(l, 1, 2);
        if lua_type(l, -2) == LUA_TBOOLEAN as c_int {
            // (false, message): the handler failed.
            luaL_where(l, 1);
            lua_pushstring(l, c"io.read handler failed: ".as_ptr());
            lua_pushvalue(l, -3);
            lua_concat(l, 3);
            lua_error(l);
        }
        lua_settop(l, -2);
        match lua_type(l, -1) {
            t if t == LUA_TSTRING as c_int => {
                if number {
                    let s = lua_tolstring(l, -1, std::ptr::null_mut());
                    if lua_stringtonumber(l, s) == 0 {
                        lua_pushnil(l);
                    }
                    lua_replace(l, -2);
                }
                lua_type(l, -1) != LUA_TNIL as c_int
            }
            t if t == LUA_TNIL as c_int => false,
            // Only the reader's upvalue, replaced through the debug library,
            // can give anything else.
            _ => luaL_error(l, c"io.read handler failed: the reader returned neither text nor nil".as_ptr()) != 0,
        }
    }
}

/// `io.read(...)`: each format checked as stock `io.read` checks it, then
/// asked of the reader; results up to the first end of input.
unsafe extern "C" fn read_from(l: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its arguments; every raising call leaves
    // nothing of Rust to drop.
    unsafe {
        let n = lua_native_fast_gettop(l);
        if n == 0 {
            lua_pushstring(l, c"l".as_ptr());
            ask(l, false);
            return 1;
        }
        luaL_checkstack(l, n + LUA_MINSTACK as c_int, c"too many arguments".as_ptr());
        for i in 1..=n {
            let number;
            if lua_type(l, i) == LUA_TNUMBER as c_int {
                let count = luaL_checkinteger(l, i);
                lua_pushinteger(l, count);
                number = false;
            } else {
                let mut p = luaL_checklstring(l, i, std::ptr::null_mut()) as *const u8;
                if *p == b'*' {
                    p = p.add(1);
                }
                let letter = *p;
                if !matches!(letter, b'n' | b'l' | b'L' | b'a') {
                    return luaL_argerror(l, i, c"invalid format".as_ptr());
                }
                lua_pushlstring(l, p as *const std::ffi::c_char, 1);
                number = letter == b'n';
            }
            if !ask(l, number) {
                return i;
            }
        }
        n
    }
}
