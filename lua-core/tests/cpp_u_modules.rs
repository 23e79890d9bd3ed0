//! API-SEED §10 area U (modules): the C++ core suite's items, ported to
//! lua-core's `Lua::append_package_path` and `Lua::register_module_with`.
//! The Node layer turns `PackageError::NoPackage` into its message
//! ("... the 'package' library is not loaded ...").

use std::path::PathBuf;

use lua_core::{FromLua, GcCommand, IntoLua, Lua, MultiValue, PackageError, Result, Stack, StdLib, Value};

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("lua-core-cpp-u-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn sub(&self, name: &str) -> PathBuf {
        let dir = self.0.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The fixture module `testmod`.
const TESTMOD: &str = "local M = {}\nM.name = 'testmod'\nfunction M.add(a, b) return a + b end\nreturn M\n";

/// `<dir>/?.lua`.
fn template(dir: &std::path::Path) -> String {
    format!("{}/?.lua", dir.display())
}

type Method = Box<dyn Fn(MultiValue) -> Result<Value>>;

enum Field {
    Val(Value),
    Func(Method),
}

fn func(f: impl Fn(MultiValue) -> Result<Value> + 'static) -> Field {
    Field::Func(Box::new(f))
}

fn push_module(stack: &mut Stack<'_>, fields: Vec<(&'static str, Field)>) -> Result<()> {
    stack.reserve(4)?;
    stack.push_table(0, fields.len())?;
    for (key, field) in fields {
        stack.push_bytes(key.as_bytes())?;
        match field {
            Field::Val(v) => v.push_into(stack)?,
            Field::Func(f) => stack.push_function(move |call| {
                let args = (0..call.len()).map(|i| Value::from_lua(call.arg(i))).collect::<Result<Vec<_>>>()?;
                f(MultiValue(args))?.push_into(&mut call.stack())?;
                Ok(1)
            })?,
        }
        stack.set_entry()?;
    }
    Ok(())
}

