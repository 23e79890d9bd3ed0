//! Stopping a run from outside it (EVOLUTION.md A2 and B5: `cancel()` raises
//! "execution cancelled"): `Lua::canceller()` gives a handle any thread may
//! use; a cancel reaches only the run in flight, and, like a limit
//! (DECISIONS 11), the script cannot catch it.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use lua_core::{CancelHandle, Error, HookMask, Lua, Preset, StdLib};

/// Cancels from another thread as soon as a run is in flight (no timing:
/// `cancel` says whether it found one), while `run` runs here. For runs
/// that cannot end by themselves.
fn cancel_while<R>(lua: &Lua, run: impl FnOnce() -> R) -> R {
    let handle = lua.canceller();
    let done = Arc::new(AtomicBool::new(false));
    let finished = done.clone();
    let stopper = thread::spawn(move || {
        while !handle.cancel() && !finished.load(Ordering::Acquire) {
            thread::yield_now();
        }
    });
    let r = run();
    done.store(true, Ordering::Release);
    stopper.join().unwrap();
    r
}

/// Installs `ready()`: it hands the run to another thread, which cancels it
/// while `ready` waits (so the run is certainly in flight), then returns.
fn install_ready(lua: &Lua) {
    let handle = lua.canceller();
    let f = lua
        .create_function(move |_, _: lua_core::MultiValue| {
            let handle = handle.clone();
            Ok(thread::spawn(move || handle.cancel()).join().unwrap())
        })
        .unwrap();
    lua.set_global("ready", f).unwrap();
}

fn assert_cancelled(e: &Error) {
    assert!(matches!(e, Error::Cancelled { .. }), "{e:?}");
    assert_eq!(e.code(), "LUA_CANCELLED");
    assert!(e.message().ends_with("execution cancelled"), "{}", e.message());
}

#[test]
fn handle_is_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<CancelHandle>();
}

#[test]
fn another_thread_cancels_an_endless_loop_and_the_state_stays_usable() {
    let lua = Lua::new();
    let e = cancel_while(&lua, || lua.exec::<()>("while true do end")).unwrap_err();
    assert_cancelled(&e);
    assert_eq!(lua.exec::<i64>("local x = 0 for i = 1, 100000 do x = x + 1 end return x").unwrap(), 100000);
}

#[test]
fn the_script_cannot_catch_it() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let source = r#"
        local caught = 0
        while true do
            local ok = pcall(function() while true do end end)
            if not ok then caught = caught + 1 end
            xpcall(function() while true do end end, function(m) while true do end end)
            local co = coroutine.wrap(function() while true do end end)
            pcall(co)
        end
    "#;
    let e = cancel_while(&lua, || lua.exec::<()>(source)).unwrap_err();
    assert_cancelled(&e);
    assert_eq!(lua.exec::<String>("return select(2, pcall(error, 'fine'))").unwrap(), "fine");
}

#[test]
fn a_long_pattern_match_inside_c_is_interrupted() {
    // Backtracking over 2^60 ways: this one call would never end by itself.
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let source = "local s = string.rep('a', 60) return s:match(string.rep('a?', 60) .. s .. 'b')";
    let e = cancel_while(&lua, || lua.exec::<()>(source)).unwrap_err();
    assert_cancelled(&e);
    // Again, with the cancel made once the match has (most likely) begun;
    // either way the run stops.
    let handle = lua.canceller();
    let f = lua
        .create_function(move |_, _: lua_core::MultiValue| {
            let handle = handle.clone();
            thread::spawn(move || {
                thread::sleep(std::time::Duration::from_millis(50));
                handle.cancel()
            });
            Ok(())
        })
        .unwrap();
    lua.set_global("soon", f).unwrap();
    let e = lua.exec::<()>(&format!("soon() {source}")).unwrap_err();
    assert_cancelled(&e);
}

#[test]
fn a_cancel_outside_a_run_does_nothing_and_is_not_carried_over() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let handle = lua.canceller();
    assert!(!handle.cancel());
    assert!(!lua.cancel());
    assert_eq!(lua.exec::<i64>("local x = 0 for i = 1, 100000 do x = x + 1 end return x").unwrap(), 100000);
}

