//! `LuaTableHandle` (EVOLUTION B2, B10, B20): a live reference to a Lua
//! table, made by `create_table()`, `get_global_ref()` and `get_ref()`.
//!
//! The class is defined once per environment (its constructor and the
//! iterator's are kept in the module's instance data) and refuses to be
//! constructed from JavaScript. Each instance wraps a tagged box holding
//! the context and the table's registry reference; `release()` empties it.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use lua_core::{Kind, RegRef, StackValue};
use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::{Failure, JsError, FOREIGN, NOT_A_TABLE};
use crate::from_js::push_value;
use crate::glue::{read_args, Args};
use crate::js::{Env, Raw};
use crate::table_key::Key;
use crate::to_js::ToJs;

pub const TABLE_HANDLE_TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x6c75_615f_7461_626c, upper: 0x655f_6861_6e64_6c31 };

pub const FOREIGN_HANDLE: &str = "table handle belongs to a different Lua context";

/// What a `LuaTableHandle` holds; its iterators share it, so a `release()`
/// ends them too.
pub struct TableState {
    pub cx: Rc<Context>,
    /// Emptied by `release()`. An operation that runs Lua code holds its own
    /// `Rc`, so a release from inside (a metamethod) frees the slot when the
    /// operation ends, never under it.
    table: RefCell<Option<Rc<RegRef>>>,
}

impl TableState {
    /// The table, for an operation now: refused when released, when its
    /// state was replaced or closed, and while the context is busy.
    pub fn live(&self) -> Result<Rc<RegRef>, JsError> {
        let table = self.table.borrow().clone().ok_or_else(|| JsError::released("table handle"))?;
        self.cx.check_handle(table.lua(), "table handle")?;
        Ok(table)
    }

    /// The table unless released (no other check).
    pub fn held(&self) -> Option<Rc<RegRef>> {
        self.table.borrow().clone()
    }

    /// Frees the registry slot (once the operations in flight let it go).
    pub fn release(&self) {
        let old = self.table.borrow_mut().take();
        drop(old);
    }
}

/// The constructors this module defines, per environment.
struct Classes {
    handle: sys::napi_ref,
    iterator: sys::napi_ref,
    /// The constructor's option reader (`option_reader`).
    option_reader: sys::napi_ref,
}

thread_local! {
    /// Set while this module constructs an instance: the only way in.
    static MINTING: Cell<bool> = const { Cell::new(false) };
}

type Method = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// A prototype method as a plain function value: no receiver check by the
/// engine, so a call on a foreign `this` reaches the method, which refuses
/// it with this module's own TypeError (and its `code`).
fn descriptor(env: Env, name: &'static std::ffi::CStr, symbol: Raw, f: Method) -> Result<sys::napi_property_descriptor, JsError> {
    let mut func = ptr::null_mut();
    let text = if symbol.is_null() { name } else { c"[Symbol.iterator]" };
    // SAFETY: valid env and NUL-terminated name; the function needs no data.
    env.check(unsafe { sys::napi_create_function(env.0, text.as_ptr(), text.to_bytes().len() as isize, Some(f), ptr::null_mut(), &mut func) })?;
    Ok(sys::napi_property_descriptor {
        utf8name: if symbol.is_null() { name.as_ptr() } else { ptr::null() },
        name: symbol,
        method: None,
        getter: None,
        setter: None,
        value: func,
        attributes: sys::PropertyAttributes::writable | sys::PropertyAttributes::configurable,
        data: ptr::null_mut(),
    })
}

/// A class whose prototype gets `props` as ordinary properties (a class
/// template can only hold primitives and templates).
fn define_class(env: Env, name: &str, ctor: Method, props: &[sys::napi_property_descriptor]) -> Result<Raw, JsError> {
    let mut class = ptr::null_mut();
    // SAFETY: valid env; no descriptors.
    env.check(unsafe { sys::napi_define_class(env.0, name.as_ptr() as *const _, name.len() as isize, Some(ctor), ptr::null_mut(), 0, ptr::null(), &mut class) })?;
    let proto = env.get_named(class, c"prototype")?;
    // SAFETY: valid env and object; the descriptors live until the call returns.
    env.check(unsafe { sys::napi_define_properties(env.0, proto, props.len(), props.as_ptr()) })?;
    Ok(class)
}

