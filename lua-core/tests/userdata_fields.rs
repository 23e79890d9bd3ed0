//! Typed userdata as a Rust user expects it: fields (`obj.hp`, `obj.hp =
//! 5`), typed arguments with Lua's own bad-argument messages, borrows that
//! refuse instead of panicking, and the metatable's functions holding up
//! against hostile scripts, finalizers and the collector.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use lua_core::{AnyUserData, Error, Function, Lua, MultiValue, StdLib, Table, UserData, UserDataFields, UserDataMethods, Value};

struct Player {
    name: String,
    hp: i64,
    level: u8,
    /// Set by the test to see the value dropped.
    dropped: Option<Rc<Cell<u32>>>,
}

impl Drop for Player {
    fn drop(&mut self) {
        if let Some(d) = &self.dropped {
            d.set(d.get() + 1);
        }
    }
}

impl UserData for Player {
    fn add_fields(fields: &mut UserDataFields<Self>) {
        fields.add_field_method_get("name", |_, p| Ok(p.name.clone()));
        fields.add_field_method_get("hp", |_, p| Ok(p.hp));
        fields.add_field_method_set("hp", |_, p, hp: i64| {
            p.hp = hp;
            Ok(())
        });
        fields.add_field_method_get("level", |_, p| Ok(p.level));
        fields.add_field_method_set("level", |_, p, level: u8| {
            p.level = level;
            Ok(())
        });
        // A field and a method of the same name: the method wins.
        fields.add_field_method_get("heal", |_, _| Ok("the field"));
        // Write-only.
        fields.add_field_method_set("secret", |_, p, s: String| {
            p.name = s;
            Ok(())
        });
        fields.add_field_method_get("broken", |_, _| Err::<i64, _>(Error::runtime("the getter failed")));
        fields.add_field_method_get("panics", |_, _| -> lua_core::Result<i64> { panic!("getter panic") });
    }

    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method_mut("heal", |_, p, by: i64| {
            p.hp += by;
            Ok(p.hp)
        });
        methods.add_method("describe", |_, p, (prefix, suffix): (String, Option<String>)| Ok(format!("{prefix}{}{}", p.name, suffix.unwrap_or_default())));
        methods.add_method("levels", |_, _, (a, b, c): (u8, Option<u8>, f64)| Ok(format!("{a} {b:?} {c}")));
        methods.add_method("count", |_, _, args: MultiValue| Ok(args.0.len()));
        methods.add_method("nothing", |_, _, ()| Ok(()));
        methods.add_method("eight", |_, _, (a, b, c, d, e, f, g, h): (i64, i64, i64, i64, i64, i64, i64, i64)| Ok(a + b + c + d + e + f + g + h));
        methods.add_method("twelve", |_, _, t: Twelve| Ok(t.0 + t.10 + t.11.unwrap_or(100)));
        methods.add_method("same", |_, p, other: AnyUserData| other.borrow(|o: &Player| o.name == p.name));
        methods.add_method("clone_as", |lua, p, name: String| {
            lua.create_userdata(Player { name, hp: p.hp, level: p.level, dropped: None })
        });
        // Calls back into Lua while holding `&mut Player`.
        methods.add_method_mut("with_mut", |_, p, f: Function| {
            p.hp += 1;
            f.call::<Value>(())
        });
        // Calls back into Lua while holding `&Player`.
        methods.add_method("with_ref", |_, _, f: Function| f.call::<Value>(()));
        methods.add_function("static_sum", |_, (a, b): (i64, i64)| Ok(a + b));
        methods.add_function("first_type", |_, v: Value| Ok(v.type_name()));
        methods.add_meta_method("__add", |_, p, n: i64| Ok(p.hp + n));
        methods.add_meta_method("__call", |_, p, n: i64| Ok(p.hp * n));
        methods.add_meta_method("__tostring", |_, p, ()| Ok(format!("Player({})", p.name)));
    }
}

/// A type with methods only: keeps the plain-table `__index`.
struct Plain;

impl UserData for Plain {
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method("hello", |_, _, ()| Ok("hello"));
    }
}

/// A type with a field and `__index` / `__newindex` fallbacks of its own.
struct Bag {
    size: i64,
    extra: RefCell<Vec<(String, i64)>>,
}

