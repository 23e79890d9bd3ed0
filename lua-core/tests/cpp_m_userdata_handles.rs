//! API-SEED §10 area M (userdata: opaque handles): the C++ core suite's items,
//! ported to lua-core's host objects (`HostObjects`, `Stack::push_host_object`,
//! `StackValue::host_object`).
#![cfg(feature = "host-binding")]

use std::cell::RefCell;
use std::ffi::{c_void, CString};
use std::rc::Rc;

use lua_core::{Access, AnyUserData, CallContext, Error, FromLua, Function, IntoLua, Lua, MultiValue, Result, StackValue, StdLib, Table, Thread, Value, Visitor};
use lua_core::host::HostObjects;

const OPAQUE: Access = Access { readable: false, writable: false };
const PROPS: Access = Access { readable: true, writable: true };

/// A host whose objects all have one property, `name`, equal to `obj<id>`.
#[derive(Default)]
struct Names {
    gets: RefCell<Vec<(u64, Vec<u8>)>>,
}

impl HostObjects for Names {
    fn get(&self, call: &CallContext<'_>, id: u64, key: &[u8]) -> Result<()> {
        self.gets.borrow_mut().push((id, key.to_vec()));
        if key == b"name" {
            format!("obj{id}").push_into(&mut call.stack())
        } else {
            Value::Nil.push_into(&mut call.stack())
        }
    }
    fn set(&self, _call: &CallContext<'_>, _id: u64, _key: &[u8], _value: StackValue<'_>) -> Result<()> {
        Ok(())
    }
    fn released(&self, _id: u64) {}
}

fn with_host() -> (Lua, Rc<Names>) {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    let host = Rc::new(Names::default());
    lua.set_host_objects(host.clone());
    (lua, host)
}

fn set_handle(lua: &Lua, name: &str, id: u64, access: Access) {
    lua.set_global_with(name.as_bytes(), |s| s.push_host_object(id, access)).unwrap();
}

/// The host-object id and access of the first result of `src`.
fn returned_handle(lua: &Lua, src: &str) -> Option<(u64, Access)> {
    let src = CString::new(src).unwrap();
    lua.exec_source_with(&src, |r| r.get_or_nil(0).host_object()).unwrap()
}

/// What a converting host sees for a value: only the host-object case matters here.
struct Classify;

impl Visitor for Classify {
    type Value = String;
    type Error = Error;
    fn nil(&mut self) -> Result<String> {
        Ok("nil".into())
    }
    fn boolean(&mut self, _: bool) -> Result<String> {
        Ok("boolean".into())
    }
    fn integer(&mut self, _: i64) -> Result<String> {
        Ok("integer".into())
    }
    fn number(&mut self, _: f64) -> Result<String> {
        Ok("number".into())
    }
    fn string(&mut self, _: &[u8]) -> Result<String> {
        Ok("string".into())
    }
    fn new_array(&mut self, _: usize) -> Result<String> {
        Ok("array".into())
    }
    fn array_set(&mut self, _: &String, _: usize, _: String) -> Result<()> {
        Ok(())
    }
    fn new_object(&mut self) -> Result<String> {
        Ok("object".into())
    }
    fn object_set(&mut self, _: &String, _: &[u8], _: String, _: bool) -> Result<()> {
        Ok(())
    }
    fn table_ref(&mut self, _: Table) -> Result<String> {
        Ok("table_ref".into())
    }
    fn function(&mut self, _: Function) -> Result<String> {
        Ok("function".into())
    }
    fn thread(&mut self, _: Thread) -> Result<String> {
        Ok("thread".into())
    }
    fn host_object(&mut self, id: u64, access: Access) -> Result<String> {
        Ok(format!("host_object {id} readable={} writable={}", access.readable, access.writable))
    }
    fn userdata(&mut self, _: AnyUserData) -> Result<String> {
        Ok("userdata".into())
    }
    fn light_userdata(&mut self, _: *mut c_void) -> Result<String> {
        Ok("light".into())
    }
}

