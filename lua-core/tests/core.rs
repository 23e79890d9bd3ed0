//! lua-core end to end: the runtime pointer, protected calls, callbacks that
//! fail or panic, values both ways, and the allocator under a limit.
#![cfg(feature = "host-binding")]

use lua_core::{Error, Function, Lua, LuaOptions, MultiValue, StdLib, Table, Value};

fn lua_all() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

#[test]
fn runtime_pointer_is_in_the_registry_and_found_by_callbacks() {
    let lua = Lua::new();
    let from_registry = lua.registry_runtime_pointer();
    assert!(!from_registry.is_null());
    assert_eq!(from_registry, lua.callback_runtime_pointer());
    // A second state has its own.
    let other = Lua::new();
    assert_ne!(other.registry_runtime_pointer(), from_registry);
    // Coroutines inherit the pointer: a callback called from inside one still works.
    let lua = lua_all();
    let seen = lua.create_function(|lua, _args: lua_core::MultiValue| Ok(lua.memory_used() as i64)).unwrap();
    lua.set_global("seen", seen).unwrap();
    let used: i64 = lua.exec("local co = coroutine.wrap(function() return seen() end) return co()").unwrap();
    assert!(used > 0);
}

#[test]
fn bare_state_has_no_libraries() {
    let lua = Lua::new();
    assert_eq!(lua.exec::<i64>("return 1 + 2").unwrap(), 3);
    let err = lua.exec::<()>("print('x')").unwrap_err();
    assert_eq!(err.message(), "[string \"print('x')\"]:1: attempt to call a nil value (global 'print')");
    assert_eq!(err.code(), "LUA_RUNTIME");
}

#[test]
fn syntax_and_runtime_errors_keep_lua_messages() {
    let lua = lua_all();
    let e = lua.exec::<()>("return +").unwrap_err();
    assert!(matches!(e, Error::Syntax { .. }));
    assert_eq!(e.message(), "[string \"return +\"]:1: unexpected symbol near '+'");
    let e = lua.exec::<()>("local x = 1\nerror('boom')").unwrap_err();
    assert_eq!(e.message(), "[string \"local x = 1...\"]:2: boom");
    assert!(e.traceback().unwrap().contains("stack traceback"));
    assert_eq!(lua.exec::<()>("error(42)").unwrap_err().message(), "42");
    assert_eq!(lua.exec::<()>("error(4.5)").unwrap_err().message(), "4.5");
    assert_eq!(lua.exec::<()>("error()").unwrap_err().message(), "<no error object>");
    assert_eq!(lua.exec::<()>("error({})").unwrap_err().message(), "(error object is a table value)");
    assert_eq!(lua.exec::<()>("error(true)").unwrap_err().message(), "(error object is a boolean value)");
    let e = lua.exec::<()>("error(setmetatable({}, {__tostring = function() return 'custom' end}))").unwrap_err();
    assert_eq!(e.message(), "custom");
    // A __tostring that itself fails falls back to the type.
    let e = lua.exec::<()>("error(setmetatable({}, {__tostring = function() error('no') end}))").unwrap_err();
    assert_eq!(e.message(), "(error object is a table value)");
    // The state keeps working.
    assert_eq!(lua.exec::<i64>("return 7").unwrap(), 7);
}

#[test]
fn rust_callback_errors_become_catchable_lua_errors() {
    let lua = lua_all();
    let f = lua.create_function(|_, _args: lua_core::MultiValue| -> Result<(), Error> { Err(Error::runtime("denied")) }).unwrap();
    lua.set_global("f", f).unwrap();
    let (ok, msg): (bool, String) = {
        let r: MultiValue = lua.exec("return pcall(f)").unwrap();
        (r.0[0] == Value::Boolean(true), r.0[1].as_str().unwrap().to_string())
    };
    assert!(!ok);
    assert_eq!(msg, "denied");
    // Uncaught, it reaches the host with the same text.
    assert_eq!(lua.exec::<()>("f()").unwrap_err().message(), "denied");
}

#[test]
fn rust_callback_panics_become_catchable_lua_errors() {
    let lua = lua_all();
    let f = lua.create_function(|_, _args: lua_core::MultiValue| -> Result<(), Error> { panic!("kaboom") }).unwrap();
    lua.set_global("f", f).unwrap();
    let r: MultiValue = lua.exec("return pcall(f)").unwrap();
    assert_eq!(r.0[0], Value::Boolean(false));
    assert_eq!(r.0[1].as_str().unwrap(), "Rust callback panicked: kaboom");
    // And the state is fine afterwards.
    assert_eq!(lua.exec::<i64>("return 40 + 2").unwrap(), 42);
}