#[test]
fn a_host_function_cancels_the_run_that_called_it() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let found = Rc::new(std::cell::Cell::new(false));
    let seen = found.clone();
    let f = lua.create_function(move |lua, _: lua_core::MultiValue| {
        seen.set(lua.cancel());
        Ok(())
    })
    .unwrap();
    lua.set_global("stop", f).unwrap();
    // The function itself returns normally (it found a run to stop); the run
    // stops as soon as control is back in Lua: not even the assignment runs.
    let e = lua.exec::<()>("after = false stop() after = true while true do pcall(error, 'x') end").unwrap_err();
    assert_cancelled(&e);
    assert!(found.get());
    assert!(!lua.exec::<bool>("return after").unwrap());
    // Not carried over to the next run.
    assert_eq!(lua.exec::<i64>("return 7").unwrap(), 7);
}

#[test]
fn a_host_function_that_cancels_still_returns_its_values_safely() {
    // The results are pushed after the cancel; with no limit set the host
    // pushes unprotected, so the cancel must not refuse that growth.
    for limited in [false, true] {
        let lua = if limited { Lua::builder().preset(Preset::Safe).instruction_limit(1 << 40).build().unwrap() } else { Lua::with_libraries(StdLib::BASE).unwrap() };
        let f = lua
            .create_function(|lua, _: lua_core::MultiValue| {
                lua.cancel();
                Ok(("x".repeat(100_000), vec![1i64; 10_000]))
            })
            .unwrap();
        lua.set_global("stop", f).unwrap();
        let e = lua.exec::<()>("local s, t = stop() while true do end").unwrap_err();
        assert_cancelled(&e);
        assert_eq!(lua.exec::<i64>("return 7").unwrap(), 7);
    }
}

#[test]
fn a_debug_hook_cancels_the_run() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let fired = Rc::new(std::cell::Cell::new(0u32));
    let count = fired.clone();
    lua.set_hook(
        Rc::new(move |lua, _| {
            count.set(count.get() + 1);
            if count.get() == 3 {
                lua.cancel();
            }
        }),
        HookMask { count: 100, ..Default::default() },
    );
    let e = lua.exec::<()>("while true do end").unwrap_err();
    assert_cancelled(&e);
    assert!(fired.get() >= 3);
    lua.remove_hook();
    assert_eq!(lua.exec::<i64>("return 7").unwrap(), 7);
}

#[test]
fn a_cancelled_run_leaves_no_trace_on_the_next_budget() {
    // The cancel wrote the flag the VM reads after every C function; were it
    // left set, each C call of the next run would be charged a step interval.
    let lua = Lua::builder().preset(Preset::Safe).instruction_limit(200_000).build().unwrap();
    let f = lua.create_function(|lua, _: lua_core::MultiValue| Ok(lua.cancel())).unwrap();
    lua.set_global("stop", f).unwrap();
    assert_cancelled(&lua.exec::<()>("stop() while true do end").unwrap_err());
    let n = lua.exec::<i64>("local n = 0 for i = 1, 20000 do if type(i) == 'number' then n = n + 1 end end return n").unwrap();
    assert_eq!(n, 20000);
}

#[test]
fn cancel_and_limits_share_the_hook_and_each_reports_itself() {
    let lua = Lua::builder().preset(Preset::Safe).instruction_limit(1_000_000).timeout(std::time::Duration::from_secs(3600)).build().unwrap();
    install_ready(&lua);
    let e = lua.exec::<()>("ready() while true do end").unwrap_err();
    assert_cancelled(&e);
    let e = lua.exec::<()>("while true do end").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT");
}

#[test]
fn a_handle_may_outlive_its_state() {
    let lua = Lua::new();
    let handle = lua.canceller();
    drop(lua);
    assert!(!handle.cancel());
    let lua = Lua::new();
    let handle = lua.canceller();
    lua.close().unwrap();
    assert!(!handle.cancel());
}

/// The addon's worker runs: the state is lent (`detach`) for one run.
#[cfg(feature = "host-binding")]
mod lent {
    use super::*;
    use lua_core::{FromLuaMulti, MultiValue};

    #[test]
    fn a_cancel_made_before_the_worker_starts_stops_the_run() {
        let lua = Lua::with_libraries(StdLib::BASE).unwrap();
        // SAFETY: `lua` outlives the worker and is left alone until `reattach`.
        let detached = unsafe { lua.detach() }.unwrap();
        assert!(lua.canceller().cancel());
        let (detached, outcome) = thread::scope(|s| s.spawn(|| {
            let r = detached.exec_source(c"while true do end");
            (detached, r)
        }).join().unwrap());
        lua.reattach(detached);
        assert_cancelled(&outcome.unwrap_err());
        assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
    }

