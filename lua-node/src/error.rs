//! Errors as JavaScript sees them: the spec's message, a stable `code`, and
//! Lua's traceback in a separate property where there is one.

use std::ptr;

use napi::sys;

use crate::js::Env;

/// Every payload is boxed: a `Result<Raw, JsError>` is then two words,
/// returned in registers, where an unboxed one (72 bytes) went through
/// memory on every call that succeeded (issue 18). A `Box<String>` is one
/// word where a `String` or a `Box<str>` is more: hence the lint's allowance.
#[allow(clippy::box_collection)]
pub enum JsError {
    Error(Box<Failed>),
    Type(Box<String>),
    Range(Box<String>),
    /// A JavaScript exception is pending in the engine; it is thrown as it is.
    Pending,
    /// An object a JS callback threw, raised through Lua back to the host
    /// (EVOLUTION B6): thrown as that object while it is staged.
    Thrown(Box<Thrown>),
}

/// A plain `Error` with the spec's text and `code`.
pub struct Failed {
    pub message: String,
    pub code: &'static str,
    pub traceback: Option<String>,
}

/// See [`JsError::Thrown`].
pub struct Thrown {
    pub context: usize,
    pub id: u64,
    pub message: String,
    pub traceback: Option<String>,
}

/// The `code` of argument errors (TypeError and RangeError).
pub const INVALID_ARGUMENT: &str = "LUA_INVALID_ARGUMENT";
pub const BUSY: &str = "LUA_BUSY";
pub const BUSY_MESSAGE: &str = "Lua context is busy with an async operation";
pub const DISPOSED: &str = "LUA_DISPOSED";
pub const CLOSED_MESSAGE: &str = "the Lua context has been closed";
/// A handle whose state was replaced by `reset()`.
pub const STALE: &str = "LUA_STALE_HANDLE";
/// A Lua function, coroutine or table reference used after `release()`.
pub const RELEASED: &str = "LUA_RELEASED";
/// A value of another context (or of a state `reset()` replaced) handed to
/// a context that refuses it.
pub const FOREIGN: &str = "LUA_FOREIGN_CONTEXT";
/// `call(name)` of a global that is not a function.
pub const NOT_A_FUNCTION: &str = "LUA_NOT_A_FUNCTION";
/// A value that is not the table a method needs (`get_global_ref`, `get_ref`).
pub const NOT_A_TABLE: &str = "LUA_NOT_A_TABLE";

