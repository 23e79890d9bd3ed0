//! `Table::push`, `Table::pop` and `Table::raw_push`: Lua's `t[#t + 1] = v`
//! and its inverse from Rust, with metamethods that misbehave (raise, yield,
//! loop, lie about the length) and handles that cannot work.

use lua_core::{Error, Lua, Preset, StdLib, Table};

fn base() -> Lua {
    Lua::with_libraries(StdLib::BASE | StdLib::COROUTINE | StdLib::STRING).unwrap()
}

#[test]
fn plain_tables_behave_as_a_stack() {
    let lua = base();
    let t = lua.create_table().unwrap();
    for i in 1..=5 {
        t.push(i * 10).unwrap();
    }
    t.raw_push("six").unwrap();
    assert_eq!(t.len().unwrap(), 6);
    assert_eq!(t.pop::<String>().unwrap(), "six");
    assert_eq!(t.pop::<i64>().unwrap(), 50);
    assert_eq!(t.sequence::<i64>().unwrap(), [10, 20, 30, 40]);
    while t.pop::<Option<i64>>().unwrap().is_some() {}
    assert_eq!((t.len().unwrap(), t.raw_len()), (0, 0));
    assert_eq!(t.pop::<Option<i64>>().unwrap(), None);
    // Pushing nil writes nothing.
    t.push(Option::<i64>::None).unwrap();
    assert_eq!(t.len().unwrap(), 0);
}