impl UserData for Bag {
    fn add_fields(fields: &mut UserDataFields<Self>) {
        fields.add_field_method_get("size", |_, b| Ok(b.size));
    }

    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method("len", |_, b, ()| Ok(b.extra.borrow().len()));
        methods.add_meta_method("__index", |_, b, key: String| Ok(b.extra.borrow().iter().find(|(k, _)| *k == key).map(|(_, v)| *v)));
        methods.add_meta_method("__newindex", |_, b, (key, value): (String, i64)| {
            b.extra.borrow_mut().push((key, value));
            Ok(())
        });
    }
}

/// The largest tuple `FromLuaMulti` takes.
type Twelve = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, Option<i64>);

fn player(name: &str) -> Player {
    Player { name: name.into(), hp: 10, level: 1, dropped: None }
}

fn lua_with_player() -> Lua {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.set_global("p", lua.create_userdata(player("ada")).unwrap()).unwrap();
    lua
}

/// The message of the error `code` raises, caught in Lua by `pcall`.
fn lua_error(lua: &Lua, code: &str) -> String {
    lua.exec::<String>(&format!("local ok, e = pcall(function() {code} end) assert(not ok, 'it succeeded') return tostring(e)")).unwrap()
}

/// The message the host gets for `code` (a chunk named `=t`, so positions
/// read `t:1:`).
fn host_error(lua: &Lua, code: &str) -> Error {
    lua.exec_named::<()>(code, "=t").unwrap_err()
}

// ---- fields

#[test]
fn fields_read_and_write() {
    let lua = lua_with_player();
    assert_eq!(lua.exec::<(String, i64, i64)>("return p.name, p.hp, p.level").unwrap(), ("ada".into(), 10, 1));
    assert_eq!(lua.exec::<i64>("p.hp = p.hp * 4 + 2 return p.hp").unwrap(), 42);
    assert_eq!(lua.exec::<u8>("p.level = 7 return p.level").unwrap(), 7);
    lua.exec::<()>("p.secret = 'bob'").unwrap();
    assert_eq!(lua.exec::<String>("return p.name").unwrap(), "bob");
    // The Rust value sees what Lua wrote.
    let p: AnyUserData = lua.get_global("p").unwrap();
    assert_eq!(p.borrow(|p: &Player| (p.hp, p.level)).unwrap(), (42, 7));
    p.borrow_mut(|p: &mut Player| p.hp = -1).unwrap();
    assert_eq!(lua.exec::<i64>("return p.hp").unwrap(), -1);
}

#[test]
fn methods_win_over_fields_and_unknown_keys_read_nil() {
    let lua = lua_with_player();
    assert_eq!(lua.exec::<String>("return type(p.heal)").unwrap(), "function");
    assert_eq!(lua.exec::<i64>("return p:heal(5)").unwrap(), 15);
    // Keys that are no method and no field, of any type, read nil.
    assert!(lua.exec::<bool>("return p.mana == nil and p[1] == nil and p[true] == nil and p[p] == nil and p[0/0] == nil").unwrap());
    // A write-only field reads nil.
    assert_eq!(lua.exec::<Value>("return p.secret").unwrap(), Value::Nil);
}

#[test]
fn writing_without_a_setter_is_an_error_naming_the_field() {
    let lua = lua_with_player();
    assert_eq!(lua_error(&lua, "p.name = 'x'"), "[string \"local ok, e = pcall(function() p.name = 'x' e...\"]:1: field 'name' of Player is read-only");
    assert_eq!(host_error(&lua, "p.name = 'x'").message(), "t:1: field 'name' of Player is read-only");
    assert_eq!(host_error(&lua, "p.heal = 1").message(), "t:1: cannot assign to method 'heal' of Player");
    assert_eq!(host_error(&lua, "p.xp = 1").message(), "t:1: Player has no field 'xp'");
    assert_eq!(host_error(&lua, "p[3] = 1").message(), "t:1: Player has no field '3'");
    assert_eq!(host_error(&lua, "p[1.5] = 1").message(), "t:1: Player has no field '1.5'");
    assert_eq!(host_error(&lua, "p[true] = 1").message(), "t:1: Player has no field of type boolean");
    assert_eq!(host_error(&lua, "p[{}] = 1").message(), "t:1: Player has no field of type table");
    let e = host_error(&lua, "p.hp = 'lots'");
    assert_eq!(e.message(), "t:1: bad value for field 'hp' of Player (integer expected, got string)");
    assert_eq!(host_error(&lua, "p.hp = 2.5").message(), "t:1: bad value for field 'hp' of Player (number has no integer representation)");
    assert_eq!(host_error(&lua, "p.hp = nil").message(), "t:1: bad value for field 'hp' of Player (integer expected, got nil)");
    assert_eq!(host_error(&lua, "p.level = 300").message(), "t:1: bad value for field 'level' of Player (integer 300 out of range for u8)");
    assert_eq!(host_error(&lua, "p.hp = p").message(), "t:1: bad value for field 'hp' of Player (integer expected, got Player)");
    // Nothing was written, and the state goes on.
    assert_eq!(lua.exec::<(String, i64, u8)>("return p.name, p.hp, p.level").unwrap(), ("ada".into(), 10, 1));
}

