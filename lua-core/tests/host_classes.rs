//! `Stack::define_host_class` (EVOLUTION B4 in the Node addon): instances
//! share their class's metatable; methods, then getters, then the host's
//! properties; setters; read-only and write-only accessors; metamethods;
//! inheritance with the base's entries under the class's own; the depth cap;
//! and the hostile cases (the reserved metamethods, another state's class,
//! upvalues replaced through the debug library, a wrong `self`).
#![cfg(feature = "host-binding")]

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use lua_core::host::{AllocationFault, HostClass, HostObjects, MAX_CLASS_DEPTH};
use lua_core::{Access, CallContext, IntoLua, Lua, Result, Stack, StackValue, StdLib};

/// Host objects as maps of integers, by id.
#[derive(Default)]
struct Store {
    props: RefCell<HashMap<(u64, Vec<u8>), i64>>,
}

impl HostObjects for Store {
    fn get(&self, call: &CallContext<'_>, id: u64, key: &[u8]) -> Result<()> {
        let v = self.props.borrow().get(&(id, key.to_vec())).copied();
        match v {
            Some(v) => v.push_into(&mut call.stack()),
            None => call.stack().push_nil(),
        }
    }

    fn set(&self, _call: &CallContext<'_>, id: u64, key: &[u8], value: StackValue<'_>) -> Result<()> {
        self.props.borrow_mut().insert((id, key.to_vec()), value.as_integer().unwrap_or(-1));
        Ok(())
    }

    fn released(&self, _id: u64) {}
}

/// A function returning `tag .. ':' .. (argument 2 or '')`.
fn tagged(stack: &mut Stack<'_>, name: &[u8], tag: &'static str) -> Result<()> {
    stack.push_function(move |call| {
        let arg = call.arg(1).as_bytes().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        format!("{tag}:{arg}").push_into(&mut call.stack())?;
        Ok(1)
    })?;
    stack.set_field(name)
}

