//! `register_class(name, def)` (EVOLUTION B4): a JavaScript class Lua
//! instantiates as `Name.new(...)`.
//!
//! lua-core owns the class itself (`Stack::define_host_class`: one sealed
//! metatable per class, the lookup order, inheritance, the depth cap); this
//! module reads the definition once, makes a Lua function for each JS
//! function in it, and sets the global `Name` to a table holding `new` and
//! the statics. `new` calls `construct`, and the object it returns becomes a
//! host object of the class, so that Lua holds the very JS object: methods
//! and accessors receive it as `self` (and as `this`), and it comes back to
//! JavaScript as itself.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use lua_core::host::{HostClass, MAX_CLASS_DEPTH};
use lua_core::{Access, CallContext, Error, Stack};
use napi::sys::ValueType;

use crate::callbacks::{call_js, call_js_then, push_js_function, JsFunctionSlot};
use crate::context::Context;
use crate::error::{Failure, JsError, INVALID_ARGUMENT};
use crate::from_js::push_value;
use crate::glue::Args;
use crate::js::{Env, Raw};

const EXPECTED: &str = "register_class(name, def) requires a string name and a definition object";

/// A definition, read (and checked) before anything is registered: reading
/// it runs the object's getters, which may do anything.
struct Definition {
    construct: Raw,
    extends: Option<Vec<u8>>,
    methods: Vec<(Vec<u8>, Raw)>,
    metamethods: Vec<(Vec<u8>, Raw)>,
    /// (name, get, set), at least one of the two given.
    properties: Vec<(Vec<u8>, Option<Raw>, Option<Raw>)>,
    statics: Vec<(Vec<u8>, Raw)>,
    access: Access,
}

/// What every function of one class shares.
struct ClassShared {
    name: String,
    /// Set once the class is defined (nothing can call its functions before).
    class: Cell<Option<HostClass>>,
    access: Access,
}

pub fn register_class(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let env = cx.env;
    let (name, def) = (args.get(env, 0), args.get(env, 1));
    if env.type_of(name) != ValueType::napi_string || !env.is_object(def) {
        return Err(JsError::type_error(EXPECTED));
    }
    let name = env.with_string(name, <[u8]>::to_vec)?;
    let def = read_definition(env, def)?;
    cx.check_busy()?;
    let lua = cx.lua();
    let shown = String::from_utf8_lossy(&name).into_owned();
    if lua.host_class(&name).is_some() {
        return Err(JsError::error(format!("class '{shown}' is already registered on this context"), INVALID_ARGUMENT));
    }
    let base = match &def.extends {
        None => None,
        Some(b) => Some(lua.host_class(b).ok_or_else(|| {
            JsError::error(format!("register_class(): base class '{}' is not registered", String::from_utf8_lossy(b)), INVALID_ARGUMENT)
        })?),
    };
    if base.is_some_and(|b| lua.host_class_depth(b) >= MAX_CLASS_DEPTH) {
        let message = format!("register_class(): class '{shown}' would make a chain of more than {MAX_CLASS_DEPTH} classes");
        return Err(JsError::error(message, INVALID_ARGUMENT));
    }
    let shared = Rc::new(ClassShared { name: shown, class: Cell::new(None), access: def.access });
    let defined = Cell::new(None);
    let mut failure = Failure::default();
    let outcome = lua.set_global_with(&name, |stack| {
        push_statics(cx, stack, &def, &shared).map_err(|e| failure.keep(e))?;
        push_members(cx, stack, &def, &shared).map_err(|e| failure.keep(e))?;
        defined.set(Some(stack.define_host_class(&name, base)?));
        Ok(())
    });
    // Defined even if setting the global failed: `new` must work through
    // any copy of the table a script may hold.
    shared.class.set(defined.get());
    match (failure.finish(env, outcome), defined.get()) {
        (Err(JsError::Error(e)), None) if e.code == INVALID_ARGUMENT => Err(JsError::type_error(format!("register_class(): {}", e.message))),
        (outcome, _) => outcome.map(|()| env.undefined()),
    }
}