/// `Symbol.iterator`.
fn iterator_symbol(env: Env) -> Result<Raw, JsError> {
    let mut global = ptr::null_mut();
    // SAFETY: valid env and out pointer.
    env.check(unsafe { sys::napi_get_global(env.0, &mut global) })?;
    env.get_named(env.get_named(global, c"Symbol")?, c"iterator")
}

/// Defines `LuaTableHandle` and `LuaTableIterator` for this environment.
pub fn define(env: Env) -> Result<(), JsError> {
    let iter = iterator_symbol(env)?;
    let none = ptr::null_mut();
    let handle_props = [
        descriptor(env, c"get", none, m_get)?,
        descriptor(env, c"set", none, m_set)?,
        descriptor(env, c"has", none, m_has)?,
        descriptor(env, c"length", none, m_length)?,
        descriptor(env, c"pairs", none, m_pairs)?,
        descriptor(env, c"ipairs", none, m_ipairs)?,
        descriptor(env, c"keys", none, m_keys)?,
        descriptor(env, c"get_ref", none, m_get_ref)?,
        descriptor(env, c"release", none, m_release)?,
        descriptor(env, c"", iter, m_iterator)?,
    ];
    let handle = define_class(env, "LuaTableHandle", construct_handle, &handle_props)?;
    let iter_props = [
        descriptor(env, c"next", none, crate::table_iter::next)?,
        descriptor(env, c"return", none, crate::table_iter::finish)?,
        descriptor(env, c"", iter, crate::table_iter::itself)?,
    ];
    let iterator = define_class(env, "LuaTableIterator", construct_iterator, &iter_props)?;
    let classes = Box::into_raw(Box::new(Classes {
        handle: env.reference(handle)?,
        iterator: env.reference(iterator)?,
        option_reader: env.reference(crate::option_reader::make(env, crate::options::known("new init()"))?)?,
    }));
    // SAFETY: the environment owns the box from here on; its finalizer frees it.
    let status = unsafe { sys::napi_set_instance_data(env.0, classes as *mut c_void, Some(finalize_classes), ptr::null_mut()) };
    if status != sys::Status::napi_ok {
        // SAFETY: not handed over, so still ours.
        drop(unsafe { Box::from_raw(classes) });
        env.check(status)?;
    }
    Ok(())
}

unsafe extern "C" fn finalize_classes(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: the box made by `define`, freed once at teardown (the
    // references die with the environment).
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(data as *mut Classes) })));
}

/// The constructor's option reader (`option_reader`).
pub fn option_reader(env: Env) -> Result<Raw, JsError> {
    env.deref(classes(env)?.option_reader)
}

fn classes<'a>(env: Env) -> Result<&'a Classes, JsError> {
    let mut p = ptr::null_mut();
    // SAFETY: valid env and out pointer.
    env.check(unsafe { sys::napi_get_instance_data(env.0, &mut p) })?;
    // SAFETY: only `define` sets the instance data, to a Classes that lives
    // until the environment is torn down.
    unsafe { (p as *const Classes).as_ref() }.ok_or_else(|| JsError::error("LuaTableHandle is not defined in this environment", "LUA_INTERNAL"))
}

fn refuse_construction(env: sys::napi_env, info: sys::napi_callback_info, message: &str) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (args, _) = read_args(env, info)?;
        if MINTING.with(Cell::get) {
            Ok(args.this)
        } else {
            Err(JsError::type_error(message))
        }
    }));
    crate::glue::finish(env, result)
}

unsafe extern "C" fn construct_handle(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    refuse_construction(env, info, "LuaTableHandle cannot be constructed directly; use create_table(), get_global_ref() or get_ref()")
}

