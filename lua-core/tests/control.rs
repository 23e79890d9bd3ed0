//! Operational control from Rust: the collector, dotted paths, closing a
//! state, and what a closed state and its handles do afterwards.
#![cfg(feature = "host-binding")]

use lua_core::{Error, Function, GcCommand, GcParam, GcResult, Lua, StdLib};
use lua_core::host::split_path;

#[test]
fn gc_commands_follow_lua_5_5() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    assert_eq!(lua.gc(GcCommand::IsRunning).unwrap(), GcResult::Bool(true));
    lua.gc(GcCommand::Stop).unwrap();
    assert_eq!(lua.gc(GcCommand::IsRunning).unwrap(), GcResult::Bool(false));
    lua.exec::<()>("for i = 1, 1000 do local t = {} end").unwrap();
    let GcResult::Count(before) = lua.gc(GcCommand::Count).unwrap() else { panic!("count") };
    lua.gc(GcCommand::Collect).unwrap();
    let GcResult::Count(after) = lua.gc(GcCommand::Count).unwrap() else { panic!("count") };
    assert!(after < before, "{after} < {before}");
    lua.gc(GcCommand::Restart).unwrap();
    assert_eq!(lua.gc(GcCommand::Generational).unwrap(), GcResult::Mode("incremental"));
    assert_eq!(lua.gc(GcCommand::Incremental).unwrap(), GcResult::Mode("generational"));
    let GcResult::Number(pause) = lua.gc(GcCommand::Param(GcParam::Pause, None)).unwrap() else { panic!("param") };
    assert_eq!(lua.gc(GcCommand::Param(GcParam::Pause, Some(300))).unwrap(), GcResult::Number(pause));
    assert_eq!(lua.gc(GcCommand::Param(GcParam::Pause, None)).unwrap(), GcResult::Number(300));
    assert!(lua.gc(GcCommand::Param(GcParam::StepMul, Some(100_001))).is_err());
    assert!(matches!(lua.gc(GcCommand::Step(0)).unwrap(), GcResult::Bool(_)));
    // The collector's count and the allocator's figure agree closely when nothing is pending.
    let GcResult::Count(kb) = lua.gc(GcCommand::Count).unwrap() else { panic!("count") };
    assert!(kb * 1024.0 <= lua.memory_used() as f64 + 1.0);
}

#[test]
fn gc_works_on_a_bare_state_and_stays_within_a_memory_limit_while_stopped() {
    let lua = Lua::builder().memory_limit(256 * 1024).build().unwrap();
    lua.gc(GcCommand::Stop).unwrap();
    let e = lua.exec::<()>("local t = {} for i = 1, 1e6 do t[i] = {} end").unwrap_err();
    assert_eq!(e.code(), "LUA_MEMORY");
    lua.gc(GcCommand::Restart).unwrap();
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}

#[test]
fn dotted_paths_create_tables_and_read_nil_hops_as_nil() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    lua.set_path_with(&split_path(b"a.b.c").unwrap(), |s| {
        s.push_integer(42)?;
        Ok(())
    })
    .unwrap();
    assert_eq!(lua.exec::<i64>("return a.b.c").unwrap(), 42);
    assert_eq!(lua.get_path_with(&split_path(b"a.b.c").unwrap(), |v| v.as_integer()).unwrap(), Some(42));
    assert_eq!(lua.get_path_with(&split_path(b"a.x.y").unwrap(), |v| v.kind().name()).unwrap(), "nil");
    lua.exec::<()>("n = 5").unwrap();
    let e = lua.set_path_with(&split_path(b"n.x").unwrap(), |s| {
        s.push_integer(1)?;
        Ok(())
    });
    assert_eq!(e.unwrap_err().message(), "cannot set global path: intermediate 'n' is a number, not a table");
    assert!(split_path(b"a..b").is_err());
    assert!(split_path(b".a").is_err());
    assert!(split_path(b"a.").is_err());
}

#[test]
fn a_closed_state_refuses_everything_and_its_handles_too() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let f: Function = lua.exec("return function() return 1 end").unwrap();
    lua.exec::<()>("closed_flag = setmetatable({}, {__gc = function() end})").unwrap();
    lua.close().unwrap();
    assert!(lua.is_closed());
    assert!(matches!(lua.exec::<()>("return 1").unwrap_err(), Error::Closed { .. }));
    assert_eq!(lua.set_global("x", 1).unwrap_err().code(), "LUA_DISPOSED");
    assert_eq!(f.call::<i64>(()).unwrap_err().code(), "LUA_DISPOSED");
    assert!(lua.gc(GcCommand::Count).is_err());
    drop(f); // dropping a handle of a closed state is fine
    lua.close().unwrap(); // and closing twice is a no-op
}

#[test]
fn is_executing_is_true_only_inside_calls() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    assert!(!lua.is_executing());
    let probe = lua.create_function(|lua, _: lua_core::MultiValue| Ok(lua.is_executing())).unwrap();
    lua.set_global("probe", probe).unwrap();
    assert!(lua.exec::<bool>("return probe()").unwrap());
    assert!(!lua.is_executing());
}
