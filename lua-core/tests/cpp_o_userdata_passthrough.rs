//! API-SEED §10 area O (userdata made by Lua, passing through the host): the
//! C++ core suite's items, ported to lua-core. Foreign userdata (here an
//! `io.tmpfile()` handle) comes to the host as `Value::UserData(AnyUserData)`,
//! a registry reference.
#![cfg(feature = "host-binding")]

use std::cell::RefCell;
use std::ffi::{c_void, CString};
use std::rc::Rc;

use lua_core::{Access, AnyUserData, Error, Function, GcCommand, Lua, MultiValue, Result, StdLib, Table, Thread, Value, Visitor};

/// Sorts a converted value into what the original's core distinguished.
#[derive(Debug)]
enum Seen {
    HostObject(u64),
    Foreign(AnyUserData),
    Other,
}

struct Classify;

impl Visitor for Classify {
    type Value = Seen;
    type Error = Error;
    fn nil(&mut self) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn boolean(&mut self, _: bool) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn integer(&mut self, _: i64) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn number(&mut self, _: f64) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn string(&mut self, _: &[u8]) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn new_array(&mut self, _: usize) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn array_set(&mut self, _: &Seen, _: usize, _: Seen) -> Result<()> {
        Ok(())
    }
    fn new_object(&mut self) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn object_set(&mut self, _: &Seen, _: &[u8], _: Seen, _: bool) -> Result<()> {
        Ok(())
    }
    fn table_ref(&mut self, _: Table) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn function(&mut self, _: Function) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn thread(&mut self, _: Thread) -> Result<Seen> {
        Ok(Seen::Other)
    }
    fn host_object(&mut self, id: u64, _: Access) -> Result<Seen> {
        Ok(Seen::HostObject(id))
    }
    fn userdata(&mut self, u: AnyUserData) -> Result<Seen> {
        Ok(Seen::Foreign(u))
    }
    fn light_userdata(&mut self, _: *mut c_void) -> Result<Seen> {
        Ok(Seen::Other)
    }
}

/// O.163 [TS+C++] A file handle that went through JS still works in Lua
/// (write, seek, read → "hello").
#[test]
fn o163_a_file_handle_through_the_host_still_works() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let received: Rc<RefCell<Vec<&'static str>>> = Rc::default();
    let log = received.clone();
    let pass = lua
        .create_function(move |_, args: MultiValue| {
            log.borrow_mut().push(args.0.first().map_or("none", Value::type_name));
            Ok(args)
        })
        .unwrap();
    lua.set_global("pass", pass).unwrap();
    let text: String = lua.exec("local f = io.tmpfile() local g = pass(f) g:write('hello') g:seek('set') local s = g:read('a') g:close() return s").unwrap();
    assert_eq!(text, "hello");
    assert_eq!(*received.borrow(), ["userdata"]);

    // And through the host's own hands: out of Lua as a value, back in as a global.
    let file: Value = lua.exec("return io.tmpfile()").unwrap();
    assert!(matches!(file, Value::UserData(_)));
    lua.set_global("f", file).unwrap();
    assert_eq!(lua.exec::<String>("f:write('hello') f:seek('set') return f:read('a')").unwrap(), "hello");
    assert_eq!(lua.exec::<String>("return io.type(f)").unwrap(), "file");
}

/// O.164 [C++] Foreign userdata is classified as opaque and kept via a
/// registry reference (id -1).
///
/// lua-core's form: a userdata that is not a host object comes to a visitor
/// as `userdata(AnyUserData)` (not `host_object`), `StackValue::host_object()`
/// is `None` for it (the original's "id -1"), and the `AnyUserData` is a
/// registry reference that keeps the object alive after Lua dropped every
/// reference of its own.
#[test]
fn o164_foreign_userdata_is_kept_by_a_registry_reference() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let src = CString::new("local f = io.tmpfile() f:write('kept') return f").unwrap();
    let (is_host_object, seen) = lua.exec_source_with(&src, |r| (r.get(0).host_object(), r.get(0).visit(&mut Classify))).unwrap();
    assert_eq!(is_host_object, None);
    let handle = match seen.unwrap() {
        Seen::Foreign(u) => u,
        other => panic!("expected foreign userdata, got {other:?}"),
    };
    // Lua holds nothing any more; a full collection must not close the file.
    lua.gc(GcCommand::Collect).unwrap();
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    lua.set_global("g", handle).unwrap();
    let r: MultiValue = lua.exec("g:seek('set') return io.type(g), g:read('a')").unwrap();
    assert_eq!(r.0[0].as_str(), Some("file"));
    assert_eq!(r.0[1].as_str(), Some("kept"));
    // A host object, by contrast, is classified as one.
    lua.set_global_with(b"h", |s| s.push_host_object(9, Access::default())).unwrap();
    let src = CString::new("return h").unwrap();
    let seen = lua.exec_source_with(&src, |r| r.get(0).visit(&mut Classify)).unwrap().unwrap();
    assert!(matches!(seen, Seen::HostObject(9)), "{seen:?}");
}
