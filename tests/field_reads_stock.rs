//! Field reads by a constant name (`t.name`, a global, `obj:method()`) give
//! what stock Lua gives. lua-sys's VM probes the key's main position inline
//! and walks the rest of the chain in a helper of its own instead of calling
//! ltable.c's `luaH_getshortstr` (lua-sys/build/patches_vm.rs); a slip in
//! that copy (a dead key, a chain's end, a table with no hash part) would
//! read a wrong value or skip `__index`. mlua's vendored Lua 5.5 is stock, so
//! the same generated script runs on both and its transcript must match.
//! With some hundred keys per table, many sit down a collision chain
//! whatever the hash seed.

use lua_core::{Lua, StdLib};

const KEYS: usize = 300;

/// A script that reads `KEYS` distinct constant field names through
/// GETFIELD, GETTABUP and SELF while keys come and go, and returns a
/// transcript of every read.
fn script() -> String {
    let mut s = String::from("local out, n = {}, 0\nlocal function put(v) n = n + 1 out[n] = tostring(v) end\n");
    s.push_str("local t = {}\nlocal missing = setmetatable({}, {__index = function(_, k) return 'idx:' .. k end})\n");
    // Fill, each key by its constant name.
    for k in 0..KEYS {
        s.push_str(&format!("t.f{k} = {k} missing.f{k} = (({k} % 3 == 0) and {k} or nil) f{k} = -{k}\n"));
    }
    let reads = |s: &mut String| {
        for k in 0..KEYS {
            s.push_str(&format!("put(t.f{k}) put(missing.f{k}) put(f{k})\n"));
        }
    };
    reads(&mut s);
    // Every other key deleted (dead keys stay in their nodes), then read.
    for k in (0..KEYS).step_by(2) {
        s.push_str(&format!("t.f{k} = nil missing.f{k} = nil f{k} = nil\n"));
    }
    reads(&mut s);
    // Some back, and a rehash of `t` by new keys.
    for k in (0..KEYS).step_by(4) {
        s.push_str(&format!("t.f{k} = 'again' .. {k}\n"));
    }
    s.push_str("for i = 1, 2000 do t['g' .. i] = i end\n");
    reads(&mut s);
    // Methods through SELF: on the object, through __index, and missing.
    s.push_str("local proto = {}\nlocal obj = setmetatable({own = function(self) return 'own' end}, {__index = proto})\n");
    for k in 0..40 {
        s.push_str(&format!("function proto:m{k}() return 'm{k}' end\n"));
    }
    for k in 0..40 {
        s.push_str(&format!("put(obj:m{k}()) put(obj:own()) put(pcall(function() return obj:absent{k}() end))\n"));
    }
    // The same names as values (GETTABLE, SETTABLE with a string key),
    // and keys that are not short strings beside them.
    s.push_str("local names = {}\n");
    for k in 0..KEYS {
        s.push_str(&format!("names[{}] = 'f{k}'\n", k + 1));
    }
    s.push_str("for i, k in ipairs(names) do put(t[k]) put(missing[k]) end\n");
    s.push_str("for i, k in ipairs(names) do if i % 3 == 0 then t[k] = nil elseif i % 3 == 1 then t[k] = i * 2 end end\n");
    s.push_str("for i, k in ipairs(names) do put(t[k]) end\n");
    s.push_str("local long = string.rep('x', 64) t[long] = 'long' t[1.5] = 'float' t[true] = 'bool'\n");
    s.push_str("put(t[long]) put(t[1.5]) put(t[true]) put(t[string.rep('x', 64)]) put(t['f1' .. ''])\n");
    // Methods found two and three __index tables up.
    s.push_str("local Base = {} Base.__index = Base function Base:hello() return 'base' end\n");
    s.push_str("local Mid = setmetatable({}, Base) Mid.__index = Mid function Mid:mid() return 'mid' end\n");
    s.push_str("local leaf = setmetatable({}, Mid)\n");
    s.push_str("for i = 1, 20 do put(leaf:hello()) put(leaf:mid()) put(leaf.nothing) Mid['k' .. i] = i put(leaf['k' .. i]) end\n");
    // Tables with an array part only, and an empty one.
    s.push_str("local arr, empty = {1, 2, 3}, {}\n");
    for k in 0..20 {
        s.push_str(&format!("put(arr.f{k}) put(empty.f{k})\n"));
    }
    s.push_str("return table.concat(out, ' ')");
    s
}

#[test]
fn field_reads_match_stock_lua() {
    let source = script();
    let stock = mlua::Lua::new().load(source.as_str()).set_name("=fields").eval::<String>().unwrap();
    assert!(stock.split(' ').count() > 3 * 3 * KEYS, "the stock run recorded too little");
    let ours = Lua::with_libraries(StdLib::ALL).unwrap().load(source.as_str()).set_name("=fields").eval::<String>().unwrap();
    assert_eq!(ours, stock);
    // Under limits the counter runs out inside the reads too.
    let limited = Lua::builder().libraries(StdLib::ALL).instruction_limit(1 << 40).build().unwrap();
    assert_eq!(limited.load(source.as_str()).set_name("=fields").eval::<String>().unwrap(), stock);
}
