//! `Stack::push_converted_number` (issue 18): a number converted from a host
//! value goes in as `push_number_normalized` puts it, under the same depth
//! limit and work budget as `Stack::enter` applies to every converted value.

use lua_core::{Error, Lua, StdLib, MAX_DEPTH};

#[test]
fn numbers_go_in_as_push_number_normalized_puts_them() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let cases = [0.0, -0.0, 1.0, -1.0, 0.5, 2f64.powi(53), 2f64.powi(63), -(2f64.powi(63)), f64::NAN, f64::INFINITY, -1e300, 123456789.0];
    for n in cases {
        lua.set_global_with(b"a", |s| s.push_converted_number(0, n)).unwrap();
        lua.set_global_with(b"b", |s| s.push_number_normalized(n)).unwrap();
        let same: bool = lua.exec("return math.type(a) == math.type(b) and tostring(a) == tostring(b)").unwrap();
        assert!(same, "{n}");
    }
    let kinds: String = lua.exec("return math.type(a)").unwrap();
    assert_eq!(kinds, "integer");
}

#[test]
fn the_depth_limit_holds_as_for_any_converted_value() {
    let lua = Lua::new();
    lua.set_global_with(b"deep", |s| s.push_converted_number(MAX_DEPTH, 7.0)).unwrap();
    assert_eq!(lua.get_global::<i64>("deep").unwrap(), 7);
    let e = lua.set_global_with(b"too_deep", |s| s.push_converted_number(MAX_DEPTH + 1, 7.0)).unwrap_err();
    assert_eq!(e.message(), lua_core::DEPTH_MESSAGE);
    assert!(lua.get_global::<Option<i64>>("too_deep").unwrap().is_none(), "nothing was written");
}

#[test]
fn work_done_for_running_code_is_charged() {
    // A host function that converts numbers into the state while it runs
    // (a nested entry) pays one unit per number: a million of them stop at
    // the limit, as a million converted values of any kind would.
    let lua = Lua::builder().libraries(StdLib::ALL).instruction_limit(50_000).build().unwrap();
    let f = lua
        .create_function(|lua, _args: lua_core::MultiValue| -> Result<i64, Error> {
            let mut done = 0;
            for i in 0..1_000_000 {
                lua.set_global_with(b"x", |s| s.push_converted_number(0, i as f64))?;
                done += 1;
            }
            Ok(done)
        })
        .unwrap();
    lua.set_global("fill", f).unwrap();
    let e = lua.exec::<()>("fill()").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{}", e.message());
    let x: i64 = lua.get_global("x").unwrap();
    assert!(x < 100_000, "stopped after {x} numbers");
    // Without a limit the same work completes.
    let free = Lua::with_libraries(StdLib::ALL).unwrap();
    let g = free
        .create_function(|lua, _args: lua_core::MultiValue| -> Result<i64, Error> {
            for i in 0..100_000 {
                lua.set_global_with(b"x", |s| s.push_converted_number(0, i as f64))?;
            }
            Ok(1)
        })
        .unwrap();
    free.set_global("fill", g).unwrap();
    assert_eq!(free.exec::<i64>("return fill()").unwrap(), 1);
    assert_eq!(free.get_global::<i64>("x").unwrap(), 99_999);
}
