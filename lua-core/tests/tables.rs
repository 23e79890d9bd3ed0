//! The Rust table API: `Lua::globals`, `Table::get` / `set` / `contains_key`
//! / `len` / `pairs` / `for_each` / `sequence`, and what a hostile
//! metatable can and cannot do to them.

use lua_core::{Error, Lua, LuaOptions, StdLib, Table, Value};

fn lua() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

#[test]
fn get_and_set_go_through_metamethods() {
    let lua = lua();
    let t: Table = lua
        .exec("log = {} return setmetatable({}, { __index = function(_, k) return 'default ' .. k end, __newindex = function(t, k, v) log[#log + 1] = k rawset(t, k, v) end })")
        .unwrap();
    assert_eq!(t.get::<_, String>("x").unwrap(), "default x");
    t.set("x", 5).unwrap();
    assert_eq!(t.get::<_, i64>("x").unwrap(), 5);
    assert_eq!(lua.exec::<String>("return log[1]").unwrap(), "x");
    assert!(t.contains_key("anything").unwrap(), "__index answers every key");
    assert_eq!(t.raw_get::<_, Option<String>>("y").unwrap(), None);
}

#[test]
fn keys_keep_their_lua_types() {
    let lua = lua();
    let t = lua.create_table().unwrap();
    t.set(1, "integer").unwrap();
    t.set("1", "string").unwrap();
    t.set(1.5, "float").unwrap();
    t.set(true, "boolean").unwrap();
    assert_eq!(t.get::<_, String>(1).unwrap(), "integer");
    assert_eq!(t.get::<_, String>(1.0).unwrap(), "integer", "1.0 is the key 1, as in Lua");
    assert_eq!(t.get::<_, String>("1").unwrap(), "string");
    assert_eq!(t.get::<_, String>(1.5).unwrap(), "float");
    assert_eq!(t.get::<_, String>(true).unwrap(), "boolean");
    assert_eq!(t.pairs::<Value, String>().unwrap().len(), 4);
}

#[test]
fn bad_keys_are_errors_not_aborts() {
    let lua = lua();
    let t = lua.create_table().unwrap();
    let nan = t.set(f64::NAN, 1).unwrap_err();
    assert!(nan.to_string().contains("index is NaN"), "{nan}");
    let nil = t.set(Value::Nil, 1).unwrap_err();
    assert!(nil.to_string().contains("index is nil"), "{nil}");
    assert_eq!(t.get::<_, Option<i64>>(Value::Nil).unwrap(), None, "reading a nil key is nil, as in Lua");
    t.set("still", "usable").unwrap();
    assert_eq!(t.get::<_, String>("still").unwrap(), "usable");
}

#[test]
fn metamethod_errors_come_back_as_errors() {
    let lua = lua();
    let t: Table = lua
        .exec("return setmetatable({}, { __index = function() error('no reads') end, __newindex = function() error('no writes') end, __len = function() error('no length') end })")
        .unwrap();
    assert!(t.get::<_, Value>("k").unwrap_err().to_string().contains("no reads"));
    assert!(t.set("k", 1).unwrap_err().to_string().contains("no writes"));
    assert!(t.len().unwrap_err().to_string().contains("no length"));
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2, "the state stays usable");
}

#[test]
fn len_honours_len_and_requires_an_integer() {
    let lua = lua();
    let t: Table = lua.exec("return { 1, 2, 3, nil, 5 }").unwrap();
    assert!(matches!(t.len().unwrap(), 3 | 5), "a border, as # gives");
    assert_eq!(t.raw_len() as i64, t.len().unwrap());
    let fake: Table = lua.exec("return setmetatable({}, { __len = function() return 'many' end })").unwrap();
    assert!(fake.len().unwrap_err().to_string().contains("object length is not an integer"));
    let empty = lua.create_table().unwrap();
    assert!(empty.is_empty().unwrap());
}

