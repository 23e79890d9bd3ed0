//! DECISIONS 12 (issue 11): the instruction limit is a work budget. Library
//! functions and the collector charge it in proportion to their work, so a
//! loop whose few instructions each start a megabyte of C work stops after a
//! handful of iterations.
//!
//! No timing: each test counts the loop's iterations in a global `n` and
//! checks that the budget stopped it after the few its work allows. Were the
//! work free, the same budget would let the loop run tens of thousands of
//! times.

use lua_core::{Lua, Preset, StdLib};

const BUDGET: u64 = 2_000_000;

fn limited(max_instructions: u64, memory_limit: usize) -> Lua {
    Lua::builder().preset(Preset::Safe).instruction_limit(max_instructions).memory_limit(memory_limit).build().unwrap()
}

/// Runs `setup` (its own call and budget), then `loop_` repeated `while true`
/// with `n` counting the iterations; it must end with the instruction limit
/// after at most `most` of them. Returns `n`.
fn stops(lua: &Lua, setup: &str, loop_: &str, most: i64) -> i64 {
    if !setup.is_empty() {
        set_up(lua, setup);
    }
    lua.exec::<()>("n = 0").unwrap();
    let e = lua.exec::<()>(&format!("while true do {loop_} n = n + 1 end")).unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{loop_}: {}", e.message());
    assert!(e.message().ends_with("instruction limit exceeded"), "{}", e.message());
    let n: i64 = lua.get_global("n").unwrap();
    assert!((0..=most).contains(&n), "{loop_}: the loop ran {n} times (at most {most} expected)");
    // The state is sound and the next call has a fresh budget.
    assert_eq!(lua.exec::<i64>("return 20 + 22").unwrap(), 42);
    n
}

/// Runs `code` under ten times the state's budget: what a setup costs
/// depends on where the collector's cycles fall (up to ~15 % either way
/// between builds that open the libraries with the collector running or
/// not); only the loops after it are measured.
fn set_up(lua: &Lua, code: &str) {
    let budget = lua.instruction_limit();
    lua.set_instruction_limit(budget * 10);
    lua.exec::<()>(code).unwrap();
    lua.set_instruction_limit(budget);
}

#[test]
fn the_workloads_of_issue_11_stop_after_a_few_iterations() {
    let cases: &[(&str, &str, i64)] = &[
        ("s = string.rep('a', 1e6)", "local u = s:upper()", 8),
        ("s = string.rep('a', 1e6)", "local u = s:reverse()", 8),
        ("keep = {} for i = 1, 1e5 do keep[i] = {i} end", "collectgarbage()", 8),
        ("t = {} for i = 1, 1e5 do t[i] = 'abcdefgh' end", "local u = table.concat(t, ',')", 8),
        ("t = {} for i = 1, 1e5 do t[i] = (i * 7919) % 100003 end", "table.sort(t) table.sort(t, function(a, b) return a > b end)", 2),
        ("t = {} for i = 1, 1e5 do t[i] = i end", "local k = select('#', table.unpack(t))", 20),
        ("s = string.rep('h\\u{e9}llo', 1.6e5)", "local k = utf8.len(s)", 4),
        ("", "local u = string.rep('abc', 1e6)", 4),
        ("", "local u = string.rep('a', 1e6)", 4),
    ];
    for (setup, loop_, most) in cases {
        stops(&limited(BUDGET, 0), setup, loop_, *most);
    }
}

#[test]
fn other_library_work_is_charged_too() {
    let cases: &[(&str, &str, i64)] = &[
        ("s = string.rep('a\\n', 5e4)", "local u = string.format('%q', s)", 80),
        ("s = string.rep('a', 1e6)", "local u = string.format('<%s>', s)", 80),
        ("v = setmetatable({}, {__name = string.rep('x', 1e6)})", "local u = tostring(v)", 80),
        ("src = string.rep('a = 1 + 2 * 3\\n', 7e4)", "local f = load(src)", 1),
        ("s = string.rep('a', 1e5)", "local u = s:gsub('a', 'bb')", 8),
        ("s = string.rep('a', 1e6)", "local u = s .. 'x'", 80),
        ("t = {} for i = 1, 1e5 do t[i] = i end for i = 1, 1e5 do t[i] = nil end", "local k = next(t)", 200),
        ("s = string.rep('a', 1e5)", "local k = select('#', s:byte(1, -1))", 40),
        ("s = string.rep('a', 1e5)", "local k = select('#', utf8.codepoint(s, 1, -1))", 40),
        ("s = string.rep('a', 1e6)", "local u = s:sub(2)", 80),
    ];
    for (setup, loop_, most) in cases {
        stops(&limited(BUDGET, 0), setup, loop_, *most);
    }
}

#[test]
fn emergency_collections_at_the_memory_cap_are_charged() {
    // Filling the heap takes a few million units: a bigger budget.
    let lua = limited(10 * BUDGET, 4 << 20);
    // A 60 KB string, the heap filled to the cap with a chain of small live
    // tables, then a few hundred freed: room for the next chunks, none for
    // doubling the string.
    lua.exec::<()>(
        "s = string.rep('x', 6e4) double = function() return s .. s end \
         depth = 0 pcall(function() while true do keep = {keep} depth = depth + 1 end end) \
         for i = 1, 300 do keep = keep[1] end collectgarbage()",
    )
    .unwrap();
    assert!(lua.get_global::<i64>("depth").unwrap() > 10_000);
    // Each doubling fails after an emergency collection of the whole heap.
    assert!(!lua.exec::<bool>("return (pcall(double))").unwrap());
    stops(&lua, "", "pcall(double)", 200);
}

