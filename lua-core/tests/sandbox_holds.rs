//! "The sandbox holds" from Rust: forged arguments to every C function the
//! crate registers, and the occupancy rule (nothing retires or lends a state
//! from inside it).
#![cfg(feature = "host-binding")]

use std::cell::Cell;
use std::rc::Rc;

use lua_core::{Access, CallContext, Error, Lua, LuaOptions, Occupied, StackValue, StdLib, UserData, UserDataMethods};
use lua_core::host::HostObjects;

struct Counter {
    n: i64,
}

impl UserData for Counter {
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method("get", |_, this, ()| Ok(this.n));
    }
}

struct Objects;

impl HostObjects for Objects {
    fn get(&self, call: &CallContext<'_>, id: u64, _key: &[u8]) -> lua_core::Result<()> {
        call.stack().push_integer(id as i64)?;
        Ok(())
    }
    fn set(&self, _call: &CallContext<'_>, _id: u64, _key: &[u8], _value: StackValue<'_>) -> lua_core::Result<()> {
        Ok(())
    }
    fn released(&self, _id: u64) {}
}

fn all() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

/// `pcall(f)` in Lua must fail with a message matching `pattern`.
fn refused(lua: &Lua, call: &str, pattern: &str) {
    let message: String = lua.exec(&format!("local ok, e = pcall(function() {call} end) return ok and 'succeeded' or tostring(e)")).unwrap();
    assert_ne!(message, "succeeded", "{call}");
    assert!(message.contains(pattern), "{call}: {message}");
}

#[test]
fn typed_userdata_functions_refuse_forged_arguments() {
    let lua = all();
    lua.set_global("c", lua.create_userdata(Counter { n: 5 }).unwrap()).unwrap();
    assert!(lua.exec::<bool>("return getmetatable(c) == false").unwrap(), "sealed");
    for call in ["debug.getmetatable(c).__gc({})", "debug.getmetatable(c).__gc(io.stdout)", "debug.getmetatable(c).__gc(1)"] {
        refused(&lua, call, "bad argument #1 to '__gc'");
    }
    refused(&lua, "debug.getmetatable(c).__index.get(io.stdout)", "");
    refused(&lua, "debug.getmetatable(c).__index.get({})", "");
    // Our metatable on a file, and a file's on ours.
    refused(&lua, "local f = io.tmpfile() debug.setmetatable(f, debug.getmetatable(c)) return f:get()", "");
    refused(&lua, "local mt = debug.getmetatable(c) debug.setmetatable(c, debug.getmetatable(io.stdout)) local ok, e = pcall(io.close, c) debug.setmetatable(c, mt) error(e)", "closed file");
    assert_eq!(lua.exec::<i64>("return c:get()").unwrap(), 5);
}

#[test]
fn host_functions_refuse_a_replaced_upvalue() {
    let lua = all();
    let f = lua.create_function(|_, _: lua_core::MultiValue| Ok(7)).unwrap();
    lua.set_global("f", f).unwrap();
    for value in ["42", "{}", "io.stdout", "nil", "'text'"] {
        let lua = all();
        lua.set_global("f", lua.create_function(|_, _: lua_core::MultiValue| Ok(7)).unwrap()).unwrap();
        refused(&lua, &format!("debug.setupvalue(f, 1, {value}) return f()"), "host function is broken");
    }
    // The slot's own __gc, called by hand, empties it: later calls do nothing.
    assert_eq!(lua.exec::<Option<i64>>("local _, slot = debug.getupvalue(f, 1) debug.getmetatable(slot).__gc(slot) return f()").unwrap(), None);
    refused(&lua, "local _, slot = debug.getupvalue(f, 1) debug.getmetatable(slot).__gc({})", "bad argument #1 to '__gc'");
}

#[test]
fn host_object_functions_refuse_forged_arguments() {
    let lua = all();
    lua.set_host_objects(Rc::new(Objects));
    lua.set_global_with(b"u", |s| s.push_host_object(9, Access { readable: true, writable: true })).unwrap();
    assert_eq!(lua.exec::<i64>("return u.anything").unwrap(), 9);
    let kind: String = lua.exec("local mt = getmetatable(u) return type(mt) .. ' ' .. mt.__name").unwrap();
    assert_eq!(kind, "table lua_native_proxy_userdata");
    assert!(lua.exec::<bool>("return getmetatable(u).__index == nil").unwrap());
    for call in ["mt.__index(1, 'x')", "mt.__index(io.stdout, 'x')", "mt.__newindex({}, 'x', 1)", "mt.__gc(io.stdout)", "mt.__gc()"] {
        refused(&lua, &format!("local mt = debug.getmetatable(u) {call}"), "bad argument #1");
    }
    assert_eq!(lua.exec::<i64>("return u.x").unwrap(), 9);
}

