//! API-SEED §10 area N (userdata: property access): the C++ core suite's
//! items, ported to lua-core. `HostObjects::get` / `set` are the property
//! getter and setter the original's core called with a handle id and a key.
#![cfg(feature = "host-binding")]

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use lua_core::{Access, CallContext, Error, FromLua, IntoLua, Lua, MultiValue, Result, StackValue, StdLib, Value};
use lua_core::host::HostObjects;

const PROPS: Access = Access { readable: true, writable: true };

/// A property store keyed by (id, key), logging every get and set.
#[derive(Default)]
struct Store {
    values: RefCell<HashMap<(u64, Vec<u8>), Value>>,
    gets: RefCell<Vec<(u64, String)>>,
    sets: RefCell<Vec<(u64, String, Value)>>,
}

impl Store {
    fn put(&self, id: u64, key: &str, value: Value) {
        self.values.borrow_mut().insert((id, key.as_bytes().to_vec()), value);
    }
}

impl HostObjects for Store {
    fn get(&self, call: &CallContext<'_>, id: u64, key: &[u8]) -> Result<()> {
        self.gets.borrow_mut().push((id, String::from_utf8_lossy(key).into_owned()));
        if key == b"explode" {
            return Err(Error::runtime("getter exploded"));
        }
        if key == b"id" {
            return (id as i64).push_into(&mut call.stack());
        }
        let v = self.values.borrow().get(&(id, key.to_vec())).cloned().unwrap_or(Value::Nil);
        v.push_into(&mut call.stack())
    }

    fn set(&self, _call: &CallContext<'_>, id: u64, key: &[u8], value: StackValue<'_>) -> Result<()> {
        let value = Value::from_lua(value)?;
        self.sets.borrow_mut().push((id, String::from_utf8_lossy(key).into_owned(), value.clone()));
        if key == b"explode" {
            return Err(Error::runtime("setter exploded"));
        }
        self.values.borrow_mut().insert((id, key.to_vec()), value);
        Ok(())
    }

    fn released(&self, _id: u64) {}
}

fn setup() -> (Lua, Rc<Store>) {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let store = Rc::new(Store::default());
    lua.set_host_objects(store.clone());
    (lua, store)
}

fn set_handle(lua: &Lua, name: &str, id: u64, access: Access) {
    lua.set_global_with(name.as_bytes(), |s| s.push_host_object(id, access)).unwrap();
}

/// N.156 [C++] The property getter is consulted per key (string, integer, nil
/// for unknown keys).
#[test]
fn n156_the_getter_is_asked_per_key() {
    let (lua, store) = setup();
    store.put(1, "name", Value::String(b"Alice".to_vec()));
    store.put(1, "age", Value::Integer(30));
    set_handle(&lua, "p", 1, PROPS);
    let r: MultiValue = lua.exec("return p.name, p.age, p.unknown").unwrap();
    assert_eq!(r.0[0].as_str(), Some("Alice"));
    assert!(matches!(r.0[1], Value::Integer(30)));
    assert!(r.0[2].is_nil());
    assert_eq!(*store.gets.borrow(), [(1, "name".to_string()), (1, "age".to_string()), (1, "unknown".to_string())]);
    // A number key reaches the getter as its text.
    store.put(1, "1", Value::String(b"one".to_vec()));
    assert_eq!(lua.exec::<String>("return p[1]").unwrap(), "one");
    assert_eq!(store.gets.borrow().last().unwrap(), &(1, "1".to_string()));
    // Each read asks again: a changed host value is seen at once.
    store.put(1, "age", Value::Integer(31));
    assert_eq!(lua.exec::<i64>("return p.age").unwrap(), 31);
    assert_eq!(store.gets.borrow().len(), 5);
}

/// N.157 [C++] The property setter receives handle id, key and value.
#[test]
fn n157_the_setter_receives_id_key_and_value() {
    let (lua, store) = setup();
    set_handle(&lua, "p", 77, PROPS);
    lua.exec::<()>("p.score = 99 p.label = 'x' p.flag = true").unwrap();
    let sets = store.sets.borrow();
    assert_eq!(sets.len(), 3);
    assert_eq!((sets[0].0, sets[0].1.as_str()), (77, "score"));
    assert!(matches!(sets[0].2, Value::Integer(99)));
    assert_eq!((sets[1].0, sets[1].1.as_str(), sets[1].2.as_str()), (77, "label", Some("x")));
    assert_eq!((sets[2].0, sets[2].1.as_str()), (77, "flag"));
    assert!(matches!(sets[2].2, Value::Boolean(true)));
}

/// N.158 [C++] Write-then-read through getter/setter round-trips (42, 'hello').
#[test]
fn n158_write_then_read_round_trips() {
    let (lua, store) = setup();
    set_handle(&lua, "p", 3, PROPS);
    let r: MultiValue = lua.exec("p.x = 42 p.y = 'hello' return p.x, p.y").unwrap();
    assert!(matches!(r.0[0], Value::Integer(42)));
    assert_eq!(r.0[1].as_str(), Some("hello"));
    assert!(matches!(store.values.borrow().get(&(3, b"x".to_vec())), Some(Value::Integer(42))));
}

/// N.159 [C++] An exception in the getter becomes a Lua error containing its message.
#[test]
fn n159_a_getter_failure_is_a_lua_error() {
    let (lua, _store) = setup();
    set_handle(&lua, "p", 1, PROPS);
    let e = lua.exec::<Value>("return p.explode").unwrap_err();
    assert!(e.message().contains("getter exploded"), "{}", e.message());
    assert_eq!(e.message(), "Error reading property 'explode': getter exploded");
    let r: MultiValue = lua.exec("return pcall(function() return p.explode end)").unwrap();
    assert!(matches!(r.0[0], Value::Boolean(false)));
    assert!(r.0[1].as_str().unwrap().contains("getter exploded"));
    assert_eq!(lua.exec::<i64>("return p.id").unwrap(), 1);
}

/// N.160 [C++] An exception in the setter becomes a Lua error containing its message.
#[test]
fn n160_a_setter_failure_is_a_lua_error() {
    let (lua, _store) = setup();
    set_handle(&lua, "p", 1, PROPS);
    let e = lua.exec::<()>("p.explode = 1").unwrap_err();
    assert!(e.message().contains("setter exploded"), "{}", e.message());
    assert_eq!(e.message(), "Error writing property 'explode': setter exploded");
    let r: MultiValue = lua.exec("return pcall(function() p.explode = 2 end)").unwrap();
    assert!(matches!(r.0[0], Value::Boolean(false)));
    assert!(r.0[1].as_str().unwrap().contains("setter exploded"));
    lua.exec::<()>("p.fine = 3").unwrap();
    assert_eq!(lua.exec::<i64>("return p.fine").unwrap(), 3);
}

/// N.161 [C++] The getter distinguishes handles by id (100, 200).
#[test]
fn n161_the_getter_tells_handles_apart_by_id() {
    let (lua, store) = setup();
    set_handle(&lua, "a", 100, PROPS);
    set_handle(&lua, "b", 200, PROPS);
    store.put(100, "v", Value::String(b"first".to_vec()));
    store.put(200, "v", Value::String(b"second".to_vec()));
    let r: MultiValue = lua.exec("return a.id, b.id, a.v, b.v").unwrap();
    assert!(matches!(r.0[0], Value::Integer(100)));
    assert!(matches!(r.0[1], Value::Integer(200)));
    assert_eq!(r.0[2].as_str(), Some("first"));
    assert_eq!(r.0[3].as_str(), Some("second"));
    let ids: Vec<u64> = store.gets.borrow().iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [100, 200, 100, 200]);
}
