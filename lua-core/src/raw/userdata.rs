//! Rust values as Lua userdata: the raw part. Each type gets one metatable,
//! made on first use: `__index` holds its methods, `__gc` drops the value,
//! `__name` is its Rust type name. The value lives in a `RefCell` inside the
//! userdata, so methods borrow it (`&T` or `&mut T`) for the length of a
//! call. The typed layer (`crate::userdata`) says what the methods are.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;
use std::ffi::{c_int, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use lua_sys::*;

use crate::error::Result;
use crate::raw::callback::HostFunction;
use crate::raw::lua::Lua;
use crate::raw::protect::protect;
use crate::raw::runtime::Runtime;
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;
use crate::raw::tagged::Tag;
use crate::raw::value::AnyUserData;

/// What the userdata memory holds. An `Rc`, so a running method holds its
/// own count on the value: Lua code can finalize the userdata (through the
/// debug library) while one of its methods runs.
type Cell = Option<Rc<dyn Any>>;

/// Methods and metamethods of a type, by name.
pub(crate) type Methods = Vec<(String, HostFunction)>;

/// The `RefCell<T>` inside `v`, if it is a `T` userdata.
pub(crate) fn typed_cell<T: 'static>(v: StackValue<'_>) -> Option<Rc<RefCell<T>>> {
    let l = v.state();
    // SAFETY: `check` accepts only a cell made by `create_userdata`; the
    // `Any` downcast then checks the type itself. The value is cloned out.
    unsafe {
        let cell = crate::raw::tagged::check::<Cell>(l, v.index(), Tag::UserData);
        let value = cell.as_ref()?.as_ref()?.clone();
        value.downcast::<RefCell<T>>().ok()
    }
}

impl Lua {
    /// Moves `value` into Lua as a userdata whose metatable (made on first
    /// use of `T` in this state) has the methods `methods` gives.
    pub(crate) fn create_userdata_with<T: 'static>(&self, value: T, methods: impl FnOnce() -> (Methods, Methods)) -> Result<AnyUserData> {
        self.rt.thread_bound.set(true);
        self.with_stack(|stack| {
            stack.reserve(4)?;
            push_metatable::<T>(stack, methods)?;
            // SAFETY: the userdata gets an empty cell and the metatable in one
            // protected call (its __gc never sees uninitialised memory); the
            // value is moved in only after that succeeded.
            unsafe {
                protect(stack.raw(), 1, 1, move |l| {
                    crate::raw::tagged::push_new::<Cell>(l, Tag::UserData, None);
                    lua_pushvalue(l, 1);
                    lua_setmetatable(l, -2);
                    1
                })?;
                let cell = crate::raw::tagged::check::<Cell>(stack.raw(), -1, Tag::UserData);
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
    /// The cell of the value, if this userdata holds a `T`.
    pub(crate) fn cell<T: 'static>(&self) -> Result<Option<Rc<RefCell<T>>>> {
        let lua = self.0.lua().clone();
        lua.with_stack(|stack| {
            stack.push_ref(&self.0)?;
            Ok(typed_cell::<T>(stack.value(-1)))
        })
    }
}

/// Pushes `T`'s metatable, creating it on first use.
fn push_metatable<T: 'static>(stack: &mut Stack<'_>, methods: impl FnOnce() -> (Methods, Methods)) -> Result<()> {
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
    let (methods, meta) = methods();
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
    stack.push_table(0, methods.len())?;
    for (name, f) in methods {
        stack.push_bytes(name.as_bytes())?;
        crate::raw::callback::push_host_function(stack, f)?;
        stack.set_entry()?;
    }
    stack.set_entry()?;
    for (name, f) in meta {
        if matches!(name.as_str(), "__index" | "__gc" | "__name" | "__metatable") {
            continue;
        }
        stack.push_bytes(name.as_bytes())?;
        crate::raw::callback::push_host_function(stack, f)?;
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
        let cell = crate::raw::tagged::check::<Cell>(l, 1, Tag::UserData);
        if cell.is_null() {
            Runtime::from_state(l).raise(l, crate::raw::tagged::bad_self("__gc", "userdata"));
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
