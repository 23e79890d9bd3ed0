//! `Lua::load`: the chunk builder's names, environments, modes and
//! finishers, and what a hostile or misused chunk gets (another state's
//! table, a closed state, the bytecode doors, limits, re-entry).

use std::cell::Cell;
use std::rc::Rc;

use lua_core::{ChunkMode, Error, Function, Lua, MultiValue, Preset, StdLib, Table, BYTECODE_DENIED};

fn base() -> Lua {
    Lua::with_libraries(StdLib::BASE | StdLib::STRING).unwrap()
}

#[test]
fn names_follow_lua_rules_as_exec_named_does() {
    let lua = base();
    let msg = |chunk: lua_core::Chunk<'_>| chunk.exec().unwrap_err().message().to_string();
    assert_eq!(msg(lua.load("error('x')")), "[string \"error('x')\"]:1: x");
    assert_eq!(msg(lua.load("error('x')").set_name("@dir/f.lua")), "dir/f.lua:1: x");
    assert_eq!(msg(lua.load("error('x')").set_name("=verbatim")), "verbatim:1: x");
    assert_eq!(msg(lua.load("error('x')").set_name("plain")), "[string \"plain\"]:1: x");
    // A name stops at a NUL; the source runs whole.
    assert_eq!(msg(lua.load("error('x')").set_name("=cut\0rest")), "cut:1: x");
    for name in ["@script.lua", "=raw", "mine"] {
        let via_exec = lua.exec_named::<()>("\nerror('boom')", name).unwrap_err();
        let via_load = lua.load("\nerror('boom')").set_name(name).exec().unwrap_err();
        assert_eq!(via_exec.message(), via_load.message());
    }
    // The source named by itself, as exec names it, for every finisher.
    assert_eq!(lua.exec::<()>("error('y')").unwrap_err().message(), msg(lua.load("error('y')")));
    let e = lua.load("error('y')").eval::<()>().unwrap_err();
    assert_eq!(e.message(), "[string \"error('y')\"]:1: y");
    let e = lua.load("error('y')").into_function().unwrap().call::<()>(()).unwrap_err();
    assert_eq!(e.message(), "[string \"error('y')\"]:1: y");
}

#[test]
fn every_source_form_loads() {
    let lua = Lua::new();
    let s = String::from("return 1");
    let v = b"return 2".to_vec();
    assert_eq!(lua.load("return 0").eval::<i64>().unwrap(), 0);
    assert_eq!(lua.load(&s).eval::<i64>().unwrap(), 1);
    assert_eq!(lua.load(s).eval::<i64>().unwrap(), 1);
    assert_eq!(lua.load(&v).eval::<i64>().unwrap(), 2);
    assert_eq!(lua.load(&v[..]).eval::<i64>().unwrap(), 2);
    assert_eq!(lua.load(v).eval::<i64>().unwrap(), 2);
    assert_eq!(lua.load(b"return 3").eval::<i64>().unwrap(), 3);
    // NULs inside the source run (as exec does): the string holds one.
    assert_eq!(lua.load("return #'a\0b'").eval::<i64>().unwrap(), 3);
}

#[test]
fn eval_takes_an_expression_else_statements_and_runs_once() {
    let lua = base();
    lua.exec::<()>("n = 0 function bump() n = n + 1 return n end").unwrap();
    assert_eq!(lua.load("bump()").eval::<i64>().unwrap(), 1);
    assert_eq!(lua.load("n = n + 10").eval::<Option<i64>>().unwrap(), None);
    assert_eq!(lua.get_global::<i64>("n").unwrap(), 11);
    assert_eq!(lua.load("local a = bump() return a, 'x'").eval::<(i64, String)>().unwrap(), (12, "x".into()));
    assert_eq!(lua.load("1, 2, 3").eval::<MultiValue>().unwrap().0.len(), 3);
    // A syntax error is the chunk's own, not the expression attempt's.
    let e = lua.load("x = = 1").eval::<()>().unwrap_err();
    assert_eq!(e.code(), "LUA_SYNTAX");
    assert_eq!(e.message(), lua.exec::<()>("x = = 1").unwrap_err().message());
    // exec and call run statements only: an expression is a syntax error.
    assert_eq!(lua.load("1 + 1").exec().unwrap_err().code(), "LUA_SYNTAX");
}

