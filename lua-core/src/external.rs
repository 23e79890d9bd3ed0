//! `?` on foreign errors inside callbacks: any error type (an `io::Error`, a
//! parse error, a `Box<dyn Error>`, a plain message) becomes an
//! [`Error::External`] that keeps the original, with `.into_lua_err()`.

use crate::error::{Error, Result};

/// Any error that can be wrapped as an [`Error::External`]: every
/// `E: std::error::Error + Send + Sync + 'static`, a `Box<dyn Error + Send +
/// Sync>`, and a `String` or `&str` message.
///
/// Raised into Lua, the error's text is the original's `Display`; a script
/// can `pcall` it like any error. Uncaught, it comes back to Rust as the
/// call's [`Error::Callback`], whose [`cause`](Error::cause) is the
/// `External` and whose [`downcast_ref`](Error::downcast_ref) finds the
/// original.
///
/// ```
/// use lua_core::{Error, ExternalError, Lua, StdLib};
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// let parse = lua.create_function(|_, s: String| s.trim().parse::<i64>().map_err(|e| e.into_lua_err()))?;
/// lua.set_global("parse", parse)?;
/// assert_eq!(lua.exec::<i64>("return parse(' 42 ')")?, 42);
/// assert_eq!(lua.exec::<String>("return select(2, pcall(parse, 'x'))")?, "invalid digit found in string");
/// let e = lua.exec::<()>("parse('x')").unwrap_err();
/// assert_eq!(e.code(), "LUA_CALLBACK");
/// assert!(e.downcast_ref::<std::num::ParseIntError>().is_some());
/// # Ok::<(), Error>(())
/// ```
pub trait ExternalError {
    /// This error as an [`Error::External`] (code `LUA_EXTERNAL`).
    fn into_lua_err(self) -> Error;
}

impl<E: Into<Box<dyn std::error::Error + Send + Sync>>> ExternalError for E {
    fn into_lua_err(self) -> Error {
        Error::external(self)
    }
}

/// `.into_lua_err()` on a whole `Result`, so that `?` works on a foreign
/// error inside a callback.
///
/// ```
/// use lua_core::{ExternalResult, Lua, StdLib};
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// let read = lua.create_function(|_, path: String| {
///     let text = std::fs::read_to_string(&path).into_lua_err()?;
///     Ok(text.len())
/// })?;
/// lua.set_global("read", read)?;
/// let (ok, msg): (bool, String) = lua.exec("return pcall(read, '/no/such/file')")?;
/// assert!(!ok && msg.contains("No such file"), "{msg}");
/// let e = lua.exec::<()>("read('/no/such/file')").unwrap_err();
/// assert_eq!(e.downcast_ref::<std::io::Error>().map(|e| e.kind()), Some(std::io::ErrorKind::NotFound));
/// # Ok::<(), lua_core::Error>(())
/// ```
pub trait ExternalResult<T> {
    /// The value, or the error as an [`Error::External`].
    fn into_lua_err(self) -> Result<T>;
}

impl<T, E: ExternalError> ExternalResult<T> for std::result::Result<T, E> {
    fn into_lua_err(self) -> Result<T> {
        self.map_err(ExternalError::into_lua_err)
    }
}