unsafe extern "C" fn construct_iterator(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    refuse_construction(env, info, "table iterator is not usable")
}

/// A new instance of one of the classes, wrapping `data` (tagged `tag`).
pub fn instance<T>(env: Env, iterator: bool, tag: &sys::napi_type_tag, data: T) -> Result<Raw, JsError> {
    let classes = classes(env)?;
    let class = env.deref(if iterator { classes.iterator } else { classes.handle })?;
    let mut obj = ptr::null_mut();
    MINTING.with(|m| m.set(true));
    // SAFETY: valid env and class; no arguments.
    let status = unsafe { sys::napi_new_instance(env.0, class, 0, ptr::null(), &mut obj) };
    MINTING.with(|m| m.set(false));
    env.check(status)?;
    let boxed = Box::into_raw(Box::new(data));
    // SAFETY: `obj` owns the box from here on; the finalizer frees it once.
    let status = unsafe { sys::napi_wrap(env.0, obj, boxed as *mut c_void, Some(finalize_box::<T>), ptr::null_mut(), ptr::null_mut()) };
    if status != sys::Status::napi_ok {
        // SAFETY: not wrapped, so still ours.
        drop(unsafe { Box::from_raw(boxed) });
        env.check(status)?;
    }
    env.tag(obj, tag)?;
    Ok(obj)
}

unsafe extern "C" fn finalize_box<T>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: the box made by `instance` with this `T`, finalized once.
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(data as *mut T) })));
}

/// The data wrapped in `v` by `instance`, if `v` carries `tag`.
pub fn wrapped<'a, T>(env: Env, v: Raw, tag: &sys::napi_type_tag) -> Option<&'a T> {
    if !env.has_tag(v, tag) {
        return None;
    }
    let p = env.unwrap_ptr(v).ok()? as *const T;
    // SAFETY: the tag is only put on objects `instance` wrapped a `T` into;
    // the data lives as long as the object, which the caller holds.
    unsafe { p.as_ref() }
}

/// A new handle to `table`.
pub fn mint(cx: &Rc<Context>, table: RegRef) -> Result<Raw, JsError> {
    instance(cx.env, false, &TABLE_HANDLE_TAG, Rc::new(TableState { cx: cx.clone(), table: RefCell::new(Some(Rc::new(table))) }))
}

/// The state of the handle `v`, if it is one (of any context).
pub fn state_of<'a>(env: Env, v: Raw) -> Option<&'a Rc<TableState>> {
    wrapped::<Rc<TableState>>(env, v, &TABLE_HANDLE_TAG)
}

/// The table behind `v` when it is a table handle, for pushing it into
/// this context's Lua: another context's handle, a released one or a stale
/// one is refused. Borrowed: use it at once (see `handles::plain_lua_ref_of`).
pub fn table_of<'a>(cx: &Rc<Context>, v: Raw) -> Result<Option<&'a RegRef>, JsError> {
    let Some(state) = state_of(cx.env, v) else { return Ok(None) };
    if !Rc::ptr_eq(&state.cx, cx) {
        return Err(JsError::error(FOREIGN_HANDLE, FOREIGN));
    }
    state.live()?;
    // SAFETY: `live` just saw the table held; no borrow of the cell is open,
    // and the caller uses the reference before any JavaScript can release it.
    Ok(unsafe { (*state.table.as_ptr()).as_deref() })
}

/// A handle method: `this` must be a `LuaTableHandle`.
macro_rules! handle_method {
    ($name:ident, $body:path) => {
        unsafe extern "C" fn $name(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
            let env = Env(env);
            let result = catch_unwind(AssertUnwindSafe(|| {
                let (args, _) = read_args(env, info)?;
                let state = state_of(env, args.this).ok_or_else(|| JsError::type_error("Illegal invocation: not a LuaTableHandle"))?;
                $body(state, &args)
            }));
            crate::glue::finish(env, result)
        }
    };
}

