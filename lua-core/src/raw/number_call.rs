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
use crate::raw::number::normalized_integer;
use crate::raw::occupancy::Entry;
use crate::raw::runtime::{traceback_handler, StackGuard};
use crate::raw::value::Function;

/// The most arguments the one-call path takes (one bit each in the mask
/// that says which are integers); longer lists go the general way.
const MAX_ARGS: usize = 8;

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
        if args.len() > MAX_ARGS {
            return self.call_with(
                f,
                |stack| {
                    for &n in args {
                        stack.push_converted_number(0, n)?;
                    }
                    Ok(args.len())
                },
                read,
            );
        }
        f.0.check_pushable(self)?;
        let _entry = Entry::framed(&self.rt)?;
        // What `push_converted_number` charges, for all of them at once.
        crate::raw::limits::charge_host(&self.rt, args.len() as u64)?;
        let (mut bits, mut ints) = ([0i64; MAX_ARGS], 0u32);
        for (k, &n) in args.iter().enumerate() {
            match normalized_integer(n) {
                Some(i) => {
                    bits[k] = i;
                    ints |= 1 << k;
                }
                None => bits[k] = n.to_bits() as i64,
            }
        }
        let l = self.rt.main();
        // Only the outermost entry gives the base frame's room back (as
        // `run_function`).
        let trim = !self.rt.occupancy().is_nested();
        self.rt.clear_traceback();
        let (mut top, mut after) = (0, 0);
        // SAFETY: `l` is the main thread of this open state, entered above;
        // `f` was checked to be a live handle of it. The C side makes room
        // before pushing (nothing is pushed when it cannot) and calls
        // protected, so nothing raises through here; the guard restores the
        // stack whatever the call did.
        unsafe {
            let status = lua_native_call_numbers(l, Some(traceback_handler), f.0.id(), bits.as_ptr(), ints, args.len() as c_int, &mut top, &mut after);
            if status < 0 {
                return Err(crate::Error::runtime("stack overflow (cannot grow the Lua stack)"));
            }
            let guard = StackGuard::at(l, top);
            let outcome = self.called(l, status, top + 1, after, read);
            guard.finish(trim);
            outcome
        }
    }
}