#[test]
fn call_passes_arguments_and_into_function_compiles_only() {
    let lua = base();
    let r: (i64, String) = lua.load("local a, b = ... return a * 2, b:upper()").call((21, "x")).unwrap();
    assert_eq!(r, (42, "X".into()));
    lua.exec::<()>("ran = false").unwrap();
    let f: Function = lua.load("ran = true return select('#', ...)").into_function().unwrap();
    assert!(!lua.get_global::<bool>("ran").unwrap());
    assert_eq!(f.call::<i64>((1, 2, 3)).unwrap(), 3);
    assert!(lua.get_global::<bool>("ran").unwrap());
    assert_eq!(lua.load("return +").into_function().unwrap_err().code(), "LUA_SYNTAX");
}

#[test]
fn an_environment_is_the_chunks_globals_for_every_finisher() {
    let lua = base();
    let env: Table = lua.exec("return { x = 1 }").unwrap();
    lua.load("y = x + 1").set_environment(&env).exec().unwrap();
    assert_eq!(lua.load("x + y").set_environment(&env).eval::<i64>().unwrap(), 3);
    assert_eq!(lua.load("return (...) + x").set_environment(&env).call::<i64>(10).unwrap(), 11);
    let f = lua.load("z = x * 100").set_environment(&env).into_function().unwrap();
    f.call::<()>(()).unwrap();
    assert_eq!(env.get::<_, i64>("z").unwrap(), 100);
    assert_eq!(lua.exec::<Option<i64>>("return y or z").unwrap(), None);
    // The chunk holds its own anchor: the caller's handle may go first.
    let chunk = lua.load("return x").set_environment(&env);
    drop(env);
    assert_eq!(chunk.eval::<i64>().unwrap(), 1);
}

#[test]
fn another_states_table_or_a_closed_state_is_an_error_not_a_crash() {
    let lua = base();
    let other = base();
    let foreign: Table = other.exec("return { x = 1 }").unwrap();
    for e in [
        lua.load("return x").set_environment(&foreign).exec().unwrap_err(),
        lua.load("return x").set_environment(&foreign).eval::<()>().unwrap_err(),
        lua.load("return x").set_environment(&foreign).call::<()>(()).unwrap_err(),
        lua.load("return x").set_environment(&foreign).into_function().unwrap_err(),
    ] {
        assert_eq!((e.code(), e.message()), ("LUA_API", "the value belongs to another Lua state"));
    }
    let env = lua.create_table().unwrap();
    let chunk = lua.load("return 1").set_environment(&env);
    drop(env);
    lua.close().unwrap();
    assert!(matches!(chunk.exec(), Err(Error::Closed { .. })));
    assert!(matches!(lua.load("return 1").eval::<i64>(), Err(Error::Closed { .. })));
    assert!(matches!(lua.load("return 1").into_function(), Err(Error::Closed { .. })));
    // A table of a state closed since: the environment cannot be held.
    let env = other.create_table().unwrap();
    other.close().unwrap();
    assert!(matches!(other.load("return 1").set_environment(&env).exec(), Err(Error::Closed { .. })));
}

#[test]
fn modes_and_the_bytecode_doors_hold_for_chunks() {
    let lua = Lua::new();
    let code = lua.compile(b"return 7", c"=seven", false).unwrap();
    assert_eq!(lua.load(&code).eval::<i64>().unwrap(), 7);
    assert_eq!(lua.load(&code).set_mode(ChunkMode::Binary).call::<i64>(()).unwrap(), 7);
    let e = lua.load(&code).set_mode(ChunkMode::Text).exec().unwrap_err();
    assert!(e.message().contains("attempt to load a binary chunk (mode is 't')"), "{}", e.message());
    let e = lua.load("return 1").set_mode(ChunkMode::Binary).eval::<i64>().unwrap_err();
    assert!(e.message().contains("attempt to load a text chunk (mode is 'b')"), "{}", e.message());

    // No bytecode: every finisher reads text only, and Binary is refused.
    let denied = Lua::builder().allow_bytecode(false).build().unwrap();
    for e in [
        denied.load(&code).exec().unwrap_err(),
        denied.load(&code).eval::<()>().unwrap_err(),
        denied.load(&code).into_function().unwrap_err(),
    ] {
        assert!(e.message().contains("attempt to load a binary chunk (mode is 't')"), "{}", e.message());
    }
    for e in [denied.load(&code).set_mode(ChunkMode::Binary).exec().unwrap_err(), denied.load("return 1").set_mode(ChunkMode::Binary).into_function().unwrap_err()] {
        assert_eq!(e.message(), BYTECODE_DENIED);
    }
    // The sandbox preset denies bytecode by default; an explicit yes opens
    // the host's door (chunks are the host's door), never the scripts'.
    let sandbox = Lua::builder().preset(Preset::Sandbox).build().unwrap();
    assert!(sandbox.load(&code).exec().is_err());
    let opened = Lua::builder().preset(Preset::Sandbox).allow_bytecode(true).build().unwrap();
    assert_eq!(opened.load(&code).eval::<i64>().unwrap(), 7);
    opened.set_global("BIN", code.as_slice()).unwrap();
    let msg: String = opened.load("select(2, load(BIN))").eval().unwrap();
    assert_eq!(msg, "attempt to load a binary chunk (mode is 't')");
}