#[test]
fn getter_errors_and_panics_are_lua_errors() {
    let lua = lua_with_player();
    let e = host_error(&lua, "return p.broken");
    assert_eq!(e.message(), "the getter failed");
    assert_eq!(e.code(), "LUA_CALLBACK");
    assert_eq!(lua_error(&lua, "return p.broken"), "the getter failed");
    let e = host_error(&lua, "return p.panics");
    assert_eq!(e.message(), "Rust callback panicked: getter panic");
    assert_eq!(lua.exec::<i64>("return p.hp").unwrap(), 10);
}

#[test]
fn a_type_without_fields_keeps_the_plain_index_table() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.set_global("q", lua.create_userdata(Plain).unwrap()).unwrap();
    lua.set_global("p", lua.create_userdata(player("ada")).unwrap()).unwrap();
    assert_eq!(lua.exec::<(String, String)>("local a, b = debug.getmetatable(q), debug.getmetatable(p) return type(a.__index), type(b.__index)").unwrap(), ("table".into(), "function".into()));
    assert_eq!(lua.exec::<String>("return q:hello()").unwrap(), "hello");
    assert_eq!(lua.exec::<Value>("return q.nope").unwrap(), Value::Nil);
    // Writes still get the clear error.
    assert_eq!(host_error(&lua, "q.x = 1").message(), "t:1: Plain has no field 'x'");
    assert_eq!(host_error(&lua, "q.hello = 1").message(), "t:1: cannot assign to method 'hello' of Plain");
}

#[test]
fn the_types_own_index_and_newindex_come_after_methods_and_fields() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.set_global("b", lua.create_userdata(Bag { size: 3, extra: RefCell::new(vec![]) }).unwrap()).unwrap();
    assert_eq!(lua.exec::<(i64, Option<i64>)>("return b.size, b.apples").unwrap(), (3, None));
    assert_eq!(lua.exec::<(i64, i64, i64)>("b.apples = 4 b.pears = 5 return b.apples, b.pears, b:len()").unwrap(), (4, 5, 2));
    // `size` has a getter and no setter, but the fallback takes the write.
    assert_eq!(lua.exec::<(i64, i64)>("b.size = 9 return b.size, b:len()").unwrap(), (3, 3));
    // Called by `__newindex` itself, the fallback has no name and no position of its own.
    assert_eq!(host_error(&lua, "b.x = 'no'").message(), "bad argument #3 to '__newindex' (integer expected, got string)");
}

// ---- typed arguments

#[test]
fn typed_arguments_convert() {
    let lua = lua_with_player();
    assert_eq!(lua.exec::<String>("return p:describe('hi ', '!')").unwrap(), "hi ada!");
    assert_eq!(lua.exec::<String>("return p:describe('hi ')").unwrap(), "hi ada");
    assert_eq!(lua.exec::<String>("return p:describe('hi ', nil)").unwrap(), "hi ada");
    // Numbers convert to strings as in Lua; extra arguments are ignored.
    assert_eq!(lua.exec::<String>("return p:describe(1, 2, 3, 4)").unwrap(), "1ada2");
    assert_eq!(lua.exec::<String>("return p:levels(3, nil, 2)").unwrap(), "3 None 2");
    assert_eq!(lua.exec::<String>("return p:levels(3, 4, 2.5)").unwrap(), "3 Some(4) 2.5");
    assert_eq!(lua.exec::<i64>("return p:count(1, nil, 3, nil)").unwrap(), 4);
    assert_eq!(lua.exec::<i64>("return p:count()").unwrap(), 0);
    assert_eq!(lua.exec::<i64>("return select('#', p:nothing(1, 2))").unwrap(), 0);
    assert_eq!(lua.exec::<i64>("return p:eight(1, 2, 3, 4, 5, 6, 7, 8)").unwrap(), 36);
    assert_eq!(lua.exec::<i64>("return p:twelve(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10)").unwrap(), 111);
    assert_eq!(lua.exec::<i64>("return p:twelve(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1000)").unwrap(), 1011);
    assert_eq!(lua.exec::<i64>("return p.static_sum(2, 3)").unwrap(), 5);
    assert_eq!(lua.exec::<String>("return p:first_type()").unwrap(), "userdata");
    assert_eq!(lua.exec::<i64>("return p + 5").unwrap(), 15);
    assert_eq!(lua.exec::<i64>("return p(3)").unwrap(), 30);
    assert_eq!(lua.exec::<String>("return tostring(p)").unwrap(), "Player(ada)");
}