#[test]
fn nothing_closes_or_lends_a_state_from_inside() {
    let lua = all();
    let f = lua
        .create_function(|lua, _: lua_core::MultiValue| {
            let e = lua.close().unwrap_err();
            assert_eq!(e.code(), "LUA_BUSY");
            assert_eq!(lua.occupied(), Some(Occupied::Inside));
            Ok(e.message().to_string())
        })
        .unwrap();
    lua.set_global("try_close", f).unwrap();
    let message: String = lua.exec("return try_close()").unwrap();
    assert_eq!(message, "close() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)");
    // From a coroutine, from a finalizer, from a hook: the same.
    assert_eq!(lua.exec::<String>("return coroutine.wrap(function() return try_close() end)()").unwrap(), message);
    let tried = Rc::new(Cell::new(0));
    let seen = tried.clone();
    let g = lua
        .create_function(move |lua, _: lua_core::MultiValue| {
            assert!(matches!(lua.close(), Err(Error::Busy { .. })));
            seen.set(seen.get() + 1);
            Ok(())
        })
        .unwrap();
    lua.set_global("in_gc", g).unwrap();
    lua.exec::<()>("for i = 1, 50 do setmetatable({}, { __gc = function() in_gc() end }) end").unwrap();
    // Compiling runs collection steps, which run finalizers: inside too.
    let big = format!("return {{{}}}", (0..20000).map(|i| format!("'s{i}'")).collect::<Vec<_>>().join(","));
    lua.load_with(big.as_bytes(), c"=big", lua_core::ChunkMode::Text, |_| ()).unwrap();
    lua.gc(lua_core::GcCommand::Collect).unwrap();
    assert!(tried.get() > 0, "a finalizer ran");
    assert!(!lua.is_closed());
    assert_eq!(lua.occupied(), None);
    lua.close().unwrap();
    lua.close().unwrap();
    assert!(lua.is_closed());
}

#[cfg(feature = "host-binding")]
#[test]
fn a_state_is_not_lent_from_inside() {
    let lua = all();
    let f = lua
        .create_function(|lua, _: lua_core::MultiValue| {
            // SAFETY: refused, so nothing is lent.
            let e = unsafe { lua.detach() }.err().expect("refused");
            assert_eq!(e.code(), "LUA_BUSY");
            Ok(e.message().to_string())
        })
        .unwrap();
    lua.set_global("lend", f).unwrap();
    let message: String = lua.exec("return lend()").unwrap();
    assert!(message.ends_with(": handing the state to a worker thread requires that nothing else holds it"), "{message}");
    assert!(!lua.is_off_thread());
}

#[test]
fn host_pushes_are_protected_under_a_timeout_without_a_memory_limit() {
    let lua = Lua::with_options(LuaOptions { libraries: StdLib::ALL, timeout: Some(std::time::Duration::from_millis(1)), ..Default::default() }).unwrap();
    let big: Vec<f64> = (0..1_000_000).map(|i| i as f64 + 0.5).collect();
    for _ in 0..3 {
        match lua.set_global("V", big.clone()) {
            Ok(()) => {}
            Err(e) => assert!(matches!(e.code(), "LUA_TIMEOUT" | "LUA_MEMORY"), "{}", e.message()),
        }
    }
    // Usable afterwards (without the 1 ms limit, which a loaded machine can
    // exceed on any script).
    lua.set_timeout(None);
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2);
}

/// Safe code cannot make Lua read past a frame: a raw function's result
/// count is checked against what it pushed, and `Stack::pop` never goes
/// below the bottom of the stack nor above its top.
#[test]
fn stack_counts_from_safe_code_are_checked() {
    let lua = all();
    for bad in [200_000, -7, 2] {
        let f = lua.create_raw_function(move |call| {
            call.stack().push_integer(1)?;
            Ok(bad)
        })
        .unwrap();
        lua.set_global("f", f).unwrap();
        let message: String = lua.exec("local ok, e = pcall(f) return ok and 'succeeded' or tostring(e)").unwrap();
        assert!(message.contains(&format!("returned {bad} results but left 1 values")), "{bad}: {message}");
    }
    let (a, b): (i64, i64) = {
        let r: String = lua
            .with_stack(|s| {
                s.push_integer(1)?;
                s.push_integer(2)?;
                s.pop(100_000);
                s.pop(-5);
                s.push_integer(3)?;
                Ok(format!("{} {}", s.top(), s.value(-1).as_integer().unwrap_or(0)))
            })
            .unwrap();
        let mut it = r.split(' ').map(|x| x.parse::<i64>().unwrap());
        (it.next().unwrap(), it.next().unwrap())
    };
    assert_eq!(b, 3);
    assert!(a >= 1);
    assert_eq!(lua.exec::<i64>("return 20 + 22").unwrap(), 42);
}