handle_method!(m_get, get);
handle_method!(m_set, set);
handle_method!(m_has, has);
handle_method!(m_length, length);
handle_method!(m_pairs, pairs);
handle_method!(m_ipairs, ipairs);
handle_method!(m_keys, keys);
handle_method!(m_get_ref, get_ref);
handle_method!(m_release, release);
handle_method!(m_iterator, crate::table_iter::start);

fn get(state: &Rc<TableState>, args: &Args) -> Result<Raw, JsError> {
    let (cx, table) = (&state.cx, state.live()?);
    let key = Key::from_js(cx.env, args.get(cx.env, 0))?;
    cx.lua().index_with(&table, |s| key.push(s), |v| ToJs::new(cx).convert(v))?
}

fn set(state: &Rc<TableState>, args: &Args) -> Result<Raw, JsError> {
    let (cx, table) = (&state.cx, state.live()?);
    let env = cx.env;
    let key = Key::from_js(env, args.get(env, 0))?;
    let value = args.get(env, 1);
    let mut failure = Failure::default();
    let outcome = cx.lua().assign_with(&table, |s| {
        key.push(s)?;
        push_value(cx, s, value, 0).map_err(|e| failure.keep(e))
    });
    failure.finish(env, outcome)?;
    Ok(env.undefined())
}

fn has(state: &Rc<TableState>, args: &Args) -> Result<Raw, JsError> {
    let (cx, table) = (&state.cx, state.live()?);
    let key = Key::from_js(cx.env, args.get(cx.env, 0))?;
    let found = cx.lua().index_with(&table, |s| key.push(s), |v| v.kind() != Kind::Nil)?;
    Ok(cx.env.boolean(found))
}

fn length(state: &Rc<TableState>, _args: &Args) -> Result<Raw, JsError> {
    let (cx, table) = (&state.cx, state.live()?);
    let n = cx.lua().len_of(&table)?;
    cx.env.number(n as f64)
}

/// Keys `pairs()`, `keys()` and the iterator leave out: values with
/// identity, which have no JavaScript key form.
pub fn skipped_key(k: &StackValue<'_>) -> bool {
    matches!(k.kind(), Kind::Table | Kind::Function | Kind::UserData | Kind::LightUserData | Kind::Thread)
}

/// `[k, v]` as a JS array.
pub fn pair(env: Env, k: Raw, v: Raw) -> Result<Raw, JsError> {
    let p = env.array(2)?;
    env.set_element(p, 0, k)?;
    env.set_element(p, 1, v)?;
    Ok(p)
}

fn pairs(state: &Rc<TableState>, _args: &Args) -> Result<Raw, JsError> {
    let (cx, table) = (&state.cx, state.live()?);
    let env = cx.env;
    let out = env.array(0)?;
    let mut n = 0u32;
    let mut failure = Failure::default();
    let mut to_js = ToJs::new(cx);
    let outcome = cx.lua().for_each_entry_snapshot(&table, |k, v| {
        if skipped_key(&k) {
            return Ok(());
        }
        let item = k.visit(&mut to_js).and_then(|k| Ok((k, to_js.convert(v)?))).and_then(|(k, v)| pair(env, k, v));
        item.and_then(|p| env.set_element(out, n, p)).map_err(|e| failure.keep(e))?;
        n += 1;
        Ok(())
    });
    failure.finish(env, outcome)?;
    Ok(out)
}

fn ipairs(state: &Rc<TableState>, _args: &Args) -> Result<Raw, JsError> {
    let (cx, table) = (&state.cx, state.live()?);
    let env = cx.env;
    let out = env.array(0)?;
    let mut failure = Failure::default();
    let mut to_js = ToJs::new(cx);
    let outcome = cx.lua().for_each_ipair(&table, |i, v| {
        let item = env.number(i as f64).and_then(|k| pair(env, k, to_js.convert(v)?));
        item.and_then(|p| env.set_element(out, (i - 1) as u32, p)).map_err(|e| failure.keep(e))
    });
    failure.finish(env, outcome)?;
    Ok(out)
}

