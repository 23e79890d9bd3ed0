//! A `UserData` type converts with `IntoLua`: set as a global, stored in a
//! table, returned from a callback, in a `Vec` or an `Option`, with every
//! value dropped exactly once whatever becomes of the conversion.

use std::cell::Cell;
use std::rc::Rc;

use lua_core::{AnyUserData, Error, Lua, StdLib, Table, UserData, UserDataFields, UserDataMethods};

struct Player {
    name: String,
    hp: i64,
    drops: Rc<Cell<u32>>,
}

impl Drop for Player {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

impl UserData for Player {
    fn add_fields(fields: &mut UserDataFields<Self>) {
        fields.add_field_method_get("hp", |_, p| Ok(p.hp));
        fields.add_field_method_get("name", |_, p| Ok(p.name.clone()));
    }
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method("spawn", |_, p, name: String| Ok(Player { name, hp: p.hp, drops: p.drops.clone() }));
        methods.add_method("maybe", |_, p, yes: bool| Ok(yes.then(|| Player { name: "m".into(), hp: 1, drops: p.drops.clone() })));
    }
}

fn player(name: &str, drops: &Rc<Cell<u32>>) -> Player {
    Player { name: name.into(), hp: 10, drops: drops.clone() }
}

#[test]
fn a_value_goes_wherever_a_lua_value_goes() {
    let drops = Rc::new(Cell::new(0));
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    lua.set_global("p", player("ada", &drops)).unwrap();
    assert_eq!(lua.exec::<(String, i64)>("return p.name, p.hp").unwrap(), ("ada".into(), 10));
    assert_eq!(lua.exec::<String>("return p:spawn('bob').name").unwrap(), "bob");
    assert_eq!(lua.exec::<(bool, bool)>("return p:maybe(true) ~= nil, p:maybe(false) == nil").unwrap(), (true, true));
    let t: Table = lua.create_table().unwrap();
    t.set("hero", player("cy", &drops)).unwrap();
    t.push(player("di", &drops)).unwrap();
    lua.set_global("t", &t).unwrap();
    assert_eq!(lua.exec::<(String, String)>("return t.hero.name, t[1].name").unwrap(), ("cy".into(), "di".into()));
    lua.set_global("team", vec![player("e", &drops), player("f", &drops)]).unwrap();
    assert_eq!(lua.exec::<String>("return team[1].name .. team[2].name").unwrap(), "ef");
    let make = lua.create_function({
        let drops = drops.clone();
        move |_, name: String| Ok(Player { name, hp: 3, drops: drops.clone() })
    })
    .unwrap();
    lua.set_global("make", make).unwrap();
    assert_eq!(lua.exec::<i64>("return make('g').hp").unwrap(), 3);
    let ud: AnyUserData = lua.exec("return make('h')").unwrap();
    assert_eq!(ud.borrow(|p: &Player| p.name.clone()).unwrap(), "h");
    drop((ud, t));
    lua.exec::<()>("p, t, team = nil collectgarbage() collectgarbage()").unwrap();
    lua.close().unwrap();
    // ada, bob, m, cy, di, e, f, g, h: each once.
    assert_eq!(drops.get(), 9);
}

#[test]
fn a_value_that_cannot_go_in_is_dropped_once() {
    let drops = Rc::new(Cell::new(0));
    let lua = Lua::new();
    lua.close().unwrap();
    assert!(matches!(lua.set_global("p", player("x", &drops)), Err(Error::Closed { .. })));
    assert_eq!(drops.get(), 1);
    // Into a table of another state: the value is made there, then refused.
    let a = Lua::new();
    let b = Lua::new();
    let tb = b.create_table().unwrap();
    let ta = a.create_table().unwrap();
    assert!(ta.set(&tb, player("y", &drops)).is_err());
    drop((ta, tb));
    a.close().unwrap();
    b.close().unwrap();
    assert_eq!(drops.get(), 2);
}

#[test]
fn under_memory_pressure_every_value_is_made_or_dropped() {
    let drops = Rc::new(Cell::new(0));
    let lua = Lua::builder().libraries(StdLib::BASE).memory_limit(512 << 10).build().unwrap();
    let t = lua.create_table().unwrap();
    let mut made = 0u32;
    loop {
        match t.push(player("z", &drops)) {
            Ok(()) => made += 1,
            Err(e) => {
                assert_eq!(e.code(), "LUA_MEMORY");
                break;
            }
        }
    }
    assert!(made > 10);
    drop(t);
    lua.set_memory_limit(0);
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    lua.close().unwrap();
    assert_eq!(drops.get(), made + 1);
}
