//! Tables held by reference (EVOLUTION B2, B20, B10): `len_of` with `__len`,
//! `for_each_ipair` as Lua's `ipairs` reads, snapshot walks that host code
//! cannot disturb, and `set_metatable_with` on a table that is no global.

use lua_core::{Kind, Lua, StdLib, Table};

fn base() -> Lua {
    Lua::with_libraries(StdLib::BASE).unwrap()
}

fn table(lua: &Lua, src: &str) -> Table {
    lua.exec::<Table>(src).unwrap()
}

#[test]
fn len_of_runs_len_and_reports_its_errors() {
    let lua = base();
    let plain = table(&lua, "return { 1, 2, 3 }");
    assert_eq!(lua.len_of(plain.registry_ref()).unwrap(), 3);
    let meta = table(&lua, "return setmetatable({}, { __len = function() return 42 end })");
    assert_eq!(lua.len_of(meta.registry_ref()).unwrap(), 42);
    let float = table(&lua, "return setmetatable({}, { __len = function() return 1.5 end })");
    assert_eq!(lua.len_of(float.registry_ref()).unwrap_err().message(), "object length is not an integer");
    let failing = table(&lua, "return setmetatable({}, { __len = function() error('no length', 0) end })");
    let e = lua.len_of(failing.registry_ref()).unwrap_err();
    assert_eq!((e.code(), e.message()), ("LUA_RUNTIME", "no length"));
    assert_eq!(lua.exec::<i64>("return 6 * 7").unwrap(), 42);
}

#[test]
fn for_each_ipair_reads_through_index_until_the_first_nil() {
    let lua = base();
    let t = table(&lua, "return setmetatable({ 'a' }, { __index = function(_, i) if i < 4 then return 'i' .. i end end })");
    let mut seen = Vec::new();
    lua.for_each_ipair(t.registry_ref(), |i, v| {
        seen.push((i, String::from_utf8_lossy(v.as_bytes().unwrap()).into_owned()));
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, [(1, "a".to_string()), (2, "i2".into()), (3, "i3".into())]);
    // An error from `f` ends the walk and is returned as it is.
    let mut n = 0;
    let e = lua.for_each_ipair(t.registry_ref(), |_, _| {
        n += 1;
        Err(lua_core::Error::conversion("stop"))
    });
    assert_eq!((n, e.unwrap_err().message()), (1, "stop"));
}

#[test]
fn an_endless_ipairs_is_stopped_by_the_instruction_limit() {
    let lua = Lua::builder().libraries(StdLib::BASE).instruction_limit(100_000).build().unwrap();
    let t = table(&lua, "return setmetatable({}, { __index = function(_, i) return i end })");
    let mut n = 0u64;
    let e = lua.for_each_ipair(t.registry_ref(), |_, _| {
        n += 1;
        Ok(())
    });
    assert_eq!(e.unwrap_err().code(), "LUA_INSTRUCTION_LIMIT");
    assert!(n > 0 && n < 100_000, "{n} steps");
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2, "the next call has a fresh budget");
}