fn keys(state: &Rc<TableState>, _args: &Args) -> Result<Raw, JsError> {
    let (cx, table) = (&state.cx, state.live()?);
    let env = cx.env;
    let out = env.array(0)?;
    let mut n = 0u32;
    let mut failure = Failure::default();
    let mut to_js = ToJs::new(cx);
    let outcome = cx.lua().for_each_key_snapshot(&table, |k| {
        if skipped_key(&k) {
            return Ok(());
        }
        k.visit(&mut to_js).and_then(|k| env.set_element(out, n, k)).map_err(|e| failure.keep(e))?;
        n += 1;
        Ok(())
    });
    failure.finish(env, outcome)?;
    Ok(out)
}

fn get_ref(state: &Rc<TableState>, args: &Args) -> Result<Raw, JsError> {
    let (cx, table) = (&state.cx, state.live()?);
    let env = cx.env;
    let original = args.get(env, 0);
    let key = Key::from_js(env, original)?;
    let found = cx.lua().index_with(
        &table,
        |s| key.push(s),
        |v| match v.kind() {
            Kind::Table => v.to_ref().map(Ok),
            other => Ok(Err(other.name())),
        },
    )??;
    match found {
        Ok(nested) => mint(cx, nested),
        Err(kind) => Err(JsError::error(format!("field '{}' is not a table (got {kind})", key.display(env, original)), NOT_A_TABLE)),
    }
}

fn release(state: &Rc<TableState>, _args: &Args) -> Result<Raw, JsError> {
    let cx = &state.cx;
    // A state lent to a worker takes no registry writes meanwhile; after
    // dispose() or reset() there is nothing to refuse.
    if !cx.disposed.get() && cx.is_busy() {
        cx.check_busy()?;
    }
    state.release();
    Ok(cx.env.undefined())
}

/// `create_table(initial?)`: a handle to a new table, filled from a plain
/// object or array.
pub fn create_table(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let initial = args.get(env, 0);
    const BAD_INITIAL: &str = "create_table(initial) requires an object or array when given";
    let table = match env.type_of(initial) {
        ValueType::napi_undefined | ValueType::napi_null => cx.lua().create_table()?.into_ref(),
        ValueType::napi_object => {
            let mut failure = Failure::default();
            let outcome = cx.lua().with_stack(|stack| {
                push_value(cx, stack, initial, 0).map_err(|e| failure.keep(e))?;
                let v = stack.value(-1);
                if v.kind() == Kind::Table {
                    v.to_ref().map(Some)
                } else {
                    Ok(None)
                }
            });
            failure.finish(env, outcome)?.ok_or_else(|| JsError::type_error(BAD_INITIAL))?
        }
        _ => return Err(JsError::type_error(BAD_INITIAL)),
    };
    mint(cx, table)
}

/// `get_global_ref(name)`: a handle to the table at a global name or
/// dotted path.
pub fn get_global_ref(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let name = args.get(env, 0);
    if env.type_of(name) != ValueType::napi_string {
        return Err(JsError::type_error("get_global_ref(name) requires a string name"));
    }
    let found = env.with_string(name, |name| {
        let read = |v: StackValue<'_>| match v.kind() {
            Kind::Table => v.to_ref().map(Ok),
            other => Ok(Err(other.name())),
        };
        let found = if name.contains(&b'.') {
            let segments = lua_core::host::split_path(name).map_err(|e| JsError::type_error(e.message()))?;
            cx.lua().get_path_with(&segments, read)
        } else {
            cx.lua().get_global_with(name, read)
        };
        match found?? {
            Ok(table) => Ok(table),
            Err(kind) => Err(JsError::error(format!("global '{}' is not a table (got {kind})", String::from_utf8_lossy(name)), NOT_A_TABLE)),
        }
    })??;
    mint(cx, found)
}