impl JsError {
    /// The `code` of a plain `Error` (none for the other kinds).
    pub fn code(&self) -> Option<&'static str> {
        match self {
            JsError::Error(e) => Some(e.code),
            _ => None,
        }
    }

    pub fn error(message: impl Into<String>, code: &'static str) -> JsError {
        JsError::Error(Box::new(Failed { message: message.into(), code, traceback: None }))
    }

    pub fn type_error(message: impl Into<String>) -> JsError {
        JsError::Type(Box::new(message.into()))
    }

    pub fn range_error(message: impl Into<String>) -> JsError {
        JsError::Range(Box::new(message.into()))
    }

    /// `<what> has been released` (`what`: "Lua function", "coroutine",
    /// "table handle").
    pub fn released(what: &str) -> JsError {
        JsError::error(format!("{what} has been released"), RELEASED)
    }

    /// A pending exception becomes a plain Error with its message (the spec's
    /// rule for conversions that run user getters).
    pub fn settle(self, env: Env, code: &'static str) -> JsError {
        match self {
            JsError::Pending => match env.take_exception() {
                Some(e) => JsError::error(env.exception_message(e), code),
                None => JsError::error("unknown JavaScript exception", code),
            },
            other => other,
        }
    }

    /// The text of this error (a pending exception is taken from the engine).
    pub fn message(self, env: Env) -> String {
        match self.settle(env, "LUA_RUNTIME") {
            JsError::Error(e) => e.message,
            JsError::Type(message) | JsError::Range(message) => *message,
            JsError::Thrown(t) => t.message,
            JsError::Pending => String::new(),
        }
    }

    /// Throws this error into JavaScript.
    pub fn throw(self, env: Env) {
        if let JsError::Pending = self {
            return;
        }
        let err = self.into_value(env);
        // SAFETY: throwing a value made in the current env.
        unsafe { sys::napi_throw(env.0, err) };
    }

    /// The JavaScript error object for this error (a pending exception is
    /// taken from the engine and returned as it is).
    pub fn into_value(self, env: Env) -> sys::napi_value {
        let (message, code, traceback, kind) = match self {
            JsError::Pending => return env.take_exception().unwrap_or_else(|| env.undefined()),
            JsError::Error(e) => (e.message, e.code, e.traceback, 0),
            JsError::Thrown(t) => match crate::js_errors::value(env, t.context, t.id) {
                Some(original) => return original,
                None => (t.message, "LUA_RUNTIME", t.traceback, 0),
            },
            JsError::Type(message) => (*message, INVALID_ARGUMENT, None, 1),
            JsError::Range(message) => (*message, INVALID_ARGUMENT, None, 2),
        };
        // SAFETY: every value is created in the current env; a failure along
        // the way gives at worst `undefined`, never a crash.
        unsafe {
            let (Ok(msg), Ok(code_value)) = (env.str(&message), env.str(code)) else { return env.undefined() };
            let mut err = ptr::null_mut();
            match kind {
                1 => sys::napi_create_type_error(env.0, code_value, msg, &mut err),
                2 => sys::napi_create_range_error(env.0, code_value, msg, &mut err),
                _ => sys::napi_create_error(env.0, code_value, msg, &mut err),
            };
            if let Some(tb) = traceback {
                if let Ok(tb) = env.str(&tb) {
                    let _ = env.set_named(err, c"luaTraceback", tb);
                }
            }
            err
        }
    }
}

impl From<lua_core::Error> for JsError {
    fn from(e: lua_core::Error) -> JsError {
        let code = match &e {
            lua_core::Error::Api { .. } => INVALID_ARGUMENT,
            // From JavaScript, a callback's failure is a Lua runtime error
            // whose text names the callback.
            lua_core::Error::Callback { .. } => "LUA_RUNTIME",
            other => other.code(),
        };
        let traceback = e.traceback().map(str::to_owned);
        if let Some(thrown) = thrown_by_callback(&e) {
            return JsError::Thrown(Box::new(Thrown { context: thrown.context, id: thrown.id, message: thrown.message.clone(), traceback }));
        }
        JsError::Error(Box::new(Failed { message: e.message().to_owned(), code, traceback }))
    }
}

/// The staged JS object a callback threw, when that is what `e` reports.
fn thrown_by_callback(e: &lua_core::Error) -> Option<&crate::js_errors::JsThrown> {
    match e.cause()? {
        lua_core::Error::External { source, .. } => source.downcast_ref::<crate::js_errors::JsThrown>(),
        _ => None,
    }
}

/// Carries a JavaScript-side failure out through a lua-core operation whose
/// push callback can only return a lua-core error: the callback hands its
/// `JsError` to [`Failure::keep`], and [`Failure::finish`] reports that error
/// (a pending exception settled into an Error) rather than the placeholder.
#[derive(Default)]
pub struct Failure(Option<JsError>);

impl Failure {
    /// Keeps `e` and gives lua-core a placeholder error to unwind with.
    pub fn keep(&mut self, e: JsError) -> lua_core::Error {
        self.0 = Some(e);
        lua_core::Error::conversion("a JavaScript value could not be converted")
    }

    /// The kept failure if there was one, else the operation's own outcome.
    pub fn finish<T>(self, env: Env, outcome: lua_core::Result<T>) -> Result<T, JsError> {
        match self.0 {
            Some(e) => Err(e.settle(env, "LUA_CONVERSION")),
            None => outcome.map_err(JsError::from),
        }
    }
}
