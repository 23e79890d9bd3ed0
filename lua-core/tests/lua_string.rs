//! `LuaString`: Lua's bytes read in place, kept alive by the handle, never
//! freed under a borrow (a collection, a script dropping the anchor, a
//! close), converted both ways and usable as a typed argument.

use std::collections::HashSet;

use lua_core::{Error, Lua, LuaString, StdLib, Table, Value};

fn base() -> Lua {
    Lua::with_libraries(StdLib::BASE | StdLib::STRING | StdLib::TABLE).unwrap()
}

#[test]
// The hash and equality read the bytes only, which never change; the lint
// sees the state handle inside.
#[allow(clippy::mutable_key_type)]
fn reads_compares_and_formats() {
    let lua = base();
    let s: LuaString = lua.exec("return 'héllo'").unwrap();
    assert_eq!(s, "héllo");
    assert_eq!(s, *"héllo");
    assert_eq!(s, String::from("héllo"));
    assert_eq!(s, "héllo".as_bytes());
    assert_eq!(s.len(), 6);
    assert!(!s.is_empty());
    assert_eq!(s.to_str().unwrap(), "héllo");
    assert_eq!(format!("{s}"), "héllo");
    assert_eq!(format!("{s:?}"), "\"héllo\"");
    let raw: LuaString = lua.exec("return 'a\\255b\\0c'").unwrap();
    assert_eq!(raw, b"a\xffb\0c");
    assert_eq!(raw.to_str().unwrap_err().code(), "LUA_CONVERSION");
    assert_eq!(raw.to_string_lossy(), "a\u{fffd}b\0c");
    assert_eq!(format!("{raw:?}"), "b\"a\\xffb\\x00c\"");
    let empty: LuaString = lua.exec("return ''").unwrap();
    assert!(empty.is_empty());
    // Numbers are coerced to their text, as Lua's tostring writes them.
    let n: LuaString = lua.exec("return 42").unwrap();
    let f: LuaString = lua.exec("return 0.5").unwrap();
    assert_eq!((n.to_str().unwrap(), f.to_str().unwrap()), ("42", "0.5"));
    let e = lua.exec::<LuaString>("return {}").unwrap_err();
    assert_eq!((e.code(), e.message()), ("LUA_CONVERSION", "expected string, got table"));
    assert_eq!(lua.exec::<Option<LuaString>>("return nil").unwrap(), None);
    let set: HashSet<LuaString> = lua.exec::<Vec<LuaString>>("return { 'a', 'b', 'a' }").unwrap().into_iter().collect();
    assert_eq!(set.len(), 2);
}

#[test]
fn a_typed_argument_reads_in_place_and_names_a_bad_one() {
    let lua = base();
    let f = lua.create_function(|_, (a, b): (LuaString, Option<LuaString>)| Ok(a.len() + b.map_or(0, |b| b.len()))).unwrap();
    lua.set_global("f", f).unwrap();
    assert_eq!(lua.exec::<usize>("return f(('x'):rep(1000), 'yz')").unwrap(), 1002);
    assert_eq!(lua.exec::<usize>("return f(12345)").unwrap(), 5);
    let e = lua.exec::<()>("f({})").unwrap_err();
    assert!(e.message().contains("bad argument #1 to 'f' (string expected, got table)"), "{}", e.message());
    let e = lua.exec::<()>("f('a', true)").unwrap_err();
    assert!(e.message().contains("bad argument #2 to 'f' (string expected, got boolean)"), "{}", e.message());
    // Returned as it is: the same string goes back (no copy to compare).
    let id = lua.create_function(|_, s: LuaString| Ok(s)).unwrap();
    lua.set_global("id", id).unwrap();
    assert!(lua.exec::<bool>("local s = ('q'):rep(100) return rawequal(id(s), s)").unwrap());
}

#[test]
fn the_bytes_outlive_every_lua_reference_and_collections() {
    let lua = base();
    let kept: Vec<LuaString> = (0..200).map(|i| lua.exec(&format!("s = ('{i}-'):rep(50) return s")).unwrap()).collect();
    lua.exec::<()>("s = nil for i = 1, 3 do local junk = {} for j = 1, 1e4 do junk[j] = ('z'):rep(j % 64) .. j end end collectgarbage() collectgarbage()").unwrap();
    for (i, s) in kept.iter().enumerate() {
        assert_eq!(s.as_bytes(), format!("{i}-").repeat(50).as_bytes());
    }
    // Clones anchor again: the original may go first.
    let one = kept[7].clone();
    drop(kept);
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    assert_eq!(one, "7-".repeat(50).as_str());
}

#[test]
fn a_script_that_drops_registry_anchors_cannot_free_the_bytes() {
    // With the debug library a script reaches the registry; the handle
    // copies there, so clearing every string from the registry is harmless.
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let s: LuaString = lua.exec("return ('secret'):rep(10)").unwrap();
    lua.exec::<()>("local r = debug.getregistry() for k, v in pairs(r) do if type(v) == 'string' then r[k] = nil end end collectgarbage() collectgarbage()").unwrap();
    assert_eq!(s, "secret".repeat(10).as_str());
    // And a state with such a string can still be closed.
    lua.close().unwrap();
    assert_eq!(s.len(), 60);
}

#[test]
fn close_is_refused_while_a_string_borrows_the_state() {
    let lua = base();
    let s: LuaString = lua.exec("return 'x'").unwrap();
    let t = s.clone();
    let e = lua.close().unwrap_err();
    assert_eq!(e.code(), "LUA_BUSY");
    assert!(e.message().contains("LuaString"), "{}", e.message());
    assert!(!lua.is_closed());
    drop(s);
    assert_eq!(lua.close().unwrap_err().code(), "LUA_BUSY");
    assert_eq!(t, "x");
    drop(t);
    lua.close().unwrap();
    assert!(lua.is_closed());
    // A closed state makes no string.
    assert!(matches!(lua.create_string("x"), Err(Error::Closed { .. })));
}

#[test]
fn into_another_state_the_bytes_are_copied() {
    let a = base();
    let b = base();
    let s = a.create_string("from a").unwrap();
    b.set_global("s", &s).unwrap();
    assert_eq!(b.exec::<String>("return s .. '!'").unwrap(), "from a!");
    let t: Table = b.exec("return {}").unwrap();
    t.set(s.clone(), 1).unwrap();
    assert_eq!(t.get::<_, i64>("from a").unwrap(), 1);
    // The value form reads the same bytes.
    assert_eq!(a.exec::<Value>("return 'v'").unwrap().as_str(), Some("v"));
    drop((s, t));
    a.close().unwrap();
}

#[test]
fn making_strings_under_a_memory_limit_fails_cleanly() {
    let lua = Lua::builder().libraries(StdLib::BASE | StdLib::STRING).memory_limit(1 << 20).build().unwrap();
    let e = lua.create_string(vec![b'x'; 4 << 20]).unwrap_err();
    assert_eq!(e.code(), "LUA_MEMORY");
    let s = lua.create_string(vec![b'y'; 1 << 10]).unwrap();
    assert_eq!(s.len(), 1024);
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}
