//! Rust values as Lua userdata: the raw part. Each type gets one metatable,
//! made on first use: `__index` finds its methods (and, for a type with
//! fields, its field getters: see `userdata_fields`), `__newindex` its field
//! setters, `__gc` drops the value, `__name` is the type's name. The value
//! lives in a `RefCell` inside the userdata, so methods borrow it (`&T` or
//! `&mut T`) for the length of a call. The typed layer (`crate::userdata`)
//! says what the methods and fields are.

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
pub(crate) type Cell = Option<Rc<dyn Any>>;

/// Methods and metamethods of a type, by name.
pub(crate) type Methods = Vec<(String, HostFunction)>;

/// Everything a type registers, collected once per state (when its
/// metatable is made).
pub(crate) struct TypeParts {
    /// The name Lua shows (`__name`, error messages).
    pub(crate) name: String,
    /// `obj:name(...)`.
    pub(crate) methods: Methods,
    /// Metamethods; `__index` and `__newindex` here are fallbacks, asked
    /// after the methods and fields.
    pub(crate) meta: Methods,
    /// Field getters, called with the userdata.
    pub(crate) getters: Methods,
    /// Field setters, called with the userdata and the new value.
    pub(crate) setters: Methods,
}

/// What the value at a call's `self` is, for a `T` method.
pub(crate) enum SelfValue<T> {
    /// A live `T` of ours, its count held.
    Live(Rc<RefCell<T>>),
    /// One of our typed userdata whose value was already dropped by `__gc`
    /// (called by hand through the debug library, or resurrected by a
    /// finalizer that ran before it).
    Finalized,
    /// Anything else.
    Other,
}

/// What `v` is, for a method of `T`.
pub(crate) fn self_value<T: 'static>(v: StackValue<'_>) -> SelfValue<T> {
    let l = v.state();
    // SAFETY: `check` accepts only a cell made by `create_userdata`; the
    // `Any` downcast then checks the type itself. The value is cloned out.
    unsafe {
        let cell = crate::raw::tagged::check::<Cell>(l, v.index(), Tag::UserData);
        match cell.as_ref() {
            None => SelfValue::Other,
            Some(None) => SelfValue::Finalized,
            Some(Some(value)) => match value.clone().downcast::<RefCell<T>>() {
                Ok(value) => SelfValue::Live(value),
                Err(_) => SelfValue::Other,
            },
        }
    }
}

/// Whether the userdata at `idx` is ours and holds a `T` (or held one: a
/// finalized one passes, its methods then refuse it). Never raises, never
/// allocates, creates nothing with a destructor.
///
/// # Safety
/// `idx` must be an acceptable index.
pub(crate) unsafe fn is_own<T: 'static>(l: *mut lua_State, idx: c_int) -> bool {
    // SAFETY: `check` only reads; the `Any` is only asked its type.
    unsafe {
        match crate::raw::tagged::check::<Cell>(l, idx, Tag::UserData).as_ref() {
            None => false,
            Some(None) => true,
            Some(Some(value)) => value.is::<RefCell<T>>(),
        }
    }
}

impl Lua {
    /// Moves `value` into Lua as a userdata whose metatable (made on first
    /// use of `T` in this state) has the methods and fields `parts` gives.
    pub(crate) fn create_userdata_with<T: 'static>(&self, value: T, parts: impl FnOnce() -> TypeParts) -> Result<AnyUserData> {
        self.with_stack(|stack| {
            push_userdata_with(stack, value, parts)?;
            stack.value(-1).to_ref().map(AnyUserData)
        })
    }
}

