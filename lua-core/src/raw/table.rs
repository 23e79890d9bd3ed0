//! Working on a table the host holds by reference: its length with
//! `__len`, its entries read as `ipairs` reads them, raw snapshots of its
//! keys (and values) for walks that run host code between steps, and
//! replacing its metatable.
//!
//! Why snapshots: a `lua_next` cursor kept open while host code runs (a
//! conversion, a callback, a `__gc` finalizer a collection step runs) sees
//! the table change under it: keys added mid-walk may be visited or not,
//! and a removed key makes `next` raise. A snapshot is taken in one
//! protected traversal that runs no code at all, into a table nothing else
//! can reach; the walk then reads the snapshot.

use std::ffi::c_int;

use lua_sys::*;

use crate::error::{Error, Result};
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::stack::{Stack, NOT_A_TABLE};
use crate::raw::stack_value::{Kind, StackValue};
use crate::raw::value::{RegRef, Table};

/// The keys a table had when [`Lua::snapshot_keys`] took them, in `next`
/// order: the key set of a lazy walk over the table, whose values are read
/// as their turn comes ([`KeySnapshot::entry_with`]).
#[derive(Debug)]
pub struct KeySnapshot {
    keys: Table,
    len: usize,
}

/// Leaves on top of `stack` a new sequence with the raw keys of the table
/// on top (`with_values`: key, value, key, value, ...), replacing the
/// table. The traversal runs protected (the copy allocates) and runs no
/// Lua code: `lua_next`, `lua_rawseti` and `lua_createtable`'s collection
/// step, taken before the traversal starts, are all it does.
fn push_snapshot(stack: &Stack<'_>, with_values: bool) -> Result<usize> {
    if stack.value(-1).kind() != Kind::Table {
        return Err(Error::api(NOT_A_TABLE));
    }
    // SAFETY: the table is argument 1 of the protected call; the closure
    // captures one Copy value and owns nothing, so an error raised by an
    // allocation unwinds through plain frames only. `lua_next` is only given
    // keys it produced, from a table no code changes during the traversal.
    unsafe {
        protect(stack.raw(), 1, 1, move |l| {
            lua_createtable(l, 0, 0);
            let mut n: lua_Integer = 0;
            lua_pushnil(l);
            while lua_next(l, 1) != 0 {
                if with_values {
                    lua_pushvalue(l, -2);
                    lua_rawseti(l, 2, n + 1);
                    lua_rawseti(l, 2, n + 2);
                    n += 2;
                } else {
                    lua_settop(l, -2);
                    lua_pushvalue(l, -1);
                    lua_rawseti(l, 2, n + 1);
                    n += 1;
                }
            }
            1
        })?;
    }
    stack.resync();
    let len = stack.value(-1).raw_len();
    // A walk of a large table from code running in the state is work the
    // script asked for: it counts against the instruction budget.
    crate::raw::limits::charge_host(&stack.lua.rt, len as u64)?;
    Ok(len)
}

impl Lua {
    /// `#value` as Lua's `luaL_len` computes it: `__len` runs (protected), and
    /// a length that is not an integer is an error ("object length is not
    /// an integer").
///
/// ```
/// use lua_core::{Lua, StdLib, Table};
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// let t: Table = lua.exec("return setmetatable({ 1, 2 }, { __len = function() return 10 end })")?;
/// assert_eq!(lua.len_of(t.registry_ref())?, 10);
/// assert_eq!(t.raw_len(), 2);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn len_of(&self, value: &RegRef) -> Result<i64> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(value)?;
            // SAFETY: the value is argument 1; luaL_len may run `__len` and
            // raise, inside the protected call.
            unsafe {
                protect(stack.raw(), 1, 1, |l| {
                    let n = luaL_len(l, 1);
                    lua_pushinteger(l, n);
                    1
                })?;
            }
            Ok(stack.value(-1).as_integer().unwrap_or(0))
        })
    }

    /// Reads `t[1]`, `t[2]`, ... as Lua's `ipairs` does (`__index` runs,
    /// protected) and hands each index and value to `f`, until the first
    /// nil or the first error. The whole walk is one entry into the state,
    /// so the instruction and time limits bound it as one call.
