//! API-SEED §10 area R (metatabled tables as references): the C++ core
//! suite's items, ported to lua-core. A table with a metatable reaches a
//! converting host as `Visitor::table_ref`; the host then works on it with
//! `Lua::index_with`, `Lua::assign_with` and `Lua::for_each_key`.

use std::cell::RefCell;
use std::ffi::{c_void, CString};
use std::rc::Rc;

use lua_core::{Access, AnyUserData, Error, FromLua, Function, Kind, Lua, MultiValue, Result, StdLib, Table, Thread, Value, Visitor};

/// The fields of a converted object, in `next` order.
type Fields = Vec<(Vec<u8>, Host)>;

/// A converted value: plain tables are copied, metatabled ones referenced.
#[derive(Debug, Clone)]
#[allow(dead_code)]
enum Host {
    Nil,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(Vec<u8>),
    Array(Rc<RefCell<Vec<Host>>>),
    Object(Rc<RefCell<Fields>>),
    TableRef(Table),
    Other,
}

struct ToHost;

impl Visitor for ToHost {
    type Value = Host;
    type Error = Error;
    fn nil(&mut self) -> Result<Host> {
        Ok(Host::Nil)
    }
    fn boolean(&mut self, b: bool) -> Result<Host> {
        Ok(Host::Bool(b))
    }
    fn integer(&mut self, i: i64) -> Result<Host> {
        Ok(Host::Int(i))
    }
    fn number(&mut self, n: f64) -> Result<Host> {
        Ok(Host::Num(n))
    }
    fn string(&mut self, s: &[u8]) -> Result<Host> {
        Ok(Host::Str(s.to_vec()))
    }
    fn new_array(&mut self, len: usize) -> Result<Host> {
        Ok(Host::Array(Rc::new(RefCell::new(vec![Host::Nil; len]))))
    }
    fn array_set(&mut self, array: &Host, index: usize, value: Host) -> Result<()> {
        let Host::Array(a) = array else { unreachable!() };
        a.borrow_mut()[index] = value;
        Ok(())
    }
    fn new_object(&mut self) -> Result<Host> {
        Ok(Host::Object(Rc::new(RefCell::new(Vec::new()))))
    }
    fn object_set(&mut self, object: &Host, key: &[u8], value: Host, may_repeat: bool) -> Result<()> {
        let Host::Object(o) = object else { unreachable!() };
        let mut o = o.borrow_mut();
        if !(may_repeat && o.iter().any(|(k, _)| k == key)) {
            o.push((key.to_vec(), value));
        }
        Ok(())
    }
    fn table_ref(&mut self, table: Table) -> Result<Host> {
        Ok(Host::TableRef(table))
    }
    fn function(&mut self, _: Function) -> Result<Host> {
        Ok(Host::Other)
    }
    fn thread(&mut self, _: Thread) -> Result<Host> {
        Ok(Host::Other)
    }
    fn host_object(&mut self, _: u64, _: Access) -> Result<Host> {
        Ok(Host::Other)
    }
    fn userdata(&mut self, _: AnyUserData) -> Result<Host> {
        Ok(Host::Other)
    }
    fn light_userdata(&mut self, _: *mut c_void) -> Result<Host> {
        Ok(Host::Other)
    }
}

fn eval(lua: &Lua, src: &str) -> Host {
    let src = CString::new(src).unwrap();
    lua.exec_source_with(&src, |r| r.get_or_nil(0).visit(&mut ToHost)).unwrap().unwrap()
}

/// The reference the first result of `src` converts to.
fn reference(lua: &Lua, src: &str) -> Table {
    match eval(lua, src) {
        Host::TableRef(t) => t,
        other => panic!("expected a reference, got {other:?}"),
    }
}

/// `t[key]` with metamethods, as a `Value`.
fn get(lua: &Lua, t: &Table, key: &str) -> Value {
    lua.index_with(t.registry_ref(), |s| s.push_bytes(key.as_bytes()), Value::from_lua).unwrap().unwrap()
}

fn set(lua: &Lua, t: &Table, key: &str, value: i64) {
    lua.assign_with(t.registry_ref(), |s| {
        s.push_bytes(key.as_bytes())?;
        s.push_integer(value)?;
        Ok(())
    })
    .unwrap()
}

fn lua() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

/// R.216 [C++] Metatabled tables convert to references; plain ones to
/// table/array values.
#[test]
fn r216_metatabled_tables_are_references_and_plain_ones_copies() {
    let lua = lua();
    assert!(matches!(eval(&lua, "return setmetatable({}, {})"), Host::TableRef(_)));
    assert!(matches!(eval(&lua, "return setmetatable({ 1, 2 }, { __index = {} })"), Host::TableRef(_)));
    match eval(&lua, "return { 1, 2 }") {
        Host::Array(a) => assert_eq!(a.borrow().len(), 2),
        other => panic!("expected an array, got {other:?}"),
    }
    match eval(&lua, "return { a = 1 }") {
        Host::Object(o) => assert_eq!(o.borrow().len(), 1),
        other => panic!("expected an object, got {other:?}"),
    }
    // Nested inside a plain table, still a reference.
    match eval(&lua, "return { child = setmetatable({ val = 42 }, {}) }") {
        Host::Object(o) => {
            let o = o.borrow();
            let Host::TableRef(child) = &o[0].1 else { panic!("expected a reference, got {:?}", o[0].1) };
            assert_eq!(child.raw_get::<_, i64>("val").unwrap(), 42);
        }
        other => panic!("expected an object, got {other:?}"),
    }
}

