//! The raw side of the chunk builder (`Lua::load`): one chunk loaded by the
//! same door as every host load (`Lua::load_buffer`, so the bytecode rules
//! and the sandbox hold alike), given a table as its `_ENV` if asked, and
//! either run with arguments in one host call or anchored as a function.

use std::ffi::{c_int, CStr};

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::env::NOT_A_TABLE_ENV;
use crate::raw::lua::{ChunkMode, Lua, Results};
use crate::raw::occupancy::Entry;
use crate::raw::runtime::StackGuard;
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;
use crate::raw::value::{Function, RegRef};

impl Lua {
    /// Loads `bytes` as a chunk named `name`, makes `env` its `_ENV` if
    /// given, calls it with the arguments `push_args` pushes (it returns how
    /// many) and hands the results to `read`: one host call, with limits and
    /// tracebacks as every call from the host has.
    pub(crate) fn run_chunk<R>(
        &self,
        bytes: &[u8],
        name: &CStr,
        mode: ChunkMode,
        env: Option<&RegRef>,
        push_args: impl FnOnce(&mut Stack<'_>) -> Result<usize>,
        read: impl FnOnce(Results<'_>) -> R,
    ) -> Result<R> {
        self.run(
            |stack| {
                self.load_buffer(stack.raw(), bytes, name, mode)?;
                // The chunk is the stack's: `run` counts the arguments above it.
                stack.resync();
                if let Some(env) = env {
                    self.set_chunk_env(stack, env)?;
                }
                push_args(stack).map(|_| ())
            },
            -1,
            read,
        )
    }

    /// Loads `bytes` as a chunk named `name` (with `env` as its `_ENV` if
    /// given) without running it.
    pub(crate) fn load_chunk(&self, bytes: &[u8], name: &CStr, mode: ChunkMode, env: Option<&RegRef>) -> Result<Function> {
        // Compiling runs collection steps, which can run finalizers: an
        // entry like any other.
        let _entry = Entry::new(&self.rt)?;
        let l = self.rt.main();
        // SAFETY: the guard restores the stack, whatever happens below.
        let _guard = unsafe { StackGuard::new(l) };
        self.load_buffer(l, bytes, name, mode)?;
        if let Some(env) = env {
            self.set_chunk_env(&Stack::new(l, self), env)?;
        }
        StackValue::new(l, -1, self).to_ref().map(Function)
    }

    /// Makes the table `env` the first upvalue (`_ENV`) of the chunk on top
    /// of `l`. A chunk with no upvalue (a dumped function may have none)
    /// keeps none.
    pub(crate) fn set_chunk_env(&self, stack: &Stack<'_>, env: &RegRef) -> Result<()> {
        stack.push_ref(env)?;
        let l = stack.raw();
        // SAFETY: the chunk is below the value just pushed (in a slot
        // `push_ref` made); lua_type and lua_setupvalue neither allocate nor
        // raise. What lua_setupvalue does not take is popped.
        let set = unsafe {
            if lua_type(l, -1) != LUA_TTABLE as c_int {
                lua_settop(l, -2);
                Err(Error::api(NOT_A_TABLE_ENV))
            } else {
                if lua_setupvalue(l, -2, 1).is_null() {
                    lua_settop(l, -2);
                }
                Ok(())
            }
        };
        stack.resync();
        set
    }
}
