//! API-SEED §10 area S (file execution): the C++ core suite's items, ported
//! to lua-core's `Lua::exec_file` / `Lua::exec_file_with`.


use lua_core::{Error, Lua, MultiValue, StdLib, Table, Value};

mod common;
use common::Scratch;


fn lua() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

/// S.225 [TS+C++] A file returning several values gives `[42, 'hello', true]`.
#[test]
fn s225_a_file_returning_several_values() {
    let dir = Scratch::new("s225");
    let path = dir.file("multi.lua", "return 42, 'hello', true\n");
    let r: MultiValue = lua().exec_file(&path).unwrap();
    assert_eq!(r.0.len(), 3);
    assert!(matches!(r.0[0], Value::Integer(42)));
    assert_eq!(r.0[1].as_str(), Some("hello"));
    assert!(matches!(r.0[2], Value::Boolean(true)));
}

/// S.226 [TS+C++] A file returning a table gives the object.
#[test]
fn s226_a_file_returning_a_table() {
    let dir = Scratch::new("s226");
    let path = dir.file("table.lua", "return { name = 'test', value = 42, list = { 1, 2, 3 } }\n");
    let t: Table = lua().exec_file(&path).unwrap();
    assert_eq!(t.raw_get::<_, String>("name").unwrap(), "test");
    assert_eq!(t.raw_get::<_, i64>("value").unwrap(), 42);
    assert_eq!(t.raw_get::<_, Vec<i64>>("list").unwrap(), [1, 2, 3]);
}

/// S.227 [TS+C++] A file can set a global (then readable with `get_global`)
/// and return it.
#[test]
fn s227_a_file_sets_a_global() {
    let dir = Scratch::new("s227");
    let path = dir.file("global.lua", "fileGlobal = 'from file'\nreturn fileGlobal\n");
    let lua = lua();
    assert_eq!(lua.exec_file::<String>(&path).unwrap(), "from file");
    assert_eq!(lua.get_global::<String>("fileGlobal").unwrap(), "from file");
    assert_eq!(lua.exec::<String>("return fileGlobal").unwrap(), "from file");
}

/// S.228 [TS+C++] A file can call JS callbacks.
#[test]
fn s228_a_file_calls_host_functions() {
    let dir = Scratch::new("s228");
    let path = dir.file("callback.lua", "return double(21), greet('file')\n");
    let lua = lua();
    let double = lua.create_function(|_, a: MultiValue| Ok(a.0[0].as_integer().unwrap() * 2)).unwrap();
    let greet = lua.create_function(|_, a: MultiValue| Ok(format!("hello {}", a.0[0].as_str().unwrap()))).unwrap();
    lua.set_global("double", double).unwrap();
    lua.set_global("greet", greet).unwrap();
    let r: MultiValue = lua.exec_file(&path).unwrap();
    assert!(matches!(r.0[0], Value::Integer(42)));
    assert_eq!(r.0[1].as_str(), Some("hello file"));
}

/// S.229 [TS+C++] A missing file throws (C++: message contains "cannot open").
#[test]
fn s229_a_missing_file_is_an_error() {
    let dir = Scratch::new("s229");
    let missing = dir.0.join("nope.lua");
    let e = lua().exec_file::<()>(missing.to_str().unwrap()).unwrap_err();
    assert!(matches!(e, Error::File { .. }), "{e:?}");
    assert!(e.message().contains("cannot open"), "{}", e.message());
    assert!(e.message().contains("nope.lua"), "{}", e.message());
}

/// S.230 [TS+C++] A file with a syntax error throws.
#[test]
fn s230_a_file_with_a_syntax_error() {
    let dir = Scratch::new("s230");
    let path = dir.file("bad.lua", "local x = \nreturn +\n");
    let lua = lua();
    let e = lua.exec_file::<()>(&path).unwrap_err();
    assert!(matches!(e, Error::Syntax { .. }), "{e:?}");
    assert!(e.message().contains("bad.lua"), "{}", e.message());
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}

/// S.231 [TS+C++] An empty path throws exactly `File path cannot be empty`.
#[test]
fn s231_an_empty_path_is_refused() {
    let lua = lua();
    let e = lua.exec_file::<()>("").unwrap_err();
    assert_eq!(e.message(), "File path cannot be empty");
    let e = lua.exec_file_with(b"", |r| r.len()).unwrap_err();
    assert_eq!(e.message(), "File path cannot be empty");
}

/// S.232 [C++] A file without `return` yields no values.
#[test]
fn s232_a_file_without_return_yields_nothing() {
    let dir = Scratch::new("s232");
    let path = dir.file("noreturn.lua", "local x = 1\nsideEffect = x + 1\n");
    let lua = lua();
    assert_eq!(lua.exec_file_with(path.as_bytes(), |r| r.len()).unwrap(), 0);
    let r: MultiValue = lua.exec_file(&path).unwrap();
    assert!(r.0.is_empty());
    assert_eq!(lua.get_global::<i64>("sideEffect").unwrap(), 2);
}