#[test]
fn bad_arguments_read_as_luas_own() {
    let lua = lua_with_player();
    lua.set_global("q", lua.create_userdata(Plain).unwrap()).unwrap();
    let cases = [
        // With `:`, self is not counted.
        ("p:heal('x')", "t:1: bad argument #1 to 'heal' (integer expected, got string)"),
        ("p:heal()", "t:1: bad argument #1 to 'heal' (integer expected, got no value)"),
        ("p:heal(nil)", "t:1: bad argument #1 to 'heal' (integer expected, got nil)"),
        ("p:heal(1.5)", "t:1: bad argument #1 to 'heal' (number has no integer representation)"),
        ("p:heal(q)", "t:1: bad argument #1 to 'heal' (integer expected, got Plain)"),
        ("p:heal({})", "t:1: bad argument #1 to 'heal' (integer expected, got table)"),
        ("p:heal(setmetatable({}, {__name = 'Fancy'}))", "t:1: bad argument #1 to 'heal' (integer expected, got Fancy)"),
        ("p:describe()", "t:1: bad argument #1 to 'describe' (string expected, got no value)"),
        ("p:describe('a', {})", "t:1: bad argument #2 to 'describe' (string expected, got table)"),
        ("p:levels(1, 2)", "t:1: bad argument #3 to 'levels' (number expected, got no value)"),
        ("p:levels(1, 256, 0)", "t:1: bad argument #2 to 'levels' (integer 256 out of range for u8)"),
        ("p:levels(-1, 2, 0)", "t:1: bad argument #1 to 'levels' (integer -1 out of range for u8)"),
        ("p:eight(1, 2, 3, 4, 5, 6, 7, 'x')", "t:1: bad argument #8 to 'eight' (integer expected, got string)"),
        // The closure's own error, as it is.
        ("p:same(q)", "userdata is not a Player"),
        ("p:same(1)", "t:1: bad argument #1 to 'same' (userdata expected, got number)"),
        // With `.`, self is argument #1.
        ("p.heal(p, 'x')", "t:1: bad argument #2 to 'heal' (integer expected, got string)"),
        ("p.heal(1, 2)", "t:1: bad argument #1 to 'heal' (Player expected, got number)"),
        ("p.heal()", "t:1: bad argument #1 to 'heal' (Player expected, got no value)"),
        ("p.heal(q, 1)", "t:1: bad argument #1 to 'heal' (Player expected, got Plain)"),
        // A bad self through `:` is Lua's "calling ... on bad self".
        ("local t = {heal = p.heal} t:heal(1)", "t:1: calling 'heal' on bad self (Player expected, got table)"),
        ("local f = p.heal f(p, true)", "t:1: bad argument #2 to 'f' (integer expected, got boolean)"),
        // No self at all.
        ("p.static_sum(1, 'x')", "t:1: bad argument #2 to 'static_sum' (integer expected, got string)"),
        ("p:static_sum(1)", "t:1: calling 'static_sum' on bad self (integer expected, got Player)"),
        // Metamethods are named as Lua names them.
        ("return p + 'x'", "t:1: bad argument #2 to 'add' (integer expected, got string)"),
        ("return 1 + p", "t:1: bad argument #1 to 'add' (Player expected, got number)"),
        ("return p('x')", "t:1: bad argument #1 to 'p' (integer expected, got string)"),
    ];
    for (code, expected) in cases {
        let e = host_error(&lua, code);
        assert_eq!(e.message(), expected, "{code}");
    }
    // What Lua code catches is the same text; the state goes on.
    assert_eq!(lua_error(&lua, "p:heal('x')"), "[string \"local ok, e = pcall(function() p:heal('x') en...\"]:1: bad argument #1 to 'heal' (integer expected, got string)");
    assert_eq!(lua.exec::<i64>("return p:heal(1)").unwrap(), 11);
}

