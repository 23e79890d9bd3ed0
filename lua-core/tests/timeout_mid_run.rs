//! `set_timeout` called from inside a run (a host function deciding the rest
//! of the run may take so long): the run gets the new deadline from now, and
//! the watchdog watches that one. A pure-Lua loop, which calls no C function
//! and allocates nothing, is reached only through the watchdog's flag, so it
//! is the case these tests run.
//!
//! No test here times anything: each failure mode is a run that would never
//! end (stopped by a cancel from another thread after 20 s, so it fails as
//! `LUA_CANCELLED` instead of hanging) or one that stops far too early.

use std::time::{Duration, Instant};

use lua_core::{Lua, StdLib};

fn state(timeout: Option<Duration>) -> Lua {
    let lua = Lua::builder().libraries(StdLib::ALL).build().unwrap();
    lua.set_timeout(timeout);
    let set = lua
        .create_function(|lua, ms: i64| {
            lua.set_timeout(if ms < 0 { None } else { Some(Duration::from_millis(ms as u64)) });
            Ok(())
        })
        .unwrap();
    lua.set_global("set_timeout", set).unwrap();
    lua
}

/// Runs `script`, cancelled from another thread after 20 s if nothing else
/// stops it.
fn run_guarded(lua: &Lua, script: &str) -> lua_core::Result<()> {
    let cancel = lua.canceller();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let guard = std::thread::spawn(move || {
        if wait.recv_timeout(Duration::from_secs(20)).is_err() {
            cancel.cancel();
        }
    });
    let result = lua.exec::<()>(script);
    let _ = done.send(());
    guard.join().unwrap();
    result
}

#[test]
fn a_timeout_set_during_a_run_without_one_stops_a_pure_lua_loop() {
    let lua = state(None);
    let e = run_guarded(&lua, "set_timeout(50) while true do end").unwrap_err();
    assert_eq!(e.code(), "LUA_TIMEOUT", "{}", e.message());
    // The next run obeys the timeout too, and one without it runs freely.
    let e = run_guarded(&lua, "while true do end").unwrap_err();
    assert_eq!(e.code(), "LUA_TIMEOUT", "{}", e.message());
    lua.set_timeout(None);
    assert_eq!(lua.exec::<i64>("local n = 0 for i = 1, 1e6 do n = n + 1 end return n").unwrap(), 1_000_000);
}

#[test]
fn a_shorter_timeout_set_during_a_run_replaces_the_longer_one() {
    let lua = state(Some(Duration::from_secs(60)));
    let start = Instant::now();
    let e = run_guarded(&lua, "set_timeout(50) while true do end").unwrap_err();
    assert_eq!(e.code(), "LUA_TIMEOUT", "{}", e.message());
    assert!(start.elapsed() < Duration::from_secs(20), "stopped by the guard, not the new deadline");
}

#[test]
fn a_longer_timeout_set_during_a_run_is_not_cut_short_by_the_old_watch() {
    let lua = state(Some(Duration::from_millis(100)));
    // Runs for 400 ms of wall time, four times the timeout the run opened with.
    let script = "set_timeout(20000) local c = os.clock() \
                  while os.clock() - c < 0.4 do end";
    run_guarded(&lua, script).unwrap();
    // Removing the timeout mid-run removes its watch as well.
    lua.set_timeout(Some(Duration::from_millis(100)));
    run_guarded(&lua, "set_timeout(-1) local c = os.clock() while os.clock() - c < 0.4 do end").unwrap();
}

/// From the host's debug hook, which runs between two instructions: the
/// hook sets a timeout once and removes itself; the loop it interrupted is
/// stopped by the new watch.
#[test]
fn a_timeout_set_from_a_debug_hook_stops_the_loop_it_interrupted() {
    let lua = state(None);
    let hook: lua_core::DebugHook = std::rc::Rc::new(|lua: &Lua, _: &lua_core::HookEvent<'_>| {
        lua.set_timeout(Some(Duration::from_millis(50)));
        lua.remove_hook();
    });
    lua.set_hook(hook, lua_core::HookMask { count: 1000, ..Default::default() });
    let e = run_guarded(&lua, "while true do end").unwrap_err();
    assert_eq!(e.code(), "LUA_TIMEOUT", "{}", e.message());
}
