//! API-SEED §10 area F (tables, arrays, objects and nesting depth): the C++
//! core suite's items, ported to lua-core. Tables are converted the way the
//! original's core did, through `StackValue::visit` with a small host-side
//! representation (`Host`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_void, CString};
use std::rc::Rc;

use lua_core::{Access, AnyUserData, Error, Function, Lua, StdLib, Table, Thread, Visitor, DEPTH_MESSAGE};

/// The fields of a converted object, in `next` order.
type Fields = Vec<(Vec<u8>, Host)>;

/// A converted value, as a host would build it.
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
    Function(Function),
    Thread(Thread),
    Handle(u64, Access),
    UserData(AnyUserData),
    Light(*mut c_void),
}

impl Host {
    fn array(&self) -> Vec<Host> {
        match self {
            Host::Array(a) => a.borrow().clone(),
            other => panic!("expected an array, got {other:?}"),
        }
    }

    fn object(&self) -> Vec<(Vec<u8>, Host)> {
        match self {
            Host::Object(o) => o.borrow().clone(),
            other => panic!("expected an object, got {other:?}"),
        }
    }

    fn field(&self, key: &str) -> Host {
        self.object().into_iter().find(|(k, _)| k == key.as_bytes()).map(|(_, v)| v).unwrap_or(Host::Nil)
    }

    fn int(&self) -> i64 {
        match self {
            Host::Int(i) => *i,
            other => panic!("expected an integer, got {other:?}"),
        }
    }
}

struct ToHost;

impl Visitor for ToHost {
    type Value = Host;
    type Error = Error;

    fn nil(&mut self) -> Result<Host, Error> {
        Ok(Host::Nil)
    }
    fn boolean(&mut self, b: bool) -> Result<Host, Error> {
        Ok(Host::Bool(b))
    }
    fn integer(&mut self, i: i64) -> Result<Host, Error> {
        Ok(Host::Int(i))
    }
    fn number(&mut self, n: f64) -> Result<Host, Error> {
        Ok(Host::Num(n))
    }
    fn string(&mut self, s: &[u8]) -> Result<Host, Error> {
        Ok(Host::Str(s.to_vec()))
    }
    fn new_array(&mut self, len: usize) -> Result<Host, Error> {
        Ok(Host::Array(Rc::new(RefCell::new(vec![Host::Nil; len]))))
    }
    fn array_set(&mut self, array: &Host, index: usize, value: Host) -> Result<(), Error> {
        let Host::Array(a) = array else { unreachable!() };
        a.borrow_mut()[index] = value;
        Ok(())
    }
    fn new_object(&mut self) -> Result<Host, Error> {
        Ok(Host::Object(Rc::new(RefCell::new(Vec::new()))))
    }
    fn object_set(&mut self, object: &Host, key: &[u8], value: Host, may_repeat: bool) -> Result<(), Error> {
        let Host::Object(o) = object else { unreachable!() };
        let mut o = o.borrow_mut();
        if may_repeat && o.iter().any(|(k, _)| k == key) {
            return Ok(());
        }
        o.push((key.to_vec(), value));
        Ok(())
    }
    fn table_ref(&mut self, table: Table) -> Result<Host, Error> {
        Ok(Host::TableRef(table))
    }
    fn function(&mut self, f: Function) -> Result<Host, Error> {
        Ok(Host::Function(f))
    }
    fn thread(&mut self, t: Thread) -> Result<Host, Error> {
        Ok(Host::Thread(t))
    }
    fn host_object(&mut self, id: u64, access: Access) -> Result<Host, Error> {
        Ok(Host::Handle(id, access))
    }
    fn userdata(&mut self, u: AnyUserData) -> Result<Host, Error> {
        Ok(Host::UserData(u))
    }
    fn light_userdata(&mut self, p: *mut c_void) -> Result<Host, Error> {
        Ok(Host::Light(p))
    }
}

/// Runs `src` and converts its first result.
fn eval(lua: &Lua, src: &str) -> Result<Host, Error> {
    let src = CString::new(src).unwrap();
    lua.exec_source_with(&src, |r| r.get_or_nil(0).visit(&mut ToHost))?
}

/// Converts the global `name`.
fn global(lua: &Lua, name: &str) -> Result<Host, Error> {
    lua.get_global_with(name.as_bytes(), |v| v.visit(&mut ToHost))?
}

/// F.56 [TS+C++] An empty table (JS `{}` round trip, or `return {}`) comes
/// back as an empty array.
#[test]
fn f56_an_empty_table_is_an_empty_array() {
    let lua = Lua::new();
    assert!(eval(&lua, "return {}").unwrap().array().is_empty());
    // Round trip of an empty host map and an empty host list.
    lua.set_global("m", HashMap::<String, i64>::new()).unwrap();
    assert!(global(&lua, "m").unwrap().array().is_empty());
    lua.set_global("v", Vec::<i64>::new()).unwrap();
    assert!(global(&lua, "v").unwrap().array().is_empty());
    assert_eq!(lua.exec::<i64>("return #v + #m").unwrap(), 0);
}

