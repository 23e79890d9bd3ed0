//! A call from the host whose arguments are all numbers, the commonest
//! crossing of a rules or plugin engine (`add(i, 1)` from JavaScript): the
//! handler, the function and the arguments go onto the stack and the
//! protected call is made in one call into C, with no per-argument layers
//! between (issue 18). What it does is exactly what `call_with` does with
//! the same numbers pushed by `Stack::push_converted_number`.

use std::ffi::c_int;

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::{Lua, Results};
use crate::raw::occupancy::Entry;
use crate::raw::runtime::{traceback_handler, StackGuard};
use crate::raw::value::Function;

impl Lua {
    /// Calls `f` with `args`, numbers that carry no integer/float
    /// distinction (JavaScript's), each passed as
    /// [`Stack::push_number_normalized`](crate::Stack::push_number_normalized)
    /// would push it, and hands the results to `read`. The same call as
    /// [`call_with`](Lua::call_with) pushing them one by one, in one step.
    ///
    /// ```
    /// let lua = lua_core::Lua::with_libraries(lua_core::StdLib::ALL)?;
    /// let add: lua_core::Function = lua.exec("return function(a, b) return a + b, math.type(a), math.type(b) end")?;
    /// let (sum, ta, tb) = lua.call_numbers(&add, &[2.0, 0.5], |r| {
    ///     (r.get(0).as_number(), r.get(1).as_bytes().map(<[u8]>::to_vec), r.get(2).as_bytes().map(<[u8]>::to_vec))
    /// })?;
    /// assert_eq!(sum, Some(2.5));
    /// assert_eq!((ta.as_deref(), tb.as_deref()), (Some(&b"integer"[..]), Some(&b"float"[..])));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    #[inline]
    pub fn call_numbers<R>(&self, f: &Function, args: &[f64], read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        f.0.check_pushable(self)?;
        let _entry = Entry::framed(&self.rt)?;
        // What `push_converted_number` charges, for all of them at once.
        crate::raw::limits::charge_host(&self.rt, args.len() as u64)?;
        let l = self.rt.main();
        // Only the outermost entry gives the base frame's room back (as
        // `run_function`).
        let trim = !self.rt.occupancy().is_nested();
        self.rt.clear_traceback();
        let nargs = c_int::try_from(args.len()).map_err(|_| crate::raw::stack::stack_overflow())?;
        let (mut top, mut after) = (0, 0);
        // SAFETY: `l` is the main thread of this open state, entered above;
        // `f` was checked to be a live handle of it. The C side makes room
        // before pushing (nothing is pushed when it cannot) and calls
        // protected, so nothing raises through here; the guard restores the
        // stack whatever the call did.
        unsafe {
            let status = lua_native_call_numbers(l, Some(traceback_handler), f.0.id(), args.as_ptr(), nargs, &mut top, &mut after);
            if status < 0 {
                return Err(crate::raw::stack::stack_overflow());
            }
            let guard = StackGuard::at(l, top);
            let outcome = self.called(l, status, top + 1, after, read);
            guard.finish(trim);
            outcome
        }
    }
}
