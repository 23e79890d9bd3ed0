//! [`LuaString`]: a Lua string held by Rust, read in place.
//!
//! Lua's collector never moves an object, so the bytes of a string stay
//! where they are for as long as something keeps the string alive. A
//! `LuaString` keeps it alive with a registry reference (one anchor, as
//! every handle has) and remembers where its bytes are: reading them is a
//! slice over Lua's memory, no copy and no call into the state.
//!
//! Two things could still free that memory under a borrowed slice, and
//! both are closed off here:
//! * closing the state: [`Lua::close`] is refused with `Busy` while a
//!   `LuaString` that points into the state lives (`string_pins`, counted
//!   here and asked by `Runtime::close`);
//! * a script dropping the anchor: the registry is reachable from Lua
//!   through `debug.getregistry()`, so in a state that opened the `debug`
//!   library (its libraries are fixed at creation) the bytes are copied
//!   once into the handle instead. Without `debug` no Lua code can reach
//!   the registry.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::Ordering;

use crate::error::{Error, Result};
use crate::raw::lua::Lua;
use crate::raw::runtime::Runtime;
use crate::raw::stack::Stack;
use crate::raw::stack_value::{Kind, StackValue};
use crate::raw::stdlib::StdLib;
use crate::raw::value::RegRef;

/// A Lua string held from Rust and read without copying (mlua calls it
/// `String`; this crate's name keeps it apart from `std`'s).
///
/// It is a handle like [`Table`](crate::Table): it keeps the string (and
/// the state) alive until dropped. [`as_bytes`](LuaString::as_bytes),
/// [`to_str`](LuaString::to_str) and
/// [`to_string_lossy`](LuaString::to_string_lossy) read the bytes where Lua
/// keeps them.
///
/// **Cost.** Converting to a `LuaString` takes one registry anchor (an
/// integer slot; amortised free) where a `String` or `Vec<u8>` copies every
/// byte; reading it costs nothing. So it pays for long strings, for strings
/// read several times, and for strings passed back to Lua (pushed by
/// reference, never re-interned). For a short string read once, `String`
/// is as cheap. Two exceptions copy once, at conversion: a number (Lua's
/// coercion makes the text), and any string of a state that opened the
/// `debug` library (scripts could drop a registry anchor there).
///
/// **While one lives**, the state it points into cannot be closed:
/// [`Lua::close`] fails with [`Error::Busy`]. Drop the strings first.
///
/// ```
/// use lua_core::{Lua, LuaString, StdLib};
/// let lua = Lua::with_libraries(StdLib::BASE | StdLib::STRING)?;
/// let s: LuaString = lua.exec("return ('na'):rep(4)")?;
/// assert_eq!(s, "nananana");
/// assert_eq!(s.as_bytes().len(), 8);
/// assert_eq!(s.to_str()?, "nananana");
/// // As a typed argument: the callback reads the caller's bytes in place.
/// let count = lua.create_function(|_, (s, c): (LuaString, LuaString)| {
///     Ok(s.as_bytes().iter().filter(|&&b| c.as_bytes() == [b]).count())
/// })?;
/// lua.set_global("count", count)?;
/// assert_eq!(lua.exec::<usize>("return count('banana', 'a')")?, 3);
/// # Ok::<(), lua_core::Error>(())
/// ```
pub struct LuaString {
    inner: Inner,
}

enum Inner {
    /// Lua's own bytes, kept alive by `anchor` and pinned against `close`
    /// for as long as this value lives (see `Pinned`'s `Drop`).
    Pinned { anchor: RegRef, ptr: *const u8, len: usize },
    /// A copy (see the module's note on when).
    Copied(Rc<[u8]>),
}

impl LuaString {
    /// Reads the string at `v` (a number gives its text, as Lua coerces
    /// it); `None` for any other kind of value.
    pub(crate) fn read(v: StackValue<'_>) -> Result<Option<LuaString>> {
        match v.kind() {
            Kind::String => {
                let bytes = v.as_bytes().unwrap_or_default();
                let lua = v.lua();
                if lua.rt.libs().contains(StdLib::DEBUG) {
                    return Ok(Some(LuaString { inner: Inner::Copied(Rc::from(bytes)) }));
                }
                let anchor = v.to_ref()?;
                Ok(Some(LuaString::pinned(anchor, bytes)))
            }
            Kind::Number => {
                let text = match v.as_integer() {
                    Some(i) => i.to_string(),
                    None => v.number_text().unwrap_or_default(),
                };
                Ok(Some(LuaString { inner: Inner::Copied(Rc::from(text.into_bytes())) }))
            }
            _ => Ok(None),
        }
    }

