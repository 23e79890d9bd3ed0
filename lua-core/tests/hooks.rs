//! Hooks Lua code sets with `debug.sethook` beside the host's `set_hook`, and
//! limits that no hook can switch off (DECISIONS 11 and 13).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use lua_core::{Error, HookMask, Lua, StdLib};

fn all_with(instructions: u64, timeout: Option<Duration>) -> Lua {
    let mut builder = Lua::builder().libraries(StdLib::ALL).instruction_limit(instructions);
    if let Some(t) = timeout {
        builder = builder.timeout(t);
    }
    builder.build().unwrap()
}

const LOOPING_HOOK: &str = "debug.sethook(function() while true do end end, '', 1) local x = 1";

#[test]
fn a_hook_function_that_loops_is_stopped_by_the_budget() {
    let lua = all_with(100_000, None);
    let e = lua.exec::<()>(LOOPING_HOOK).unwrap_err();
    assert!(matches!(e, Error::InstructionLimit { .. }), "{e:?}");
}

#[test]
fn a_hook_function_that_loops_is_stopped_by_the_timeout() {
    let lua = all_with(0, Some(Duration::from_millis(50)));
    let e = lua.exec::<()>(LOOPING_HOOK).unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

#[test]
fn a_coroutine_keeps_its_lua_hook_across_resumes_with_a_host_hook_set() {
    let lua = all_with(0, None);
    let host_events = Rc::new(Cell::new(0u32));
    let seen = host_events.clone();
    lua.set_hook(Rc::new(move |_, _| seen.set(seen.get() + 1)), HookMask { call: true, ..Default::default() });
    let report: String = lua
        .exec(
            "local lines = 0
             local function hook() lines = lines + 1 end
             local co = coroutine.create(function()
               local a = 1
               coroutine.yield()
               local b = 2
             end)
             debug.sethook(co, hook, 'l')
             coroutine.resume(co)
             local kept = debug.gethook(co) == hook
             coroutine.resume(co)
             return tostring(kept) .. ' ' .. lines",
        )
        .unwrap();
    let (kept, lines) = report.split_once(' ').unwrap();
    assert_eq!(kept, "true");
    assert!(lines.parse::<i64>().unwrap() >= 3, "{lines} line events");
    assert!(host_events.get() > 0);
    lua.remove_hook();
    let report: String = lua.exec("local function h() end debug.sethook(h, 'r') local f, m = debug.gethook() debug.sethook() return tostring(f == h) .. ' ' .. m").unwrap();
    assert_eq!(report, "true r");
}

/// The VM's step counter runs out every thousand instructions whatever the
/// limits; wherever it does, line events stay those of stock Lua. (A refill
/// at a vararg function's first instruction once reported its first line
/// twice: db.lua's "wrong trace".) Each offset shifts where the counter runs
/// out by one instruction, so some offset lands on every instruction of the
/// traced chunk.
#[test]
fn line_events_do_not_depend_on_where_the_step_counter_runs_out() {
    let script = "for _ = 1, n do end
        local lines = {}
        local chunk = load('local b = {10}\\nb = 4\\nb = 5')
        debug.sethook(function(_, line) lines[#lines + 1] = line end, 'l')
        chunk()
        debug.sethook()
        return table.concat(lines, ' ')";
    for offset in 0..1100i64 {
        let lua = Lua::builder().libraries(StdLib::ALL).build().unwrap();
        lua.set_global("n", offset).unwrap();
        let lines: String = lua.exec(script).unwrap();
        assert_eq!(lines, "5 1 2 3 6", "offset {offset}");
    }
}

#[test]
fn a_looping_hook_inside_a_call_numbers_call_is_stopped_by_the_budget() {
    // The hook is set by the function the host calls with numbers, and runs
    // inside that same call.
    let lua = all_with(100_000, None);
    let f: lua_core::Function = lua.exec("return function(a, b) debug.sethook(function() while true do end end, '', 1) return a + b end").unwrap();
    let e = lua.call_numbers(&f, &[1.0, 2.0], |_| ()).unwrap_err();
    assert!(matches!(e, Error::InstructionLimit { .. }), "{e:?}");
    // The hook stays set, as in stock Lua: the next call is stopped again,
    // by a fresh budget, and the state stays whole.
    let e = lua.call_numbers(&f, &[1.0, 2.0], |_| ()).unwrap_err();
    assert!(matches!(e, Error::InstructionLimit { .. }), "{e:?}");
}

/// A call hook that loops when a vararg function is entered runs from the
/// VM's VARARGPREP, where the VM's count is reloaded after it (it was not:
/// such a hook's work went uncounted; vm_counter.rs). The budget and the
/// timeout stop it there, and the state stays usable.
#[test]
fn a_call_hook_looping_on_a_vararg_entry_is_stopped_by_the_budget_and_the_timeout() {
    const SCRIPT: &str =
        "looping = true local function v(...) return select('#', ...) end debug.sethook(function() while looping do end end, 'c') v(1, 2)";
    for (lua, timed) in [(all_with(100_000, None), false), (all_with(0, Some(Duration::from_millis(50))), true)] {
        let e = lua.exec::<()>(SCRIPT).unwrap_err();
        if timed {
            assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
        } else {
            assert!(matches!(e, Error::InstructionLimit { .. }), "{e:?}");
        }
        // The hook is still set: the host ends its loop, then Lua removes it.
        lua.set_global("looping", false).unwrap();
        assert_eq!(lua.exec::<i64>("debug.sethook() return 40 + 2").unwrap(), 42);
    }
}

/// The binding's own protected calls (what `set_global`, `get_global` and
/// the other host calls run) are not Lua's business: a call hook Lua code
/// set sees none of them, with no host hook as with one. (It saw them when
/// Lua's hook was alone in the slot: a looping call hook then hung, or
/// under limits failed, the host's next `set_global`.)
#[test]
fn a_lua_call_hook_sees_none_of_the_hosts_own_calls() {
    for host_hook in [false, true] {
        let lua = all_with(100_000, None);
        if host_hook {
            lua.set_hook(Rc::new(|_, _| {}), HookMask { call: true, ..Default::default() });
        }
        lua.exec::<()>("calls = 0 debug.sethook(function() calls = calls + 1 end, 'cr')").unwrap();
        let before: i64 = lua.get_global("calls").unwrap();
        lua.set_global("x", 1).unwrap();
        assert_eq!(lua.get_global::<i64>("x").unwrap(), 1);
        let t = lua.create_table().unwrap();
        t.set("k", 2).unwrap();
        assert_eq!(lua.get_global::<i64>("calls").unwrap(), before, "host hook: {host_hook}");
        // A looping one: the host's calls go on as if there were none.
        lua.exec::<()>("debug.sethook(function() while true do end end, 'c')").unwrap();
        lua.set_global("y", 2).unwrap();
        assert_eq!(lua.get_global::<i64>("y").unwrap(), 2, "host hook: {host_hook}");
    }
}
