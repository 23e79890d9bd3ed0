//! Random table programs give stock Lua's answers. lua-sys's VM reads and
//! writes short-string keys with its own inline probe (GETTABUP, GETFIELD,
//! SELF, GETTABLE, SETTABUP, SETFIELD, SETTABLE, the `__index` tables
//! `luaV_finishget` walks) and counts instructions in a register beside
//! stock Lua's `trap` (lua-sys/build/patches_vm.rs). Programs of random
//! operations on keys that come and go (values `false` and tables among
//! them, dead keys, rehashes, `__index`/`__newindex` tables and functions,
//! collections, hooks switched on and off) run on mlua's stock Lua 5.5 and
//! on lua-core, and print the same transcript. Fixed seeds: the same
//! programs every run.

use lua_core::{Lua, StdLib};

/// A small deterministic generator (64-bit LCG, high bits).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

const NAMES: u64 = 40;

fn value(r: &mut Rng) -> String {
    match r.below(6) {
        0 => format!("{}", r.below(1000)),
        1 => format!("'s{}'", r.below(50)),
        2 => "false".into(),
        3 => "true".into(),
        4 => "{}".into(),
        _ => format!("{}.5", r.below(100)),
    }
}

fn program(seed: u64, ops: usize) -> String {
    let mut r = Rng(seed);
    let mut s = String::from(
        "local out, n = {}, 0\n\
         local function put(v) n = n + 1 out[n] = type(v) == 'table' and 'table' or tostring(v) end\n\
         local names = {} for i = 0, 39 do names[i] = 'k' .. i end\n\
         local t1, logged = {}, {}\n\
         local t2 = setmetatable({}, {__index = t1})\n\
         local t3 = setmetatable({}, {__newindex = function(t, k, v) logged[#logged + 1] = k rawset(t, k, v) end})\n\
         local t4 = setmetatable({}, {__index = function(t, k) return 'fn:' .. k end})\n\
         local t5 = setmetatable({}, {__index = t2})\n\
         local hooked = 0\n",
    );
    for _ in 0..ops {
        let k = r.below(NAMES);
        let line = match r.below(18) {
            0 | 1 => format!("t1.k{k} = {}", value(&mut r)),
            2 => format!("t1.k{k} = nil"),
            3 | 4 => format!("put(t1.k{k})"),
            5 => format!("put(t2.k{k}) put(t5.k{k})"),
            6 => format!("do local key = names[{k}] put(t1[key]) t2[key] = {} end", value(&mut r)),
            7 => format!("do local key = names[{k}] t1[key] = {} put(rawget(t1, key)) end", value(&mut r)),
            8 => format!("k{k} = {}", value(&mut r)),
            9 => format!("put(k{k}) put(_ENV['k' .. {k}])"),
            10 => format!("t3.k{k} = {} put(#logged) t3.k{} = nil", value(&mut r), r.below(NAMES)),
            11 => format!("put(t4.k{k}) put(t2.k{k})"),
            12 => format!("for i = 1, {} do t1['g' .. i] = i end", 1 + r.below(200)),
            13 => format!("for i = 1, {} do t1['g' .. i] = nil end", 1 + r.below(200)),
            14 => "do local c = 0 for _ in pairs(t1) do c = c + 1 end put(c) end".into(),
            15 => "collectgarbage()".into(),
            16 => format!("debug.sethook(function() hooked = hooked + 1 end, '', {}) put(t1.k{k}) t1.k{k} = 1 debug.sethook() ", 1 + r.below(5)),
            _ => format!("do local o = setmetatable({{}}, {{__index = t1}}) put(o.k{k}) end"),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s.push_str("put(hooked) return table.concat(out, ' ')");
    s
}

#[test]
fn random_table_programs_match_stock_lua() {
    for seed in 1..=40u64 {
        // Fresh states each time: the programs set globals.
        let ours = Lua::with_libraries(StdLib::ALL).unwrap();
        let limited = Lua::builder().libraries(StdLib::ALL).instruction_limit(1 << 40).build().unwrap();
        let source = program(seed, 400);
        // SAFETY (mlua's contract): the debug library is opened on purpose.
        let stock_lua = unsafe { mlua::Lua::unsafe_new_with(mlua::StdLib::ALL, mlua::LuaOptions::default()) };
        let stock = stock_lua.load(source.as_str()).set_name("=ops").eval::<String>().unwrap();
        assert!(stock.split(' ').count() > 50, "seed {seed}: the stock run recorded too little");
        for (which, lua) in [("no limit", &ours), ("with a limit", &limited)] {
            let got = lua.load(source.as_str()).set_name("=ops").eval::<String>().unwrap_or_else(|e| panic!("seed {seed} ({which}): {}", e.message()));
            assert_eq!(got, stock, "seed {seed} ({which}) differs from stock Lua; the program:\n{source}");
        }
    }
}
