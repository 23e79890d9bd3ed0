//! API-SEED §10 area G (errors): the C++ core suite's items, ported to lua-core.

use lua_core::{Error, Lua, MultiValue, StdLib, Value};

/// G.69 [TS+C++] `error('boom')` surfaces as a thrown error containing "boom".
#[test]
fn g69_lua_errors_surface_with_their_message() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let e = lua.exec::<()>("error('boom')").unwrap_err();
    assert!(matches!(e, Error::Runtime { .. }), "{e:?}");
    assert!(e.message().contains("boom"), "{}", e.message());
    assert_eq!(e.message(), "[string \"error('boom')\"]:1: boom");
    assert_eq!(e.to_string(), e.message());
    // The state keeps working.
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}

/// G.73 [C++] A host function exception produces a message containing
/// "threw an exception".
///
/// The text `Host function '<name>' threw an exception: <message>` belongs to
/// the Node layer (it wraps the JS exception's message). lua-core's
/// equivalent, checked here: a Rust function's `Err` (or panic) becomes a Lua
/// error whose text reaches Lua, `pcall` catches it, and uncaught it comes
/// back as `Error::Callback` with the original error as `cause()`.
#[test]
fn g73_a_host_function_failure_becomes_a_lua_error() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let fails = lua.create_function(|_, _: MultiValue| -> Result<(), Error> { Err(Error::runtime("host exploded")) }).unwrap();
    lua.set_global("fails", fails).unwrap();

    let r: MultiValue = lua.exec("return pcall(fails)").unwrap();
    assert!(matches!(r.0[0], Value::Boolean(false)));
    assert_eq!(r.0[1].as_str(), Some("host exploded"));

    let e = lua.exec::<()>("fails()").unwrap_err();
    assert!(matches!(e, Error::Callback { .. }), "{e:?}");
    assert_eq!(e.code(), "LUA_CALLBACK");
    assert!(e.message().contains("host exploded"));
    let cause = e.cause().expect("the host's error is kept");
    assert!(matches!(cause, Error::Runtime { .. }));
    assert_eq!(cause.message(), "host exploded");
    assert!(std::error::Error::source(&e).is_some());

    let panics = lua.create_function(|_, _: MultiValue| -> Result<(), Error> { panic!("host panicked") }).unwrap();
    lua.set_global("panics", panics).unwrap();
    let r: MultiValue = lua.exec("return pcall(panics)").unwrap();
    assert!(matches!(r.0[0], Value::Boolean(false)));
    assert!(r.0[1].as_str().unwrap().contains("host panicked"));
    let e = lua.exec::<()>("panics()").unwrap_err();
    assert!(matches!(e, Error::Callback { .. }), "{e:?}");
    assert!(e.message().contains("host panicked"));

    assert_eq!(lua.exec::<i64>("return 2").unwrap(), 2);
}
