//! API-SEED §10 area A (construction and library selection): the items the
//! original's C++ core suite checked (`[C++]` and `[TS+C++]`), ported to
//! lua-core's public API.

use lua_core::{Error, Lua, MultiValue, Preset, StdLib, Value};

/// The libraries named in `names`, as the addon's `libraries` array is read.
fn libs(names: &[&str]) -> StdLib {
    names.iter().fold(StdLib::NONE, |set, name| set | StdLib::from_name(name).expect("a library name"))
}

/// What `type(<global>)` says, through `rawequal(<global>, nil)` so that it
/// works even without the base library.
fn is_nil(lua: &Lua, global: &str) -> bool {
    lua.exec::<Value>(&format!("return {global}")).unwrap().is_nil()
}

fn type_of(lua: &Lua, global: &str) -> String {
    lua.exec::<String>(&format!("return type({global})")).unwrap()
}

/// Checks made on a bare state (items 4 and 10).
fn assert_bare(lua: &Lua) {
    assert_eq!(lua.exec::<i64>("return 1 + 2").unwrap(), 3);
    assert_eq!(lua.exec::<i64>("return 6 * 7").unwrap(), 42);
    assert_eq!(lua.exec::<String>("return 'hello' .. ' ' .. 'world'").unwrap(), "hello world");
    let e = lua.exec::<Value>("return type(math)").unwrap_err();
    assert_eq!(e.message(), "[string \"return type(math)\"]:1: attempt to call a nil value (global 'type')");
    let e = lua.exec::<()>("print(\"hi\")").unwrap_err();
    assert!(matches!(e, Error::Runtime { .. }), "{e:?}");
    assert_eq!(e.message(), "[string \"print(\"hi\")\"]:1: attempt to call a nil value (global 'print')");
    for global in ["print", "type", "math", "string", "table", "io", "os", "debug", "coroutine", "utf8", "package", "require"] {
        assert!(is_nil(lua, global), "{global} should be nil in a bare state");
    }
    assert!(lua.libraries().is_empty());
}

/// A.4 [TS+C++] Without options the state is bare: arithmetic and string
/// literals work, but `return type(math)` and `print("hi")` throw because the
/// globals are missing.
#[test]
fn a04_without_options_the_state_is_bare() {
    assert_bare(&Lua::new());
    assert_bare(&Lua::default());
    assert_bare(&Lua::builder().build().unwrap());
}

/// A.5 [TS+C++] Preset `'all'`: math and string usable; `type(io)`,
/// `type(os)`, `type(debug)` are `"table"`.
#[test]
fn a05_preset_all_opens_every_library() {
    for lua in [Lua::builder().preset(Preset::All).build().unwrap(), Lua::with_libraries(StdLib::ALL).unwrap()] {
        assert_eq!(lua.exec::<i64>("return math.floor(3.7)").unwrap(), 3);
        assert_eq!(lua.exec::<String>("return string.upper('abc')").unwrap(), "ABC");
        assert_eq!(lua.exec::<String>("return ('x'):rep(3)").unwrap(), "xxx");
        for lib in ["io", "os", "debug", "math", "string", "table", "coroutine", "utf8", "package"] {
            assert_eq!(type_of(&lua, lib), "table", "{lib}");
        }
        assert_eq!(lua.libraries(), StdLib::ALL);
    }
}

/// A.6 [TS+C++] Preset `'safe'`: math, string, table and coroutine present;
/// `type(io)`, `type(os)`, `type(debug)` are `"nil"`.
#[test]
fn a06_preset_safe_leaves_out_io_os_debug() {
    for lua in [Lua::builder().preset(Preset::Safe).build().unwrap(), Lua::with_libraries(StdLib::SAFE).unwrap()] {
        for lib in ["math", "string", "table", "coroutine"] {
            assert_eq!(type_of(&lua, lib), "table", "{lib}");
        }
        for lib in ["io", "os", "debug"] {
            assert_eq!(type_of(&lua, lib), "nil", "{lib}");
        }
        assert_eq!(lua.exec::<i64>("return math.max(1, 5, 3)").unwrap(), 5);
        assert_eq!(lua.exec::<String>("local t = {'b', 'a'} table.sort(t) return table.concat(t)").unwrap(), "ab");
        assert_eq!(lua.exec::<i64>("return coroutine.wrap(function() coroutine.yield(7) end)()").unwrap(), 7);
    }
}