fn read_definition(env: Env, def: Raw) -> Result<Definition, JsError> {
    crate::options::check_keys(env, def, "register_class()")?;
    let construct = env.get_named(def, c"construct")?;
    if env.type_of(construct) != ValueType::napi_function {
        return Err(JsError::type_error("register_class() definition requires a 'construct' function"));
    }
    let extends = env.get_named(def, c"extends")?;
    let extends = match env.type_of(extends) {
        ValueType::napi_undefined => None,
        ValueType::napi_string => Some(env.with_string(extends, <[u8]>::to_vec)?),
        _ => return Err(JsError::type_error("register_class(): 'extends' must be the name of a registered class")),
    };
    let methods = functions(env, def, c"methods", "method")?;
    let metamethods = functions(env, def, c"metamethods", "metamethod")?;
    let mut properties = Vec::new();
    for (key, spec) in entries(env, def, c"properties")? {
        let shown = || String::from_utf8_lossy(&key).into_owned();
        if !env.is_object(spec) {
            return Err(JsError::type_error(format!("register_class(): property '{}' must be an object with 'get' and/or 'set'", shown())));
        }
        crate::options::check_keys(env, spec, "register_class() property")?;
        let accessor = |which: &std::ffi::CStr| -> Result<Option<Raw>, JsError> {
            let f = env.get_named(spec, which)?;
            match env.type_of(f) {
                ValueType::napi_undefined => Ok(None),
                ValueType::napi_function => Ok(Some(f)),
                _ => Err(JsError::type_error(format!("register_class(): property '{}' {} must be a function", shown(), which.to_string_lossy()))),
            }
        };
        let (get, set) = (accessor(c"get")?, accessor(c"set")?);
        if get.is_none() && set.is_none() {
            return Err(JsError::type_error(format!("register_class(): property '{}' declares neither 'get' nor 'set'", shown())));
        }
        properties.push((key, get, set));
    }
    let statics = entries(env, def, c"statics")?;
    if statics.iter().any(|(k, _)| k == b"new") {
        return Err(JsError::error("register_class(): static 'new' is reserved — it is the constructor", INVALID_ARGUMENT));
    }
    let flag = |name: &std::ffi::CStr| -> Result<bool, JsError> {
        let v = env.get_named(def, name)?;
        Ok(env.type_of(v) == ValueType::napi_boolean && env.get_bool(v))
    };
    let access = Access { readable: flag(c"readable")?, writable: flag(c"writable")? };
    Ok(Definition { construct, extends, methods, metamethods, properties, statics, access })
}

/// The own enumerable entries of `def[field]` (none when it is undefined).
fn entries(env: Env, def: Raw, field: &std::ffi::CStr) -> Result<Vec<(Vec<u8>, Raw)>, JsError> {
    let obj = env.get_named(def, field)?;
    if env.type_of(obj) == ValueType::napi_undefined {
        return Ok(Vec::new());
    }
    if !env.is_object(obj) {
        return Err(JsError::type_error(format!("register_class(): '{}' must be an object", field.to_string_lossy())));
    }
    let names = env.property_names(obj)?;
    let n = env.array_len(names)?;
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let key = env.get_element(names, i)?;
        out.push((env.with_string(key, <[u8]>::to_vec)?, env.get_property(obj, key)?));
    }
    Ok(out)
}

/// [`entries`] whose values must all be functions.
fn functions(env: Env, def: Raw, field: &std::ffi::CStr, what: &str) -> Result<Vec<(Vec<u8>, Raw)>, JsError> {
    let list = entries(env, def, field)?;
    if let Some((key, _)) = list.iter().find(|(_, f)| env.type_of(*f) != ValueType::napi_function) {
        return Err(JsError::type_error(format!("register_class(): {what} '{}' must be a function", String::from_utf8_lossy(key))));
    }
    Ok(list)
}

/// Pushes the class table: `new`, then the statics, converted now.
fn push_statics(cx: &Rc<Context>, stack: &mut Stack<'_>, def: &Definition, shared: &Rc<ClassShared>) -> Result<(), JsError> {
    stack.push_table(0, def.statics.len() + 1)?;
    let slot = Rc::new(JsFunctionSlot::new(cx.env, format!("{}.new", shared.name), def.construct)?);
    let (weak, shared) = (Rc::downgrade(cx), shared.clone());
    stack.push_function(move |call| construct(&weak, &slot, &shared, call))?;
    stack.set_field(b"new")?;
    for (key, value) in &def.statics {
        push_value(cx, stack, *value, 0)?;
        stack.set_field(key)?;
    }
    Ok(())
}