#[test]
fn limits_bound_a_chunk_and_the_state_stays_usable() {
    let lua = Lua::builder().preset(Preset::Safe).instruction_limit(100_000).build().unwrap();
    for e in [lua.load("while true do end").exec().unwrap_err(), lua.load("(function() while true do end end)()").eval::<()>().unwrap_err()] {
        assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT");
    }
    let f = lua.load("while true do end").into_function().unwrap();
    assert_eq!(f.call::<()>(()).unwrap_err().code(), "LUA_INSTRUCTION_LIMIT");
    assert_eq!(lua.load("1 + 1").eval::<i64>().unwrap(), 2);
    let lua = Lua::builder().memory_limit(2 << 20).build().unwrap();
    let e = lua.load("local t = {} for i = 1, 1e7 do t[i] = i end").exec().unwrap_err();
    assert_eq!(e.code(), "LUA_MEMORY");
    assert_eq!(lua.load("40 + 2").eval::<i64>().unwrap(), 42);
}

#[test]
fn a_chunk_loaded_from_inside_a_callback_runs_nested() {
    let lua = base();
    let depth = Rc::new(Cell::new(0));
    let seen = depth.clone();
    let run = lua
        .create_function(move |lua, src: String| {
            seen.set(seen.get() + 1);
            lua.load(src).set_name("=inner").eval::<MultiValue>()
        })
        .unwrap();
    lua.set_global("run", run).unwrap();
    assert_eq!(lua.load("run('run(\"6 * 7\")')").eval::<i64>().unwrap(), 42);
    assert_eq!(depth.get(), 2);
    let e = lua.load("run('error(\"deep\")')").exec().unwrap_err();
    assert!(e.message().contains("inner:1: deep"), "{}", e.message());
    // A script cannot close the state under the chunk.
    let close = lua.create_function(|lua, ()| Ok(lua.close().unwrap_err().code())).unwrap();
    lua.set_global("try_close", close).unwrap();
    assert_eq!(lua.load("try_close()").eval::<String>().unwrap(), "LUA_BUSY");
}

#[test]
fn a_chunk_that_yields_at_top_level_fails_cleanly() {
    let lua = Lua::with_libraries(StdLib::BASE | StdLib::COROUTINE).unwrap();
    let e = lua.load("coroutine.yield(1)").exec().unwrap_err();
    assert!(e.message().contains("outside a coroutine"), "{}", e.message());
    assert_eq!(lua.load("1").eval::<i64>().unwrap(), 1);
}

#[test]
fn an_environment_whose_metamethods_raise_or_yield_fails_cleanly() {
    let lua = Lua::with_libraries(StdLib::BASE | StdLib::COROUTINE).unwrap();
    let raising: Table = lua.exec("return setmetatable({}, { __index = function(_, k) error('no global ' .. k) end, __newindex = function() error('read-only') end })").unwrap();
    let e = lua.load("return missing").set_environment(&raising).eval::<()>().unwrap_err();
    assert!(e.message().ends_with("no global missing"), "{}", e.message());
    let e = lua.load("x = 1").set_environment(&raising).exec().unwrap_err();
    assert!(e.message().ends_with("read-only"), "{}", e.message());
    let yielding: Table = lua.exec("return setmetatable({}, { __index = function() return coroutine.yield() end })").unwrap();
    let e = lua.load("return anything").set_environment(&yielding).eval::<()>().unwrap_err();
    assert!(e.message().contains("outside a coroutine"), "{}", e.message());
    // Inside a coroutine, the chunk's function yields like any Lua function.
    let f = lua.load("return anything").set_environment(&yielding).into_function().unwrap();
    lua.set_global("f", f).unwrap();
    let (a, b): (bool, String) = lua.exec("local co = coroutine.create(f) local _, first = coroutine.resume(co) return coroutine.resume(co, 'resumed')").unwrap();
    assert!(a);
    assert_eq!(b, "resumed");
    assert_eq!(lua.load("1").eval::<i64>().unwrap(), 1);
}
