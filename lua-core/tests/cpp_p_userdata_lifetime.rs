//! API-SEED §10 area P (userdata lifetime in the core): the C++ core suite's
//! items, ported to lua-core. The original's core counted references per
//! handle id and notified the host when a count reached zero; lua-core counts
//! the userdata it made for an id and calls `HostObjects::released(id)` when
//! Lua has collected the last one. The count itself is internal, so these
//! tests observe it through what Lua holds and when `released` fires.
#![cfg(feature = "host-binding")]

use std::cell::RefCell;
use std::rc::Rc;

use lua_core::{Access, CallContext, Error, GcCommand, IntoLua, Lua, Result, StackValue, StdLib};
use lua_core::host::HostObjects;

const OPAQUE: Access = Access { readable: false, writable: false };
const PROPS: Access = Access { readable: true, writable: true };

/// Logs releases; every object reads `id` as its id.
#[derive(Default)]
struct Tracker {
    released: RefCell<Vec<u64>>,
}

impl HostObjects for Tracker {
    fn get(&self, call: &CallContext<'_>, id: u64, key: &[u8]) -> Result<()> {
        if key == b"id" {
            (id as i64).push_into(&mut call.stack())
        } else {
            Err(Error::runtime("no such property"))
        }
    }
    fn set(&self, _call: &CallContext<'_>, _id: u64, _key: &[u8], _value: StackValue<'_>) -> Result<()> {
        Ok(())
    }
    fn released(&self, id: u64) {
        self.released.borrow_mut().push(id);
    }
}

fn setup() -> (Lua, Rc<Tracker>) {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let tracker = Rc::new(Tracker::default());
    lua.set_host_objects(tracker.clone());
    (lua, tracker)
}

fn set_handle(lua: &Lua, name: &str, id: u64, access: Access) {
    lua.set_global_with(name.as_bytes(), |s| s.push_host_object(id, access)).unwrap();
}

fn full_gc(lua: &Lua) {
    lua.gc(GcCommand::Collect).unwrap();
    lua.gc(GcCommand::Collect).unwrap();
}

fn released(t: &Tracker) -> Vec<u64> {
    t.released.borrow().clone()
}

/// P.165 [C++] Reference counting: the release notification fires only when
/// the count reaches zero.
#[test]
fn p165_release_fires_only_when_nothing_holds_the_id() {
    let (lua, tracker) = setup();
    set_handle(&lua, "a", 1, OPAQUE);
    // More holders of the same id: another global, a table field, an upvalue.
    set_handle(&lua, "b", 1, OPAQUE);
    lua.exec::<()>("holder = { a } keep = (function() local h = a return function() return h end end)()").unwrap();
    assert!(lua.exec::<bool>("return rawequal(a, b) and rawequal(holder[1], a)").unwrap());
    for clear in ["a = nil", "b = nil", "holder = nil"] {
        lua.exec::<()>(clear).unwrap();
        full_gc(&lua);
        assert!(released(&tracker).is_empty(), "released too early, after `{clear}`");
    }
    lua.exec::<()>("keep = nil").unwrap();
    full_gc(&lua);
    assert_eq!(released(&tracker), [1]);
}

/// P.166 [C++] Without a release callback, decrementing to zero does not crash.
///
/// lua-core's form: host objects pushed while no `HostObjects` is installed
/// are collected without anything to notify; the state stays usable.
#[test]
fn p166_collecting_without_a_host_is_harmless() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    set_handle(&lua, "a", 1, OPAQUE);
    set_handle(&lua, "b", 2, PROPS);
    // With no host, reads of a property handle find nothing.
    assert!(lua.exec::<lua_core::Value>("return b.anything").unwrap().is_nil());
    lua.exec::<()>("a = nil b = nil").unwrap();
    full_gc(&lua);
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2);
    // A host installed later is not told about objects collected before it.
    let tracker = Rc::new(Tracker::default());
    lua.set_host_objects(tracker.clone());
    full_gc(&lua);
    assert!(released(&tracker).is_empty());
    set_handle(&lua, "c", 3, OPAQUE);
    lua.exec::<()>("c = nil").unwrap();
    full_gc(&lua);
    assert_eq!(released(&tracker), [3]);
}

