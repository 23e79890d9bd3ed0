//! API-SEED §10 area E (booleans and nil): the C++ core suite's item, ported
//! to lua-core.

use std::ffi::CString;

use lua_core::{Kind, Lua, MultiValue, Value};

/// E.50 [C++] `return true, false, nil` yields boolean, boolean, nil.
#[test]
fn e50_true_false_nil_keep_their_types() {
    let lua = Lua::new();
    let r: MultiValue = lua.exec("return true, false, nil").unwrap();
    assert_eq!(r.0.len(), 3);
    assert!(matches!(r.0[0], Value::Boolean(true)));
    assert!(matches!(r.0[1], Value::Boolean(false)));
    assert!(matches!(r.0[2], Value::Nil));
    let src = CString::new("return true, false, nil").unwrap();
    let kinds = lua.exec_source_with(&src, |r| r.iter().map(|v| v.kind()).collect::<Vec<_>>()).unwrap();
    assert_eq!(kinds, [Kind::Boolean, Kind::Boolean, Kind::Nil]);
}
