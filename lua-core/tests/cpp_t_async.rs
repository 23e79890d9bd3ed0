//! API-SEED §10 area T (async execution): the C++ core suite's items, ported
//! to lua-core. The core side of async execution is running a state on
//! another thread: `Lua::into_send` moves a whole state (refused while it
//! holds thread-bound host functions), and, for binding layers such as the
//! Node addon's worker, `Lua::detach` lends the state for one run
//! (`host-binding` feature). During a detached run `Lua::is_off_thread()` is
//! true, and that is what host functions check to refuse themselves, as the
//! Node layer's callbacks do with "... not available in async mode".

#[cfg(feature = "host-binding")]
use lua_core::Error;
use lua_core::{Lua, MultiValue, StdLib, Value};

/// A host function that refuses to run while the state is off its thread,
/// and otherwise answers 42 (the Node layer's callbacks behave this way).
#[cfg(feature = "host-binding")]
fn install_guarded_function(lua: &Lua) -> std::rc::Rc<std::cell::Cell<usize>> {
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let count = calls.clone();
    let f = lua
        .create_raw_function(move |call| {
            if call.lua().is_off_thread() {
                return Err(Error::runtime(call.located("host functions are not available in async mode (called 'hostfn')")));
            }
            count.set(count.get() + 1);
            call.stack().reserve(1)?;
            call.stack().push_integer(42)?;
            Ok(1)
        })
        .unwrap();
    lua.set_global("hostfn", f).unwrap();
    calls
}

/// Runs `source` on another thread through `detach`, then takes the state
/// back and reads the results on this thread.
#[cfg(feature = "host-binding")]
fn run_detached(lua: &Lua, source: &str) -> Result<MultiValue, Error> {
    use lua_core::FromLuaMulti;
    let source = std::ffi::CString::new(source).unwrap();
    // SAFETY: `lua` outlives the worker, and nothing touches it until `reattach`.
    let detached = unsafe { lua.detach() }?;
    assert!(lua.is_off_thread());
    let (detached, outcome) = std::thread::scope(|s| {
        s.spawn(|| {
            let outcome = detached.exec_source(&source);
            (detached, outcome)
        })
        .join()
        .unwrap()
    });
    lua.reattach(detached);
    assert!(!lua.is_off_thread());
    let kept = outcome?;
    lua.read_kept(kept, MultiValue::from_results)?
}

/// T.248 [C++] In async mode host functions are refused with a message
/// containing "async mode", and work again afterwards.
#[cfg(feature = "host-binding")]
#[test]
fn t248_host_functions_are_refused_off_thread_and_work_again_after() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let calls = install_guarded_function(&lua);
    assert_eq!(lua.exec::<i64>("return hostfn()").unwrap(), 42);

    let e = run_detached(&lua, "return hostfn()").unwrap_err();
    assert!(e.message().contains("async mode"), "{}", e.message());
    assert!(e.message().starts_with("[string \"return hostfn()\"]:1:"), "{}", e.message());
    // Lua code can catch the refusal.
    let r = run_detached(&lua, "local ok, e = pcall(hostfn) return ok, e").unwrap();
    assert!(matches!(r.0[0], Value::Boolean(false)));
    assert!(r.0[1].as_str().unwrap().contains("async mode"));
    assert_eq!(calls.get(), 1);

    // Back on its thread, the same function works again.
    assert_eq!(lua.exec::<i64>("return hostfn()").unwrap(), 42);
    assert_eq!(calls.get(), 2);
}

/// T.248 [C++], the `into_send` side: a state holding thread-bound host
/// functions is refused for another thread (and stays usable, function
/// included); a state whose functions are `Send` moves and they work there.
#[test]
fn t248_thread_bound_host_functions_keep_a_state_home() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let f = lua.create_function(|_, _: MultiValue| Ok(42)).unwrap();
    lua.set_global("hostfn", f).unwrap();
    let lua = match lua.into_send() {
        Ok(_) => panic!("a state with a thread-bound host function must not move"),
        Err(lua) => lua,
    };
    assert_eq!(lua.exec::<i64>("return hostfn()").unwrap(), 42);

    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let f = lua.create_send_function(|_, _: MultiValue| Ok(43)).unwrap();
    lua.set_global("sendfn", f).unwrap();
    let sendable = lua.into_send().expect("Send functions let the state move");
    let answer = std::thread::spawn(move || sendable.into_inner().exec::<i64>("return sendfn()")).join().unwrap().unwrap();
    assert_eq!(answer, 43);
}

const PURE: &str = "local t = {} for i = 1, 5 do t[i] = i * i end \
    local co = coroutine.wrap(function() coroutine.yield(7) end) \
    return table.concat(t, ','), string.upper('abc'), math.floor(3.7), co()";

fn check_pure(r: &MultiValue) {
    assert_eq!(r.0[0].as_str(), Some("1,4,9,16,25"));
    assert_eq!(r.0[1].as_str(), Some("ABC"));
    assert!(matches!(r.0[2], Value::Integer(3)));
    assert!(matches!(r.0[3], Value::Integer(7)));
}

/// T.249 [C++] Pure Lua and standard-library code run normally in async mode.
#[cfg(feature = "host-binding")]
#[test]
fn t249_pure_lua_and_the_standard_library_run_off_thread() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.exec::<()>("counter = 41").unwrap();
    check_pure(&run_detached(&lua, PURE).unwrap());
    let r = run_detached(&lua, "counter = counter + 1 return counter").unwrap();
    assert!(matches!(r.0[0], Value::Integer(42)));
    assert_eq!(lua.get_global::<i64>("counter").unwrap(), 42);
    let e = run_detached(&lua, "error('boom')").unwrap_err();
    assert!(e.message().contains("boom"));
    // Synchronous use afterwards.
    check_pure(&lua.exec::<MultiValue>(PURE).unwrap());
}

/// T.249 [C++], the `into_send` side: a whole state moved to another thread
/// runs pure Lua and the standard library there.
#[test]
fn t249_a_moved_state_runs_lua_on_its_new_thread() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.exec::<()>("counter = 41").unwrap();
    let sendable = lua.into_send().expect("a fresh state can move");
    let back = std::thread::spawn(move || {
        let lua = sendable.into_inner();
        check_pure(&lua.exec::<MultiValue>(PURE).unwrap());
        assert_eq!(lua.exec::<i64>("counter = counter + 1 return counter").unwrap(), 42);
        lua.into_send().expect("still movable")
    })
    .join()
    .unwrap();
    let lua = back.into_inner();
    assert_eq!(lua.get_global::<i64>("counter").unwrap(), 42);
}

/// T.250 [C++] A new runtime is not in async mode.
#[cfg(feature = "host-binding")]
#[test]
fn t250_a_new_state_is_not_off_thread() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    assert!(!lua.is_off_thread());
    assert!(!lua.is_executing());
    let calls = install_guarded_function(&lua);
    assert_eq!(lua.exec::<i64>("return hostfn()").unwrap(), 42);
    assert_eq!(calls.get(), 1);
    assert!(!Lua::new().is_off_thread());
}
