//! The handles' side of typed userdata: making one (`Lua::create_userdata`)
//! and reaching the Rust value behind an [`AnyUserData`].

use std::cell::RefCell;
use std::rc::Rc;

use super::{args, short_type_name, UserData, UserDataMethods};
use crate::convert::IntoLua;
use crate::error::{Error, Result};
use crate::raw::stack::Stack;
use crate::raw::lua::Lua;
use crate::raw::userdata::SelfValue;
use crate::raw::value::AnyUserData;

impl Lua {
    /// Moves `value` into Lua as a userdata with `T`'s methods and fields.
    /// The handle can be stored as a global, passed to a function or
    /// returned from one; Lua's collector drops the value once nothing
    /// reaches it (this handle included).
    ///
    /// ```
    /// use lua_core::{Lua, UserData, UserDataMethods};
    ///
    /// struct Node { label: String }
    ///
    /// impl UserData for Node {
    ///     fn add_methods(methods: &mut UserDataMethods<Self>) {
    ///         methods.add_method("label", |_, n, ()| Ok(n.label.clone()));
    ///         // A method can make and return another userdata.
    ///         methods.add_method("child", |lua, n, name: String| lua.create_userdata(Node { label: format!("{}/{name}", n.label) }));
    ///     }
    /// }
    ///
    /// let lua = Lua::new();
    /// lua.set_global("root", lua.create_userdata(Node { label: "root".into() })?)?;
    /// assert_eq!(lua.exec::<String>("return root:child('a'):child('b'):label()")?, "root/a/b");
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn create_userdata<T: UserData>(&self, value: T) -> Result<AnyUserData> {
        self.create_userdata_with(value, UserDataMethods::<T>::of_type)
    }
}

/// A [`UserData`] value converts to Lua as a new userdata, as
/// [`Lua::create_userdata`] makes it: it can be set as a global, stored in a
/// table, passed as an argument or returned from a callback as it is.
///
/// ```
/// use lua_core::{Lua, UserData, UserDataFields, UserDataMethods};
///
/// #[derive(Clone)]
/// struct Player { name: String, hp: i64 }
///
/// impl UserData for Player {
///     fn add_fields(fields: &mut UserDataFields<Self>) {
///         fields.add_field_method_get("hp", |_, p| Ok(p.hp));
///     }
///     fn add_methods(methods: &mut UserDataMethods<Self>) {
///         // Returning a `Player` makes a new userdata.
///         methods.add_method("clone", |_, p, name: String| Ok(Player { name, ..p.clone() }));
///         methods.add_method("name", |_, p, ()| Ok(p.name.clone()));
///     }
/// }
///
/// let lua = Lua::new();
/// lua.set_global("p", Player { name: "ada".into(), hp: 10 })?;
/// assert_eq!(lua.exec::<(String, i64)>("local q = p:clone('bob') return q:name(), q.hp")?, ("bob".into(), 10));
/// let spawn = lua.create_function(|_, hp: i64| Ok(Player { name: "new".into(), hp }))?;
/// lua.globals()?.set("spawn", spawn)?;
/// assert_eq!(lua.exec::<i64>("return spawn(7).hp")?, 7);
/// # Ok::<(), lua_core::Error>(())
/// ```
impl<T: UserData> IntoLua for T {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        crate::raw::userdata::push_userdata_with(stack, self, UserDataMethods::<T>::of_type)
    }
}

impl AnyUserData {
    /// Calls `f` with the Rust value, if this userdata holds a `T`.
    /// Fails while a method of the value borrows it mutably.
    ///
    /// ```
    /// use lua_core::{AnyUserData, Lua, UserData};
    /// struct Config { debug: bool }
    /// impl UserData for Config {}
    /// let lua = Lua::new();
    /// let ud: AnyUserData = lua.create_userdata(Config { debug: true })?;
    /// assert!(ud.borrow(|c: &Config| c.debug)?);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn borrow<T: UserData, R>(&self, f: impl FnOnce(&T) -> R) -> Result<R> {
        let cell = self.typed::<T>()?;
        let r = args::borrow(&cell)?;
        Ok(f(&r))
    }

    /// Calls `f` with the Rust value, mutably, if this userdata holds a
    /// `T`. Fails while a method of the value borrows it.
    ///
    /// ```
    /// use lua_core::{AnyUserData, Lua, UserData, UserDataFields};
    /// struct Score(i64);
    /// impl UserData for Score {
    ///     fn add_fields(fields: &mut UserDataFields<Self>) {
    ///         fields.add_field_method_get("value", |_, s| Ok(s.0));
    ///     }
    /// }
    /// let lua = Lua::new();
    /// let ud: AnyUserData = lua.create_userdata(Score(1))?;
    /// ud.borrow_mut(|s: &mut Score| s.0 = 99)?;
    /// lua.set_global("score", ud)?;
    /// assert_eq!(lua.exec::<i64>("return score.value")?, 99);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn borrow_mut<T: UserData, R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R> {
        let cell = self.typed::<T>()?;
        let mut r = args::borrow_mut(&cell)?;
        Ok(f(&mut r))
    }

    /// Whether this userdata holds a (not yet finalized) `T`.
    ///
    /// ```
    /// use lua_core::{AnyUserData, Lua, UserData};
    /// struct A;
    /// struct B;
    /// impl UserData for A {}
    /// impl UserData for B {}
    /// let lua = Lua::new();
    /// let ud: AnyUserData = lua.create_userdata(A)?;
    /// assert!(ud.is::<A>()? && !ud.is::<B>()?);
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    pub fn is<T: UserData>(&self) -> Result<bool> {
        Ok(matches!(self.self_value::<T>()?, SelfValue::Live(_)))
    }

    /// The value's cell, or why there is none.
    fn typed<T: UserData>(&self) -> Result<Rc<RefCell<T>>> {
        let ty = short_type_name::<T>();
        match self.self_value::<T>()? {
            SelfValue::Live(cell) => Ok(cell),
            SelfValue::Finalized => Err(Error::runtime(format!("{ty} has been finalized"))),
            SelfValue::Other => Err(Error::conversion(format!("userdata is not a {ty}"))),
        }
    }
}