/// Defines a class from lists of (key, tag) for methods, getters, setters
/// and metamethods; a setter stores its value as property `_<key>`.
fn define(lua: &Lua, name: &str, base: Option<HostClass>, parts: [&[(&str, &'static str)]; 4]) -> Result<HostClass> {
    lua.with_stack(|stack| {
        for (i, entries) in parts.iter().enumerate() {
            stack.push_table(0, entries.len())?;
            for (key, tag) in entries.iter() {
                if i == 2 {
                    let field = format!("_{key}");
                    stack.push_function(move |call| {
                        let v = call.arg(1).as_integer().unwrap_or(0);
                        call.lua().set_global(&field, v)?;
                        Ok(0)
                    })?;
                    stack.set_field(key.as_bytes())?;
                } else {
                    tagged(stack, key.as_bytes(), tag)?;
                }
            }
        }
        stack.define_host_class(name.as_bytes(), base)
    })
}

fn instance(lua: &Lua, global: &str, id: u64, access: Access, class: HostClass) -> Result<()> {
    lua.set_global_with(global.as_bytes(), |stack| stack.push_host_instance(id, access, class))
}

#[test]
fn lookup_order_accessors_and_metamethods() -> Result<()> {
    let lua = Lua::with_libraries(StdLib::BASE)?;
    let store = Rc::new(Store::default());
    lua.set_host_objects(store.clone());
    let vec = define(
        &lua,
        "Vec",
        None,
        [&[("len", "method"), ("x", "method-x")], &[("x", "getter"), ("y", "getter-y")], &[("y", ""), ("w", "")], &[("__tostring", "tostring")]],
    )?;
    assert_eq!(lua.host_class(b"Vec"), Some(vec));
    instance(&lua, "v", 1, Access { readable: true, writable: true }, vec)?;
    store.props.borrow_mut().insert((1, b"z".to_vec()), 7);
    // A method wins over a getter of the same name; a getter is called with self.
    assert_eq!(lua.exec::<String>("return v:len('a')")?, "method:a");
    assert_eq!(lua.exec::<String>("return v.x(nil, 'b')")?, "method-x:b");
    assert!(lua.exec::<String>("return v.y")?.starts_with("getter-y:"));
    assert_eq!(lua.exec::<i64>("return v.z")?, 7);
    assert_eq!(lua.exec::<String>("return tostring(v)")?, "tostring:");
    // Setters run; a key with only a getter is read-only, only a setter write-only.
    lua.exec::<()>("v.y = 5")?;
    assert_eq!(lua.exec::<i64>("return _y")?, 5);
    let err = lua.exec::<()>("v.x = 1").unwrap_err();
    assert!(err.message().ends_with("property 'x' of class 'Vec' is read-only"), "{}", err.message());
    let err = lua.exec::<()>("return v.w").unwrap_err();
    assert!(err.message().ends_with("property 'w' of class 'Vec' is write-only"), "{}", err.message());
    // Plain keys go to the host when writable.
    lua.exec::<()>("v.q = 3")?;
    assert_eq!(store.props.borrow().get(&(1, b"q".to_vec())), Some(&3));
    // Sealed: the metatable shows only the class's name.
    assert_eq!(lua.exec::<String>("return getmetatable(v).__name")?, "Vec");
    Ok(())
}

#[test]
fn without_access_missing_keys_read_nil_and_writes_fail() -> Result<()> {
    let lua = Lua::with_libraries(StdLib::BASE)?;
    lua.set_host_objects(Rc::new(Store::default()));
    let c = define(&lua, "C", None, [&[("m", "m")], &[], &[], &[]])?;
    instance(&lua, "c", 1, Access::default(), c)?;
    assert!(lua.exec::<bool>("return c.nothing == nil and c[1] == nil")?);
    let err = lua.exec::<()>("c.k = 1").unwrap_err();
    assert!(err.message().ends_with("Error writing property 'k': userdata is not writable"), "{}", err.message());
    Ok(())
}

#[test]
fn inheritance_copies_the_base_under_the_class_own_entries() -> Result<()> {
    let lua = Lua::with_libraries(StdLib::BASE)?;
    lua.set_host_objects(Rc::new(Store::default()));
    let base = define(&lua, "Base", None, [&[("a", "base-a"), ("b", "base-b")], &[("g", "base-g")], &[], &[("__len", "base-len")]])?;
    let derived = define(&lua, "Derived", Some(base), [&[("b", "derived-b")], &[], &[], &[("__call", "derived-call")]])?;
    assert!(lua.host_class_is(derived, base));
    assert!(!lua.host_class_is(base, derived));
    instance(&lua, "d", 1, Access::default(), derived)?;
    let got: String = lua.exec("return d:a() .. '|' .. d:b() .. '|' .. d.g .. '|' .. #d .. '|' .. d('x')")?;
    assert_eq!(got, "base-a:|derived-b:|base-g:|base-len:|derived-call:x");
    assert_eq!(lua.exec::<String>("return getmetatable(d).__name")?, "Derived");
    Ok(())
}

#[test]
fn the_chain_is_capped_and_names_are_unique() -> Result<()> {
    let lua = Lua::new();
    let mut at = define(&lua, "C1", None, [&[], &[], &[], &[]])?;
    for depth in 2..=MAX_CLASS_DEPTH {
        at = define(&lua, &format!("C{depth}"), Some(at), [&[], &[], &[], &[]])?;
    }
    let err = define(&lua, "TooDeep", Some(at), [&[], &[], &[], &[]]).unwrap_err();
    assert_eq!(err.code(), "LUA_API");
    assert!(err.message().contains("deeper than 32"), "{}", err.message());
    let err = define(&lua, "C1", None, [&[], &[], &[], &[]]).unwrap_err();
    assert!(err.message().contains("class 'C1' is already defined"), "{}", err.message());
    // A failed definition pops its tables: the stack is balanced.
    assert_eq!(lua.with_stack(|s| Ok(s.len()))?, 0);
    Ok(())
}

#[test]
fn reserved_metamethods_and_foreign_classes_are_refused() -> Result<()> {
    let lua = Lua::new();
    for reserved in ["__index", "__newindex", "__gc", "__mode", "__metatable", "__name"] {
        let err = define(&lua, "R", None, [&[], &[], &[], &[(reserved, "x")]]).unwrap_err();
        assert!(err.message().contains(&format!("metamethod '{reserved}'")), "{}", err.message());
    }
    let other = Lua::new();
    let foreign = define(&other, "F", None, [&[], &[], &[], &[]])?;
    let mine = define(&lua, "F", None, [&[], &[], &[], &[]])?;
    assert_ne!(foreign, mine);
    assert!(!lua.host_class_is(foreign, mine));
    let err = define(&lua, "G", Some(foreign), [&[], &[], &[], &[]]).unwrap_err();
    assert!(err.message().contains("not a class of this state"), "{}", err.message());
    let err = instance(&lua, "f", 1, Access::default(), foreign).unwrap_err();
    assert_eq!(err.code(), "LUA_API");
    Ok(())
}

#[test]
fn hostile_scripts_cannot_misuse_the_handlers() -> Result<()> {
    let lua = Lua::with_libraries(StdLib::ALL)?;
    lua.set_host_objects(Rc::new(Store::default()));
    let c = define(&lua, "H", None, [&[("m", "m")], &[("g", "g")], &[], &[]])?;
    instance(&lua, "h", 1, Access::default(), c)?;
    // The handlers called on something that is no instance: an argument error.
    let err = lua.exec::<()>("local mt = debug.getmetatable(h) mt.__index({}, 'm')").unwrap_err();
    assert!(err.message().contains("bad argument #1 to '__index' (class instance expected)"), "{}", err.message());
    let err = lua.exec::<()>("local mt = debug.getmetatable(h) mt.__newindex(1, 'g', 2)").unwrap_err();
    assert!(err.message().contains("bad argument #1 to '__newindex'"), "{}", err.message());
    // Upvalues replaced with non-tables: lookups find nothing, nothing crashes.
    lua.exec::<()>(
        "local mt = debug.getmetatable(h)
         for i = 1, 4 do debug.setupvalue(mt.__index, i, 42) debug.setupvalue(mt.__newindex, i, 42) end",
    )?;
    assert!(lua.exec::<bool>("return h.m == nil and h.g == nil")?);
    // The class records replaced in the registry: a new instance is an error, not a crash.
    lua.exec::<()>("local r = debug.getregistry() for k, v in pairs(r) do if type(k) == 'userdata' then r[k] = 1 end end")?;
    let err = instance(&lua, "h2", 2, Access::default(), c).unwrap_err();
    assert!(err.message().contains("was replaced"), "{}", err.message());
    // A userdata still alive comes back as itself.
    instance(&lua, "h3", 1, Access::default(), c)?;
    assert!(lua.exec::<bool>("return rawequal(h, h3)")?);
    Ok(())
}

#[test]
fn a_getter_error_reaches_pcall_and_allocation_failure_is_a_memory_error() -> Result<()> {
    let lua = Lua::with_libraries(StdLib::BASE)?;
    lua.set_host_objects(Rc::new(Store::default()));
    let c = lua.with_stack(|stack| {
        for i in 0..4 {
            stack.push_table(0, 1)?;
            if i == 1 {
                stack.push_function(|_| Err(lua_core::Error::runtime("getter failed")))?;
                stack.set_field(b"bad")?;
            }
        }
        stack.define_host_class(b"E", None)
    })?;
    instance(&lua, "e", 1, Access::default(), c)?;
    let got: String = lua.exec("local ok, e = pcall(function() return e.bad end) return tostring(ok) .. ' ' .. e")?;
    assert!(got.starts_with("false ") && got.contains("getter failed"), "{got}");
    let mut completed = false;
    for nth in 1..200 {
        lua.set_allocation_fault(Some(AllocationFault::persistent(nth)));
        let r = lua.with_stack(|stack| {
            for _ in 0..4 {
                stack.push_table(0, 0)?;
            }
            stack.define_host_class(format!("A{nth}").as_bytes(), Some(c))
        });
        let fired = lua.allocation_faults_fired();
        lua.set_allocation_fault(None);
        match r {
            Ok(_) => {
                assert_eq!(fired, 0, "a refused allocation went unreported at {nth}");
                completed = true;
                break;
            }
            Err(e) => assert_eq!(e.code(), "LUA_MEMORY", "{}", e.message()),
        }
        assert_eq!(lua.with_stack(|s| Ok(s.len()))?, 0);
    }
    assert!(completed, "the sweep never reached a definition that needed no refused allocation");
    assert_eq!(lua.exec::<i64>("return 6 * 7")?, 42);
    Ok(())
}
