//! Building tables on a [`Stack`]: a new table, and raw stores and reads
//! into one the stack pushed. Each checks that its target is a table (a
//! raw access on anything else is undefined in Lua's C API) and runs
//! protected whenever Lua could raise (a limit that may refuse growth, a
//! key that may be nil or NaN, a presize the system may refuse).

use std::ffi::c_int;

use lua_sys::*;

use super::{stack_overflow, Stack, NOT_A_TABLE};
use crate::error::{Error, Result};
use crate::raw::protect::protect;

impl Stack<'_> {
    /// Pushes a new table with room for `narr` array items and `nrec` fields.
    pub fn push_table(&self, narr: usize, nrec: usize) -> Result<()> {
        self.slot()?;
        let (narr, nrec) = (narr.min(i32::MAX as usize) as c_int, nrec.min(i32::MAX as usize) as c_int);
        // A big presize can be refused by the system itself (a JS array's
        // length can say 2^32 - 1 with two items in it), so it runs
        // protected whatever the limits.
        let big = narr > (1 << 16) || nrec > (1 << 16);
        // SAFETY: as push_bytes.
        let result = unsafe {
            if self.guarded() || big {
                protect(self.l, 0, 1, move |l| {
                    lua_createtable(l, narr, nrec);
                    1
                })
            } else {
                lua_createtable(self.l, narr, nrec);
                Ok(())
            }
        };
        self.pushed(result)
    }

    /// With a table at -2 and a value at -1 (both pushed on this stack):
    /// `table[index] = value` (raw), and pops the value.
    pub fn set_index(&mut self, index: i64) -> Result<()> {
        self.operands(2)?;
        // SAFETY: both operands are this stack's (checked above); the target
        // is checked to be a table (a raw set on anything else is undefined
        // in Lua's C API); the protected form passes a copy of it as
        // argument 1 so the closure can address it, in the slot the value
        // will free.
        let result = unsafe {
            if lua_native_fast_type(self.l, -2) != LUA_TTABLE as c_int {
                lua_settop(self.l, -2);
                self.resync();
                return Err(Error::api(NOT_A_TABLE));
            }
            if self.guarded() {
                if lua_checkstack(self.l, 1) == 0 {
                    return Err(stack_overflow());
                }
                lua_pushvalue(self.l, -2);
                lua_rotate(self.l, -2, 1);
                protect(self.l, 2, 0, move |l| {
                    lua_rawseti(l, 1, index);
                    0
                })
            } else {
                lua_rawseti(self.l, -2, index);
                Ok(())
            }
        };
        self.resync();
        result
    }

    /// With a table at -3, a key at -2 and a value at -1 (all pushed on this
    /// stack): `table[key] = value` (raw), and pops key and value. A nil or
    /// NaN key is an error.
    pub fn set_entry(&mut self) -> Result<()> {
        self.operands(3)?;
        // SAFETY: as set_index; a nil/NaN key raises, so it always runs
        // protected when the key could be one.
        let result = unsafe {
            if lua_native_fast_type(self.l, -3) != LUA_TTABLE as c_int {
                lua_settop(self.l, -3);
                self.resync();
                return Err(Error::api(NOT_A_TABLE));
            }
            let key_type = lua_type(self.l, -2);
            let key_safe = key_type == LUA_TSTRING as c_int || key_type == LUA_TBOOLEAN as c_int || key_type == LUA_TTABLE as c_int;
            if self.guarded() || !key_safe {
                if lua_checkstack(self.l, 1) == 0 {
                    return Err(stack_overflow());
                }
                lua_pushvalue(self.l, -3);
                lua_rotate(self.l, -3, 1);
                protect(self.l, 3, 0, |l| {
                    lua_rawset(l, 1);
                    0
                })
            } else {
                lua_rawset(self.l, -3);
                Ok(())
            }
        };
        self.resync();
        result
    }

    /// With a table at -2 and a value at -1 (both pushed on this stack):
    /// `table[name] = value` (raw).
    pub fn set_field(&mut self, name: &[u8]) -> Result<()> {
        self.operands(2)?;
        self.push_bytes(name)?;
        // SAFETY: rotating the three slots this stack pushed never fails.
        unsafe { lua_rotate(self.l, -2, 1) };
        self.set_entry()
    }

    /// With a table at -2 and a key at -1 (both pushed on this stack):
    /// replaces the key with `table[key]`, read without metamethods.
    pub fn raw_get(&mut self) -> Result<()> {
        self.operands(2)?;
        // SAFETY: both operands are this stack's (checked above); lua_rawget
        // on a table (checked: a registry slot can be replaced from Lua
        // through the debug library) never raises or allocates, and leaves
        // the count of values as it was.
        unsafe {
            if lua_native_fast_type(self.l, -2) != LUA_TTABLE as c_int {
                return Err(Error::api(NOT_A_TABLE));
            }
            lua_rawget(self.l, -2);
        }
        Ok(())
    }
}
