//! Rust values as Lua userdata, with methods.
//!
//! A type opts in with [`UserData`]; each type gets one metatable, made on
//! first use: `__index` holds its methods, `__gc` drops the value, `__name`
//! is its Rust type name. The value lives in a `RefCell` inside the userdata,
//! so methods borrow it (`&T` or `&mut T`) for the length of a call.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;
use std::ffi::{c_int, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use lua_sys::*;

use crate::tagged::Tag;

use crate::callback::{CallContext, HostFunction};
use crate::convert::{FromLua, IntoLuaMulti, MultiValue};
use crate::error::{Error, Result};
use crate::lua::Lua;
use crate::protect::protect;
use crate::runtime::Runtime;
use crate::stack::Stack;
use crate::value::{AnyUserData, Value};

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
    methods: Vec<(String, HostFunction)>,
    meta: Vec<(String, HostFunction)>,
    _type: std::marker::PhantomData<fn(T)>,
}

/// What the userdata memory holds. An `Rc`, so a running method holds its
/// own count on the value: Lua code can finalize the userdata (through the
/// debug library) while one of its methods runs.
type Cell = Option<Rc<dyn Any>>;

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
    typed_cell::<T>(call, 0).ok_or_else(type_error::<T>)
}

/// The `RefCell<T>` inside argument `idx`, if it is a `T` userdata.
fn typed_cell<T: 'static>(call: &CallContext<'_>, idx: usize) -> Option<Rc<RefCell<T>>> {
    let v = call.arg(idx);
    let l = v.state();
    // SAFETY: `check` accepts only a cell made by `create_userdata`; the
    // `Any` downcast then checks the type itself. The value is cloned out.
    unsafe {
        let cell = crate::tagged::check::<Cell>(l, v.index(), Tag::UserData);
        let value = cell.as_ref()?.as_ref()?.clone();
        value.downcast::<RefCell<T>>().ok()
    }
}

impl Lua {
    /// Moves `value` into Lua as a userdata with `T`'s methods.
    pub fn create_userdata<T: UserData>(&self, value: T) -> Result<AnyUserData> {
        self.rt.thread_bound.set(true);
        self.with_stack(|stack| {
            stack.reserve(4)?;
            push_metatable::<T>(stack)?;
            // SAFETY: the userdata gets an empty cell and the metatable in one
            // protected call (its __gc never sees uninitialised memory); the
            // value is moved in only after that succeeded.
            unsafe {
                protect(stack.raw(), 1, 1, move |l| {
                    crate::tagged::push_new::<Cell>(l, Tag::UserData, None);
                    lua_pushvalue(l, 1);
                    lua_setmetatable(l, -2);
                    1
                })?;
                let cell = crate::tagged::check::<Cell>(stack.raw(), -1, Tag::UserData);
                debug_assert!(!cell.is_null(), "made just now");
                if let Some(cell) = cell.as_mut() {
                    *cell = Some(Rc::new(RefCell::new(value)));
                }
            }
            stack.value(-1).to_ref().map(AnyUserData)
        })
    }
}

impl AnyUserData {
    /// Borrows the Rust value, if this userdata holds a `T`.
    pub fn borrow<T: UserData, R>(&self, f: impl FnOnce(&T) -> R) -> Result<R> {
        let lua = self.0.lua().clone();
        lua.with_stack(|stack| {
            stack.reserve(2)?;
            stack.push_ref(&self.0)?;
            let call = CallContext::new(stack.raw(), stack.top(), &lua);
            let idx = (stack.top() - 1) as usize;
            let cell = typed_cell::<T>(&call, idx).ok_or_else(type_error::<T>)?;
            let r = cell.try_borrow().map_err(|_| Error::runtime("userdata is already borrowed mutably"))?;
            Ok(f(&r))
        })
    }
}

/// Pushes `T`'s metatable, creating it on first use.
fn push_metatable<T: UserData>(stack: &mut Stack<'_>) -> Result<()> {
    let name = CString::new(format!("lua_core_type:{}", std::any::type_name::<T>()).replace('\0', "")).expect("no NUL");
    let p = name.as_ptr();
    let created = std::cell::Cell::new(false);
    let flag = &created;
    // The metatable is registered only once it is complete (see the end): a
    // refused allocation while filling it must not leave a half-made one
    // for every later userdata of the type.
    // SAFETY: the lookup and the new table allocate; protected, Copy captures only.
    unsafe {
        protect(stack.raw(), 0, 1, move |l| {
            match lua_getfield(l, LUA_REGISTRYINDEX, p) as u32 {
                LUA_TTABLE => {}
                LUA_TNIL => {
                    lua_settop(l, -2);
                    lua_createtable(l, 0, 4);
                    flag.set(true);
                }
                _ => {
                    // Replaced from Lua through `debug.getregistry()`.
                    lua_pushstring(l, c"an internal registry entry of lua-native was replaced".as_ptr());
                    lua_error(l);
                }
            }
            1
        })?;
    }
    if !created.get() {
        return Ok(());
    }
    let mut methods = UserDataMethods::<T> { methods: Vec::new(), meta: Vec::new(), _type: std::marker::PhantomData };
    T::add_methods(&mut methods);
    // The metatable is on top: fill it through the stack API.
    stack.push_bytes(b"__gc")?;
    // SAFETY: a light C function (no upvalues) never allocates.
    unsafe { lua_pushcclosure(stack.raw(), Some(userdata_gc), 0) };
    stack.set_entry()?;
    stack.push_bytes(b"__metatable")?;
    stack.push_boolean(false)?;
    stack.set_entry()?;
    stack.push_bytes(b"__name")?;
    stack.push_bytes(std::any::type_name::<T>().as_bytes())?;
    stack.set_entry()?;
    stack.push_bytes(b"__index")?;
    stack.push_table(0, methods.methods.len())?;
    for (name, f) in methods.methods {
        stack.push_bytes(name.as_bytes())?;
        crate::callback::push_host_function(stack, f)?;
        stack.set_entry()?;
    }
    stack.set_entry()?;
    for (name, f) in methods.meta {
        if matches!(name.as_str(), "__index" | "__gc" | "__name" | "__metatable") {
            continue;
        }
        stack.push_bytes(name.as_bytes())?;
        crate::callback::push_host_function(stack, f)?;
        stack.set_entry()?;
    }
    // SAFETY: registering allocates; protected, with a copy of the finished
    // metatable as the argument; Copy captures only.
    unsafe {
        lua_pushvalue(stack.raw(), -1);
        protect(stack.raw(), 1, 0, move |l| {
            lua_setfield(l, LUA_REGISTRYINDEX, p);
            0
        })
    }
}

unsafe extern "C" fn userdata_gc(l: *mut lua_State) -> c_int {
    // SAFETY: `check` accepts only cells made by `create_userdata` (Lua code
    // can call this with anything through the debug library); the cell is
    // taken once. While the state is lent to another thread the drop waits.
    unsafe {
        let cell = crate::tagged::check::<Cell>(l, 1, Tag::UserData);
        if cell.is_null() {
            Runtime::from_state(l).raise(l, crate::tagged::bad_self("__gc", "userdata"));
        }
        let value = (*cell).take();
        let rt = Runtime::from_state(l);
        if rt.is_off_thread() {
            // Dropping may touch the owner's data: wait until the state is back.
            if let Some(value) = value {
                rt.defer_drop(Box::new(value));
            }
            return 0;
        }
        let _ = catch_unwind(AssertUnwindSafe(move || drop(value)));
    }
    0
}
