//! `Table::pairs_iter`: a lazy raw walk that survives whatever happens
//! between its steps (the table changing, collections, `__pairs` lying,
//! the state closing) and stops early for free.

use lua_core::{Error, Lua, StdLib, Table, Value};

#[test]
fn walks_every_entry_raw_and_ignores_pairs_metamethods() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let t: Table = lua.exec("return setmetatable({ 10, 20, x = 'y' }, { __pairs = function() error('not called') end, __index = function() error('nor this') end })").unwrap();
    let mut all: Vec<(Value, Value)> = t.pairs_iter().unwrap().collect::<lua_core::Result<_>>().unwrap();
    all.sort_by_key(|(k, _)| format!("{k:?}"));
    assert_eq!(all.len(), 3);
    let empty = lua.create_table().unwrap();
    assert_eq!(empty.pairs_iter::<Value, Value>().unwrap().count(), 0);
}

#[test]
fn changes_between_steps_are_safe() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let t: Table = lua.exec("local t = {} for i = 1, 100 do t['k' .. i] = i end return t").unwrap();
    let mut seen = 0;
    for (i, entry) in t.pairs_iter::<String, i64>().unwrap().enumerate() {
        let (k, v) = entry.unwrap();
        assert_eq!(k, format!("k{v}"));
        seen += 1;
        // Add keys (not visited), remove others (skipped), collect garbage.
        t.raw_set(format!("new{i}"), i as i64).unwrap();
        if i == 10 {
            lua.exec::<()>("collectgarbage()").unwrap();
            for j in 1..=100 {
                if j % 2 == 0 {
                    t.raw_set(format!("k{j}"), Value::Nil).unwrap();
                }
            }
        }
    }
    assert!((50..=61).contains(&seen), "{seen}");
}

#[test]
fn an_entry_that_does_not_convert_is_an_err_and_the_walk_goes_on() {
    let lua = Lua::new();
    let t: Table = lua.exec("return { a = 1, b = 'two', c = 3 }").unwrap();
    let results: Vec<_> = t.pairs_iter::<String, i64>().unwrap().collect();
    assert_eq!(results.len(), 3);
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
}

#[test]
fn a_closed_state_ends_the_walk_with_an_error() {
    let lua = Lua::new();
    let t: Table = lua.exec("return { 1, 2, 3 }").unwrap();
    let mut it = t.pairs_iter::<i64, i64>().unwrap();
    assert!(it.next().unwrap().is_ok());
    lua.close().unwrap();
    assert!(matches!(it.next(), Some(Err(Error::Closed { .. }))));
    assert!(it.next().is_none());
    assert!(matches!(t.pairs_iter::<i64, i64>(), Err(Error::Closed { .. })));
}

#[test]
fn a_state_under_a_memory_limit_fails_to_snapshot_cleanly() {
    let lua = Lua::builder().libraries(StdLib::BASE).memory_limit(4 << 20).build().unwrap();
    let t: Table = lua.exec("local t = {} for i = 1, 60000 do t[i] = i end return t").unwrap();
    lua.set_memory_limit(lua.memory_used() + 1024);
    assert_eq!(t.pairs_iter::<i64, i64>().unwrap_err().code(), "LUA_MEMORY");
    lua.set_memory_limit(0);
    assert_eq!(t.pairs_iter::<i64, i64>().unwrap().count(), 60000);
}