#[test]
fn metamethods_run_as_for_lua_code() {
    let lua = base();
    let t: Table = lua
        .exec(
            "store = {} log = {}
             return setmetatable({}, {
               __len = function() return #store end,
               __index = function(_, k) log[#log + 1] = 'get ' .. k return store[k] end,
               __newindex = function(_, k, v) log[#log + 1] = 'set ' .. k .. '=' .. tostring(v) store[k] = v end,
             })",
        )
        .unwrap();
    t.push("a").unwrap();
    t.push("b").unwrap();
    assert_eq!(t.pop::<String>().unwrap(), "b");
    assert_eq!(t.raw_len(), 0);
    let log: Vec<String> = lua.exec::<Table>("return log").unwrap().sequence().unwrap();
    assert_eq!(log, ["set 1=a", "set 2=b", "get 2", "set 2=nil"]);
    // raw_push skips them all.
    t.raw_push("r").unwrap();
    assert_eq!((t.raw_len(), lua.exec::<i64>("return #log").unwrap()), (1, 4));
}

#[test]
fn raising_metamethods_are_returned_and_the_state_stays_usable() {
    let lua = base();
    let t: Table = lua.exec("return setmetatable({}, { __len = function() error('no len') end })").unwrap();
    for e in [t.push(1).unwrap_err(), t.pop::<lua_core::Value>().unwrap_err()] {
        assert_eq!(e.code(), "LUA_RUNTIME");
        assert!(e.message().ends_with("no len"), "{}", e.message());
    }
    let t: Table = lua.exec("return setmetatable({}, { __newindex = function() error({ code = 7 }) end })").unwrap();
    let e = t.push(1).unwrap_err();
    assert_eq!(e.code(), "LUA_RUNTIME");
    let t: Table = lua.exec("return setmetatable({}, { __len = function() return 1.5 end })").unwrap();
    assert_eq!(t.push(1).unwrap_err().message(), "object length is not an integer");
    let t: Table = lua.exec("return setmetatable({}, { __len = function() return 'x' end })").unwrap();
    assert_eq!(t.pop::<lua_core::Value>().unwrap_err().message(), "object length is not an integer");
    // A length at the top of the integers wraps, as Lua's `#t + 1` does.
    let t: Table = lua.exec("wrapped = {} return setmetatable({}, { __len = function() return math and math.maxinteger or 9223372036854775807 end, __newindex = function(_, k) wrapped.k = k end })").unwrap();
    t.push(true).unwrap();
    assert_eq!(lua.exec::<i64>("return wrapped.k").unwrap(), i64::MIN);
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2);
}

#[test]
fn yielding_metamethods_fail_cleanly() {
    let lua = base();
    let t: Table = lua.exec("return setmetatable({}, { __len = function() return coroutine.yield(1) end, __newindex = function() coroutine.yield() end })").unwrap();
    let e = t.push(1).unwrap_err();
    assert!(e.message().contains("yield"), "{}", e.message());
    // Called from a callback inside a coroutine: still no yield across Rust.
    let push = lua.create_function(|_, (t, v): (Table, i64)| t.push(v)).unwrap();
    lua.set_global("push", push).unwrap();
    lua.set_global("t", t).unwrap();
    let (ok, msg): (bool, String) = lua.exec("local co = coroutine.wrap(function() return pcall(push, t, 1) end) return co()").unwrap();
    assert!(!ok && msg.contains("yield"), "{msg}");
    assert_eq!(lua.exec::<i64>("return 3").unwrap(), 3);
}

#[test]
fn a_looping_metamethod_is_stopped_by_the_limit() {
    let lua = Lua::builder().preset(Preset::Safe).instruction_limit(50_000).build().unwrap();
    let t: Table = lua.exec("return setmetatable({}, { __len = function() while true do end end })").unwrap();
    assert_eq!(t.push(1).unwrap_err().code(), "LUA_INSTRUCTION_LIMIT");
    assert_eq!(t.pop::<lua_core::Value>().unwrap_err().code(), "LUA_INSTRUCTION_LIMIT");
    t.raw_push(1).unwrap();
    assert_eq!(t.raw_len(), 1);
}

#[test]
fn a_foreign_value_or_a_closed_state_is_an_error() {
    let a = base();
    let b = base();
    let ta = a.create_table().unwrap();
    let tb = b.create_table().unwrap();
    let e = ta.push(&tb).unwrap_err();
    assert_eq!(e.message(), "the value belongs to another Lua state");
    let e = ta.raw_push(&tb).unwrap_err();
    assert_eq!(e.message(), "the value belongs to another Lua state");
    assert_eq!(ta.raw_len(), 0);
    b.close().unwrap();
    assert!(matches!(tb.push(1), Err(Error::Closed { .. })));
    assert!(matches!(tb.pop::<lua_core::Value>(), Err(Error::Closed { .. })));
    assert!(matches!(tb.raw_push(1), Err(Error::Closed { .. })));
}

#[test]
fn raw_push_refuses_what_is_not_a_table() {
    let lua = base();
    let f: lua_core::Function = lua.exec("return print").unwrap();
    let not_a_table = Table::from_ref(f.into_ref());
    assert_eq!(not_a_table.raw_push(1).unwrap_err().message(), "the target of a raw table access is not a table");
    assert_eq!(not_a_table.push(1).unwrap_err().code(), "LUA_RUNTIME");
}

#[test]
fn pushing_under_a_memory_limit_fails_cleanly() {
    let lua = Lua::builder().libraries(StdLib::BASE).memory_limit(1 << 20).build().unwrap();
    let t = lua.create_table().unwrap();
    let mut failed = None;
    for i in 0..1_000_000 {
        if let Err(e) = t.push(i) {
            failed = Some(e);
            break;
        }
    }
    assert_eq!(failed.expect("the limit stops it").code(), "LUA_MEMORY");
    let n = t.len().unwrap();
    assert_eq!(t.pop::<i64>().unwrap(), n - 1);
    let mut failed = None;
    for i in 0..1_000_000 {
        if let Err(e) = t.raw_push(i) {
            failed = Some(e);
            break;
        }
    }
    assert_eq!(failed.expect("the limit stops it").code(), "LUA_MEMORY");
    drop(t);
    lua.exec::<()>("collectgarbage()").unwrap();
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}