#[test]
fn callbacks_receive_and_return_values() {
    let lua = lua_all();
    let add = lua
        .create_function(|_, args: lua_core::MultiValue| {
            let sum: i64 = args.0.iter().filter_map(Value::as_integer).sum();
            Ok(sum)
        })
        .unwrap();
    lua.set_global("add", add).unwrap();
    assert_eq!(lua.exec::<i64>("return add(2, 3, 4)").unwrap(), 9);
    let pair = lua.create_function(|_, _: lua_core::MultiValue| Ok((1, "two"))).unwrap();
    lua.set_global("pair", pair).unwrap();
    assert_eq!(lua.exec::<i64>("return select('#', pair())").unwrap(), 2);
    // Re-entrancy: a callback may run Lua on the same state.
    let inner = lua.create_function(|lua, _: lua_core::MultiValue| lua.exec::<i64>("return 40 + 2")).unwrap();
    lua.set_global("inner", inner).unwrap();
    assert_eq!(lua.exec::<i64>("return inner()").unwrap(), 42);
}

#[test]
fn values_both_ways() {
    let lua = lua_all();
    lua.set_global("i", i64::MAX).unwrap();
    lua.set_global("f", 1.5).unwrap();
    lua.set_global("s", "h\u{e9}llo\0x").unwrap();
    lua.set_global("b", true).unwrap();
    lua.set_global("v", vec![10, 20, 30]).unwrap();
    let mut m = std::collections::HashMap::new();
    m.insert("k".to_string(), 5);
    lua.set_global("m", m).unwrap();
    assert!(lua.exec::<bool>("return i == math.maxinteger and math.type(i) == 'integer'").unwrap());
    assert!(lua.exec::<bool>("return math.type(f) == 'float' and #s == 8 and b and #v == 3 and m.k == 5").unwrap());
    assert_eq!(lua.get_global::<i64>("i").unwrap(), i64::MAX);
    assert_eq!(lua.get_global::<String>("s").unwrap(), "h\u{e9}llo\0x");
    assert_eq!(lua.get_global::<Vec<i64>>("v").unwrap(), vec![10, 20, 30]);
    assert_eq!(lua.get_global::<Option<i64>>("missing").unwrap(), None);
    let t: Table = lua.exec("return {x = 1, 'a'}").unwrap();
    assert_eq!(t.raw_get::<_, i64>("x").unwrap(), 1);
    assert_eq!(t.raw_len(), 1);
    let f: Function = lua.exec("return function(a, b) return a * b, a + b end").unwrap();
    let r: MultiValue = f.call((6, 7)).unwrap();
    assert_eq!(r.0, vec![Value::Integer(42), Value::Integer(13)]);
    // A handle from one state is refused by another.
    let other = Lua::new();
    assert!(other.set_global("t", t).is_err());
}

#[test]
fn memory_limit_is_an_ordinary_error_and_the_state_survives() {
    let lua = Lua::with_options(LuaOptions { libraries: StdLib::ALL, memory_limit: 1 << 20, ..Default::default() }).unwrap();
    assert!(lua.memory_used() > 0);
    let e = lua.exec::<()>("local s = string.rep('x', 1 << 24)").unwrap_err();
    assert_eq!(e.code(), "LUA_MEMORY");
    assert_eq!(e.message(), "not enough memory");
    let e = lua.exec::<()>("local t = {} for i = 1, 1e7 do t[i] = i end").unwrap_err();
    assert!(e.message().contains("not enough memory"));
    assert_eq!(lua.exec::<i64>("return 42").unwrap(), 42);
    assert!(lua.memory_used() <= lua.memory_limit());
    // Host-side allocations fail cleanly too.
    let big = "y".repeat(2 << 20);
    assert_eq!(lua.set_global("big", big.as_str()).unwrap_err().code(), "LUA_MEMORY");
    assert_eq!(lua.set_global("v", vec![1u8; 1 << 20]).unwrap_err().code(), "LUA_MEMORY");
    assert_eq!(lua.exec::<i64>("return 43").unwrap(), 43);
}

#[test]
fn a_limit_too_small_for_the_libraries_fails_construction_cleanly() {
    let r = Lua::with_options(LuaOptions { libraries: StdLib::ALL, memory_limit: 4096, ..Default::default() });
    assert_eq!(r.unwrap_err().code(), "LUA_MEMORY");
}

