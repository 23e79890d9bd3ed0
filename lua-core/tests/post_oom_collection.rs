//! After a script runs a state out of memory, the garbage it leaves must be
//! collectable by the next allocation that needs the room, whichever
//! allocation that is.
//!
//! Lua answers a refused allocation with an emergency collection and one
//! more try (lmem.c's `tryagain`), but stock lauxlib's buffers (`luaL_Buffer`:
//! `string.rep`, `table.concat`, `string.format`, `string.gsub`, ...) grow
//! their box by calling the allocation function directly (`resizebox`), so
//! their refusal was final. After an out-of-memory error the collector is
//! paused (its last cycle, the emergency one, ran while everything was still
//! alive, so the next starts only when the heap doubles, which a limit
//! forbids): the megabytes the script let go stayed until some allocation
//! through Lua's core happened to be refused. A buffer's growth then failed
//! with "not enough memory" next to megabytes of garbage: the sandbox
//! corpus's H06, when the heap sat a few bytes differently. lua-sys's
//! lauxlib.c now runs the same emergency collection and tries once more.

use lua_core::{Lua, LuaOptions, StdLib};

const MB: usize = 1 << 20;

fn limited() -> Lua {
    Lua::with_options(LuaOptions { libraries: StdLib::ALL, memory_limit: 8 * MB, ..Default::default() }).unwrap()
}

/// The script of the corpus's H06 (mem-concat-keep.lua), caught by `pcall`:
/// it keeps every string it makes until memory runs out, then lets them go.
const FILL_AND_DROP: &str = "
  local keep = {}
  local ok, err = pcall(function()
    local s = ''
    for i = 1, math.huge do s = s .. i .. ','; keep[#keep + 1] = s end
  end)
  assert(not ok and err == 'not enough memory', tostring(err))
  keep = nil
";

#[test]
fn a_buffer_grows_into_garbage_left_by_an_out_of_memory_error() {
    // Each buffer-building function, right after the same script let 8 MB go.
    for (what, expr) in [
        ("string.rep", "#string.rep('x', 1000000)"),
        ("string.rep with a separator", "#string.rep('x', 500001, 'y')"),
        ("table.concat", "#table.concat(setmetatable({}, {__index = function() return 'xxxxxxxxxx' end, __len = function() return 100000 end}))"),
        ("string.format", "#string.format('%s%s', string.rep('x', 10), ('y'):rep(1000000))"),
        ("string.gsub", "#(('x'):rep(1000):gsub('x', ('z'):rep(1000)))"),
    ] {
        let lua = limited();
        let n: i64 = lua.exec(&format!("{FILL_AND_DROP}\nreturn {expr}")).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(n >= 1_000_000, "{what}: {n}");
        assert!(lua.memory_used() <= lua.memory_limit());
    }
}

#[test]
fn a_buffer_grows_into_garbage_left_by_the_previous_call() {
    // H06 itself: the script runs the state out of memory and fails; the
    // next call's buffer needs the room its garbage holds. (Whether a call in
    // between happens to be refused, and so collects, depends on where the
    // heap's last byte fell: the first `x = 1` made the difference on main.)
    for before in ["", "x = 1", "y = {}", "z = ('p'):rep(100)"] {
        let lua = limited();
        lua.exec::<()>(before).unwrap();
        let e = lua
            .exec::<()>("local keep, s = {}, '' for i = 1, math.huge do s = s .. i .. ','; keep[#keep + 1] = s end")
            .unwrap_err();
        assert_eq!(e.code(), "LUA_MEMORY", "{before:?}: {e}");
        assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2);
        let n: i64 = lua.exec("return #string.rep('x', 100000)").unwrap_or_else(|e| panic!("after {before:?}: {e}"));
        assert_eq!(n, 100_000);
    }
}

#[test]
fn the_buffer_still_fails_when_the_memory_is_alive() {
    // The retry collects garbage only: what is still referenced stays, and
    // a buffer with no room left is still an ordinary, catchable error.
    let lua = limited();
    let r: String = lua
        .exec(
            "
            keep = {}
            local ok, err = pcall(function()
              local s = ''
              for i = 1, math.huge do s = s .. i .. ','; keep[#keep + 1] = s end
            end)
            local ok2, err2 = pcall(string.rep, 'x', 1000000)
            return tostring(ok2) .. ' ' .. tostring(err2) .. ' ' .. #keep",
        )
        .unwrap();
    assert!(r.starts_with("false not enough memory "), "{r}");
    assert!(lua.memory_used() <= lua.memory_limit());
    // And once it is let go, the same buffer fits.
    assert_eq!(lua.exec::<i64>("keep = nil return #string.rep('x', 1000000)").unwrap(), 1_000_000);
}