///
/// ```
/// use lua_core::{Lua, Table};
/// let lua = Lua::new();
/// let t: Table = lua.exec("return { 10, 20, nil, 40 }")?;
/// let mut seen = Vec::new();
/// lua.for_each_ipair(t.registry_ref(), |i, v| { seen.push((i, v.as_integer().unwrap())); Ok(()) })?;
/// assert_eq!(seen, [(1, 10), (2, 20)]);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn for_each_ipair(&self, table: &RegRef, mut f: impl FnMut(i64, StackValue<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            let t = stack.top();
            let l = stack.raw();
            let mut i: lua_Integer = 1;
            loop {
                // SAFETY: a copy of the table is argument 1 of the protected
                // read (lua_geti may run `__index` and raise); the closure
                // captures one Copy value. The value read is popped after `f`
                // saw it (`f` gets a view only); a slot is checked first.
                unsafe {
                    if lua_checkstack(l, 1) == 0 {
                        return Err(crate::raw::stack::stack_overflow());
                    }
                    lua_pushvalue(l, t);
                    protect(l, 1, 1, move |l| {
                        lua_geti(l, 1, i);
                        1
                    })?;
                    if lua_type(l, -1) == LUA_TNIL as c_int {
                        return Ok(());
                    }
                    let result = f(i, StackValue::new(l, -1, self));
                    lua_settop(l, t);
                    result?;
                }
                i = i.wrapping_add(1);
            }
        })
    }

    /// Hands every raw key and value of `table` to `f`, in `next` order, from
    /// a snapshot taken first (see the module's note): code that `f` runs
    /// may change the table freely; the walk sees the entries as they were.
///
/// ```
/// use lua_core::{Lua, Table};
/// let lua = Lua::new();
/// let t: Table = lua.exec("return { a = 1 }")?;
/// let mut n = 0;
/// lua.for_each_entry_snapshot(t.registry_ref(), |k, v| {
///     assert_eq!((k.as_bytes(), v.as_integer()), (Some(&b"a"[..]), Some(1)));
///     n += 1;
///     Ok(())
/// })?;
/// assert_eq!(n, 1);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn for_each_entry_snapshot(&self, table: &RegRef, mut f: impl FnMut(StackValue<'_>, StackValue<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            let len = push_snapshot(stack, true)?;
            let (l, s) = (stack.raw(), stack.top());
            for i in (1..=len as lua_Integer).step_by(2) {
                // SAFETY: raw reads of the snapshot (a table made above that
                // only this walk can reach) into slots checked first; both are
                // popped after `f` saw them.
                unsafe {
                    if lua_checkstack(l, 2) == 0 {
                        return Err(crate::raw::stack::stack_overflow());
                    }
                    lua_rawgeti(l, s, i);
                    lua_rawgeti(l, s, i + 1);
                    let result = f(StackValue::new(l, -2, self), StackValue::new(l, -1, self));
                    lua_settop(l, s);
                    result?;
                }
            }
            Ok(())
        })
    }

    /// Hands every raw key of `table` to `f`, in `next` order, from a
    /// snapshot taken first (as [`Lua::for_each_entry_snapshot`], without
    /// the values).
    pub fn for_each_key_snapshot(&self, table: &RegRef, f: impl FnMut(StackValue<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            push_snapshot(stack, false)?;
            stack.value(-1).for_each_item(f)
        })
    }

    /// Takes the raw keys of `table` now, for a walk whose steps come later
    /// (each one a separate call, with host code in between). The snapshot
    /// is anchored in the registry until dropped.