/// Pushes `value` as a userdata whose metatable (made on first use of `T`
/// in this state) has the methods and fields `parts` gives: what
/// [`Lua::create_userdata_with`] anchors, and what a `UserData` value
/// converted with `IntoLua` leaves on the stack.
pub(crate) fn push_userdata_with<T: 'static>(stack: &mut Stack<'_>, value: T, parts: impl FnOnce() -> TypeParts) -> Result<()> {
    stack.lua.rt.thread_bound.set(true);
    stack.reserve(4)?;
    push_metatable::<T>(stack, parts)?;
    // SAFETY: the userdata gets an empty cell and the metatable in one
    // protected call (its __gc never sees uninitialised memory); the
    // value is moved in only after that succeeded.
    unsafe {
        let pushed = protect(stack.raw(), 1, 1, move |l| {
            crate::raw::tagged::push_new::<Cell>(l, Tag::UserData, None);
            lua_pushvalue(l, 1);
            lua_setmetatable(l, -2);
            1
        });
        stack.resync();
        pushed?;
        let cell = crate::raw::tagged::check::<Cell>(stack.raw(), -1, Tag::UserData);
        stack.resync();
        debug_assert!(!cell.is_null(), "made just now");
        if let Some(cell) = cell.as_mut() {
            *cell = Some(Rc::new(RefCell::new(value)));
        }
    }
    Ok(())
}

impl AnyUserData {
    /// What this userdata is, for `T`.
    pub(crate) fn self_value<T: 'static>(&self) -> Result<SelfValue<T>> {
        let lua = self.0.lua().clone();
        lua.with_stack(|stack| {
            stack.push_ref(&self.0)?;
            Ok(self_value::<T>(stack.value(-1)))
        })
    }
}

/// Pushes a table of `functions` by name (a light-weight nil when there are
/// none and `nil_if_empty`).
fn push_functions(stack: &mut Stack<'_>, functions: Methods, nil_if_empty: bool) -> Result<()> {
    if functions.is_empty() && nil_if_empty {
        return stack.push_nil();
    }
    stack.push_table(0, functions.len())?;
    for (name, f) in functions {
        stack.push_bytes(name.as_bytes())?;
        crate::raw::callback::push_host_function(stack, f)?;
        stack.set_entry()?;
    }
    Ok(())
}

/// Pushes `T`'s metatable, creating it on first use.
fn push_metatable<T: 'static>(stack: &mut Stack<'_>, parts: impl FnOnce() -> TypeParts) -> Result<()> {
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
                    lua_createtable(l, 0, 6);
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
    let TypeParts { name: type_name, methods, meta, getters, setters } = parts();
    // The metatable is on top: fill it through the stack API.
    stack.push_bytes(b"__gc")?;
    // SAFETY: a light C function (no upvalues) never allocates.
    unsafe { lua_pushcclosure(stack.raw(), Some(userdata_gc), 0) };
    stack.set_entry()?;
    stack.push_bytes(b"__metatable")?;
    stack.push_boolean(false)?;
    stack.set_entry()?;
    stack.push_bytes(b"__name")?;
    stack.push_bytes(type_name.as_bytes())?;
    stack.set_entry()?;
    let (mut index_fallback, mut newindex_fallback) = (None, None);
    for (name, f) in meta {
        match name.as_str() {
            "__gc" | "__name" | "__metatable" => continue,
            "__index" => index_fallback = Some(f),
            "__newindex" => newindex_fallback = Some(f),
            _ => {
                stack.push_bytes(name.as_bytes())?;
                crate::raw::callback::push_host_function(stack, f)?;
                stack.set_entry()?;
            }
        }
    }
    let fields = crate::raw::userdata_fields::Fields {
        plain_index: getters.is_empty() && index_fallback.is_none(),
        index: crate::raw::userdata_fields::typed_index::<T>,
        newindex: crate::raw::userdata_fields::typed_newindex::<T>,
    };
    // The pieces `__index` and `__newindex` close over, above the metatable.
    push_functions(stack, methods, false)?;
    push_functions(stack, getters, true)?;
    push_functions(stack, setters, true)?;
    for fallback in [index_fallback, newindex_fallback] {
        match fallback {
            Some(f) => crate::raw::callback::push_host_function(stack, f)?,
            None => stack.push_nil()?,
        }
    }
    stack.push_bytes(type_name.as_bytes())?;
    fields.install(stack)?;
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