#[test]
fn snapshots_are_not_disturbed_by_changes_made_during_the_walk() {
    let lua = base();
    let t = table(&lua, "local t = {} for i = 1, 200 do t['k' .. i] = i end return t");
    let mut n = 0;
    lua.for_each_entry_snapshot(t.registry_ref(), |k, v| {
        assert_eq!(k.kind(), Kind::String);
        assert!(v.as_integer().is_some());
        n += 1;
        // Host code that grows and shrinks the table as the walk goes.
        lua.exec::<()>(&format!("T = ...; for i = 1, 5 do T['new{n}_' .. i] = true end")).ok();
        t.raw_set(format!("k{n}"), lua_core::Value::Nil).unwrap();
        t.raw_set(format!("extra{n}"), n).unwrap();
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 200);
    let mut keys = 0;
    lua.for_each_key_snapshot(t.registry_ref(), |_| {
        keys += 1;
        t.raw_set(format!("more{keys}"), 1).unwrap();
        Ok(())
    })
    .unwrap();
    assert!(keys >= 200, "{keys}");
}

#[test]
fn a_key_snapshot_reads_values_lazily_and_skips_removed_keys() {
    let lua = base();
    let t = table(&lua, "return { a = 1, b = 2, c = 3 }");
    let snap = lua.snapshot_keys(t.registry_ref()).unwrap();
    assert_eq!(snap.len(), 3);
    t.raw_set("b", lua_core::Value::Nil).unwrap();
    t.raw_set("d", 4).unwrap();
    t.raw_set("a", 10).unwrap();
    let mut live = Vec::new();
    for i in 0..snap.len() {
        snap.entry_with(i, t.registry_ref(), |k, v| {
            if v.kind() != Kind::Nil {
                live.push((String::from_utf8_lossy(k.as_bytes().unwrap()).into_owned(), v.as_integer().unwrap()));
            }
        })
        .unwrap();
    }
    live.sort();
    assert_eq!(live, [("a".to_string(), 10), ("c".into(), 3)]);
    assert!(snap.entry_with(3, t.registry_ref(), |_, _| ()).is_err());
    let empty = table(&lua, "return {}");
    assert!(lua.snapshot_keys(empty.registry_ref()).unwrap().is_empty());
}

#[test]
fn snapshots_refuse_what_is_not_a_table_and_respect_the_memory_limit() {
    let lua = base();
    let f: lua_core::Function = lua.exec("return function() end").unwrap();
    assert!(lua.snapshot_keys(f.registry_ref()).is_err());
    assert!(lua.for_each_entry_snapshot(f.registry_ref(), |_, _| Ok(())).is_err());
    assert!(lua.set_metatable_with(f.registry_ref(), |s| s.push_nil()).is_err());
    let big = table(&lua, "local t = {} for i = 1, 20000 do t['k' .. i] = i end return t");
    lua.set_memory_limit(lua.memory_used() + 1024);
    let e = lua.for_each_entry_snapshot(big.registry_ref(), |_, _| Ok(())).unwrap_err();
    assert_eq!(e.code(), "LUA_MEMORY");
    lua.set_memory_limit(0);
    let mut n = 0;
    lua.for_each_entry_snapshot(big.registry_ref(), |_, _| {
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 20000);
}

#[test]
fn set_metatable_with_replaces_or_removes_a_metatable() {
    let lua = base();
    let t = table(&lua, "return setmetatable({}, { __metatable = 'locked', __index = function() return 'old' end })");
    lua.set_global("t", t.clone()).unwrap();
    assert_eq!(lua.exec::<String>("return t.x").unwrap(), "old");
    lua.set_metatable_with(t.registry_ref(), |s| {
        s.push_table(0, 1)?;
        s.push_function(|call| {
            call.stack().push_bytes(b"new")?;
            Ok(1)
        })?;
        s.set_field(b"__index")
    })
    .unwrap();
    assert_eq!(lua.exec::<String>("return t.x").unwrap(), "new");
    lua.set_metatable_with(t.registry_ref(), |s| s.push_nil()).unwrap();
    assert_eq!(lua.exec::<Option<String>>("return t.x").unwrap(), None);
    // The closure must push exactly one table or nil.
    assert!(lua.set_metatable_with(t.registry_ref(), |s| s.push_integer(1)).is_err());
    assert!(lua.set_metatable_with(t.registry_ref(), |_| Ok(())).is_err());
}

#[cfg(feature = "host-binding")]
#[test]
fn call_path_with_calls_functions_only() {
    use lua_core::host::split_path;
    let lua = base();
    lua.exec::<()>("function twice(x) return x * 2, 'ok' end; ns = { deep = { f = function() error('boom', 0) end } }; callable = setmetatable({}, { __call = function() return 1 end })").unwrap();
    let got = lua.call_path_with(&[&b"twice"[..]], |s| s.push_integer(21).map(|_| 1), |r| (r.len(), r.get(0).as_integer())).unwrap();
    assert_eq!(got, Some((2, Some(42))));
    let e = lua.call_path_with(&split_path(b"ns.deep.f").unwrap(), |_| Ok(0), |_| ()).unwrap_err();
    assert_eq!((e.code(), e.message()), ("LUA_RUNTIME", "boom"));
    for name in ["callable", "missing", "ns.deep", "ns.nope.f"] {
        assert!(lua.call_path_with(&split_path(name.as_bytes()).unwrap(), |_| Ok(0), |_| ()).unwrap().is_none(), "{name}");
    }
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}