#[test]
fn a_call_from_the_host_has_no_position_and_a_fallback_name() {
    let lua = lua_with_player();
    let heal: Function = lua.exec("return p.heal").unwrap();
    let p: AnyUserData = lua.get_global("p").unwrap();
    let e = heal.call::<i64>((p, "x")).unwrap_err();
    assert_eq!(e.message(), "bad argument #2 to 'heal' (integer expected, got string)");
}

#[test]
fn userdata_go_both_ways() {
    let lua = lua_with_player();
    lua.set_global("p2", lua.create_userdata(player("ada")).unwrap()).unwrap();
    lua.set_global("p3", lua.create_userdata(player("bob")).unwrap()).unwrap();
    assert_eq!(lua.exec::<(bool, bool)>("return p:same(p2), p:same(p3)").unwrap(), (true, false));
    let c: AnyUserData = lua.exec("return p:clone_as('cy')").unwrap();
    assert!(c.is::<Player>().unwrap() && !c.is::<Plain>().unwrap());
    assert_eq!(c.borrow(|p: &Player| p.name.clone()).unwrap(), "cy");
    assert_eq!(lua.exec::<String>("return p:clone_as('dee').name").unwrap(), "dee");
    let e = c.borrow(|_: &Plain| ()).unwrap_err();
    assert_eq!(e.message(), "userdata is not a Plain");
}

// ---- borrows

#[test]
fn reentering_a_borrowed_value_is_an_error_not_a_panic() {
    let lua = lua_with_player();
    // &mut held, then a read: refused.
    assert_eq!(lua_error(&lua, "p:with_mut(function() return p.hp end)"), "userdata is already borrowed mutably");
    assert_eq!(lua_error(&lua, "p:with_mut(function() return p:describe('x') end)"), "userdata is already borrowed mutably");
    // &mut held, then a write or another &mut method: refused.
    assert_eq!(lua_error(&lua, "p:with_mut(function() p.hp = 1 end)"), "userdata is already borrowed");
    assert_eq!(lua_error(&lua, "p:with_mut(function() p:heal(1) end)"), "userdata is already borrowed");
    // & held: reads are fine, writes refused.
    assert_eq!(lua.exec::<i64>("return p:with_ref(function() return p.hp + p.hp end)").unwrap(), 2 * lua.exec::<i64>("return p.hp").unwrap());
    assert_eq!(lua_error(&lua, "p:with_ref(function() p:heal(1) end)"), "userdata is already borrowed");
    // Caught inside, the outer call completes.
    assert!(!lua.exec::<bool>("return p:with_mut(function() return (pcall(function() return p.hp end)) end)").unwrap());
    // From the host, while Lua holds the borrow.
    let p: AnyUserData = lua.get_global("p").unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    let probe = lua
        .create_function(move |lua, _: MultiValue| {
            let p: AnyUserData = lua.get_global("p")?;
            log.borrow_mut().push(p.borrow(|p: &Player| p.hp).map_err(|e| e.message().to_string()));
            log.borrow_mut().push(p.borrow_mut(|p: &mut Player| p.hp).map_err(|e| e.message().to_string()));
            Ok(())
        })
        .unwrap();
    lua.set_global("probe", probe).unwrap();
    lua.exec::<()>("p:with_mut(probe) p:with_ref(probe)").unwrap();
    let hp = p.borrow(|p: &Player| p.hp).unwrap();
    assert_eq!(
        *seen.borrow(),
        vec![
            Err("userdata is already borrowed mutably".to_string()),
            Err("userdata is already borrowed".to_string()),
            Ok(hp),
            Err("userdata is already borrowed".to_string()),
        ]
    );
}

// ---- hostile scripts