    /// Pins `bytes`, which `anchor` keeps alive.
    fn pinned(anchor: RegRef, bytes: &[u8]) -> LuaString {
        pins(&anchor.lua().rt).fetch_add(1, Ordering::AcqRel);
        LuaString { inner: Inner::Pinned { ptr: bytes.as_ptr(), len: bytes.len(), anchor } }
    }

    /// The bytes, where Lua keeps them.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.inner {
            // SAFETY: `ptr`/`len` are the bytes of the string `anchor` keeps
            // alive; Lua's collector does not move objects, a script cannot
            // drop the anchor (no `debug` library: see the module note), and
            // the state cannot be closed (or dropped: the anchor holds it)
            // while this value's pin is counted. Lua never writes to a
            // string's bytes after making it.
            Inner::Pinned { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
            Inner::Copied(bytes) => bytes,
        }
    }

    /// The text, if the bytes are valid UTF-8 (a conversion error if not).
    pub fn to_str(&self) -> Result<&str> {
        std::str::from_utf8(self.as_bytes()).map_err(|e| Error::conversion(format!("invalid UTF-8 in a Lua string: {e}")))
    }

    /// The text, with invalid UTF-8 replaced (borrowed when it is valid).
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.as_bytes())
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pushes the string: by reference into its own state, as new bytes into another.
    pub(crate) fn push(&self, stack: &mut Stack<'_>) -> Result<()> {
        stack.reserve(1)?;
        match &self.inner {
            Inner::Pinned { anchor, .. } if anchor.belongs_to(stack.lua) => stack.push_ref(anchor),
            _ => stack.push_bytes(self.as_bytes()),
        }
    }
}

/// The pin count of `rt`.
fn pins(rt: &Runtime) -> &std::sync::atomic::AtomicUsize {
    &rt.string_pins
}

impl Drop for LuaString {
    fn drop(&mut self) {
        if let Inner::Pinned { anchor, .. } = &self.inner {
            pins(&anchor.lua().rt).fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Clone for LuaString {
    /// Another anchor to the same string; where it cannot be made (closed,
    /// lent, out of memory) a copy of the bytes.
    fn clone(&self) -> Self {
        match &self.inner {
            Inner::Pinned { anchor, .. } => match anchor.try_clone() {
                Ok(anchor) => LuaString::pinned(anchor, self.as_bytes()),
                Err(_) => LuaString { inner: Inner::Copied(Rc::from(self.as_bytes())) },
            },
            Inner::Copied(bytes) => LuaString { inner: Inner::Copied(bytes.clone()) },
        }
    }
}

impl Lua {
    /// A Lua string of these bytes (interned by Lua if short), held as a
    /// [`LuaString`].
    ///
    /// ```
    /// let lua = lua_core::Lua::new();
    /// let s = lua.create_string("héllo")?;
    /// lua.set_global("s", &s)?;
    /// assert_eq!(lua.exec::<usize>("return #s")?, 6);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn create_string(&self, bytes: impl AsRef<[u8]>) -> Result<LuaString> {
        self.with_stack(|stack| {
            stack.push_bytes(bytes.as_ref())?;
            Ok(LuaString::read(stack.value(-1))?.expect("a string was pushed"))
        })
    }
}

impl AsRef<[u8]> for LuaString {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for LuaString {
    fn eq(&self, other: &LuaString) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for LuaString {}

impl std::hash::Hash for LuaString {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state)
    }
}

impl PartialEq<str> for LuaString {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for LuaString {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for LuaString {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<[u8]> for LuaString {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_bytes() == other
    }
}

impl PartialEq<&[u8]> for LuaString {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_bytes() == *other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for LuaString {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.as_bytes() == other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for LuaString {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_bytes() == *other
    }
}

impl fmt::Debug for LuaString {
    /// As a Rust string literal when the bytes are UTF-8, else as a byte string (`b"\xff"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match std::str::from_utf8(self.as_bytes()) {
            Ok(s) => fmt::Debug::fmt(s, f),
            Err(_) => write!(f, "b\"{}\"", self.as_bytes().escape_ascii()),
        }
    }
}

impl fmt::Display for LuaString {
    /// The text, invalid UTF-8 replaced.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}
