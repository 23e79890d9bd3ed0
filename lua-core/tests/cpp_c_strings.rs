//! API-SEED §10 area C (strings): the C++ core suite's item, ported to lua-core.

use lua_core::{Lua, StdLib, Value};

/// C.34 [C++] `string.char(97,0,98)` keeps all three bytes; the UTF-8
/// literal `'héllo'` is preserved.
#[test]
fn c34_nul_bytes_and_utf8_survive() {
    let lua = Lua::with_libraries(StdLib::BASE | StdLib::STRING).unwrap();
    let v: Value = lua.exec("return string.char(97, 0, 98)").unwrap();
    assert!(matches!(&v, Value::String(s) if s == b"a\0b"), "{v:?}");
    let s: String = lua.exec("return string.char(97, 0, 98)").unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s.as_bytes(), [97, 0, 98]);
    let s: String = lua.exec("return 'héllo'").unwrap();
    assert_eq!(s, "héllo");
    assert_eq!(s.len(), 6);
    assert_eq!(lua.exec::<i64>("return #'héllo'").unwrap(), 6);
    // And back in: the host's bytes reach Lua unchanged.
    lua.set_global("s", "a\0b").unwrap();
    lua.set_global("u", "héllo").unwrap();
    assert!(lua.exec::<bool>("return #s == 3 and s:byte(2) == 0 and u == 'héllo'").unwrap());
}
