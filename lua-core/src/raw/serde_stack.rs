//! Every raw `lua_sys` call of the serde module, each behind a small safe
//! helper. The deserializer reads tables in place on the stack, and these
//! are the steps it needs: where the top is, dropping what it pushed, raw
//! reads, and `lua_next` walks.
//!
//! What keeps them sound (a later safe layer has to keep it too):
//! * `value` / `table` is a live [`StackValue`], and `table` is a table
//!   (the deserializer checks [`Kind::Table`](crate::Kind::Table) first);
//! * a helper that pushes uses the slots that the deserializer's `enter`
//!   reserved for this table's level (see `Stack::enter`); nothing here
//!   grows the stack, and Lua does not check a push past the reserved space;
//! * `lua_next` raises (a `longjmp` through Rust) for a key that is not in
//!   the table, so it is only ever given nil, the key it produced, or a key
//!   checked to be still there.

use std::ffi::c_int;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::stack_value::StackValue;
use crate::raw::visit::{key_still_present, TABLE_CHANGED};

/// The index of the top value of `value`'s stack frame.
pub(crate) fn top(value: StackValue<'_>) -> c_int {
    // SAFETY: reading the top never fails.
    unsafe { lua_native_fast_gettop(value.state()) }
}

/// Drops everything above `top` (values the deserializer pushed); never
/// raises the top.
pub(crate) fn restore(value: StackValue<'_>, top: c_int) {
    let l = value.state();
    // SAFETY: only lowers the top (to `top`, or not at all if it is already
    // there or below), so it pushes nothing, and nothing to close: no slot is
    // ever marked to-be-closed here.
    unsafe { lua_settop(l, top.min(lua_native_fast_gettop(l))) }
}

/// Pushes nil: the key that starts a raw traversal.
pub(crate) fn push_first_key(table: StackValue<'_>) {
    // SAFETY: the first key of a traversal; the slot was reserved by `enter`.
    unsafe { lua_pushnil(table.state()) }
}

/// Pushes `table[i]`, read raw (no metamethods).
pub(crate) fn push_item(table: StackValue<'_>, i: usize) {
    // SAFETY: a raw read (never raises or allocates) into the slot the
    // table's `enter` reserved.
    unsafe { lua_rawgeti(table.state(), table.index(), i as lua_Integer) };
}

/// If every key of the table is a positive integer: how many keys there
/// are and the largest (0 for an empty table). `None` at the first other
/// key. Leaves the stack as it was.
pub(crate) fn positive_integer_keys(table: StackValue<'_>) -> Option<(u64, i64)> {
    let (l, t) = (table.state(), table.index());
    let (mut count, mut max): (u64, lua_Integer) = (0, 0);
    // SAFETY: a raw traversal with two slots reserved by `enter`; lua_next
    // only ever gets the key it produced, so it cannot raise.
    unsafe {
        lua_pushnil(l);
        while lua_next(l, t) != 0 {
            lua_settop(l, -2);
            let k = if lua_isinteger(l, -1) != 0 { lua_tointegerx(l, -1, std::ptr::null_mut()) } else { 0 };
            if k < 1 {
                lua_settop(l, -2);
                return None;
            }
            count += 1;
            max = max.max(k);
        }
    }
    Some((count, max))
}

/// Pushes the table's first entry (key, then value), and its second entry
/// above that if there is one; returns how many entries were pushed (0, 1
/// or 2), so 1 means the table has exactly one.
pub(crate) fn push_first_entries(table: StackValue<'_>) -> usize {
    let (l, t) = (table.state(), table.index());
    // SAFETY: a raw traversal in the slots `enter` reserved (key,
    // value, a copy of the key, then lua_next's pair in its
    // place). lua_next only gets keys it produced, so it cannot
    // raise.
    unsafe {
        let top = lua_native_fast_gettop(l);
        lua_pushnil(l);
        if lua_next(l, t) == 0 {
            0
        } else {
            lua_pushvalue(l, top + 1);
            if lua_next(l, t) == 0 {
                1
            } else {
                2
            }
        }
    }
}

/// One step of a raw traversal whose key sits at `key`: drops whatever is
/// above the key, then replaces it with the next entry's key and pushes
/// that entry's value, passing over non-string keys if `strings_only`.
/// `Ok(false)` at the end (the key is then popped too), an error if the key
/// has left the table. `key` is at or below the top.
pub(crate) fn next_entry(table: StackValue<'_>, key: c_int, strings_only: bool) -> Result<bool> {
    let (l, t) = (table.state(), table.index());
    // SAFETY: the stack is cut back to the traversal key (dropping a value
    // nobody read), so lua_next gets exactly the key it produced last,
    // checked to be still in the table, and cannot raise; it has the
    // slots the table's `enter` reserved (the check uses one of them).
    unsafe {
        lua_settop(l, key);
        // Deserializing the last entry may have run host code that
        // changed the table; lua_next would raise for a key now gone.
        if lua_type(l, key) != LUA_TNIL as c_int && !key_still_present(l, t) {
            return Err(Error::conversion(TABLE_CHANGED));
        }
        loop {
            if lua_next(l, t) == 0 {
                return Ok(false);
            }
            if !strings_only || lua_type(l, key) == LUA_TSTRING as c_int {
                return Ok(true);
            }
            lua_settop(l, key);
        }
    }
}