#[test]
fn the_metatable_is_sealed_and_its_functions_check_self() {
    let lua = lua_with_player();
    lua.set_global("q", lua.create_userdata(Plain).unwrap()).unwrap();
    assert!(lua.exec::<bool>("return getmetatable(p) == false").unwrap());
    assert!(lua_error(&lua, "setmetatable(p, {})").ends_with("bad argument #1 to 'setmetatable' (table expected, got Player)"));
    let forged = [
        ("debug.getmetatable(p).__index({}, 'hp')", "bad argument #1 to '__index' (Player expected, got table)"),
        ("debug.getmetatable(p).__index(io.stdout, 'hp')", "bad argument #1 to '__index' (Player expected, got FILE*)"),
        ("debug.getmetatable(p).__index(q, 'hp')", "bad argument #1 to '__index' (Player expected, got Plain)"),
        ("debug.getmetatable(p).__index()", "bad argument #1 to '__index' (Player expected, got nil)"),
        ("debug.getmetatable(p).__newindex(q, 'hp', 1)", "bad argument #1 to '__newindex' (Player expected, got Plain)"),
        ("debug.getmetatable(q).__newindex(p, 'x', 1)", "bad argument #1 to '__newindex' (Plain expected, got Player)"),
        ("debug.getmetatable(p).__newindex(1)", "bad argument #1 to '__newindex' (Player expected, got number)"),
    ];
    for (code, expected) in forged {
        let message = lua_error(&lua, code);
        assert!(message.ends_with(expected), "{code}: {message}");
    }
    // The getters and setters behind __index / __newindex check self again.
    let message = lua_error(&lua, "local _, getters = debug.getupvalue(debug.getmetatable(p).__index, 2) return getters.hp(q)");
    assert!(message.ends_with("bad argument #1 to 'hp' (Player expected, got Plain)"), "{message}");
    let message = lua_error(&lua, "local _, setters = debug.getupvalue(debug.getmetatable(p).__newindex, 1) setters.hp({}, 5)");
    assert!(message.ends_with("(Player expected, got table)"), "{message}");
    // Called on a real Player, they do what the metatable would.
    assert_eq!(lua.exec::<i64>("local _, setters = debug.getupvalue(debug.getmetatable(p).__newindex, 1) setters.hp(p, 77) return p.hp").unwrap(), 77);
    // Our metatable on a file, and a file's on ours.
    let message = lua_error(&lua, "local f = io.tmpfile() debug.setmetatable(f, debug.getmetatable(p)) return f.hp");
    assert!(message.contains("Player expected, got Player"), "{message}");
    let message = lua_error(&lua, "local mt = debug.getmetatable(p) debug.setmetatable(p, debug.getmetatable(io.stdout)) local ok, e = pcall(io.close, p) debug.setmetatable(p, mt) error(e)");
    assert!(message.contains("closed file"), "{message}");
    assert_eq!(lua.exec::<i64>("return p.hp").unwrap(), 77);
}

#[test]
fn replaced_upvalues_break_nothing() {
    for value in ["42", "{}", "io.stdout", "nil", "'text'", "{hp = function() return 'forged' end}", "print"] {
        let lua = lua_with_player();
        for (f, n) in [("__index", 1), ("__index", 2), ("__index", 3), ("__index", 4), ("__newindex", 1), ("__newindex", 2), ("__newindex", 3), ("__newindex", 4), ("__newindex", 5)] {
            lua.exec::<()>(&format!("debug.setupvalue(debug.getmetatable(p).{f}, {n}, {value})")).unwrap();
            // Whatever the reads and writes now do, they do it as Lua values.
            let _ = lua.exec::<MultiValue>("return pcall(function() return p.hp, p.heal, p.nothing end)");
            let _ = lua.exec::<MultiValue>("return pcall(function() p.hp = 3 p.xp = 1 p.heal = 2 end)");
        }
        assert_eq!(lua.exec::<i64>("return 40 + 2").unwrap(), 42);
        let p: AnyUserData = lua.get_global("p").unwrap();
        assert!(p.borrow(|p: &Player| p.hp).is_ok());
    }
}

// ---- finalizers and the collector

#[test]
fn the_collector_drops_the_value() {
    let lua = lua_with_player();
    let dropped = Rc::new(Cell::new(0));
    {
        let mut p = player("tmp");
        p.dropped = Some(dropped.clone());
        lua.set_global("tmp", lua.create_userdata(p).unwrap()).unwrap();
    }
    assert_eq!(lua.exec::<i64>("tmp.hp = 3 return tmp.hp").unwrap(), 3);
    lua.exec::<()>("tmp = nil collectgarbage() collectgarbage()").unwrap();
    assert_eq!(dropped.get(), 1);
    // A handle keeps it alive.
    let mut p = player("held");
    p.dropped = Some(dropped.clone());
    let held = lua.create_userdata(p).unwrap();
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    assert_eq!(dropped.get(), 1);
    drop(held);
    lua.exec::<()>("collectgarbage() collectgarbage()").unwrap();
    assert_eq!(dropped.get(), 2);
    // Closing the state drops the rest.
    let mut p = player("last");
    p.dropped = Some(dropped.clone());
    lua.set_global("last", lua.create_userdata(p).unwrap()).unwrap();
    drop(lua);
    assert_eq!(dropped.get(), 3);
}

