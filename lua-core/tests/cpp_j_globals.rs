//! API-SEED §10 area J (globals): the C++ core suite's item, ported to lua-core.

use lua_core::{Lua, StdLib, Value};

/// J.106 [C++] An int64 global set from the host is read back exactly and
/// visible to scripts.
#[test]
fn j106_an_int64_global_is_exact_both_ways() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    // 2^53 + 1 cannot be a double: only a real 64-bit integer keeps it.
    let big: i64 = 9_007_199_254_740_993;
    lua.set_global("big", big).unwrap();
    assert_eq!(lua.get_global::<i64>("big").unwrap(), big);
    assert!(matches!(lua.get_global::<Value>("big").unwrap(), Value::Integer(9_007_199_254_740_993)));
    assert!(lua.exec::<bool>("return big == 9007199254740993 and math.type(big) == 'integer'").unwrap());
    assert_eq!(lua.exec::<i64>("return big + 1").unwrap(), big + 1);
    lua.set_global("low", i64::MIN).unwrap();
    assert!(lua.exec::<bool>("return low == math.mininteger").unwrap());
    assert_eq!(lua.get_global::<i64>("low").unwrap(), i64::MIN);
}
