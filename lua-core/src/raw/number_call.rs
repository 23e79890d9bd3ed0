//! A call from the host whose arguments are all numbers, the commonest
//! crossing of a rules or plugin engine (`add(i, 1)` from JavaScript): the
//! handler, the function and the arguments go onto the stack and the
//! protected call is made in one call into C, with no per-argument layers
//! between (issue 18). What it does is exactly what `call_with` does with
//! the same numbers pushed by `Stack::push_converted_number`.
//!
//! When the function returns exactly one number (`add`'s answer), the same
//! call into C also reads it and puts the stack back
//! ([`Lua::call_numbers_or_number`]): the host gets the number by value,
//! with no stack view and no second call into C.

use std::ffi::c_int;

use lua_sys::*;

use crate::error::Result;
use crate::raw::lua::{Lua, Results};
use crate::raw::occupancy::Entry;
use crate::raw::runtime::{traceback_handler, StackGuard};
use crate::raw::value::Function;

/// A number a call returned, with Lua's subtype: an integer or a float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer (`math.type` "integer").
    Integer(i64),
    /// A float (`math.type` "float").
    Float(f64),
}

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
        self.number_call::<false, R>(f, args, |_| unreachable!("no shortcut was asked for"), read)
    }

    /// [`call_numbers`](Lua::call_numbers), except that when `f` returns
    /// exactly one number it is handed to `number` instead of `read`,
    /// by value: read and popped in the same step as the call. `number`
    /// runs once the call is over (the state is no longer entered for it);
    /// `read` gets every other outcome, as `call_numbers` gives it.
    ///
    /// ```
    /// use lua_core::Number;
    /// let lua = lua_core::Lua::with_libraries(lua_core::StdLib::ALL)?;
    /// let f: lua_core::Function = lua.exec("return function(a, b) if b == 0 then return 'none' end return a / b end")?;
    /// let got = |b| lua.call_numbers_or_number(&f, &[3.0, b], |n| format!("{n:?}"), |r| format!("{} result(s)", r.len()));
    /// assert_eq!(got(2.0)?, "Float(1.5)");
    /// assert_eq!(got(0.0)?, "1 result(s)");
    /// let add: lua_core::Function = lua.exec("return function(a, b) return a + b end")?;
    /// assert_eq!(lua.call_numbers_or_number(&add, &[2.0, 3.0], Some, |_| None)?, Some(Number::Integer(5)));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    #[inline]
    pub fn call_numbers_or_number<R>(&self, f: &Function, args: &[f64], number: impl FnOnce(Number) -> R, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        self.number_call::<true, R>(f, args, number, read)
    }

    /// Both of the above; `ONE`: whether a single number result takes the
    /// shortcut to `number`.
    #[inline(always)]
    fn number_call<const ONE: bool, R>(&self, f: &Function, args: &[f64], number: impl FnOnce(Number) -> R, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        f.0.check_pushable(self)?;
        let entry = Entry::framed(&self.rt)?;
        // What `push_converted_number` charges, for all of them at once.
        crate::raw::limits::charge_host(&self.rt, args.len() as u64)?;
        let l = self.rt.main();
        // Only the outermost entry gives the base frame's room back (as
        // `run_function`).
        let trim = !self.rt.occupancy().is_nested();
        self.rt.clear_traceback();
        let nargs = c_int::try_from(args.len()).map_err(|_| crate::raw::stack::stack_overflow())?;
        let mut call = lua_native_ncall { args: args.as_ptr(), nargs, one: ONE as c_int, trim: trim as c_int, top: 0, after: 0, i: 0, n: 0.0 };
        // SAFETY: `l` is the main thread of this open state, entered above;
        // `f` was checked to be a live handle of it. The C side makes room
        // before pushing (nothing is pushed when it cannot) and calls
        // protected, so nothing raises through here; after a single number
        // it has put the stack back itself.
        let status = unsafe { lua_native_call_numbers(l, Some(traceback_handler), f.0.id(), &mut call) };
        let n = match status as u32 {
            LUA_NATIVE_ONE_INTEGER if ONE => Number::Integer(call.i),
            LUA_NATIVE_ONE_FLOAT if ONE => Number::Float(call.n),
            // SAFETY: `call` is what the C side reported for this call on `l`.
            _ => return unsafe { self.numbers_called(entry, l, status, &call, read) },
        };
        if let Some(kind) = self.rt.limits().tripped() {
            // The script caught the limit's error and returned normally;
            // the call still failed.
            return Err(kind.cold_error());
        }
        drop(entry);
        Ok(number(n))
    }

    /// What a call with number arguments comes to when its outcome is not
    /// one number the C side read: the error, or the results on the stack
    /// handed to `read`; the stack is put back after.
    ///
    /// # Safety
    /// `l` is the main thread, `status` and `call` what
    /// `lua_native_call_numbers` returned and reported on it.
    #[inline(never)]
    unsafe fn numbers_called<R>(&self, entry: Entry<'_>, l: *mut lua_State, status: c_int, call: &lua_native_ncall, read: impl FnOnce(Results<'_>) -> R) -> Result<R> {
        if status < 0 {
            return Err(crate::raw::stack::stack_overflow());
        }
        // SAFETY: the caller's contract: the guard restores the stack
        // whatever the call left on it.
        unsafe {
            let guard = StackGuard::at(l, call.top);
            let outcome = self.called(l, status, call.top + 1, call.after, read);
            guard.finish(call.trim != 0);
            drop(entry);
            outcome
        }
    }
}
