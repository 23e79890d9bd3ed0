//! EVOLUTION B9 in lua-core: `create_environment` and `exec_in`.

use lua_core::{Lua, StdLib, Table};

#[test]
fn whitelist_copies_shallow_and_skips_unset() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let env = lua.create_environment(&[b"math", b"string", b"no_such_name"], false).unwrap();
    lua.set_global("E", env.clone()).unwrap();
    assert!(lua.exec::<bool>("return E.math == math and E.string == string").unwrap());
    assert!(lua.exec::<bool>("local n = 0 for _ in pairs(E) do n = n + 1 end return n == 2").unwrap());
    assert!(lua.exec_in::<bool>(&env, "return print == nil and math.floor(2.5) == 2").unwrap());
    assert!(lua.exec::<bool>("return getmetatable(E) == nil").unwrap());
}

#[test]
fn whitelist_reads_through_metamethods() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.exec::<()>("setmetatable(_G, { __index = function(_, k) if k == 'virtual' then return 7 end end })").unwrap();
    let env = lua.create_environment(&[b"virtual"], false).unwrap();
    assert_eq!(lua.exec_in::<i64>(&env, "return virtual").unwrap(), 7);
}

#[test]
fn inherit_reads_fall_through_and_writes_shadow() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let env = lua.create_environment(&[], true).unwrap();
    assert_eq!(lua.exec_in::<i64>(&env, "x = 5; return math.max(x, 3)").unwrap(), 5);
    assert_eq!(lua.exec::<Option<i64>>("return x").unwrap(), None);
    lua.set_global("E", env).unwrap();
    assert!(lua.exec::<bool>("local mt = getmetatable(E); return mt.__index == _G and next(mt, next(mt)) == nil").unwrap());
}

#[test]
fn any_table_is_an_environment_and_limits_still_apply() {
    let lua = Lua::builder().libraries(StdLib::ALL).instruction_limit(100_000).build().unwrap();
    let env: Table = lua.exec("return setmetatable({}, { __index = function(t, k) while true do end end })").unwrap();
    let err = lua.exec_in::<()>(&env, "return anything").unwrap_err();
    assert!(!err.message().is_empty());
    // The state still works afterwards.
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}

#[test]
fn chunk_cannot_escape_by_clearing_env() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let env = lua.create_environment(&[b"setmetatable"], false).unwrap();
    let ok: bool = lua.exec_in(&env, "setmetatable(_ENV, { __index = function() return 1 end }); return print == 1").unwrap();
    assert!(ok);
    assert!(lua.exec_in::<()>(&env, "_ENV = nil; return print").is_err());
    assert!(lua.exec::<bool>("return type(print) == 'function'").unwrap());
}

#[test]
fn another_state_table_is_refused() {
    let a = Lua::with_libraries(StdLib::BASE).unwrap();
    let b = Lua::with_libraries(StdLib::BASE).unwrap();
    let env = b.create_environment(&[], false).unwrap();
    assert!(a.exec_in::<()>(&env, "return 1").is_err());
}

#[test]
fn a_reference_that_is_not_a_table_is_refused() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let f: lua_core::Function = lua.exec("return print").unwrap();
    let err = lua.exec_in_with(f.registry_ref(), b"return 1", c"=x", lua_core::ChunkMode::Any, |_| ()).unwrap_err();
    assert_eq!(err.message(), lua_core::NOT_A_TABLE_ENV);
}
