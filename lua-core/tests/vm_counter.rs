//! The VM keeps its instruction count in a register and hands it back to the
//! thread at every call out of the VM (lua-sys/build/patches_vm.rs). A store
//! or reload missed anywhere would let work run uncounted: the work of a
//! metamethod, a finalizer, a hook or a coroutine would vanish from the
//! budget, or a loop's own count would be reset by a reload.
//!
//! So: the budget a script needs is measured (the smallest instruction limit
//! it completes under, found by bisection) with its work in each place Lua
//! code can run, and compared with the same work written inline. Moving the
//! work must not make it cheaper.

use lua_core::{Lua, StdLib};

/// A body of about 200 instructions (100 iterations of FORLOOP and ADD).
const WORK: &str = "local function work() local s = 0 for i = 1, 100 do s = s + i end return s end";

/// Iterations of the outer loop of every script.
const TIMES: u64 = 500;

fn state(limit: u64) -> Lua {
    let lua = Lua::builder().libraries(StdLib::ALL).instruction_limit(limit).build().unwrap();
    let call_back = lua
        .create_function(|lua, f: lua_core::Function| {
            let _ = lua;
            f.call::<i64>(())
        })
        .unwrap();
    lua.set_global("call_back", call_back).unwrap();
    lua
}

fn completes(script: &str, limit: u64) -> bool {
    match state(limit).exec::<()>(script) {
        Ok(()) => true,
        Err(e) => {
            assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{script}: {}", e.message());
            false
        }
    }
}

/// The smallest instruction limit `script` completes under.
fn budget_needed(script: &str) -> u64 {
    let (mut low, mut high) = (1u64, 1u64 << 26);
    assert!(completes(script, high), "{script}: does not complete under {high}");
    while low < high {
        let mid = low + (high - low) / 2;
        if completes(script, mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    low
}

fn script(setup: &str, step: &str) -> String {
    format!("{WORK}\n{setup}\nfor n = 1, {TIMES} do {step} end")
}

#[test]
fn work_costs_the_same_wherever_it_runs() {
    let inline = budget_needed(&script("", "work()"));
    // The inline work itself: at least 200 instructions a time.
    assert!(inline >= 200 * TIMES, "inline: {inline}");
    let object = "local mt = {} local a, b = setmetatable({}, mt), setmetatable({}, mt)";
    let places: &[(&str, &str, &str)] = &[
        ("__index", &format!("{object} mt.__index = function() return work() end"), "local v = a.x"),
        ("__newindex", &format!("{object} mt.__newindex = function() work() end"), "a.x = 1"),
        ("__add", &format!("{object} mt.__add = function() return work() end"), "local v = a + 1"),
        ("__eq", &format!("{object} mt.__eq = function() work() return true end"), "local v = a == b"),
        ("__lt", &format!("{object} mt.__lt = function() work() return true end"), "local v = a < b"),
        ("__concat", &format!("{object} mt.__concat = function() return work() end"), "local v = a .. 'x'"),
        ("__len", &format!("{object} mt.__len = function() return work() end"), "local v = #a"),
        ("__call", &format!("{object} mt.__call = function() return work() end"), "local v = a()"),
        ("__close", &format!("{object} mt.__close = function() work() end"), "do local c <close> = a end"),
        ("__tostring", &format!("{object} mt.__tostring = function() work() return 'x' end"), "local v = tostring(a)"),
        ("pcall, raising", "local function f() work() error('x') end", "pcall(f)"),
        ("coroutine", "", "coroutine.wrap(work)()"),
        ("coroutine, yielding", "local co = coroutine.wrap(function() while true do work() coroutine.yield() end end)", "co()"),
        ("table.sort comparator", "local t = {1, 2} local function lt(x, y) work() return x < y end", "t[1], t[2] = 2, 1 table.sort(t, lt)"),
        ("string.gsub callback", "", "string.gsub('a', 'a', work)"),
        ("a host function calling back", "", "call_back(work)"),
        ("a tail call", "local function f() return work() end", "f()"),
        ("load", "local f = load('local s = 0 for i = 1, 100 do s = s + i end')", "f()"),
    ];
    for (place, setup, step) in places {
        let needed = budget_needed(&script(setup, step));
        assert!(needed >= inline, "{place}: {needed} units against {inline} inline: work went uncounted");
    }
}

/// Hook functions and finalizers run where the VM is stopped between two
/// instructions or inside the collector; their work counts too.
#[test]
fn hooks_and_finalizers_are_counted() {
    let inline = budget_needed(&script("", "work()"));
    let hook = budget_needed(&format!(
        "{WORK}\nlocal calls = 0\ndebug.sethook(function() if calls < {TIMES} then calls = calls + 1 work() end end, '', 3)\n\
         for n = 1, {TIMES} * 4 do end\ndebug.sethook()\nassert(calls == {TIMES})"
    ));
    assert!(hook >= inline, "hook: {hook} against {inline}");
    // A vararg function's call hook runs from inside the VM (VARARGPREP),
    // not from a function's entry.
    let vararg_call_hook = budget_needed(&format!(
        "{WORK}\nlocal calls = 0\nlocal function v(...) end\n\
         debug.sethook(function() if calls < {TIMES} then calls = calls + 1 work() end end, 'c')\n\
         for n = 1, {TIMES} do v() end\ndebug.sethook()\nassert(calls == {TIMES})"
    ));
    assert!(vararg_call_hook >= inline, "vararg call hook: {vararg_call_hook} against {inline}");
    let finalizers = budget_needed(&format!(
        "{WORK}\nlocal mt = {{__gc = function() work() end}}\n\
         for n = 1, {TIMES} do setmetatable({{}}, mt) end\ncollectgarbage()"
    ));
    assert!(finalizers >= inline, "finalizers: {finalizers} against {inline}");
}

/// A loop's jumps refresh the VM's `trap` but must not reload the count:
/// a loop of nothing but jumps still runs out.
#[test]
fn loops_without_calls_are_counted() {
    let for_loop = budget_needed("for i = 1, 100000 do end");
    assert!(for_loop >= 100_000, "{for_loop}");
    let while_loop = budget_needed("local i = 0 while i < 100000 do i = i + 1 end");
    assert!(while_loop >= 300_000, "{while_loop}");
    let repeat_loop = budget_needed("local i = 0 repeat i = i + 1 until i >= 100000");
    assert!(repeat_loop >= 300_000, "{repeat_loop}");
    // Field and global reads and writes the VM does inline (GETFIELD,
    // SETFIELD, GETTABUP, SETTABUP, SELF): each still one step.
    let fields = budget_needed("local t = {x = 0} function t:m() end g = 0 for i = 1, 20000 do t.x = t.x + 1 g = g + 1 t:m() end");
    assert!(fields >= 20_000 * 9, "{fields}");
}