#[test]
fn a_finalized_value_is_refused_cleanly() {
    let lua = lua_with_player();
    let dropped = Rc::new(Cell::new(0));
    let mut p = player("gone");
    p.dropped = Some(dropped.clone());
    lua.set_global("g", lua.create_userdata(p).unwrap()).unwrap();
    // Finalized by hand, through the debug library.
    lua.exec::<()>("debug.getmetatable(g).__gc(g)").unwrap();
    assert_eq!(dropped.get(), 1);
    assert_eq!(host_error(&lua, "return g.hp").message(), "t:1: Player has been finalized");
    assert_eq!(host_error(&lua, "g.hp = 1").message(), "t:1: Player has been finalized");
    assert_eq!(host_error(&lua, "return g:heal(1)").message(), "t:1: calling 'heal' on bad self (Player has been finalized)");
    assert_eq!(host_error(&lua, "return g + 1").message(), "t:1: bad argument #1 to 'add' (Player has been finalized)");
    let g: AnyUserData = lua.get_global("g").unwrap();
    assert_eq!(g.borrow(|p: &Player| p.hp).unwrap_err().message(), "Player has been finalized");
    assert!(!g.is::<Player>().unwrap());
    // Reads of methods still work (they are in the type's table); the second __gc does nothing.
    assert_eq!(lua.exec::<String>("debug.getmetatable(g).__gc(g) return type(g.heal)").unwrap(), "function");
    assert_eq!(dropped.get(), 1);
}

#[test]
fn a_value_resurrected_by_another_finalizer() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let dropped = Rc::new(Cell::new(0));
    let mut p = player("zombie");
    p.dropped = Some(dropped.clone());
    lua.set_global("make", lua.create_userdata(p).unwrap()).unwrap();
    // Finalizers run in the reverse order of marking: the table's (marked
    // later) first, which saves the userdata; then the userdata's own.
    let outcome: String = lua
        .exec(
            "do
               local u = make make = nil
               setmetatable({}, {__gc = function() saved = u; seen = u.hp end})
             end
             collectgarbage() collectgarbage()
             local ok, e = pcall(function() return saved.hp end)
             return tostring(seen) .. ' ' .. tostring(ok) .. ' ' .. tostring(e)",
        )
        .unwrap();
    assert_eq!(outcome, "10 false [string \"do...\"]:6: Player has been finalized");
    assert_eq!(dropped.get(), 1);
}

#[test]
fn fields_read_inside_finalizers_and_while_closing() {
    let lua = lua_with_player();
    let log: Table = lua.exec("log = {} return log").unwrap();
    lua.exec::<()>("setmetatable({}, {__gc = function() log[#log + 1] = p.hp; p.hp = 5; log[#log + 1] = p.hp end}) collectgarbage() collectgarbage()").unwrap();
    assert_eq!(log.raw_get::<_, i64>(1).unwrap(), 10);
    assert_eq!(log.raw_get::<_, i64>(2).unwrap(), 5);
    // Finalizers that run while the state closes find the host gone quietly.
    lua.exec::<()>("setmetatable({}, {__gc = function() local _ = p.hp; p.hp = 1; p:heal(1) end})").unwrap();
    drop(lua);
}

#[test]
fn inside_a_coroutine_and_by_reference() {
    let lua = lua_with_player();
    let out: String = lua
        .exec(
            "local co = coroutine.wrap(function()
               p.hp = p.hp + 1
               coroutine.yield(p.hp)
               local ok, e = pcall(p.heal, p, 'x')
               return e
             end)
             return co() .. ' ' .. co()",
        )
        .unwrap();
    assert_eq!(out, "11 bad argument #2 to 'heal' (integer expected, got string)");
    // A handle goes in by reference too, and comes back as the same value.
    let p: AnyUserData = lua.get_global("p").unwrap();
    lua.set_global("same", &p).unwrap();
    assert!(lua.exec::<bool>("return rawequal(same, p)").unwrap());
}
