//! A plugin host: Rust functions and a Rust struct exposed to Lua plugins.
//!
//! ```text
//! cargo run -p lua-core --example plugin_host
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use lua_core::{Error, Function, Lua, MultiValue, StdLib, UserData, UserDataFields, UserDataMethods, Value};

/// The host's inventory, handed to plugins as a userdata with methods.
struct Inventory {
    items: Vec<(String, i64)>,
}

impl UserData for Inventory {
    fn add_fields(fields: &mut UserDataFields<Self>) {
        // `inventory.count` in Lua; read-only (no setter).
        fields.add_field_method_get("count", |_, inv| Ok(inv.items.len() as i64));
    }

    fn add_methods(methods: &mut UserDataMethods<Self>) {
        // Arguments arrive converted: a wrong type is Lua's own
        // "bad argument #1 to 'quantity' (string expected, got nil)".
        methods.add_method("quantity", |_, inv, name: String| Ok(inv.items.iter().find(|(n, _)| *n == name).map_or(0, |(_, q)| *q)));
        methods.add_method_mut("add", |_, inv, (name, qty): (String, Option<i64>)| {
            let qty = qty.unwrap_or(1);
            match inv.items.iter_mut().find(|(n, _)| *n == name) {
                Some((_, q)) => *q += qty,
                None => inv.items.push((name, qty)),
            }
            Ok(())
        });
        methods.add_meta_method("__tostring", |_, inv, ()| Ok(format!("Inventory({} kinds)", inv.items.len())));
    }
}

fn main() -> Result<(), Error> {
    let lua = Lua::with_libraries(StdLib::SAFE)?;

    // Events plugins emit are collected by the host.
    let events = Rc::new(RefCell::new(Vec::<String>::new()));
    let sink = events.clone();
    let emit = lua.create_function(move |_, args: MultiValue| {
        sink.borrow_mut().push(args.0.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "));
        Ok(())
    })?;
    lua.set_global("emit", emit)?;
    lua.set_global("inventory", lua.create_userdata(Inventory { items: vec![("apple".into(), 3)] })?)?;

    // A plugin registers hooks in a table; the host calls them.
    let plugin = r#"
        local plugin = { name = "restock" }
        function plugin.on_sale(item, qty)
            if inventory:quantity(item) < qty then
                inventory:add(item, 10)
                emit("restocked", item)
            end
            return inventory:quantity(item) - qty
        end
        return plugin
    "#;
    let table: lua_core::Table = lua.exec(plugin)?;
    let name: String = table.raw_get("name")?;
    let on_sale: Function = table.raw_get("on_sale")?;
    for (item, qty) in [("apple", 2), ("pear", 4), ("apple", 5)] {
        let left: i64 = on_sale.call((item, qty))?;
        println!("plugin {name}: sold {qty} {item}, {left} left");
    }
    println!("{} ({} kinds)", lua.exec::<String>("return tostring(inventory)")?, lua.exec::<i64>("return inventory.count")?);
    println!("events: {:?}", events.borrow());

    // A failing plugin is an ordinary error, with the Rust error as its cause.
    let bad: Function = lua.exec("return function() inventory:add({}) end")?;
    match bad.call::<()>(()) {
        Err(e) => println!("plugin error: {} (code {}, cause: {:?})", e.message(), e.code(), e.cause().map(|c| c.message().to_string())),
        Ok(()) => println!("unexpected success"),
    }
    Ok(())
}