/// A table constructor's presize (OP_NEWTABLE, OP_SETLIST) allocates where
/// the VM holds its step count in a register (lua-sys's patches_vm.rs). An
/// emergency collection there is charged all the same: a loop whose
/// constructor fails at the cap after collecting the whole heap stops as
/// quickly as one whose concatenation does.
#[test]
fn emergency_collections_inside_a_table_constructor_are_charged() {
    let lua = limited(10 * BUDGET, 4 << 20);
    lua.exec::<()>(
        "big = load('return {' .. string.rep('0,', 2e4) .. '}')          depth = 0 pcall(function() while true do keep = {keep} depth = depth + 1 end end)          for i = 1, 300 do keep = keep[1] end collectgarbage()",
    )
    .unwrap();
    assert!(lua.get_global::<i64>("depth").unwrap() > 10_000);
    assert!(!lua.exec::<bool>("return (pcall(big))").unwrap());
    stops(&lua, "", "pcall(big)", 200);
}

#[test]
fn a_charge_trips_the_limit_for_good_even_under_pcall_and_in_coroutines() {
    let lua = limited(BUDGET, 0);
    lua.exec::<()>("s = string.rep('a', 1e6)").unwrap();
    stops(&lua, "", "pcall(string.upper, s)", 8);
    stops(&lua, "", "coroutine.wrap(function() local u = s:upper() end)()", 8);
    stops(&lua, "", "local ok, e = pcall(load, string.rep(' ', 3e5))", 8);
}

#[test]
fn the_collector_charges_without_raising_and_finalizers_stay_sound() {
    let lua = limited(BUDGET, 0);
    set_up(&lua, "keep = {} for i = 1, 1e5 do keep[i] = {i} end");
    stops(&lua, "", "setmetatable({}, {__gc = function() gcs = (gcs or 0) + 1 end}) collectgarbage()", 8);
    assert_eq!(lua.exec::<i64>("collectgarbage() return #keep").unwrap(), 100_000);
}

#[test]
fn work_that_fits_still_completes_and_plain_code_counts_instructions() {
    let lua = limited(BUDGET, 0);
    assert_eq!(lua.exec::<i64>("local s = string.rep('a', 1e5) for i = 1, 10 do s = s:upper():lower() end return #s").unwrap(), 100_000);
    assert_eq!(lua.exec::<i64>("local t = {} for i = 1, 1000 do t[i] = -i end table.sort(t) return t[1]").unwrap(), -1000);
    assert!(lua.exec::<bool>("for i = 1, 10 do collectgarbage() end return true").unwrap());
    assert_eq!(lua.exec::<i64>("return load('return 6 * 7')()").unwrap(), 42);
    // About four instructions per iteration: around half a million of them.
    let n = stops(&lua, "", "", i64::MAX);
    assert!(n > 200_000 && n < 2_000_000, "n = {n}");
}

#[test]
fn without_a_limit_nothing_is_charged_or_stopped() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    assert_eq!(lua.exec::<i64>("local s = string.rep('a', 1e6) for i = 1, 20 do s = s:upper() end collectgarbage() return #s").unwrap(), 1_000_000);
}

/// EVOLUTION B6 / DECISIONS 2: a limit's error carries the traceback of where
/// it stopped the run, in the same format as a runtime error's.
#[test]
fn a_limit_error_carries_a_traceback() {
    let lua = Lua::builder().libraries(StdLib::BASE).instruction_limit(10_000).build().unwrap();
    let e = lua.exec::<()>("local function spin() while true do end end\nspin()").unwrap_err();
    assert!(matches!(e, lua_core::Error::InstructionLimit { .. }), "{e:?}");
    assert_eq!(e.message(), "instruction limit exceeded");
    let tb = e.traceback().expect("a traceback");
    assert!(tb.starts_with("stack traceback:\n\t"), "{tb}");
    assert!(tb.contains("in local 'spin'") && tb.contains("in main chunk"), "{tb}");
    // Through a script's own pcall too, which cannot catch it (DECISIONS 11).
    let e = lua.exec::<()>("pcall(function() while true do end end)").unwrap_err();
    assert!(e.traceback().is_some_and(|tb| tb.contains("in global 'pcall'")), "{e:?}");
}

/// A state opened without limits opens its runs without budget bookkeeping;
/// a limit set from inside such a run still stops it (the counter the VM
/// already decrements charges it from then on), and the next run obeys it.
#[test]
fn a_limit_set_during_an_unlimited_run_stops_it() {
    let lua = Lua::builder().preset(Preset::Safe).build().unwrap();
    let f = lua
        .create_function(|lua, max: u64| {
            lua.set_instruction_limit(max);
            Ok(())
        })
        .unwrap();
    lua.set_global("limit", f).unwrap();
    let e = lua.exec::<()>("limit(100000) pcall(function() while true do end end) while true do end").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{}", e.message());
    let e = lua.exec::<()>("while true do end").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{}", e.message());
    lua.set_instruction_limit(0);
    assert_eq!(lua.exec::<i64>("local n = 0 for i = 1, 1e6 do n = n + 1 end return n").unwrap(), 1_000_000);
}
