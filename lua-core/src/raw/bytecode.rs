//! Precompiled chunks: compile without running, dump, and load binary only.

use std::ffi::{c_int, c_void, CStr};

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::{ChunkMode, Lua, Results};
use crate::raw::protect::protect;
use crate::raw::stack_value::StackValue;

impl Lua {
    /// Compiles `source` (not run) named `name` and returns its bytecode;
    /// `strip` leaves out debug information.
///
/// ```
/// let lua = lua_core::Lua::new();
/// let code = lua.compile(b"return 40 + 2", c"=answer", true)?;
/// assert_eq!(&code[..4], b"\x1bLua");
/// let n = lua.exec_bytecode_with(&code, c"answer", |r| r.get(0).as_integer())?;
/// assert_eq!(n, Some(42));
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn compile(&self, source: &[u8], name: &CStr, strip: bool) -> Result<Vec<u8>> {
        self.load_with(source, name, ChunkMode::Any, |f| dump(f, strip))?
    }

    /// Compiles the file at `path` (not run) and returns its bytecode.
    pub fn compile_file(&self, path: &[u8], strip: bool) -> Result<Vec<u8>> {
        self.load_file_with(path, |f| dump(f, strip))?
    }

    /// Runs precompiled bytecode (binary chunks only; source text is refused
    /// with Lua's own `attempt to load a text chunk (mode is 'b')`).
    pub fn exec_bytecode_with<R>(&self, bytecode: &[u8], name: &CStr, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        self.exec_buffer_with(bytecode, name, ChunkMode::Binary, read)
    }
}

/// `lua_dump` of the function `f` into a vector.
fn dump(f: StackValue<'_>, strip: bool) -> Result<Vec<u8>> {
    unsafe extern "C" fn writer(_l: *mut lua_State, p: *const c_void, sz: usize, ud: *mut c_void) -> c_int {
        // Lua ends a dump with an empty write (`p` NULL, `sz` 0): nothing to add.
        if p.is_null() || sz == 0 {
            return 0;
        }
        // SAFETY: `ud` is the Vec passed below; Lua gives `sz` readable bytes at `p`.
        unsafe { (*(ud as *mut Vec<u8>)).extend_from_slice(std::slice::from_raw_parts(p as *const u8, sz)) };
        0
    }
    let mut out: Vec<u8> = Vec::new();
    let sink = &mut out as *mut Vec<u8> as *mut c_void;
    let l = f.state();
    let strip = strip as c_int;
    // SAFETY: lua_dump allocates (its string table) so it runs protected,
    // with a copy of the function as argument 1. The writer only appends to
    // the vector, which lives in this frame, outside the protected call; if
    // the dump fails halfway the partial bytes are discarded.
    unsafe {
        lua_pushvalue(l, f.index());
        protect(l, 1, 0, move |l| {
            lua_dump(l, Some(writer), sink, strip);
            0
        })?;
    }
    Ok(out)
}