/// F.58 [TS+C++] Returning a table nested 105 levels throws /nesting depth/.
#[test]
fn f58_a_table_nested_105_levels_is_refused() {
    let lua = Lua::new();
    let e = eval(&lua, "local t = {} for i = 1, 105 do t = {t} end return t").unwrap_err();
    assert_eq!(e.message(), DEPTH_MESSAGE);
    assert!(e.message().contains("nesting depth"));
    assert_eq!(e.code(), "LUA_CONVERSION");
    // A map-shaped nest, and a cycle, are refused the same way.
    let e = eval(&lua, "local t = {} for i = 1, 105 do t = {child = t} end return t").unwrap_err();
    assert_eq!(e.message(), DEPTH_MESSAGE);
    let e = eval(&lua, "local t = {} t.self = t return t").unwrap_err();
    assert_eq!(e.message(), DEPTH_MESSAGE);
    // The state is fine afterwards.
    assert_eq!(eval(&lua, "return 5").unwrap().int(), 5);
}

/// F.59 [C++] A table nested exactly 100 levels converts; 100 `child` hops
/// end at an empty array.
#[test]
fn f59_a_table_nested_exactly_100_levels_converts() {
    let lua = Lua::new();
    let mut node = eval(&lua, "local t = {} for i = 1, 100 do t = {child = t} end return t").unwrap();
    for hop in 0..100 {
        let next = node.field("child");
        assert!(!matches!(next, Host::Nil), "hop {hop} found no child");
        node = next;
    }
    assert!(node.array().is_empty());
    // One level more is past the limit (the top value is depth 0).
    let e = eval(&lua, "local t = {} for i = 1, 101 do t = {child = t} end return t").unwrap_err();
    assert_eq!(e.message(), DEPTH_MESSAGE);
}

/// F.63 [C++] `{1, 2, 3}` becomes an array and `{ a = 1, b = 'x' }` a map.
#[test]
fn f63_sequences_become_arrays_and_records_maps() {
    let lua = Lua::new();
    let a = eval(&lua, "return {1, 2, 3}").unwrap().array();
    assert_eq!(a.iter().map(Host::int).collect::<Vec<_>>(), [1, 2, 3]);
    let m = eval(&lua, "return { a = 1, b = 'x' }").unwrap();
    let mut keys: Vec<_> = m.object().into_iter().map(|(k, _)| k).collect();
    keys.sort();
    assert_eq!(keys, [b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(m.field("a").int(), 1);
    assert!(matches!(m.field("b"), Host::Str(s) if s == b"x"));
}

/// F.64 [C++] A table with integer keys 1 and 3 only becomes a map with keys
/// `"1"` and `"3"`.
#[test]
fn f64_a_sparse_table_becomes_a_map_with_number_keys() {
    let lua = Lua::new();
    let m = eval(&lua, "return {[1] = 'a', [3] = 'c'}").unwrap();
    let mut entries: Vec<_> = m.object().into_iter().map(|(k, v)| (String::from_utf8(k).unwrap(), v)).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].0, "1");
    assert!(matches!(&entries[0].1, Host::Str(s) if s == b"a"));
    assert_eq!(entries[1].0, "3");
    assert!(matches!(&entries[1].1, Host::Str(s) if s == b"c"));
}

/// F.68 [C++] Array and nested map values pushed from the host are readable
/// in Lua (`t[1]`, `m.b.c`).
#[test]
fn f68_host_arrays_and_nested_maps_are_readable_in_lua() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    lua.set_global("t", vec![10, 20, 30]).unwrap();
    let mut inner = HashMap::new();
    inner.insert("c", 7);
    let mut other = HashMap::new();
    other.insert("x", 1);
    let mut m = HashMap::new();
    m.insert("a", other);
    m.insert("b", inner);
    lua.set_global("m", m).unwrap();
    assert_eq!(lua.exec::<i64>("return t[1]").unwrap(), 10);
    assert_eq!(lua.exec::<i64>("return t[3]").unwrap(), 30);
    assert_eq!(lua.exec::<i64>("return #t").unwrap(), 3);
    assert_eq!(lua.exec::<i64>("return m.b.c").unwrap(), 7);
    assert_eq!(lua.exec::<i64>("return m.a.x").unwrap(), 1);
    assert_eq!(lua.exec::<String>("return type(m.b)").unwrap(), "table");
}
