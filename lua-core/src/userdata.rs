//! Rust values as Lua userdata, with methods: the typed layer. A type opts
//! in with [`UserData`] and registers its methods through
//! [`UserDataMethods`]; the raw layer (`raw::userdata`) makes the userdata,
//! its metatable and the cell the value lives in.

use std::cell::RefCell;
use std::rc::Rc;

use crate::convert::{FromLua, IntoLuaMulti, MultiValue};
use crate::error::{Error, Result};
use crate::raw::callback::{CallContext, HostFunction};
use crate::raw::lua::Lua;
use crate::raw::userdata::typed_cell;
use crate::raw::value::{AnyUserData, Value};

/// A Rust type Lua can hold and call methods on.
///
/// ```
/// use lua_core::{Lua, StdLib, UserData, UserDataMethods};
///
/// struct Counter { n: i64 }
///
/// impl UserData for Counter {
///     fn add_methods(methods: &mut UserDataMethods<Self>) {
///         methods.add_method("get", |_, this, _| Ok(this.n));
///         methods.add_method_mut("add", |_, this, args| {
///             this.n += args.0.first().and_then(|v| v.as_integer()).unwrap_or(1);
///             Ok(this.n)
///         });
///         methods.add_meta_method("__tostring", |_, this, _| Ok(format!("Counter({})", this.n)));
///     }
/// }
///
/// let lua = Lua::with_libraries(StdLib::BASE)?;
/// lua.set_global("c", lua.create_userdata(Counter { n: 1 })?)?;
/// assert_eq!(lua.exec::<i64>("c:add(41) return c:get()")?, 42);
/// assert_eq!(lua.exec::<String>("return tostring(c)")?, "Counter(42)");
/// # Ok::<(), lua_core::Error>(())
/// ```
pub trait UserData: Sized + 'static {
    /// Registers the type's methods and metamethods.
    fn add_methods(_methods: &mut UserDataMethods<Self>) {}
}

/// Collects the methods of a [`UserData`] type.
pub struct UserDataMethods<T> {
    pub(crate) methods: Vec<(String, HostFunction)>,
    pub(crate) meta: Vec<(String, HostFunction)>,
    _type: std::marker::PhantomData<fn(T)>,
}

impl<T: UserData> UserDataMethods<T> {
    /// A method reading the value: `obj:name(...)`.
    pub fn add_method<R, F>(&mut self, name: &str, f: F)
    where
        R: IntoLuaMulti,
        F: Fn(&Lua, &T, MultiValue) -> Result<R> + 'static,
    {
        self.methods.push((name.to_string(), Box::new(move |call| {
            let args = rest_args(call)?;
            let out = {
                let cell = self_cell::<T>(call)?;
                let this = cell.try_borrow().map_err(|_| Error::runtime("userdata is already borrowed mutably"))?;
                f(call.lua(), &this, args)?
            };
            out.push_multi(&mut call.stack()).map(|n| n as i32)
        })));
    }

    /// A method changing the value: `obj:name(...)`.
    pub fn add_method_mut<R, F>(&mut self, name: &str, f: F)
    where
        R: IntoLuaMulti,
        F: Fn(&Lua, &mut T, MultiValue) -> Result<R> + 'static,
    {
        self.methods.push((name.to_string(), Box::new(move |call| {
            let args = rest_args(call)?;
            let out = {
                let cell = self_cell::<T>(call)?;
                let mut this = cell.try_borrow_mut().map_err(|_| Error::runtime("userdata is already borrowed"))?;
                f(call.lua(), &mut this, args)?
            };
            out.push_multi(&mut call.stack()).map(|n| n as i32)
        })));
    }

    /// A metamethod (`__tostring`, `__add`, `__len`, `__eq`, ...). `__index`,
    /// `__gc` and `__name` are the type's own and cannot be replaced.
    pub fn add_meta_method<R, F>(&mut self, name: &str, f: F)
    where
        R: IntoLuaMulti,
        F: Fn(&Lua, &T, MultiValue) -> Result<R> + 'static,
    {
        self.meta.push((name.to_string(), Box::new(move |call| {
            let args = rest_args(call)?;
            let out = {
                let cell = self_cell::<T>(call)?;
                let this = cell.try_borrow().map_err(|_| Error::runtime("userdata is already borrowed mutably"))?;
                f(call.lua(), &this, args)?
            };
            out.push_multi(&mut call.stack()).map(|n| n as i32)
        })));
    }
}

fn rest_args(call: &CallContext<'_>) -> Result<MultiValue> {
    (1..call.len()).map(|i| Value::from_lua(call.arg(i))).collect::<Result<Vec<_>>>().map(MultiValue)
}

fn type_error<T>() -> Error {
    Error::runtime(format!("bad self: expected a {} userdata", std::any::type_name::<T>()))
}

/// The value behind `self` (argument 0), its count held for the call.
fn self_cell<T: 'static>(call: &CallContext<'_>) -> Result<Rc<RefCell<T>>> {
    typed_cell::<T>(call.arg(0)).ok_or_else(type_error::<T>)
}

impl<T: UserData> UserDataMethods<T> {
    /// The methods `T` registers (run once per state, when its metatable is made).
    fn of_type() -> UserDataMethods<T> {
        let mut methods = UserDataMethods { methods: Vec::new(), meta: Vec::new(), _type: std::marker::PhantomData };
        T::add_methods(&mut methods);
        methods
    }
}

impl Lua {
    /// Moves `value` into Lua as a userdata with `T`'s methods.
    pub fn create_userdata<T: UserData>(&self, value: T) -> Result<AnyUserData> {
        self.create_userdata_with(value, || {
            let methods = UserDataMethods::<T>::of_type();
            (methods.methods, methods.meta)
        })
    }
}

impl AnyUserData {
    /// Borrows the Rust value, if this userdata holds a `T`.
    pub fn borrow<T: UserData, R>(&self, f: impl FnOnce(&T) -> R) -> Result<R> {
        let cell = self.cell::<T>()?.ok_or_else(type_error::<T>)?;
        let r = cell.try_borrow().map_err(|_| Error::runtime("userdata is already borrowed mutably"))?;
        Ok(f(&r))
    }
}

