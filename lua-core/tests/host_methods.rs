//! `Stack::set_host_methods` (EVOLUTION B1 in the Node addon): a host
//! object's methods are found before its properties, are the same function
//! on every read, make a non-readable object read nil for other keys, and are
//! forgotten when Lua collects the object's last userdata.
#![cfg(feature = "host-binding")]

use std::cell::RefCell;
use std::rc::Rc;

use lua_core::host::HostObjects;
use lua_core::{Access, CallContext, IntoLua, Lua, Result, StackValue, StdLib};

#[derive(Default)]
struct Props {
    released: RefCell<Vec<u64>>,
}

impl HostObjects for Props {
    fn get(&self, call: &CallContext<'_>, _id: u64, key: &[u8]) -> Result<()> {
        format!("prop {}", String::from_utf8_lossy(key)).push_into(&mut call.stack())
    }

    fn set(&self, _call: &CallContext<'_>, _id: u64, _key: &[u8], _value: StackValue<'_>) -> Result<()> {
        Ok(())
    }

    fn released(&self, id: u64) {
        self.released.borrow_mut().push(id);
    }
}

fn give(lua: &Lua, name: &str, id: u64, access: Access) -> Result<()> {
    lua.set_global_with(name.as_bytes(), |stack| {
        stack.push_table(0, 1)?;
        stack.push_function(move |call| {
            let n = call.arg(1).as_integer().unwrap_or(0);
            (id as i64 * 100 + n).push_into(&mut call.stack())?;
            Ok(1)
        })?;
        stack.set_field(b"size")?;
        stack.set_host_methods(id)?;
        stack.push_host_object(id, access)
    })
}

#[test]
fn methods_first_same_function_nil_otherwise_and_forgotten_on_release() -> Result<()> {
    let lua = Lua::with_libraries(StdLib::BASE)?;
    let host = Rc::new(Props::default());
    lua.set_host_objects(host.clone());
    give(&lua, "r", 1, Access { readable: true, writable: false })?;
    give(&lua, "o", 2, Access::default())?;
    let got: String = lua.exec("return tostring(r:size(5)) .. '|' .. r.other .. '|' .. tostring(r.size == r.size)")?;
    assert_eq!(got, "105|prop other|true");
    let got: String = lua.exec("return tostring(o:size(1)) .. '|' .. tostring(o.other) .. '|' .. tostring(o)")?;
    assert!(got.starts_with("201|nil|lua_native_proxy_userdata: "), "{got}");
    let err = lua.exec::<()>("o.x = 1").unwrap_err();
    assert!(err.message().contains("Error writing property 'x': userdata is not writable"), "{}", err.message());
    // A method kept in Lua outlives the object's userdata.
    lua.exec::<()>("keep = o.size o = nil collectgarbage() collectgarbage()")?;
    assert_eq!(*host.released.borrow(), vec![2]);
    assert_eq!(lua.exec::<i64>("return keep(nil, 3)")?, 203);
    // The id's methods are gone: a new userdata for it has none.
    lua.set_global_with(b"again", |stack| stack.push_host_object(2, Access::default()))?;
    assert!(lua.exec::<String>("return tostring(again)")?.starts_with("lua_native_userdata: "));
    Ok(())
}

#[test]
fn set_host_methods_needs_a_table() {
    let lua = Lua::new();
    let err = lua
        .set_global_with(b"x", |stack| {
            stack.push_integer(1)?;
            stack.set_host_methods(1)?;
            stack.push_host_object(1, Access::default())
        })
        .unwrap_err();
    assert_eq!(err.code(), "LUA_API");
}
