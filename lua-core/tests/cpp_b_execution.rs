//! API-SEED §10 area B (script execution and result shaping): the C++ core
//! suite's items, ported to lua-core.

use std::ffi::CString;

use lua_core::{Kind, Lua, MultiValue, StdLib, Value};

/// B.22 [C++] Five return values come back complete and in order.
#[test]
fn b22_five_results_come_back_in_order() {
    let lua = Lua::new();
    let r: MultiValue = lua.exec("return 1, 'two', 3.5, false, nil").unwrap();
    assert_eq!(r.0.len(), 5);
    assert!(matches!(r.0[0], Value::Integer(1)));
    assert_eq!(r.0[1].as_str(), Some("two"));
    assert!(matches!(r.0[2], Value::Number(n) if n == 3.5));
    assert!(matches!(r.0[3], Value::Boolean(false)));
    assert!(r.0[4].is_nil());
    let r: MultiValue = lua.exec("return 10, 20, 30, 40, 50").unwrap();
    let ints: Vec<i64> = r.0.iter().map(|v| v.as_integer().unwrap()).collect();
    assert_eq!(ints, [10, 20, 30, 40, 50]);
    // The same count is seen in place, on the stack.
    let src = CString::new("return 1, 2, 3, 4, 5").unwrap();
    let seen = lua.exec_source_with(&src, |results| results.iter().map(|v| v.as_integer().unwrap()).collect::<Vec<_>>()).unwrap();
    assert_eq!(seen, [1, 2, 3, 4, 5]);
}

/// B.28 [C++] Integer results are kept as integers internally and strings as
/// strings (`return 42, 'ok'`).
#[test]
fn b28_integers_stay_integers_and_strings_stay_strings() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let r: MultiValue = lua.exec("return 42, 'ok'").unwrap();
    assert_eq!(r.0.len(), 2);
    assert!(matches!(r.0[0], Value::Integer(42)), "{:?}", r.0[0]);
    assert!(matches!(&r.0[1], Value::String(s) if s == b"ok"), "{:?}", r.0[1]);
    let src = CString::new("return 42, 'ok', 42.0").unwrap();
    let kinds = lua
        .exec_source_with(&src, |r| {
            (r.get(0).kind(), r.get(0).as_integer(), r.get(1).kind(), r.get(1).as_bytes().map(<[u8]>::to_vec), r.get(2).as_integer())
        })
        .unwrap();
    assert_eq!(kinds, (Kind::Number, Some(42), Kind::String, Some(b"ok".to_vec()), None));
    assert!(lua.exec::<bool>("return math.type(42) == 'integer'").unwrap());
}