/// R.217 [C++] A reference pushed back into Lua (`t2 = t`) is the same table.
#[test]
fn r217_a_reference_pushed_back_is_the_same_table() {
    let lua = lua();
    let t = reference(&lua, "t = setmetatable({ x = 1 }, {}) return t");
    lua.set_global("t2", &t).unwrap();
    assert!(lua.exec::<bool>("return rawequal(t, t2)").unwrap());
    lua.exec::<()>("t2.x = 99").unwrap();
    assert_eq!(lua.exec::<i64>("return t.x").unwrap(), 99);
    assert_eq!(get(&lua, &t, "x").as_integer(), Some(99));
}

/// R.218 [C++] Field reads through a reference work and missing fields are nil.
#[test]
fn r218_reads_through_a_reference() {
    let lua = lua();
    let t = reference(&lua, "return setmetatable({ name = 'test', n = 42 }, {})");
    assert_eq!(get(&lua, &t, "name").as_str(), Some("test"));
    assert!(matches!(get(&lua, &t, "n"), Value::Integer(42)));
    assert!(get(&lua, &t, "missing").is_nil());
}

/// R.219 [C++] Field reads through a reference trigger `__index`.
#[test]
fn r219_reads_run_index() {
    let lua = lua();
    let t = reference(&lua, "return setmetatable({ own = 1 }, { __index = function(_, k) return 'computed_' .. k end })");
    assert_eq!(get(&lua, &t, "anything").as_str(), Some("computed_anything"));
    assert!(matches!(get(&lua, &t, "own"), Value::Integer(1)));
    let t = reference(&lua, "return setmetatable({}, { __index = { fallback = 99 } })");
    assert!(matches!(get(&lua, &t, "fallback"), Value::Integer(99)));
}

/// R.220 [C++] Field writes through a reference trigger `__newindex`.
#[test]
fn r220_writes_run_newindex() {
    let lua = lua();
    let t = reference(&lua, "log = {} t = setmetatable({}, { __newindex = function(_, k, v) log[k] = v end }) return t");
    set(&lua, &t, "key", 5);
    let r: MultiValue = lua.exec("return log.key, rawget(t, 'key')").unwrap();
    assert!(matches!(r.0[0], Value::Integer(5)));
    assert!(r.0[1].is_nil());
    // Without __newindex the write lands in the table.
    let plain = reference(&lua, "u = setmetatable({}, {}) return u");
    set(&lua, &plain, "key", 6);
    assert_eq!(lua.exec::<i64>("return rawget(u, 'key')").unwrap(), 6);
}

/// R.221 [C++] Field presence checks work.
#[test]
fn r221_presence_checks() {
    let lua = lua();
    let t = reference(&lua, "return setmetatable({ a = 1, f = false }, {})");
    let has = |key: &str| lua.index_with(t.registry_ref(), |s| s.push_bytes(key.as_bytes()), |v| v.kind() != Kind::Nil).unwrap();
    assert!(has("a"));
    assert!(has("f"));
    assert!(!has("zzz"));
}

/// R.222 [C++] Key enumeration returns all keys.
#[test]
fn r222_keys_are_enumerated() {
    let lua = lua();
    let t = reference(&lua, "return setmetatable({ a = 1, b = 2, c = 3, 10 }, {})");
    let mut keys = Vec::new();
    lua.for_each_key(t.registry_ref(), |k| {
        keys.push(String::from_lua(k)?);
        Ok(())
    })
    .unwrap();
    keys.sort();
    assert_eq!(keys, ["1", "a", "b", "c"]);
}

/// R.223 [C++] Length is 3 for a 3-element table and follows `__len` (42)
/// when defined.
///
/// lua-core has no host-side `#` with metamethods (`Table::raw_len` is the
/// raw length); the `__len` case is taken through Lua's own `#`, applied to
/// the reference by a Lua function.
#[test]
fn r223_length_and_len() {
    let lua = lua();
    let len: Function = lua.exec("return function(t) return #t end").unwrap();
    let three = reference(&lua, "return setmetatable({ 1, 2, 3 }, {})");
    assert_eq!(three.raw_len(), 3);
    assert_eq!(len.call::<i64>(&three).unwrap(), 3);
    let custom = reference(&lua, "return setmetatable({ 1, 2, 3 }, { __len = function() return 42 end })");
    assert_eq!(len.call::<i64>(&custom).unwrap(), 42);
    assert_eq!(custom.raw_len(), 3);
}

/// R.224 [C++] Integer-like string keys read and write array slots.
///
/// Turning `"1"` into the integer key 1 is the binding's job (lua-node's
/// proxy parses the key); the core reads and writes the array part when the
/// host pushes the parsed integer, and a string key is a different key.
#[test]
fn r224_integer_like_keys_reach_the_array_part() {
    let lua = lua();
    let t = reference(&lua, "t = setmetatable({ 'a', 'b', 'c' }, {}) return t");
    let int_key = |key: &str| key.trim().parse::<i64>().ok();
    for (key, want) in [("1", "a"), ("2", "b"), ("3", "c")] {
        let i = int_key(key).unwrap();
        let v = lua.index_with(t.registry_ref(), |s| {
            s.push_integer(i)?;
            Ok(())
        }, Value::from_lua).unwrap().unwrap();
        assert_eq!(v.as_str(), Some(want));
    }
    lua.assign_with(t.registry_ref(), |s| {
        s.push_integer(int_key("2").unwrap())?;
        s.push_bytes(b"B")
    })
    .unwrap();
    assert_eq!(lua.exec::<String>("return t[2]").unwrap(), "B");
    assert_eq!(lua.exec::<i64>("return #t").unwrap(), 3);
    // The string key "1" is not the array slot.
    assert!(get(&lua, &t, "1").is_nil());
}
