//! One error type for everything that can go wrong, keeping Lua's own message.

use std::fmt;
use std::sync::Arc;

/// The limit on nested containers when values are converted in either
/// direction; the top value is depth 0.
pub const MAX_DEPTH: usize = 100;

/// The text of a conversion that went deeper than [`MAX_DEPTH`] (or met a cycle).
pub const DEPTH_MESSAGE: &str = "Value nesting depth exceeds the maximum of 100 levels";

/// What went wrong. `message()` is always the text a user should see, exactly
/// as Lua (or the API) produced it; `code()` is a stable machine-readable tag.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The chunk did not compile.
    Syntax {
        /// The text, exactly as Lua or the API produced it.
        message: String,
    },
    /// Lua code raised an error; `traceback` is Lua's stack traceback where one was taken.
    Runtime {
        /// The text, exactly as Lua or the API produced it.
        message: String,
        /// Lua's stack traceback, where one was taken.
        traceback: Option<String>,
    },
    /// An allocation was refused (`not enough memory`).
    Memory {
        /// The text, exactly as Lua or the API produced it.
        message: String,
    },
    /// A file could not be opened or read.
    File {
        /// The text, exactly as Lua or the API produced it.
        message: String,
    },
    /// The run went past its instruction limit (`instruction limit exceeded`).
    InstructionLimit {
        /// The text, exactly as Lua or the API produced it.
        message: String,
        /// Lua's stack traceback at the point the limit stopped the run, where one was taken.
        traceback: Option<String>,
    },
    /// The run went past its time limit (`execution timeout`).
    Timeout {
        /// The text, exactly as Lua or the API produced it.
        message: String,
        /// Lua's stack traceback at the point the limit stopped the run, where one was taken.
        traceback: Option<String>,
    },
    /// The run was stopped from outside (`execution cancelled`): see
    /// [`CancelHandle`](crate::CancelHandle).
    Cancelled {
        /// The text, exactly as Lua or the API produced it.
        message: String,
        /// Lua's stack traceback at the point the limit stopped the run, where one was taken.
        traceback: Option<String>,
    },
    /// A value could not be converted (too deep, cyclic, wrong type).
    Conversion {
        /// The text, exactly as Lua or the API produced it.
        message: String,
    },
    /// A Rust function called from Lua returned an error (`cause`) or
    /// panicked (no cause), and Lua code did not catch it.
    Callback {
        /// The text, exactly as Lua or the API produced it.
        message: String,
        /// The error the Rust function returned (none for a panic).
        cause: Option<Arc<Error>>,
        /// Lua's stack traceback, where one was taken.
        traceback: Option<String>,
    },
    /// An error from outside this crate, returned by a Rust callback.
    External {
        /// The text, exactly as Lua or the API produced it.
        message: String,
        /// The original error.
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// The API was used wrongly: bad argument, unknown library, empty path.
    Api {
        /// The text, exactly as Lua or the API produced it.
        message: String,
    },
    /// The state was closed (`Lua::close`) and can no longer be used.
    Closed {
        /// The text, exactly as Lua or the API produced it.
        message: String,
    },
    /// The state is occupied: it cannot be closed or lent from inside a call
    /// into it, and cannot be used while lent to another thread.
    Busy {
        /// The text, exactly as Lua or the API produced it.
        message: String,
    },
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A runtime error with this text, for a Rust callback to return:
    ///
    /// ```
    /// let lua = lua_core::Lua::with_libraries(lua_core::StdLib::BASE)?;
    /// let f = lua.create_function(|_, _: lua_core::MultiValue| -> lua_core::Result<()> { Err(lua_core::Error::runtime("no")) })?;
    /// lua.set_global("f", f)?;
    /// assert_eq!(lua.exec::<String>("return select(2, pcall(f))")?, "no");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn runtime(message: impl Into<String>) -> Self {
        Error::Runtime { message: message.into(), traceback: None }
    }

    /// An API-misuse error with this text.
    pub fn api(message: impl Into<String>) -> Self {
        Error::Api { message: message.into() }
    }

    /// A conversion error with this text.
    pub fn conversion(message: impl Into<String>) -> Self {
        Error::Conversion { message: message.into() }
    }

    /// The conversion error for going deeper than [`MAX_DEPTH`] ([`DEPTH_MESSAGE`]).
    #[cold]
    pub fn depth() -> Self {
        Error::conversion(DEPTH_MESSAGE)
    }

    /// Wraps any error (or a `Box<dyn Error>`, or a message), for a Rust
    /// callback to return; its text is the original's. See also
    /// [`ExternalError`](crate::ExternalError) for `.into_lua_err()`.
    ///
    /// ```
    /// use lua_core::Error;
    /// let io = std::io::Error::new(std::io::ErrorKind::Other, "disk on fire");
    /// let e = Error::external(io);
    /// assert_eq!((e.code(), e.message()), ("LUA_EXTERNAL", "disk on fire"));
    /// assert!(e.downcast_ref::<std::io::Error>().is_some());
    /// let e = Error::external("just a message");
    /// assert_eq!(e.message(), "just a message");
    /// ```
    pub fn external(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let source: Arc<dyn std::error::Error + Send + Sync> = Arc::from(source.into());
        Error::External { message: source.to_string(), source }
    }

    /// The original error of type `E` behind this one: the source of an
    /// [`Error::External`], also when it comes back as the
    /// [`cause`](Error::cause) of a callback's failure (at any depth of
    /// callbacks calling Lua calling callbacks).
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            Error::External { source, .. } => source.downcast_ref::<E>(),
            Error::Callback { cause: Some(cause), .. } => cause.downcast_ref::<E>(),
            _ => None,
        }
    }

    /// The error a Rust callback returned, when this one is its report.
    pub fn cause(&self) -> Option<&Error> {
        match self {
            Error::Callback { cause, .. } => cause.as_deref(),
            _ => None,
        }
    }

    /// The user-facing text.
    pub fn message(&self) -> &str {
        match self {
            Error::Syntax { message }
            | Error::Runtime { message, .. }
            | Error::Memory { message }
            | Error::File { message }
            | Error::Busy { message }
            | Error::InstructionLimit { message, .. }
            | Error::Timeout { message, .. }
            | Error::Cancelled { message, .. }
            | Error::Conversion { message }
            | Error::Callback { message, .. }
            | Error::External { message, .. }
            | Error::Api { message }
            | Error::Closed { message } => message,
        }
    }

    /// A stable tag for programs: `LUA_SYNTAX`, `LUA_RUNTIME`, `LUA_MEMORY`, ...
    pub fn code(&self) -> &'static str {
        match self {
            Error::Syntax { .. } => "LUA_SYNTAX",
            Error::Runtime { .. } => "LUA_RUNTIME",
            Error::Memory { .. } => "LUA_MEMORY",
            Error::File { .. } => "LUA_FILE",
            Error::InstructionLimit { .. } => "LUA_INSTRUCTION_LIMIT",
            Error::Timeout { .. } => "LUA_TIMEOUT",
            Error::Cancelled { .. } => "LUA_CANCELLED",
            Error::Conversion { .. } => "LUA_CONVERSION",
            Error::Callback { .. } => "LUA_CALLBACK",
            Error::External { .. } => "LUA_EXTERNAL",
            Error::Api { .. } => "LUA_API",
            Error::Closed { .. } => "LUA_DISPOSED",
            Error::Busy { .. } => "LUA_BUSY",
        }
    }

    /// Lua's traceback, when the error came from running Lua code (a
    /// runtime error, a callback's failure, or a limit stopping the run).
    pub fn traceback(&self) -> Option<&str> {
        match self {
            Error::Runtime { traceback, .. }
            | Error::Callback { traceback, .. }
            | Error::InstructionLimit { traceback, .. }
            | Error::Timeout { traceback, .. }
            | Error::Cancelled { traceback, .. } => traceback.as_deref(),
            _ => None,
        }
    }

    /// Where a traceback taken by a protected call goes, for the kinds that carry one.
    pub(crate) fn traceback_slot(&mut self) -> Option<&mut Option<String>> {
        match self {
            Error::Runtime { traceback, .. }
            | Error::Callback { traceback, .. }
            | Error::InstructionLimit { traceback, .. }
            | Error::Timeout { traceback, .. }
            | Error::Cancelled { traceback, .. } => Some(traceback),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Callback { cause: Some(cause), .. } => Some(cause.as_ref()),
            Error::External { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}