///
/// ```
/// use lua_core::{Lua, Table};
/// let lua = Lua::new();
/// let t: Table = lua.exec("return { a = 1, b = 2 }")?;
/// let keys = lua.snapshot_keys(t.registry_ref())?;
/// assert_eq!(keys.len(), 2);
/// t.raw_set("a", lua_core::Value::Nil)?; // removed before its turn
/// t.raw_set("c", 3)?; // added: not in the snapshot
/// let mut live = Vec::new();
/// for i in 0..keys.len() {
///     keys.entry_with(i, t.registry_ref(), |k, v| {
///         if v.kind() != lua_core::Kind::Nil {
///             live.push(String::from_utf8_lossy(k.as_bytes().unwrap()).into_owned());
///         }
///     })?;
/// }
/// assert_eq!(live, ["b"]);
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn snapshot_keys(&self, table: &RegRef) -> Result<KeySnapshot> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            let len = push_snapshot(stack, false)?;
            Ok(KeySnapshot { keys: Table(stack.value(-1).to_ref()?), len })
        })
    }

    /// Gives `table` the metatable `push_metatable` pushes (a table, or nil
    /// to remove it), replacing any earlier one with a raw set: a
    /// `__metatable` field on the old one does not stop it, as in
    /// [`Lua::set_global_metatable`].
///
/// ```
/// use lua_core::{Lua, StdLib, Table};
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// let t: Table = lua.exec("return {}")?;
/// lua.set_metatable_with(t.registry_ref(), |s| {
///     s.push_table(0, 1)?;
///     s.push_function(|call| { call.stack().push_bytes(b"T")?; Ok(1) })?;
///     s.set_field(b"__tostring")
/// })?;
/// lua.set_global("t", t)?;
/// assert_eq!(lua.exec::<String>("return tostring(t)")?, "T");
/// # Ok::<(), lua_core::Error>(())
/// ```
    pub fn set_metatable_with(&self, table: &RegRef, push_metatable: impl FnOnce(&mut Stack<'_>) -> Result<()>) -> Result<()> {
        self.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            if stack.value(-1).kind() != Kind::Table {
                return Err(Error::api(NOT_A_TABLE));
            }
            push_metatable(stack)?;
            stack.expect_len(2, "set_metatable_with's closure")?;
            if !matches!(stack.value(-1).kind(), Kind::Table | Kind::Nil) {
                return Err(Error::api("a metatable must be a table or nil"));
            }
            // SAFETY: a table at -2 and a table or nil at -1 (checked);
            // lua_setmetatable pops the metatable, neither raising nor
            // allocating.
            stack.with_raw(|l| unsafe { lua_setmetatable(l, -2) });
            Ok(())
        })
    }
}

impl KeySnapshot {
    /// How many keys the snapshot holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table had no keys.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Key `i` (0-based, below [`KeySnapshot::len`]) and the value `table`
    /// holds for it now, read raw, handed to `read` (the value is nil when
    /// the key was removed since the snapshot).
    pub fn entry_with<R>(&self, i: usize, table: &RegRef, read: impl FnOnce(StackValue<'_>, StackValue<'_>) -> R) -> Result<R> {
        if i >= self.len {
            return Err(Error::api("the snapshot has no key at this position"));
        }
        let lua = self.keys.0.lua().clone();
        lua.with_stack(|stack| {
            stack.reserve(4)?;
            stack.push_ref(table)?;
            if stack.value(-1).kind() != Kind::Table {
                return Err(Error::api(NOT_A_TABLE));
            }
            stack.push_ref(&self.keys.0)?;
            let (t, s) = (stack.top() - 1, stack.top());
            // SAFETY: raw reads (never raising) of two tables into slots
            // reserved above; the guard of `with_stack` pops them.
            stack.with_raw(|l| unsafe {
                lua_rawgeti(l, s, i as lua_Integer + 1);
                lua_pushvalue(l, -1);
                lua_rawget(l, t);
            });
            stack.resync();
            Ok(read(stack.value(-2), stack.value(-1)))
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