#[test]
fn files_run_with_their_path_as_chunk_name() {
    let dir = std::env::temp_dir().join(format!("lua-core-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("err.lua");
    std::fs::write(&path, "#!/usr/bin/lua\nlocal x = 1\nerror('in file')").unwrap();
    let lua = lua_all();
    let e = lua.exec_file::<()>(path.to_str().unwrap()).unwrap_err();
    assert_eq!(e.message(), format!("{}:3: in file", path.display()));
    let e = lua.exec_file::<()>("/nonexistent/nope.lua").unwrap_err();
    assert_eq!(e.code(), "LUA_FILE");
    assert_eq!(e.message(), "cannot open /nonexistent/nope.lua: No such file or directory");
    assert_eq!(lua.exec_file::<()>("").unwrap_err().message(), "File path cannot be empty");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn handles_keep_the_state_alive() {
    let f: Function = {
        let lua = Lua::new();
        lua.exec("local n = 0 return function() n = n + 1 return n end").unwrap()
    };
    assert_eq!(f.call::<i64>(()).unwrap(), 1);
    assert_eq!(f.call::<i64>(()).unwrap(), 2);
}

fn limited(max_instructions: u64, timeout_ms: u64) -> Lua {
    Lua::with_options(LuaOptions {
        libraries: StdLib::ALL,
        max_instructions,
        timeout: (timeout_ms > 0).then(|| std::time::Duration::from_millis(timeout_ms)),
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn instruction_limit_stops_loops_and_cannot_be_caught_for_good() {
    let lua = limited(100_000, 0);
    let e = lua.exec::<()>("while true do end").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT");
    assert!(e.message().ends_with("instruction limit exceeded"), "{}", e.message());
    // pcall in a loop cannot swallow it.
    let e = lua.exec::<()>("while true do pcall(function() while true do end end) end").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT");
    // Nor xpcall with a handler, nor a coroutine.
    let e = lua.exec::<()>("while true do xpcall(function() while true do end end, function(m) return m end) end").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT");
    let e = lua.exec::<()>("while true do coroutine.resume(coroutine.create(function() while true do end end)) end").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT");
    // The budget is per call: small work still runs afterwards.
    assert_eq!(lua.exec::<i64>("local s = 0 for i = 1, 100 do s = s + i end return s").unwrap(), 5050);
}

#[test]
fn timeout_stops_loops_and_pattern_matching() {
    let lua = limited(0, 100);
    let start = std::time::Instant::now();
    let e = lua.exec::<()>("while true do end").unwrap_err();
    assert_eq!(e.code(), "LUA_TIMEOUT");
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    let start = std::time::Instant::now();
    let e = lua.exec::<()>("return string.find(string.rep('a', 10000), '.-.-.-.-b')").unwrap_err();
    assert_eq!(e.code(), "LUA_TIMEOUT", "{}", e.message());
    assert!(start.elapsed() < std::time::Duration::from_secs(2), "took {:?}", start.elapsed());
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}

#[test]
fn coroutines_made_before_a_limit_are_still_limited() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.exec::<()>("co = coroutine.create(function() while true do end end)").unwrap();
    lua.set_instruction_limit(50_000);
    let e = lua.exec::<()>("local ok, msg = coroutine.resume(co) return ok, msg");
    // Resumed from Lua, the error comes back to the script as `false, msg`,
    // but the trip keeps raising until the host call ends.
    assert_eq!(e.unwrap_err().code(), "LUA_INSTRUCTION_LIMIT");
}

#[test]
fn debug_hook_sees_lines_and_never_disables_limits() {
    let lua = limited(100_000, 0);
    let lines = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = lines.clone();
    lua.set_hook(
        std::rc::Rc::new(move |_lua: &Lua, ev: &lua_core::HookEvent<'_>| seen.borrow_mut().push((ev.kind.name(), ev.line))),
        lua_core::HookMask { line: true, ..Default::default() },
    );
    lua.exec::<()>("local a = 1\nlocal b = 2\nlocal c = 3").unwrap();
    assert_eq!(*lines.borrow(), vec![("line", 1), ("line", 2), ("line", 3)]);
    lua.remove_hook();
    assert_eq!(lua.exec::<()>("while true do end").unwrap_err().code(), "LUA_INSTRUCTION_LIMIT");
}

#[test]
fn timeout_stops_a_quadratic_plain_find() {
    let lua = limited(0, 100);
    let start = std::time::Instant::now();
    let e = lua.exec::<()>("local s = string.rep('a', 4e6) return string.find(s, string.rep('a', 2e6) .. 'b', 1, true)").unwrap_err();
    assert_eq!(e.code(), "LUA_TIMEOUT", "{}", e.message());
    assert!(start.elapsed() < std::time::Duration::from_secs(2), "took {:?}", start.elapsed());
    // Ordinary plain finds still work.
    assert_eq!(lua.exec::<i64>("return (string.find('hello world', 'o w', 1, true))").unwrap(), 5);
}

#[test]
fn limits_reach_message_handlers_and_finalizers() {
    let lua = limited(1_000_000, 300);
    for script in [
        "xpcall(error, function() while true do end end)",
        "xpcall(function() while true do end end, function() while true do end end)",
        "setmetatable({}, {__gc = function() while true do end end}) collectgarbage() while true do end",
        "do local x <close> = setmetatable({}, {__close = function() while true do end end}) end",
    ] {
        let start = std::time::Instant::now();
        let e = lua.exec::<()>(script).unwrap_err();
        assert!(matches!(e.code(), "LUA_INSTRUCTION_LIMIT" | "LUA_TIMEOUT"), "{script}: {}", e.message());
        assert!(start.elapsed() < std::time::Duration::from_secs(3), "{script} took {:?}", start.elapsed());
        assert_eq!(lua.exec::<i64>("return 2").unwrap(), 2);
    }
    // A finalizer that loops, collected later by an ordinary call, is stopped too.
    let lua = limited(1_000_000, 300);
    lua.exec::<()>("setmetatable({}, {__gc = function() while true do end end})").unwrap();
    let start = std::time::Instant::now();
    let _ = lua.exec::<()>("collectgarbage()");
    assert!(start.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(lua.exec::<i64>("return 3").unwrap(), 3);
}

#[test]
fn long_c_loops_are_interrupted() {
    for script in [
        "table.move({}, 1, 1e12, 2)",
        "local t = setmetatable({}, {__len = function() return 1e12 end}) table.insert(t, 1, 'x')",
        "return string.find(string.rep('(', 4e6), '%b()')",
        "return string.find(string.rep('a', 1e5), string.rep('.', 5e4) .. 'b')",
        "local t = {} for i = 1, 1e9 do t[#t + 1] = string.rep('x', 4e6) t[#t] = nil end",
        "local keep = {} for i = 1, 3e5 do keep[i] = {} end while true do collectgarbage() end",
        "local t = {} for i = 1, 2e5 do t[i] = (i * 7919) % 100003 end while true do table.sort(t) end",
    ] {
        let lua = limited(0, 100);
        let start = std::time::Instant::now();
        let e = lua.exec::<()>(script).unwrap_err();
        assert_eq!(e.code(), "LUA_TIMEOUT", "{script}: {}", e.message());
        assert!(start.elapsed() < std::time::Duration::from_millis(1500), "{script} took {:?}", start.elapsed());
        assert_eq!(lua.exec::<i64>("return 5").unwrap(), 5);
    }
}

#[test]
fn a_looping_finalizer_cannot_hang_teardown() {
    let start = std::time::Instant::now();
    {
        let lua = limited(1_000_000, 100);
        lua.exec::<()>("keep = setmetatable({}, {__gc = function() while true do end end})").unwrap();
        lua.close().unwrap();
        assert!(lua.is_closed());
    }
    {
        let lua = limited(0, 100);
        lua.exec::<()>("keep = setmetatable({}, {__gc = function() while true do end end})").unwrap();
    } // dropped: closes
    assert!(start.elapsed() < std::time::Duration::from_secs(3), "took {:?}", start.elapsed());
}

/// The room a nested call's results take on the main thread's stack is
/// given back once the outermost host call returns (only it trims: a nested
/// one runs above slots an outer host operation may still use).
#[test]
fn big_results_of_a_nested_call_do_not_keep_stack_memory() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.exec::<()>("function many() local t = {} for i = 1, 200000 do t[i] = i end return table.unpack(t) end").unwrap();
    // Found through the state it is given: a captured handle would keep the state alive.
    let f = lua
        .create_function(|lua, _: ()| {
            let many: Function = lua.get_global("many")?;
            Ok(many.call::<MultiValue>(())?.0.len() as i64)
        })
        .unwrap();
    lua.set_global("nested", f).unwrap();
    lua.exec::<()>("collectgarbage()").unwrap();
    let before = lua.memory_used();
    assert_eq!(lua.exec::<i64>("local a = {1, 2, 3} return nested() + #a").unwrap(), 200_003);
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    let after = lua.memory_used();
    assert!(after < before + 256 * 1024, "before {before}, after {after}");
}

#[test]
fn big_results_do_not_keep_stack_memory() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.exec::<()>("collectgarbage()").unwrap();
    let before = lua.memory_used();
    let n: MultiValue = lua.exec("return table.unpack((function() local t = {} for i = 1, 200000 do t[i] = i end return t end)())").unwrap();
    assert_eq!(n.0.len(), 200_000);
    drop(n);
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    let after = lua.memory_used();
    assert!(after < before + 256 * 1024, "before {before}, after {after}");
}
