//! `?` on foreign errors inside callbacks: `ExternalError::into_lua_err`,
//! `ExternalResult::into_lua_err` and `Error::external` keep the original
//! error's text for Lua and the error itself for Rust.

use std::error::Error as _;
use std::fmt;

use lua_core::{Error, ExternalError, ExternalResult, Lua, StdLib};

#[derive(Debug)]
struct Quota {
    used: u32,
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "quota exceeded ({} used)", self.used)
    }
}

impl std::error::Error for Quota {}

fn state() -> Lua {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let charge = lua
        .create_function(|_, used: u32| {
            let r: Result<u32, Quota> = if used > 10 { Err(Quota { used }) } else { Ok(used) };
            let ok = r.into_lua_err()?;
            Ok(ok * 2)
        })
        .unwrap();
    lua.set_global("charge", charge).unwrap();
    lua
}

#[test]
fn lua_sees_the_original_message_and_can_catch_it() {
    let lua = state();
    assert_eq!(lua.exec::<u32>("return charge(4)").unwrap(), 8);
    let (ok, msg): (bool, String) = lua.exec("return pcall(charge, 11)").unwrap();
    assert!(!ok);
    assert_eq!(msg, "quota exceeded (11 used)");
    // Caught, the state carries on.
    assert_eq!(lua.exec::<u32>("return charge(5)").unwrap(), 10);
}

#[test]
fn rust_gets_the_original_error_back() {
    let lua = state();
    let e = lua.exec::<()>("charge(12)").unwrap_err();
    assert_eq!(e.code(), "LUA_CALLBACK");
    assert!(e.message().contains("quota exceeded (12 used)"), "{}", e.message());
    let cause = e.cause().expect("the callback's error");
    assert_eq!(cause.code(), "LUA_EXTERNAL");
    assert_eq!(cause.message(), "quota exceeded (12 used)");
    // The std chain: Callback -> External -> the original.
    let external = e.source().expect("the cause");
    let original = external.source().expect("the original");
    assert_eq!(original.downcast_ref::<Quota>().map(|q| q.used), Some(12));
    assert_eq!(e.downcast_ref::<Quota>().map(|q| q.used), Some(12));
    assert!(e.downcast_ref::<std::io::Error>().is_none());
}

#[test]
fn through_nested_callbacks_the_original_is_still_found() {
    let lua = state();
    let outer = lua.create_function(|lua, n: u32| lua.exec::<u32>(&format!("return charge({n})"))).unwrap();
    lua.set_global("outer", outer).unwrap();
    let e = lua.exec::<()>("outer(20)").unwrap_err();
    assert_eq!(e.downcast_ref::<Quota>().map(|q| q.used), Some(20), "{e:?}");
}

#[test]
fn every_form_wraps() {
    let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no entry");
    let e = io.into_lua_err();
    assert_eq!((e.code(), e.message()), ("LUA_EXTERNAL", "no entry"));
    assert_eq!(e.downcast_ref::<std::io::Error>().map(|e| e.kind()), Some(std::io::ErrorKind::PermissionDenied));
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(Quota { used: 3 });
    let e = boxed.into_lua_err();
    assert_eq!(e.message(), "quota exceeded (3 used)");
    assert!(e.downcast_ref::<Quota>().is_some());
    assert_eq!("plain text".into_lua_err().message(), "plain text");
    assert_eq!(String::from("owned").into_lua_err().message(), "owned");
    let r: Result<(), std::fmt::Error> = Err(std::fmt::Error);
    assert_eq!(r.into_lua_err().unwrap_err().code(), "LUA_EXTERNAL");
    let e = Error::external(Quota { used: 9 });
    assert_eq!(e.to_string(), "quota exceeded (9 used)");
    // A lua-core error wrapped again keeps its text and stays reachable.
    let inner = Error::runtime("inner");
    let e = Error::external(inner);
    assert_eq!(e.downcast_ref::<Error>().map(|e| e.message().to_string()), Some("inner".to_string()));
}

#[test]
fn a_long_message_under_a_memory_limit_stays_catchable() {
    // The text is taken when the error is made, in Rust, before any Lua
    // error is raised; pushing it may be refused by the limit, which must
    // still end in a catchable error (the message, or "not enough memory").
    #[derive(Debug)]
    struct Long;
    impl fmt::Display for Long {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&"x".repeat(1 << 16))
        }
    }
    impl std::error::Error for Long {}
    let lua = Lua::builder().libraries(StdLib::BASE).memory_limit(256 << 10).build().unwrap();
    let f = lua.create_function(|_, ()| -> lua_core::Result<()> { Err(Long.into_lua_err()) }).unwrap();
    lua.set_global("f", f).unwrap();
    let (ok, len): (bool, Option<i64>) = lua.exec("local ok, m = pcall(f) return ok, type(m) == 'string' and #m or nil").unwrap();
    assert!(!ok);
    assert!(matches!(len, Some(n) if n == 1 << 16 || n == "not enough memory".len() as i64), "{len:?}");
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}