#[test]
fn a_looping_metamethod_is_stopped_by_the_budget() {
    let lua = Lua::with_options(LuaOptions { libraries: StdLib::ALL, max_instructions: 100_000, ..Default::default() }).unwrap();
    let t: Table = lua.exec("return setmetatable({}, { __index = function() while true do end end, __len = function() while true do end end })").unwrap();
    let e = t.get::<_, Value>(1).unwrap_err();
    assert!(e.to_string().contains("instruction limit exceeded"), "{e}");
    let e = t.len().unwrap_err();
    assert!(e.to_string().contains("instruction limit exceeded"), "{e}");
}

#[test]
fn pairs_is_a_raw_snapshot() {
    let lua = lua();
    let t: Table = lua.exec("return setmetatable({ a = 1, b = 2 }, { __pairs = function() error('not consulted') end, __index = function() return 99 end })").unwrap();
    let mut pairs: Vec<(String, i64)> = t.pairs().unwrap();
    pairs.sort();
    assert_eq!(pairs, [("a".into(), 1), ("b".into(), 2)]);
    let seq: Table = lua.exec("return { 'x', 'y', 'z' }").unwrap();
    assert_eq!(seq.sequence::<String>().unwrap(), ["x", "y", "z"]);
    // A conversion that fails stops the walk with its error.
    assert!(t.pairs::<String, Table>().is_err());
}

#[test]
fn for_each_stops_at_the_first_error() {
    let lua = lua();
    let t: Table = lua.exec("local t = {} for i = 1, 100 do t[i] = i end return t").unwrap();
    let mut seen = 0;
    let e = t
        .for_each(|_: i64, _: i64| {
            seen += 1;
            if seen == 10 {
                Err(Error::runtime("enough"))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert!(e.to_string().contains("enough"));
    assert_eq!(seen, 10);
}

#[test]
fn globals_is_the_real_globals_table() {
    let lua = lua();
    lua.exec::<()>("x = 1 _G = nil").unwrap();
    let g = lua.globals().unwrap();
    assert_eq!(g.get::<_, i64>("x").unwrap(), 1, "assigning the global _G does not change the globals table");
    g.set("y", "from rust").unwrap();
    assert_eq!(lua.exec::<String>("return y").unwrap(), "from rust");
    // A bare state has a globals table too.
    let bare = Lua::new();
    bare.globals().unwrap().set("z", 3).unwrap();
    assert_eq!(bare.exec::<i64>("return z").unwrap(), 3);
}

#[test]
fn a_table_of_another_state_is_refused() {
    let (a, b) = (lua(), lua());
    let ta = a.create_table().unwrap();
    let tb = b.create_table().unwrap();
    let e = ta.set("other", tb).unwrap_err();
    assert!(e.to_string().contains("another Lua state"), "{e}");
}

#[test]
fn dropping_tables_frees_their_references() {
    let lua = lua();
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    let before = lua.memory_used();
    for _ in 0..1000 {
        let t = lua.create_table().unwrap();
        t.set("payload", "x".repeat(1000)).unwrap();
    }
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    let after = lua.memory_used();
    assert!(after < before + 64 * 1024, "1000 dropped tables of 1 KB each were not collected: {before} -> {after}");
}

#[test]
fn value_as_integer_is_exact() {
    assert_eq!(Value::Number(3.0).as_integer(), Some(3));
    assert_eq!(Value::Number(-0.0).as_integer(), Some(0));
    assert_eq!(Value::Number(1e300).as_integer(), None, "no saturation to i64::MAX");
    assert_eq!(Value::Number(9_223_372_036_854_775_808.0).as_integer(), None);
    assert_eq!(Value::Number(-9_223_372_036_854_775_808.0).as_integer(), Some(i64::MIN));
    assert_eq!(Value::Number(f64::INFINITY).as_integer(), None);
    assert_eq!(Value::Number(1.5).as_integer(), None);
}

#[test]
fn floats_convert_to_integers_only_when_exact() {
    let lua = lua();
    assert_eq!(lua.exec::<i64>("return 2.0^53").unwrap(), 1 << 53);
    assert!(lua.exec::<i64>("return 1e300").is_err(), "no saturation");
    assert!(lua.exec::<i64>("return 2.5").is_err());
    assert!(lua.exec::<u8>("return 256").is_err());
}
