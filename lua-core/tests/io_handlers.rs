//! EVOLUTION B7 and B15 in lua-core: `set_print_handler`,
//! `set_read_handler`, `add_searcher`.

use std::cell::RefCell;
use std::rc::Rc;

use lua_core::{Error, Lua, LuaOptions, PackageError, ReadFormat, StdLib};

fn capture(lua: &Lua) -> Rc<RefCell<Vec<String>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    lua.set_print_handler(move |_, text| sink.borrow_mut().push(String::from_utf8_lossy(text).into_owned())).unwrap();
    seen
}

#[test]
fn print_text_is_stock_print_text() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let seen = capture(&lua);
    lua.exec::<()>("print(1, 'two', nil, 3.0, setmetatable({}, { __tostring = function() return 'T' end })) print()").unwrap();
    assert_eq!(*seen.borrow(), ["1\ttwo\tnil\t3.0\tT\n", "\n"]);
}

#[test]
fn io_write_text_and_result_are_stock() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let seen = capture(&lua);
    assert_eq!(lua.exec::<String>("return io.type(io.write('a', 1, 2.0, -0.5))").unwrap(), "file");
    assert_eq!(*seen.borrow(), ["a12.0-0.5"]);
    let e = lua.exec::<()>("io.write(true)").unwrap_err();
    assert_eq!(e.message(), "[string \"io.write(true)\"]:1: bad argument #1 to 'write' (string expected, got boolean)");
}

#[test]
fn remove_restores_originals_and_keeps_a_scripts_own() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.exec::<()>("P, W = print, io.write").unwrap();
    capture(&lua);
    capture(&lua);
    lua.remove_print_handler().unwrap();
    assert!(lua.exec::<bool>("return print == P and io.write == W").unwrap());
    capture(&lua);
    lua.exec::<()>("print = function() end").unwrap();
    lua.remove_print_handler().unwrap();
    assert!(lua.exec::<bool>("return print ~= P and io.write == W").unwrap());
    // A bare state: print appears, and goes again.
    let bare = Lua::new();
    let seen = capture(&bare);
    bare.exec::<()>("print('x')").unwrap();
    assert_eq!(*seen.borrow(), ["x\n"]);
    bare.remove_print_handler().unwrap();
    assert!(bare.exec::<bool>("return print == nil").unwrap());
}

#[test]
fn print_is_charged_to_the_budget() {
    let lua = Lua::with_options(LuaOptions { libraries: StdLib::ALL, max_instructions: 200_000, ..Default::default() }).unwrap();
    let count = Rc::new(RefCell::new(0));
    let c = count.clone();
    lua.set_print_handler(move |_, _| *c.borrow_mut() += 1).unwrap();
    let e = lua.exec::<()>("local s = string.rep('x', 1 << 20) while true do print(s) end").unwrap_err();
    assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT");
    assert!(*count.borrow() < 8, "{} prints of 1 MB", count.borrow());
}

#[test]
fn handler_may_reenter_and_remove_itself() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    lua.set_print_handler(move |inner, text| {
        sink.borrow_mut().push(text.to_vec());
        inner.remove_print_handler().unwrap();
        inner.exec::<()>("X = (X or 0) + 1").unwrap();
    })
    .unwrap();
    lua.exec::<()>("print('once')").unwrap();
    assert_eq!(seen.borrow().len(), 1);
    assert_eq!(lua.exec::<i64>("return X").unwrap(), 1);
}

#[test]
fn read_formats_results_and_eof() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let asked = Rc::new(RefCell::new(Vec::new()));
    let log = asked.clone();
    assert!(lua
        .set_read_handler(move |_, f| {
            log.borrow_mut().push(f);
            Ok(match f {
                ReadFormat::Number => Some(b"0x20".to_vec()),
                ReadFormat::Count(0) => None,
                _ => Some(f.letter().unwrap_or("#").as_bytes().to_vec()),
            })
        })
        .unwrap());
    let got: String = lua.exec("local a, b, c, d, e, f = io.read('*l', 'L', 'a', 'n', 4, 0) return table.concat({a, b, c, tostring(d), e, tostring(f)}, ',')").unwrap();
    assert_eq!(got, "l,L,a,32,#,nil");
    assert_eq!(
        *asked.borrow(),
        [ReadFormat::Line, ReadFormat::LineWithEnd, ReadFormat::All, ReadFormat::Number, ReadFormat::Count(4), ReadFormat::Count(0)]
    );
    let e = lua.exec::<()>("io.read('z')").unwrap_err();
    assert_eq!(e.message(), "[string \"io.read('z')\"]:1: bad argument #1 to 'read' (invalid format)");
}

#[test]
fn read_failure_is_raised_with_the_prefix() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    lua.set_read_handler(|_, _| Err(Error::runtime("disk on fire"))).unwrap();
    let e = lua.exec::<()>("io.read()").unwrap_err();
    assert_eq!(e.message(), format!("[string \"io.read()\"]:1: {}disk on fire", lua_core::READ_HANDLER_FAILED));
}

#[test]
fn read_synthesizes_io_and_removes_only_that_table() {
    let lua = Lua::new();
    assert!(lua.set_read_handler(|_, _| Ok(None)).unwrap());
    lua.remove_read_handler().unwrap();
    let base = Lua::with_libraries(StdLib::BASE).unwrap();
    base.set_read_handler(|_, _| Ok(Some(b"x".to_vec()))).unwrap();
    assert!(base.exec::<bool>("return io.write == nil and io.open == nil and io.read() == 'x'").unwrap());
    base.remove_read_handler().unwrap();
    assert!(base.exec::<bool>("return io == nil").unwrap());
    base.set_read_handler(|_, _| Ok(None)).unwrap();
    base.exec::<()>("io = { mine = io.read }").unwrap();
    base.remove_read_handler().unwrap();
    assert!(base.exec::<bool>("return io.mine ~= nil").unwrap());
    base.exec::<()>("io = 'text'").unwrap();
    assert!(!base.set_read_handler(|_, _| Ok(None)).unwrap());
}

#[test]
fn searcher_serves_text_only_and_passes() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.add_searcher(|_, name| {
        Ok(match name {
            b"ok" => Some(b"return ...".to_vec()),
            b"bin" => Some(b"\x1bLua".to_vec()),
            b"fail" => return Err(Error::runtime("searcher says no")),
            _ => None,
        })
    })
    .unwrap()
    .unwrap();
    assert_eq!(lua.exec::<String>("return (require('ok'))").unwrap(), "ok");
    let e = lua.exec::<()>("require('bin')").unwrap_err();
    assert_eq!(e.message(), "error loading module 'bin' from host searcher:\n\tattempt to load a binary chunk (mode is 't')");
    let e = lua.exec::<()>("require('fail')").unwrap_err();
    assert_eq!(e.message(), "searcher says no");
    let e = lua.exec::<()>("require('none')").unwrap_err();
    assert!(e.message().starts_with("[string \"require('none')\"]:1: module 'none' not found:\n\tno field package.preload['none']"), "{}", e.message());
}

#[test]
fn searcher_needs_package_and_a_searchers_table() {
    assert_eq!(Lua::with_libraries(StdLib::BASE).unwrap().add_searcher(|_, _| Ok(None)).unwrap(), Err(PackageError::NoPackage));
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.exec::<()>("package.searchers = false").unwrap();
    assert_eq!(lua.add_searcher(|_, _| Ok(None)).unwrap(), Err(PackageError::NoSearchers));
}