    #[test]
    fn the_owner_cancels_a_worker_run_and_nothing_carries_over() {
        let lua = Lua::with_libraries(StdLib::BASE).unwrap();
        let handle = lua.canceller();
        for _ in 0..3 {
            // SAFETY: as above.
            let detached = unsafe { lua.detach() }.unwrap();
            let (detached, outcome) = thread::scope(|s| {
                let worker = s.spawn(|| {
                    let r = detached.exec_source(c"while true do pcall(function() while true do end end) end");
                    (detached, r)
                });
                // The run is in flight from `detach` on: one cancel suffices.
                assert!(handle.cancel());
                worker.join().unwrap()
            });
            lua.reattach(detached);
            assert_cancelled(&outcome.unwrap_err());
            // SAFETY: as above.
            let detached = unsafe { lua.detach() }.unwrap();
            let (detached, outcome) = thread::scope(|s| s.spawn(|| {
                let r = detached.exec_source(c"return 6 * 7");
                (detached, r)
            }).join().unwrap());
            lua.reattach(detached);
            let kept = outcome.unwrap();
            let values = lua.read_kept(kept, MultiValue::from_results).unwrap().unwrap();
            assert_eq!(values.0[0].as_integer(), Some(42));
        }
        // Once the state is back and idle, a cancel finds no run.
        assert!(!handle.cancel());
    }
}

/// A handle made during a run that had none (so its cancels were not yet
/// published) still stops that run, even in pure Lua code that calls no C
/// function, and even after the script caught the first stop.
#[test]
fn a_handle_made_during_the_run_reaches_a_loop_without_c_calls() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let stopper = Rc::new(std::cell::RefCell::new(None));
    let keep = stopper.clone();
    let f = lua
        .create_function(move |lua, _: ()| {
            let handle = lua.canceller();
            *keep.borrow_mut() = Some(thread::spawn(move || while !handle.cancel() {}));
            Ok(())
        })
        .unwrap();
    lua.set_global("start", f).unwrap();
    let e = lua.exec::<()>("start() pcall(function() while true do end end) while true do end").unwrap_err();
    assert_cancelled(&e);
    stopper.borrow_mut().take().unwrap().join().unwrap();
    assert_eq!(lua.exec::<i64>("return 7").unwrap(), 7);
}

#[test]
fn a_cancel_from_another_thread_stops_a_call_numbers_run() {
    let lua = Lua::builder().preset(Preset::All).build().unwrap();
    let spin: lua_core::Function = lua.exec("return function(a, b) while true do a = a + b end end").unwrap();
    let e = cancel_while(&lua, || lua.call_numbers(&spin, &[1.0, 0.5], |_| ()).unwrap_err());
    assert_eq!(e.code(), "LUA_CANCELLED", "{}", e.message());
    assert_eq!(lua.call_numbers(&lua.exec::<lua_core::Function>("return function(a) return a * 2 end").unwrap(), &[21.0], |r| r.get(0).as_integer()).unwrap(), Some(42));
}

/// With a hook on, the VM's counter is kept expired (it stands in for
/// Lua's `trap`; lua-sys/build/patches_vm.rs): every instruction takes the
/// slow path. A cancel from another thread still stops the loop there, and
/// in a call hook looping on a vararg function's entry (run from the VM's
/// VARARGPREP).
#[test]
fn another_thread_cancels_a_loop_under_a_line_hook_and_inside_a_vararg_call_hook() {
    let lua = Lua::with_libraries(lua_core::StdLib::ALL).unwrap();
    let e = cancel_while(&lua, || lua.exec::<()>("debug.sethook(function() end, 'l') while true do end")).unwrap_err();
    assert_cancelled(&e);
    let e = cancel_while(&lua, || {
        lua.exec::<()>("looping = true local function v(...) end debug.sethook(function() while looping do end end, 'c') v()")
    })
    .unwrap_err();
    assert_cancelled(&e);
    // The hook is still set: the host ends its loop, then Lua removes it.
    lua.set_global("looping", false).unwrap();
    assert_eq!(lua.exec::<i64>("debug.sethook() return 1 + 1").unwrap(), 2);
}
