//! Moving a state to another thread.

use std::rc::Rc;

use crate::raw::lua::Lua;

/// A [`Lua`] that may cross to another thread (`Send`), made by
/// [`Lua::into_send`] when that is safe.
///
/// ```
/// use lua_core::{Lua, StdLib};
///
/// let lua = Lua::with_libraries(StdLib::SAFE)?;
/// lua.exec::<()>("counter = 41")?;
/// let sendable = lua.into_send().map_err(|_| lua_core::Error::api("still shared"))?;
/// let answer = std::thread::spawn(move || {
///     let lua = sendable.into_inner();
///     lua.exec::<i64>("counter = counter + 1 return counter")
/// })
/// .join()
/// .unwrap()?;
/// assert_eq!(answer, 42);
/// # Ok::<(), lua_core::Error>(())
/// ```
///
/// A [`Lua`] itself never crosses threads: it shares its state through
/// reference counts that are not atomic.
///
/// ```compile_fail
/// let lua = lua_core::Lua::new();
/// std::thread::spawn(move || drop(lua));
/// ```
///
/// and [`Lua::create_send_function`] takes only closures that may cross:
///
/// ```compile_fail
/// use std::rc::Rc;
/// let lua = lua_core::Lua::new();
/// let shared = Rc::new(1);
/// lua.create_send_function(move |_, _args| Ok(*shared))?;
/// # Ok::<(), lua_core::Error>(())
/// ```
pub struct SendLua(Lua);

// SAFETY: `into_send` only builds one from the last handle to a state that
// holds nothing tied to a thread (no closure, userdata, hook or host that may
// not be `Send`), so the whole state moves as a unit, like a Box.
unsafe impl Send for SendLua {}

impl SendLua {
    /// The state, on whatever thread this is now.
    pub fn into_inner(self) -> Lua {
        self.0
    }
}

impl Lua {
    /// Makes this state movable to another thread, if it can be: this must be
    /// the only handle to it (no clones, no value handles), it must not be
    /// running Lua, and it must hold nothing that may be tied to this thread
    /// (functions from [`Lua::create_function`], userdata, a debug hook). Use
    /// [`Lua::create_send_function`] for functions that may travel.
    pub fn into_send(self) -> Result<SendLua, Lua> {
        let movable = Rc::strong_count(&self.rt) == 1 && Rc::weak_count(&self.rt) == 0 && !self.is_executing() && !self.rt.thread_bound.get();
        if movable {
            Ok(SendLua(self))
        } else {
            Err(self)
        }
    }
}