/// P.167 [C++] Release fires after the global is cleared and a full GC runs.
#[test]
fn p167_release_follows_clearing_the_global_and_collecting() {
    let (lua, tracker) = setup();
    set_handle(&lua, "h", 42, PROPS);
    full_gc(&lua);
    assert!(released(&tracker).is_empty());
    assert_eq!(lua.exec::<i64>("return h.id").unwrap(), 42);
    lua.set_global("h", lua_core::Value::Nil).unwrap();
    full_gc(&lua);
    assert_eq!(released(&tracker), [42]);
}

/// P.168 [C++] Two globals sharing an id cause exactly one release, after both are gone.
#[test]
fn p168_two_globals_sharing_an_id_release_once() {
    let (lua, tracker) = setup();
    set_handle(&lua, "first", 8, OPAQUE);
    set_handle(&lua, "second", 8, OPAQUE);
    lua.exec::<()>("first = nil").unwrap();
    full_gc(&lua);
    assert!(released(&tracker).is_empty());
    lua.exec::<()>("second = nil").unwrap();
    full_gc(&lua);
    full_gc(&lua);
    assert_eq!(released(&tracker), [8]);
}

/// P.169 [C++] Only the collected handle is released; the others remain usable.
#[test]
fn p169_only_the_collected_handle_is_released() {
    let (lua, tracker) = setup();
    set_handle(&lua, "h1", 1, PROPS);
    set_handle(&lua, "h2", 2, PROPS);
    set_handle(&lua, "h3", 3, PROPS);
    lua.exec::<()>("h2 = nil").unwrap();
    full_gc(&lua);
    assert_eq!(released(&tracker), [2]);
    assert_eq!(lua.exec::<i64>("return h1.id + h3.id").unwrap(), 4);
    assert_eq!(lua.get_global_with(b"h3", |v| v.host_object()).unwrap(), Some((3, PROPS)));
}

/// P.170 [C++] A handle referenced only by a local of a finished chunk is
/// released by GC.
#[test]
fn p170_a_handle_held_only_by_a_finished_chunk_is_released() {
    let (lua, tracker) = setup();
    let make = lua
        .create_raw_function(|call| {
            let id = call.arg(0).as_integer().unwrap_or(0) as u64;
            call.stack().push_host_object(id, PROPS)?;
            Ok(1)
        })
        .unwrap();
    lua.set_global("make", make).unwrap();
    assert_eq!(lua.exec::<i64>("local h = make(5) return h.id").unwrap(), 5);
    full_gc(&lua);
    assert_eq!(released(&tracker), [5]);
}

/// P.171 [C++] Destroying a runtime with live handles and no callbacks/handlers is safe.
#[test]
fn p171_closing_a_state_with_live_handles_is_safe() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        set_handle(&lua, name, i as u64, if i % 2 == 0 { OPAQUE } else { PROPS });
    }
    lua.exec::<()>("t = { a, b, c }").unwrap();
    drop(lua);

    // Explicit close, then drop; the closed state refuses further use.
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    set_handle(&lua, "a", 1, OPAQUE);
    lua.close().unwrap();
    assert!(lua.is_closed());
    assert_eq!(lua.exec::<i64>("return 1").unwrap_err().code(), "LUA_DISPOSED");
    drop(lua);

    // With a host installed, closing does not call back into it.
    let (lua, tracker) = setup();
    set_handle(&lua, "a", 1, OPAQUE);
    lua.close().unwrap();
    assert!(released(&tracker).is_empty());
}

/// P.172 [C++] Decrementing an unknown id is a no-op.
///
/// lua-core has no public decrement: the count only goes down when Lua
/// collects a userdata. The closest observable: once an id's count is gone,
/// further collections never report it again, other ids are untouched, and
/// the id can be pushed afresh and is released once more.
#[test]
fn p172_an_id_no_longer_counted_is_not_released_again() {
    let (lua, tracker) = setup();
    set_handle(&lua, "a", 7, OPAQUE);
    set_handle(&lua, "b", 8, OPAQUE);
    lua.exec::<()>("a = nil").unwrap();
    full_gc(&lua);
    assert_eq!(released(&tracker), [7]);
    for _ in 0..3 {
        full_gc(&lua);
    }
    assert_eq!(released(&tracker), [7]);
    assert_eq!(lua.get_global_with(b"b", |v| v.host_object()).unwrap(), Some((8, OPAQUE)));
    set_handle(&lua, "a", 7, OPAQUE);
    lua.exec::<()>("a = nil").unwrap();
    full_gc(&lua);
    assert_eq!(released(&tracker), [7, 7]);
}
