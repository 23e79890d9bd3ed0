//! API-SEED §10 area I (host callbacks): the C++ core suite's items, ported to
//! lua-core.

use std::collections::HashMap;

use lua_core::{Lua, MultiValue, StdLib};

fn ints(args: &MultiValue) -> Vec<i64> {
    args.0.iter().map(|v| v.as_integer().expect("an integer argument")).collect()
}

/// I.88 [TS+C++] A constructor/host callback is callable from Lua
/// (`add(2, 3)` → 5).
#[test]
fn i88_a_host_function_is_callable_from_lua() {
    let lua = Lua::new();
    let add = lua.create_function(|_, args: MultiValue| Ok(ints(&args).iter().sum::<i64>())).unwrap();
    lua.set_global("add", add).unwrap();
    assert_eq!(lua.exec::<i64>("return add(2, 3)").unwrap(), 5);
    assert_eq!(lua.exec::<i64>("return add(add(1, 1), 40)").unwrap(), 42);
}

/// I.94 [C++] Registering a second function under the same name makes calls
/// use the latest one.
#[test]
fn i94_re_registering_a_name_uses_the_latest_function() {
    let lua = Lua::new();
    let first = lua.create_function(|_, _: MultiValue| Ok("first")).unwrap();
    lua.set_global("f", first).unwrap();
    assert_eq!(lua.exec::<String>("return f()").unwrap(), "first");
    let second = lua.create_function(|_, _: MultiValue| Ok("second")).unwrap();
    lua.set_global("f", second).unwrap();
    assert_eq!(lua.exec::<String>("return f()").unwrap(), "second");
    assert_eq!(lua.exec::<String>("return f()").unwrap(), "second");
}

/// I.95 [C++] A host function may return an array or a map, which Lua reads
/// as a table.
#[test]
fn i95_host_functions_may_return_arrays_and_maps() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let arr = lua.create_function(|_, _: MultiValue| Ok(vec![1, 2, 3])).unwrap();
    let map = lua
        .create_function(|_, _: MultiValue| {
            let mut m = HashMap::new();
            m.insert("name".to_string(), "lua".to_string());
            m.insert("kind".to_string(), "map".to_string());
            Ok(m)
        })
        .unwrap();
    lua.set_global("arr", arr).unwrap();
    lua.set_global("map", map).unwrap();
    assert!(lua.exec::<bool>("local a = arr() return type(a) == 'table' and #a == 3 and a[1] == 1 and a[3] == 3").unwrap());
    assert!(lua.exec::<bool>("local m = map() return type(m) == 'table' and m.name == 'lua' and m.kind == 'map'").unwrap());
    assert_eq!(lua.exec::<i64>("local s = 0 for _, v in ipairs(arr()) do s = s + v end return s").unwrap(), 6);
}
