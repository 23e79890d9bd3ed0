//! Table operations that can run Lua code (`__len`) or that reach the
//! registry's own slots (the globals table): the raw primitives behind the
//! safe `Table` API.

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;
use crate::raw::value::RegRef;

impl Lua {
    /// `#table` with `__len`, read by `read` while it is on the stack. Runs
    /// protected: a `__len` that raises is an error, never a longjmp.
    pub fn length_with<R>(&self, table: &RegRef, read: impl FnOnce(StackValue<'_>) -> R) -> Result<R> {
        self.with_stack(|stack| {
            stack.reserve(3)?;
            stack.push_ref(table)?;
            // SAFETY: the value is argument 1 of the protected call, which
            // leaves one result (the length) in its place.
            unsafe {
                protect(stack.raw(), 1, 1, |l| {
                    lua_len(l, 1);
                    1
                })?;
            }
            Ok(read(stack.value(-1)))
        })
    }
}

impl Stack<'_> {
    /// Pushes the globals table (`_G` as the registry holds it, whatever a
    /// script did to the global named `_G`).
    pub fn push_globals(&self) -> Result<()> {
        self.reserve(1)?;
        // SAFETY: a registry read never raises or allocates; one slot was
        // made. The stack counts the value as its own again (with_raw).
        self.with_raw(|l| unsafe { lua_rawgeti(l, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS as lua_Integer) });
        Ok(())
    }
}