/// Pushes the four tables `define_host_class` takes.
fn push_members(cx: &Rc<Context>, stack: &mut Stack<'_>, def: &Definition, shared: &Rc<ClassShared>) -> Result<(), JsError> {
    let env = cx.env;
    stack.push_table(0, def.methods.len())?;
    for (key, f) in &def.methods {
        push_member(cx, stack, shared, key, *f)?;
    }
    for setter in [false, true] {
        stack.push_table(0, def.properties.len())?;
        for (key, get, set) in &def.properties {
            if let Some(f) = if setter { set } else { get } {
                push_member(cx, stack, shared, key, *f)?;
            }
        }
    }
    stack.push_table(0, def.metamethods.len())?;
    for (key, f) in &def.metamethods {
        let name = format!("{}.{}", shared.name, String::from_utf8_lossy(key));
        push_js_function(cx, stack, Rc::new(JsFunctionSlot::new(env, name, *f)?))?;
        stack.set_field(key)?;
    }
    Ok(())
}

/// Sets `table[key]` (the table at -1) to a Lua function calling `f` with
/// the instance's JS object first.
fn push_member(cx: &Rc<Context>, stack: &mut Stack<'_>, shared: &Rc<ClassShared>, key: &[u8], f: Raw) -> Result<(), JsError> {
    let slot = Rc::new(JsFunctionSlot::new(cx.env, String::from_utf8_lossy(key).into_owned(), f)?);
    let (weak, shared) = (Rc::downgrade(cx), shared.clone());
    stack.push_function(move |call| invoke_member(&weak, &slot, &shared, call))?;
    stack.set_field(key)?;
    Ok(())
}

/// `Name.new(...)`: `construct(...)`, its object made an instance.
fn construct(weak: &Weak<Context>, slot: &JsFunctionSlot, shared: &ClassShared, call: &CallContext<'_>) -> lua_core::Result<i32> {
    let name = &slot.name;
    if call.lua().is_off_thread() {
        return Err(Error::runtime(call.located(&format!("JS callbacks are not available in async mode (called '{name}')"))));
    }
    let Some(cx) = weak.upgrade() else { return Ok(0) };
    let Some(class) = shared.class.get() else {
        return Err(Error::runtime(call.located(&format!("class '{}' is not defined", shared.name))));
    };
    let env = cx.env;
    call_js_then(&cx, call, name, 0, |env| Ok((slot.function()?, env.undefined(), None)), |obj| {
        if !env.is_object(obj) {
            return Ok(Err(Error::runtime(call.located(&format!("{name}(): construct must return an object")))));
        }
        // An object Lua already holds stays the same userdata.
        if let Some(held) = cx.object_id(obj)? {
            return Ok(held.push(&call.stack()));
        }
        let id = cx.register_object(obj, shared.access, 0, Some(class))?;
        let pushed = call.stack().push_host_instance(id, shared.access, class);
        if pushed.is_err() {
            // No userdata counts for it: nothing else would let it go.
            cx.release_object(id);
        }
        Ok(pushed)
    })
}

/// A method or accessor: the receiver (argument 1) must be an instance of
/// the class or of a class extending it; the JS function gets its object.
fn invoke_member(weak: &Weak<Context>, slot: &JsFunctionSlot, shared: &ClassShared, call: &CallContext<'_>) -> lua_core::Result<i32> {
    let name = &slot.name;
    if call.lua().is_off_thread() {
        return Err(Error::runtime(call.located(&format!("JS callbacks are not available in async mode (called method '{name}')"))));
    }
    let Some(cx) = weak.upgrade() else { return Ok(0) };
    let me = call.arg(0);
    let obj = match (me.host_instance(), shared.class.get()) {
        (Some((id, its)), Some(class)) if call.lua().host_class_is(its, class) => cx.object_value(id),
        _ => None,
    };
    let Some(obj) = obj else {
        // As Lua's own argument errors name a value: by its class if it has one.
        let got = match me.host_instance().and_then(|(_, its)| call.lua().host_class_name(its)) {
            Some(class) => String::from_utf8_lossy(&class).into_owned(),
            None if call.is_empty() => "no value".to_string(),
            None => me.kind().name().to_string(),
        };
        return Err(Error::runtime(call.located(&format!("bad argument #1 to '{name}' ({} expected, got {got})", shared.name))));
    };
    call_js(&cx, call, name, 1, |_| Ok((slot.function()?, obj, Some(obj))))
}
