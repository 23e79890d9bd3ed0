//! API-SEED §10 area D (numbers): the C++ core suite's items, ported to lua-core.

use lua_core::{Lua, MultiValue, StdLib, Value};

/// D.42 [C++] `math.maxinteger`/`math.mininteger` are kept exactly as 64-bit
/// integers internally; 1.5 stays a float.
#[test]
fn d42_extreme_integers_stay_exact_and_floats_stay_floats() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let r: MultiValue = lua.exec("return math.maxinteger, math.mininteger, 1.5").unwrap();
    assert!(matches!(r.0[0], Value::Integer(i64::MAX)), "{:?}", r.0[0]);
    assert!(matches!(r.0[1], Value::Integer(i64::MIN)), "{:?}", r.0[1]);
    assert!(matches!(r.0[2], Value::Number(n) if n == 1.5), "{:?}", r.0[2]);
    assert_eq!(lua.exec::<i64>("return math.maxinteger").unwrap(), 9_223_372_036_854_775_807);
    assert_eq!(lua.exec::<i64>("return math.mininteger").unwrap(), -9_223_372_036_854_775_808);
    // A near-maximum value keeps its low bits (a double would round them).
    assert_eq!(lua.exec::<i64>("return math.maxinteger - 1").unwrap(), i64::MAX - 1);
}

/// D.43 [C++] `0/0` gives NaN and ±huge give ±infinity as floats.
#[test]
fn d43_nan_and_infinities_are_floats() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let r: MultiValue = lua.exec("return 0/0, math.huge, -math.huge").unwrap();
    assert!(matches!(r.0[0], Value::Number(n) if n.is_nan()), "{:?}", r.0[0]);
    assert!(matches!(r.0[1], Value::Number(n) if n == f64::INFINITY), "{:?}", r.0[1]);
    assert!(matches!(r.0[2], Value::Number(n) if n == f64::NEG_INFINITY), "{:?}", r.0[2]);
    assert!(lua.exec::<f64>("return 0/0").unwrap().is_nan());
    assert_eq!(lua.exec::<f64>("return 1/0").unwrap(), f64::INFINITY);
    assert_eq!(lua.exec::<f64>("return -1/0").unwrap(), f64::NEG_INFINITY);
}