/// A.9 [TS+C++] Libraries omitted from the array are nil (math, io, os,
/// debug with `['base','string']`).
#[test]
fn a09_libraries_left_out_of_the_list_are_nil() {
    let lua = Lua::with_libraries(libs(&["base", "string"])).unwrap();
    for lib in ["math", "io", "os", "debug", "table", "coroutine", "utf8", "package"] {
        assert_eq!(type_of(&lua, lib), "nil", "{lib}");
    }
    assert_eq!(type_of(&lua, "string"), "table");
    assert_eq!(type_of(&lua, "print"), "function");
    assert_eq!(lua.exec::<String>("return string.upper('ok')").unwrap(), "OK");
}

/// A.10 [TS+C++] An empty libraries array gives a bare state (same
/// observations as the no-options case).
#[test]
fn a10_an_empty_library_list_gives_a_bare_state() {
    assert_bare(&Lua::with_libraries(libs(&[])).unwrap());
    assert_bare(&Lua::with_libraries(StdLib::NONE).unwrap());
    assert_bare(&Lua::builder().libraries(StdLib::NONE).build().unwrap());
}

/// A.12 [C++] The unknown-library message contains both "Unknown Lua library"
/// and the offending name.
///
/// lua-core has no library-name array to reject: the text
/// `Unknown Lua library: '<name>'` is made by the Node layer when
/// `StdLib::from_name` finds nothing. The core's part is checked here:
/// `from_name` knows exactly the ten names (case-sensitive) and refuses the
/// offending one, and an unknown preset is refused with an error that names it.
#[test]
fn a12_an_unknown_library_name_is_refused_and_named() {
    assert_eq!(StdLib::from_name("nonexistent"), None);
    assert_eq!(StdLib::from_name("Math"), None);
    assert_eq!(StdLib::from_name(""), None);
    for (name, lib) in StdLib::NAMES {
        assert_eq!(StdLib::from_name(name), Some(lib));
    }
    let e = Lua::builder().preset_named("nonexistent").unwrap_err();
    assert_eq!(e.code(), "LUA_API");
    assert!(e.message().contains("nonexistent"), "{}", e.message());
    assert!(e.message().starts_with("Unknown"), "{}", e.message());
    assert!(StdLib::preset("nonexistent").is_none());
}

/// A.13 [TS+C++] `['base','math']`: `math.pi` ≈ 3.14159 and `type(string)`
/// is `"nil"`.
#[test]
fn a13_base_and_math_only() {
    let lua = Lua::with_libraries(libs(&["base", "math"])).unwrap();
    let pi: f64 = lua.exec("return math.pi").unwrap();
    assert!((pi - std::f64::consts::PI).abs() < 1e-12, "{pi}");
    assert_eq!(format!("{pi:.5}"), "3.14159");
    assert_eq!(type_of(&lua, "string"), "nil");
    assert_eq!(type_of(&lua, "math"), "table");
}

/// A.14 [TS+C++] Host callbacks work when only `base` is loaded
/// (`double(21)` → 42).
#[test]
fn a14_host_functions_work_with_only_base() {
    let lua = Lua::with_libraries(libs(&["base"])).unwrap();
    let double = lua.create_function(|_, args: MultiValue| Ok(args.0[0].as_integer().unwrap_or(0) * 2)).unwrap();
    lua.set_global("double", double).unwrap();
    assert_eq!(lua.exec::<i64>("return double(21)").unwrap(), 42);
    assert_eq!(type_of(&lua, "double"), "function");
    // Even a bare state can call them.
    let bare = Lua::new();
    let double = bare.create_function(|_, args: MultiValue| Ok(args.0[0].as_integer().unwrap_or(0) * 2)).unwrap();
    bare.set_global("double", double).unwrap();
    assert_eq!(bare.exec::<i64>("return double(21)").unwrap(), 42);
}