fn register(lua: &Lua, name: &str, fields: Vec<(&'static str, Field)>) -> std::result::Result<(), PackageError> {
    lua.register_module_with(name.as_bytes(), |s| push_module(s, fields)).unwrap()
}

fn str_val(s: &str) -> Field {
    Field::Val(Value::String(s.as_bytes().to_vec()))
}

fn top(lua: &Lua) -> i32 {
    lua.with_stack(|s| Ok(s.top())).unwrap()
}

fn lua() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

/// U.252 [TS+C++] The fixture module `testmod` loads via a search path (`add`, `name`).
#[test]
fn u252_testmod_loads_through_a_search_path() {
    let dir = Scratch::new("u252");
    std::fs::write(dir.0.join("testmod.lua"), TESTMOD).unwrap();
    let lua = lua();
    lua.append_package_path(template(&dir.0).as_bytes()).unwrap().unwrap();
    let r: MultiValue = lua.exec("local m = require('testmod') return m.add(2, 3), m.name").unwrap();
    assert!(matches!(r.0[0], Value::Integer(5)));
    assert_eq!(r.0[1].as_str(), Some("testmod"));
}

/// U.253 [TS+C++] Several search paths can be added and are all searched.
#[test]
fn u253_several_search_paths_are_all_searched() {
    let dir = Scratch::new("u253");
    let (one, two) = (dir.sub("one"), dir.sub("two"));
    std::fs::write(one.join("mod_a.lua"), "return { from = 'one' }").unwrap();
    std::fs::write(two.join("mod_b.lua"), "return { from = 'two' }").unwrap();
    let lua = lua();
    lua.append_package_path(template(&one).as_bytes()).unwrap().unwrap();
    lua.append_package_path(template(&two).as_bytes()).unwrap().unwrap();
    let r: MultiValue = lua.exec("return require('mod_a').from, require('mod_b').from").unwrap();
    assert_eq!(r.0[0].as_str(), Some("one"));
    assert_eq!(r.0[1].as_str(), Some("two"));
}

/// U.254 [TS+C++] `add_search_path` without the package library throws an
/// error mentioning "package".
#[test]
fn u254_a_search_path_needs_the_package_library() {
    for lua in [Lua::new(), Lua::with_libraries(StdLib::BASE | StdLib::STRING).unwrap()] {
        let r = lua.append_package_path(b"./?.lua").unwrap();
        assert_eq!(r, Err(PackageError::NoPackage));
        assert!(format!("{:?}", r.unwrap_err()).contains("Package"));
        assert!(lua.exec::<Value>("return package").unwrap().is_nil(), "no `package` table was made");
    }
}

/// U.258 [C++] `package.path` contains each appended template.
#[test]
fn u258_package_path_contains_every_template() {
    let lua = lua();
    let original: String = lua.exec("return package.path").unwrap();
    lua.append_package_path(b"/first/?.lua").unwrap().unwrap();
    lua.append_package_path(b"/second/?/init.lua").unwrap().unwrap();
    let path: String = lua.exec("return package.path").unwrap();
    assert!(path.contains("/first/?.lua"), "{path}");
    assert!(path.contains("/second/?/init.lua"), "{path}");
    assert!(path.starts_with(&original), "the defaults stay first: {path}");
    assert!(path.ends_with(";/first/?.lua;/second/?/init.lua"), "{path}");
}

/// U.259 [C++] The Lua stack is balanced after `add_search_path`, also on failure.
#[test]
fn u259_appending_a_path_leaves_the_stack_balanced() {
    let lua = lua();
    let start = top(&lua);
    for _ in 0..100 {
        lua.append_package_path(b"/x/?.lua").unwrap().unwrap();
        assert_eq!(top(&lua), start);
    }
    let bare = Lua::new();
    let start = top(&bare);
    bare.gc(GcCommand::Collect).unwrap();
    let before = bare.memory_used();
    for _ in 0..1000 {
        assert_eq!(bare.append_package_path(b"/x/?.lua").unwrap(), Err(PackageError::NoPackage));
    }
    bare.gc(GcCommand::Collect).unwrap();
    assert_eq!(top(&bare), start);
    assert!(bare.memory_used() < before + 8 * 1024, "{} -> {}", before, bare.memory_used());
    assert_eq!(bare.exec::<i64>("return 1").unwrap(), 1);
}

/// U.260 [TS+C++] A registered module exposes plain values.
#[test]
fn u260_a_registered_module_exposes_values() {
    let lua = lua();
    register(&lua, "config", vec![("version", str_val("1.0")), ("count", Field::Val(Value::Integer(3))), ("debug", Field::Val(Value::Boolean(true)))])
        .unwrap();
    let r: MultiValue = lua.exec("local c = require('config') return c.version, c.count, c.debug").unwrap();
    assert_eq!(r.0[0].as_str(), Some("1.0"));
    assert!(matches!(r.0[1], Value::Integer(3)));
    assert!(matches!(r.0[2], Value::Boolean(true)));
}

/// U.261 [TS+C++] A registered module exposes callable functions.
#[test]
fn u261_a_registered_module_exposes_functions() {
    let lua = lua();
    register(
        &lua,
        "mathx",
        vec![
            ("double", func(|a| Ok(Value::Integer(a.0[0].as_integer().unwrap() * 2)))),
            ("greet", func(|a| Ok(Value::String(format!("Hello, {}!", a.0[0].as_str().unwrap()).into_bytes())))),
        ],
    )
    .unwrap();
    let r: MultiValue = lua.exec("local m = require('mathx') return m.double(21), m.greet('World')").unwrap();
    assert!(matches!(r.0[0], Value::Integer(42)));
    assert_eq!(r.0[1].as_str(), Some("Hello, World!"));
}

/// U.262 [TS+C++] Functions and values can be mixed.
#[test]
fn u262_functions_and_values_mix() {
    let lua = lua();
    register(&lua, "mixed", vec![("name", str_val("mixed")), ("inc", func(|a| Ok(Value::Integer(a.0[0].as_integer().unwrap() + 1))))]).unwrap();
    assert_eq!(lua.exec::<String>("local m = require('mixed') return m.name .. m.inc(1)").unwrap(), "mixed2");
}

/// U.263 [TS+C++] A registered module is cached by `require`.
#[test]
fn u263_require_caches_a_registered_module() {
    let lua = lua();
    register(&lua, "cached", vec![("v", Field::Val(Value::Integer(1)))]).unwrap();
    assert!(lua.exec::<bool>("return rawequal(require('cached'), require('cached'))").unwrap());
    assert!(lua.exec::<bool>("return rawequal(package.loaded.cached, require('cached'))").unwrap());
    lua.exec::<()>("require('cached').v = 2").unwrap();
    assert_eq!(lua.exec::<i64>("return require('cached').v").unwrap(), 2);
}

/// U.264 [TS+C++] Re-registering a name overwrites the previous module.
#[test]
fn u264_re_registering_overwrites() {
    let lua = lua();
    register(&lua, "m", vec![("v", Field::Val(Value::Integer(1)))]).unwrap();
    assert_eq!(lua.exec::<i64>("return require('m').v").unwrap(), 1);
    register(&lua, "m", vec![("v", Field::Val(Value::Integer(2)))]).unwrap();
    assert_eq!(lua.exec::<i64>("return require('m').v").unwrap(), 2);
}

/// U.265 [TS+C++] `register_module` without the package library throws an
/// error mentioning "package".
#[test]
fn u265_registering_needs_the_package_library() {
    for lua in [Lua::new(), Lua::with_libraries(StdLib::BASE).unwrap()] {
        let r = register(&lua, "m", vec![("v", Field::Val(Value::Integer(1)))]);
        assert_eq!(r, Err(PackageError::NoPackage));
        assert!(format!("{:?}", r.unwrap_err()).contains("Package"));
    }
    // `package` present but `package.loaded` gone is a different refusal.
    let lua = lua();
    lua.exec::<()>("package.loaded = nil").unwrap();
    assert_eq!(register(&lua, "m", vec![]), Err(PackageError::NoLoaded));
}

/// U.271 [C++] An empty module is an empty table.
#[test]
fn u271_an_empty_module_is_an_empty_table() {
    let lua = lua();
    register(&lua, "empty", vec![]).unwrap();
    assert!(lua.exec::<bool>("local m = require('empty') return type(m) == 'table' and next(m) == nil").unwrap());
}

/// U.272 [C++] Two modules with the same field name stay separate.
#[test]
fn u272_modules_with_the_same_field_stay_separate() {
    let lua = lua();
    register(&lua, "a", vec![("name", str_val("a")), ("f", func(|_| Ok(Value::String(b"from a".to_vec()))))]).unwrap();
    register(&lua, "b", vec![("name", str_val("b")), ("f", func(|_| Ok(Value::String(b"from b".to_vec()))))]).unwrap();
    let r: MultiValue = lua.exec("return require('a').name, require('b').name, require('a').f(), require('b').f()").unwrap();
    let texts: Vec<_> = r.0.iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!(texts, ["a", "b", "from a", "from b"]);
}

/// U.273 [C++] The Lua stack is balanced after `register_module`, also on failure.
#[test]
fn u273_registering_leaves_the_stack_balanced() {
    let lua = lua();
    let start = top(&lua);
    register(&lua, "ok", vec![("v", Field::Val(Value::Integer(1)))]).unwrap();
    assert_eq!(top(&lua), start);
    // A module whose construction fails.
    let e = lua.register_module_with(b"broken", |s| {
        s.push_table(0, 0)?;
        Err(lua_core::Error::runtime("cannot build"))
    });
    assert_eq!(e.unwrap_err().message(), "cannot build");
    assert_eq!(top(&lua), start);
    assert!(lua.exec::<Value>("return package.loaded.broken").unwrap().is_nil());

    let bare = Lua::new();
    let start = top(&bare);
    bare.gc(GcCommand::Collect).unwrap();
    let before = bare.memory_used();
    for _ in 0..500 {
        assert_eq!(register(&bare, "m", vec![("v", Field::Val(Value::Integer(1)))]), Err(PackageError::NoPackage));
    }
    bare.gc(GcCommand::Collect).unwrap();
    assert_eq!(top(&bare), start);
    assert!(bare.memory_used() < before + 8 * 1024, "{} -> {}", before, bare.memory_used());
    // Successful ones in a loop, too.
    for i in 0..200 {
        register(&lua, "loop", vec![("i", Field::Val(Value::Integer(i)))]).unwrap();
    }
    assert_eq!(top(&lua), start);
    assert_eq!(lua.exec::<i64>("return require('loop').i").unwrap(), 199);
}
