//! The handles the host holds (`Function`, `Table`, `Thread`, ...) are
//! references in lua-sys's reference table (a slot of the registry's array
//! part), found by two array reads on every call (issue 18). The table keeps
//! a free slot past its last reference, grown softly when a reference takes
//! the last one, so making a handle does not allocate when memory is gone;
//! and a script that reaches it through the debug library can break the
//! handles, never the process.
#![cfg(feature = "host-binding")]

use lua_core::host::AllocationFault;
use lua_core::{Function, Lua, LuaOptions, StdLib};

fn state(libraries: StdLib) -> Lua {
    Lua::with_options(LuaOptions { libraries, ..Default::default() }).unwrap()
}

#[test]
fn a_handle_is_made_with_no_memory_to_grow_at_every_size() {
    // At each size the table goes through (its growths included), one more
    // handle is made while every allocation is refused: the spare slot takes
    // it. The unfaulted handle made after it takes the slot back and grows
    // the table for the next round.
    let lua = state(StdLib::ALL);
    lua.exec::<()>("function f() return 7 end").unwrap();
    let globals = lua.globals().unwrap();
    let mut held = Vec::new();
    for k in 0..600 {
        lua.set_allocation_fault(Some(AllocationFault::persistent(1)));
        let faulted = globals.get::<_, Function>("f");
        let fired = lua.allocation_faults_fired();
        lua.set_allocation_fault(None);
        let f = faulted.unwrap_or_else(|e| panic!("handle {k} with no memory to grow: {e} ({fired} refusals)"));
        assert_eq!(f.call::<i64>(()).unwrap(), 7);
        drop(f);
        held.push(globals.get::<_, Function>("f").unwrap());
    }
    for f in &held {
        assert_eq!(f.call::<i64>(()).unwrap(), 7);
    }
}

#[test]
fn handles_keep_their_values_through_growth_and_reuse() {
    let lua = state(StdLib::ALL);
    let make = lua.exec::<Function>("return function(i) return function() return i end end").unwrap();
    let mut held: Vec<(i64, Function)> = (0..3000).map(|i| (i, make.call::<Function>(i).unwrap())).collect();
    // Every other one released: their slots go to the free list and are reused.
    let mut kept = Vec::new();
    for (i, (n, f)) in held.drain(..).enumerate() {
        if i % 2 == 0 {
            kept.push((n, f));
        }
    }
    kept.extend((3000..5000).map(|i| (i, make.call::<Function>(i).unwrap())));
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    for (n, f) in &kept {
        assert_eq!(f.call::<i64>(()).unwrap(), *n);
    }
}

#[test]
fn a_script_that_replaces_the_reference_table_breaks_handles_never_the_process() {
    let lua = state(StdLib::ALL);
    let f = lua.exec::<Function>("return function() return 42 end").unwrap();
    // The slot after Lua's own registry slots.
    assert_eq!(lua.exec::<String>("return type(debug.getregistry()[4])").unwrap(), "table");
    lua.exec::<()>("debug.getregistry()[4] = { 'not', 'refs' }").unwrap();
    let e = f.call::<i64>(()).unwrap_err();
    assert!(e.to_string().contains("attempt to call a nil value"), "{e}");
    // New handles anchor nothing, and nothing is written into the script's table.
    let g = lua.exec::<Function>("return function() return 1 end").unwrap();
    assert!(g.call::<i64>(()).is_err());
    drop(f);
    drop(g);
    assert_eq!(lua.exec::<String>("local t = debug.getregistry()[4] return #t .. t[1] .. t[2]").unwrap(), "2notrefs");
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2);
}

#[test]
fn a_corrupted_free_list_never_writes_outside_the_table() {
    let lua = state(StdLib::ALL);
    let make = lua.exec::<Function>("return function(i) return function() return i end end").unwrap();
    let held: Vec<Function> = (0..20).map(|i| make.call::<Function>(i).unwrap()).collect();
    for head in ["'x'", "-5", "2^53", "1e300", "nil", "0.5", "#debug.getregistry()[4] + 1000", "3"] {
        lua.exec::<()>(&format!("debug.getregistry()[4][1] = {head}")).unwrap();
        let made: Vec<Function> = (0..5).map(|i| make.call::<Function>(100 + i).unwrap()).collect();
        for f in held.iter().chain(&made) {
            // A handle finds some value or none: a relinked list may hand a
            // slot to two handles (as a script with `debug` could anyway).
            if let Err(e) = f.call::<i64>(()) {
                assert!(e.to_string().contains("attempt to call"), "{head}: {e}");
            }
        }
        drop(made);
    }
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2);
}

#[test]
fn a_table_put_where_a_collected_reference_table_was_is_never_written() {
    // A weak registry lets the reference table be collected; a table a
    // script then makes can take the very block that held it (freed blocks
    // are reused), so the address alone would take it for the reference
    // table. The script makes tables until one lands there and puts that one
    // in the slot: handles must anchor nothing in it.
    let mut landed = 0;
    for round in 0..20 {
        let lua = state(StdLib::ALL);
        let f = lua.exec::<Function>("return function() return 'kept' end").unwrap();
        let same_block: bool = lua
            .exec(
                "local r = debug.getregistry()
                 local before = tostring(r[4])
                 setmetatable(r, { __mode = 'v' }) collectgarbage() collectgarbage()
                 assert(r[4] == nil, 'the reference table outlived a weak registry')
                 local made = {}
                 for i = 1, 20000 do
                   local t = { 'a', 'b', 'c' }
                   if tostring(t) == before then r[4] = t return true end
                   made[i] = t
                 end
                 r[4] = { 'a', 'b', 'c' }
                 return false",
            )
            .unwrap();
        landed += usize::from(same_block);
        let g = lua.exec::<Function>("return function() return 'later' end").unwrap();
        if let Ok(v) = g.call::<String>(()) {
            panic!("round {round}: a handle anchored in the script's table ({v}; same block: {same_block})");
        }
        assert!(f.call::<String>(()).is_err(), "round {round}");
        drop((f, g));
        let t: String = lua.exec("local t = debug.getregistry()[4] local s = '' for k, v in pairs(t) do s = s .. tostring(k) .. '=' .. tostring(v) .. ' ' end return s").unwrap();
        assert_eq!(t, "1=a 2=b 3=c ", "round {round}: written into (same block: {same_block})");
    }
    // Without the small-block pool (AddressSanitizer's build) blocks are
    // malloc's, which may never hand the same one back while it matters.
    assert!(landed > 0 || lua_sys::ADDRESS_SANITIZER, "no table landed in the collected one's block");
}
