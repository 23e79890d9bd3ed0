//! `Table::pairs_iter`: a lazy walk over a table's entries for Rust's
//! `for` loops, on a snapshot of its keys (see `raw::table`): each value is
//! read (raw) and converted only when its turn comes, so the walk may run
//! host code, change the table or stop early without ever confusing `next`.

use std::marker::PhantomData;

use crate::convert::FromLua;
use crate::error::Result;
use crate::raw::stack_value::Kind;
use crate::raw::table::KeySnapshot;
use crate::raw::value::Table;

/// The iterator of [`Table::pairs_iter`]: `Result<(K, V)>` per entry.
#[derive(Debug)]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct TablePairs<K, V> {
    table: Table,
    keys: KeySnapshot,
    next: usize,
    _types: PhantomData<fn() -> (K, V)>,
}

impl Table {
    /// The table's entries, read raw (no `__pairs`, no `__index`), one at a
    /// time: the keys are taken when the iterator is made (in `next`
    /// order), each value when its turn comes. A key removed since is
    /// skipped; a key added since is not visited; a value changed since is
    /// read as it is now. An entry that does not convert is an `Err` and
    /// the walk goes on.
    ///
    /// ```
    /// use lua_core::{Lua, Table, Value};
    /// let lua = Lua::new();
    /// let t: Table = lua.exec("return { a = 1, b = 2, c = 3 }")?;
    /// let mut pairs: Vec<(String, i64)> = t.pairs_iter()?.collect::<lua_core::Result<_>>()?;
    /// pairs.sort();
    /// assert_eq!(pairs, [("a".into(), 1), ("b".into(), 2), ("c".into(), 3)]);
    /// // Emptying the table mid-walk is safe: the rest is skipped.
    /// let mut seen = 0;
    /// for entry in t.pairs_iter::<String, i64>()? {
    ///     entry?;
    ///     seen += 1;
    ///     for k in ["a", "b", "c"] {
    ///         t.raw_set(k, Value::Nil)?;
    ///     }
    /// }
    /// assert_eq!(seen, 1);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn pairs_iter<K: FromLua, V: FromLua>(&self) -> Result<TablePairs<K, V>> {
        let keys = self.registry_ref().lua().snapshot_keys(self.registry_ref())?;
        Ok(TablePairs { table: self.try_clone()?, keys, next: 0, _types: PhantomData })
    }
}

impl<K: FromLua, V: FromLua> Iterator for TablePairs<K, V> {
    type Item = Result<(K, V)>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.next < self.keys.len() {
            let i = self.next;
            self.next += 1;
            let entry = self.keys.entry_with(i, self.table.registry_ref(), |k, v| {
                (v.kind() != Kind::Nil).then(|| Ok((K::from_lua(k)?, V::from_lua(v)?)))
            });
            match entry {
                Ok(None) => continue,
                Ok(Some(item)) => return Some(item),
                Err(e) => {
                    // The state is gone (closed, lent): nothing more to read.
                    self.next = self.keys.len();
                    return Some(Err(e));
                }
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.keys.len() - self.next))
    }
}