/// M.136 [C++] Both opaque and property-enabled handles have Lua type `"userdata"`.
#[test]
fn m136_handles_are_userdata_in_lua() {
    let (lua, _host) = with_host();
    set_handle(&lua, "opaque", 1, OPAQUE);
    set_handle(&lua, "props", 2, PROPS);
    assert_eq!(lua.exec::<String>("return type(opaque)").unwrap(), "userdata");
    assert_eq!(lua.exec::<String>("return type(props)").unwrap(), "userdata");
    assert_eq!(lua.get_global::<Value>("opaque").unwrap().type_name(), "userdata");
    assert!(matches!(lua.get_global::<Value>("props").unwrap(), Value::UserData(_)));
}

/// M.137 [C++] A returned handle carries its id and the right opaque/property flags.
#[test]
fn m137_a_returned_handle_carries_its_id_and_flags() {
    let (lua, _host) = with_host();
    set_handle(&lua, "opaque", 41, OPAQUE);
    set_handle(&lua, "props", 42, PROPS);
    set_handle(&lua, "readonly", 43, Access { readable: true, writable: false });
    let (id, access) = returned_handle(&lua, "return opaque").unwrap();
    assert_eq!(id, 41);
    assert!(access.is_opaque());
    assert_eq!(returned_handle(&lua, "return props"), Some((42, PROPS)));
    assert_eq!(returned_handle(&lua, "return readonly"), Some((43, Access { readable: true, writable: false })));
    // Through a converting host.
    let src = CString::new("return opaque, props").unwrap();
    let seen = lua.exec_source_with(&src, |r| r.iter().map(|v| v.visit(&mut Classify)).collect::<Result<Vec<_>>>()).unwrap().unwrap();
    assert_eq!(seen, ["host_object 41 readable=false writable=false", "host_object 42 readable=true writable=true"]);
    // Anything else is not a host object.
    assert_eq!(returned_handle(&lua, "return {}"), None);
    assert_eq!(returned_handle(&lua, "return 41"), None);
}

/// M.138 [TS+C++] Indexing an opaque handle raises an error.
#[test]
fn m138_indexing_an_opaque_handle_is_an_error() {
    let (lua, host) = with_host();
    set_handle(&lua, "h", 7, OPAQUE);
    let e = lua.exec::<Value>("return h.x").unwrap_err();
    assert!(matches!(e, Error::Runtime { .. }), "{e:?}");
    assert!(e.message().contains("attempt to index a lua_native_userdata value (global 'h')"), "{}", e.message());
    let e = lua.exec::<()>("h.x = 1").unwrap_err();
    assert!(e.message().contains("attempt to index"), "{}", e.message());
    let r: MultiValue = lua.exec("return pcall(function() return h.name end)").unwrap();
    assert!(matches!(r.0[0], Value::Boolean(false)));
    assert!(r.0[1].as_str().unwrap().contains("attempt to index a lua_native_userdata value"), "{:?}", r.0[1]);
    assert!(host.gets.borrow().is_empty(), "the host is never asked about an opaque handle");
}

/// What `StackValue::host_object` says about a value.
type Handle = Option<(u64, Access)>;

/// M.139 [C++] A handle passed through a host function keeps its id; a
/// property-enabled handle still supports property reads afterwards.
#[test]
fn m139_a_handle_through_a_host_function_keeps_its_id() {
    let (lua, host) = with_host();
    set_handle(&lua, "opaque", 5, OPAQUE);
    set_handle(&lua, "props", 6, PROPS);
    let seen: Rc<RefCell<Vec<Handle>>> = Rc::default();
    let log = seen.clone();
    let pass = lua
        .create_raw_function(move |call| {
            log.borrow_mut().push(call.arg(0).host_object());
            let v = Value::from_lua(call.arg(0))?;
            v.push_into(&mut call.stack())?;
            Ok(1)
        })
        .unwrap();
    lua.set_global("pass", pass).unwrap();
    assert_eq!(returned_handle(&lua, "return pass(opaque)"), Some((5, OPAQUE)));
    assert!(lua.exec::<bool>("return rawequal(pass(opaque), opaque)").unwrap());
    assert_eq!(lua.exec::<String>("local p = pass(props) return p.name").unwrap(), "obj6");
    assert_eq!(returned_handle(&lua, "return pass(props)"), Some((6, PROPS)));
    let seen = seen.borrow();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0], Some((5, OPAQUE)));
    assert_eq!(seen[2], Some((6, PROPS)));
    assert!(host.gets.borrow().contains(&(6, b"name".to_vec())));
}
