//! Hooks see what stock Lua's hooks see. lua-sys's VM folds stock Lua's
//! per-instruction `trap` test into its step counter (wherever `trap` turns
//! on, the count is set aside and the counter left expired, so hooks run
//! from the counter's slow path; lua-sys/build/patches_vm.rs). A place that
//! turned `trap` on without arming the counter would skip hook events; one
//! that armed it twice would count or report them wrong. mlua's vendored
//! Lua 5.5 is stock, so the same scripts' hook events are recorded on both
//! and compared, with lua-core running without a limit and under an
//! instruction limit (a counter refilled at intervals) and a timeout.

use std::time::Duration;

use lua_core::{Lua, StdLib};

/// Records every hook event as `event:line` (the line of the function the
/// hook interrupted), into `events`.
const RECORDER: &str = r#"
local events = {}
local getinfo, n = debug.getinfo, 0
local function rec(ev, line)
  n = n + 1
  events[n] = ev .. ":" .. tostring(line or getinfo(2, "l").currentline)
end
"#;

/// What each script does with hooks on; each ends with the hook off.
const SCRIPTS: &[(&str, &str)] = &[
    (
        "count hook every instruction, loops and calls",
        r##"
local function add(a, b) return a + b end
debug.sethook(rec, "", 1)
local s = 0
for i = 1, 20 do s = add(s, i) end
local j = 0
while j < 10 do j = j + 1 end
debug.sethook()
"##,
    ),
    (
        "line, call and return hooks: recursion, tail calls, varargs",
        r##"
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local function tail(n) if n == 0 then return 0 end return tail(n - 1) end
local function va(...) local t = {...} return select("#", ...), t[1] end
debug.sethook(rec, "crl")
fib(5)
tail(4)
va(1, 2, 3)
va()
debug.sethook()
"##,
    ),
    (
        "metamethods, pcall with an error, string functions calling back",
        r##"
local mt = {__index = function(t, k) return k * 2 end, __add = function(a, b) return 1 end}
local obj = setmetatable({}, mt)
debug.sethook(rec, "crl", 3)
local v = obj[4] + 1
local w = obj + obj
pcall(function() error("x") end)
string.gsub("abc", "%w", function(c) return c end)
table.sort({3, 1, 2}, function(a, b) return a < b end)
debug.sethook()
"##,
    ),
    (
        "hooks turned on and off inside a loop, and by a hook itself",
        r##"
for i = 1, 100 do
  if i == 30 then debug.sethook(rec, "l")
  elseif i == 60 then debug.sethook()
  elseif i == 70 then debug.sethook(rec, "", 5)
  elseif i == 90 then debug.sethook() end
end
local left = 3
debug.sethook(function(ev, line)
  rec(ev, line)
  left = left - 1
  if left == 0 then debug.sethook() end
end, "l")
local a = 1
a = a + 1
a = a + 1
a = a + 1
a = a + 1
"##,
    ),
    (
        "coroutines: each thread's own hook",
        r##"
local co = coroutine.create(function(x)
  debug.sethook(rec, "crl")
  local y = coroutine.yield(x + 1)
  for i = 1, 3 do y = y + i end
  debug.sethook()
  return y
end)
coroutine.resume(co, 1)
debug.sethook(rec, "", 2)
local k = 0
for i = 1, 5 do k = k + i end
debug.sethook()
coroutine.resume(co, 10)
"##,
    ),
];

fn chunk(script: &str) -> String {
    format!("{RECORDER}\n{script}\nreturn table.concat(events, ' ')")
}

fn stock(script: &str) -> String {
    // SAFETY (mlua's contract): the debug library is opened on purpose.
    let lua = unsafe { mlua::Lua::unsafe_new_with(mlua::StdLib::ALL, mlua::LuaOptions::default()) };
    lua.load(chunk(script)).set_name("=t").eval::<String>().unwrap()
}

fn ours(lua: &Lua, script: &str) -> String {
    lua.load(chunk(script)).set_name("=t").eval::<String>().unwrap()
}

#[test]
fn hook_events_match_stock_lua() {
    let plain = Lua::with_libraries(StdLib::ALL).unwrap();
    // A small interval makes the counter run out (and refill) inside the
    // hooked code too.
    let limited = Lua::builder().libraries(StdLib::ALL).instruction_limit(50_000_000).timeout(Duration::from_secs(60)).build().unwrap();
    for (what, script) in SCRIPTS {
        let expected = stock(script);
        assert!(expected.split(' ').count() > 10, "{what}: the stock run recorded too little: {expected}");
        assert_eq!(ours(&plain, script), expected, "{what}: no limit");
        assert_eq!(ours(&limited, script), expected, "{what}: with limits");
    }
}
