//! Issue 18: small blocks live in a per-state pool (lua-core's `raw::pool`).
//! Where a block lives must change nothing Lua or the host can see: the
//! state's count of bytes is still exactly what Lua asked for, limits refuse
//! at the same point, and states made and closed in any order stay sound,
//! also once a state has more small blocks than its pool keeps.

use lua_core::{GcCommand, GcResult, Lua, Preset};

/// Lua's own count of its bytes (`collectgarbage('count')`, in bytes).
fn lua_count(lua: &Lua) -> usize {
    match lua.gc(GcCommand::Count).unwrap() {
        GcResult::Count(kib) => (kib * 1024.0) as usize,
        other => panic!("{other:?}"),
    }
}

/// The allocator's count minus Lua's: a constant for a state (Lua leaves a
/// few bytes of its own start-up out of its count), whatever it does.
fn offset(lua: &Lua) -> isize {
    let ours = lua.memory_used() as isize;
    ours - lua_count(lua) as isize
}

#[test]
fn the_count_stays_exact_through_churn_past_the_pool_and_across_sizes() {
    let lua = Lua::builder().preset(Preset::All).build().unwrap();
    let start = offset(&lua);
    // Many small blocks (more than the pool keeps: part of them come from
    // malloc), strings growing and shrinking across the small/large
    // boundary, then everything let go.
    let script = r#"
        local t = {}
        for i = 1, 20000 do t[i] = { i, tostring(i) } end
        local s = ''
        for i = 1, 700 do s = s .. 'x' end
        for i = 700, 1, -7 do s = s:sub(1, i) end
        local parts = {}
        for i = 1, 3000 do parts[#parts + 1] = string.rep('y', i % 600) end
        t, parts = nil, nil
        collectgarbage()
        return #s
    "#;
    for _ in 0..3 {
        assert_eq!(lua.exec::<i64>(script).unwrap(), 7);
        assert_eq!(offset(&lua), start);
    }
}

#[test]
fn a_memory_limit_refuses_at_the_same_count_with_small_blocks_pooled() {
    let lua = Lua::builder().preset(Preset::All).memory_limit(512 * 1024).build().unwrap();
    let start = offset(&lua);
    let e = lua.exec::<()>("local t = {} for i = 1, 1e7 do t[i] = { i } end").unwrap_err();
    assert_eq!(e.code(), "LUA_MEMORY", "{}", e.message());
    assert_eq!(e.message(), "not enough memory");
    assert!(lua.memory_used() <= 512 * 1024);
    lua.exec::<()>("collectgarbage()").unwrap();
    assert_eq!(offset(&lua), start);
    assert_eq!(lua.exec::<i64>("local t = {} for i = 1, 100 do t[i] = {i} end return #t").unwrap(), 100);
}

#[test]
fn states_made_and_closed_in_any_order_stay_sound() {
    // Closed states hand their chunks to the next ones on the thread.
    let mut live: Vec<(Lua, isize)> = Vec::new();
    for i in 0..200 {
        let lua = Lua::builder().preset(Preset::All).build().unwrap();
        let start = offset(&lua);
        lua.exec::<()>(&format!("x = {{ n = {i}, s = string.rep('z', {i}) }}")).unwrap();
        live.push((lua, start));
        if i % 3 == 0 {
            let (gone, _) = live.remove(live.len() / 2);
            gone.close().unwrap();
        }
        if i % 5 == 0 && !live.is_empty() {
            drop(live.remove(0));
        }
    }
    for (lua, start) in &live {
        let n: i64 = lua.exec("return x.n").unwrap();
        assert_eq!(lua.exec::<i64>("return #x.s").unwrap(), n);
        assert_eq!(offset(lua), *start);
    }
}
