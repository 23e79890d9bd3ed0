//! EVOLUTION B6 from Rust: a host function can raise a Lua value (a table)
//! instead of a message (`CallContext::raise_value`); Lua code catching it
//! sees the value, and the host gets the failure's report back when the same
//! value is raised on to it, until `Lua::forget_raised_value`.

use lua_core::{Error, Lua, StdLib};

#[derive(Debug)]
struct Marker(u32);

impl std::fmt::Display for Marker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "marker {}", self.0)
    }
}

impl std::error::Error for Marker {}

fn with_raiser() -> Lua {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    lua.set_global_with(b"f", |stack| {
        stack.push_function(|call| {
            let mut s = call.stack();
            s.push_table(0, 1)?;
            s.push_bytes(b"payload")?;
            s.set_field(b"message")?;
            Err(call.raise_value(Error::external(Marker(7))))
        })
    })
    .unwrap();
    lua
}

#[test]
fn lua_code_sees_the_value_raised() {
    let lua = with_raiser();
    assert_eq!(lua.exec::<String>("local ok, e = pcall(f) return type(e) .. ' ' .. e.message").unwrap(), "table payload");
}

#[test]
fn the_host_gets_the_report_when_the_value_is_raised_on() {
    let lua = with_raiser();
    for src in ["f()", "local ok, e = pcall(f) error(e)"] {
        let e = lua.exec::<()>(src).unwrap_err();
        assert!(matches!(e, Error::Callback { .. }), "{e:?}");
        assert_eq!(e.message(), "marker 7");
        assert!(e.traceback().is_some_and(|tb| tb.starts_with("stack traceback:")), "{e:?}");
        let Some(Error::External { source, .. }) = e.cause() else { panic!("{e:?}") };
        assert_eq!(source.downcast_ref::<Marker>().map(|m| m.0), Some(7));
    }
}

#[test]
fn a_forgotten_value_is_an_ordinary_table_error() {
    let lua = with_raiser();
    lua.exec::<()>("local ok, e = pcall(f) kept = e").unwrap();
    lua.forget_raised_value();
    let e = lua.exec::<()>("error(kept)").unwrap_err();
    assert_eq!(e.message(), "(error object is a table value)");
    assert!(e.cause().is_none(), "{e:?}");
}

#[test]
fn without_a_value_pushed_the_failure_is_a_message() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    lua.set_global_with(b"g", |stack| stack.push_function(|call| Err(call.raise_value(Error::runtime("plain"))))).unwrap();
    assert_eq!(lua.exec::<String>("local ok, e = pcall(g) return tostring(ok) .. ' ' .. e").unwrap(), "false plain");
}
