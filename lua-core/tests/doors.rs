//! The doors to code and disk: `allow_bytecode` (EVOLUTION B7, DECISIONS 9),
//! `Filesystem::Deny` (B19) and the file reader (B15).

use lua_core::{Error, Filesystem, Lua, LuaOptions, Preset, MultiValue, PackageError, StdLib, Value, BYTECODE_DENIED};

mod common;
use common::Scratch;

const BINARY_REFUSED: &str = "attempt to load a binary chunk (mode is 't')";

fn deny_text(name: &str) -> String {
    format!("{name} is unavailable: this Lua context was created with filesystem access denied")
}

fn state(preset: &str, allow: Option<bool>) -> Lua {
    let mut b = Lua::builder().preset_named(preset).unwrap();
    if let Some(allow) = allow {
        b = b.allow_bytecode(allow);
    }
    b.build().unwrap()
}

fn bytecode(lua: &Lua) -> Vec<u8> {
    lua.compile(b"return 40 + 2", c"=answer", false).unwrap()
}

/// Writes bytecode to a file and returns its path.
fn binary_file(dir: &Scratch, name: &str, code: &[u8]) -> String {
    let path = dir.0.join(name);
    std::fs::write(&path, code).unwrap();
    path.to_str().unwrap().to_string()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => String::from_utf8_lossy(s).into_owned(),
        other => format!("{other:?}"),
    }
}

/// Every result of `source`, as text.
fn texts(lua: &Lua, source: &str) -> Vec<String> {
    lua.exec::<MultiValue>(source).unwrap().0.iter().map(text).collect()
}

#[test]
fn defaults_and_explicit_choices() {
    assert!(state("all", None).bytecode_allowed());
    assert!(state("safe", None).bytecode_allowed());
    assert!(!state("sandbox", None).bytecode_allowed());
    assert!(state("sandbox", Some(true)).bytecode_allowed());
    assert!(!state("all", Some(false)).bytecode_allowed());
    assert!(Lua::new().bytecode_allowed());
    assert_eq!(Lua::new().filesystem(), Filesystem::Allow);
    let o = LuaOptions { allow_bytecode: Some(false), ..Default::default() };
    assert!(!o.bytecode_allowed());
}

#[test]
fn host_doors_refuse_bytecode_when_not_allowed() {
    let dir = Scratch::new("doors_host");
    let lua = state("all", Some(false));
    let code = bytecode(&lua);
    let e = lua.exec_bytecode_with(&code, c"answer", |_| ()).unwrap_err();
    assert_eq!(e.message(), BYTECODE_DENIED);
    assert_eq!(e.code(), "LUA_API");
    let path = binary_file(&dir, "answer.luac", &code);
    let e = lua.exec_file::<i64>(&path).unwrap_err();
    assert_eq!(e.message(), BINARY_REFUSED);
    let e = lua.compile_file(path.as_bytes(), false).unwrap_err();
    assert_eq!(e.message(), BINARY_REFUSED);
    // Source still runs through every door, and compiling is not loading.
    let src = dir.file("src.lua", "return 7");
    assert_eq!(lua.exec_file::<i64>(&src).unwrap(), 7);
    assert_eq!(&lua.compile_file(src.as_bytes(), true).unwrap()[..4], b"\x1bLua");
    assert_eq!(lua.exec::<i64>("return 1 + 1").unwrap(), 2);
    // A string given as a chunk is text only too.
    let e = lua.exec_buffer_with(&code, c"=x", lua_core::ChunkMode::Any, |_| ()).unwrap_err();
    assert_eq!(e.message(), BINARY_REFUSED);
    // Still usable.
    assert_eq!(lua.exec::<i64>("return 3").unwrap(), 3);
}

#[test]
fn lua_doors_refuse_bytecode_when_not_allowed() {
    let dir = Scratch::new("doors_lua");
    let lua = state("all", Some(false));
    let code = bytecode(&lua);
    let path = binary_file(&dir, "mod.lua", &code);
    let dir_text = dir.0.to_str().unwrap().to_string();
    lua.set_global("BIN", Value::String(code.clone())).unwrap();
    lua.set_global("PATH", path.as_str()).unwrap();
    lua.set_global("DIR", dir_text.as_str()).unwrap();
    let out: MultiValue = lua
        .exec(
            r#"
            local a = select(2, load(BIN))
            local b = select(2, load(BIN, 'x', 'b'))
            local c = select(2, load(string.dump(function() return 1 end), nil, 'bt'))
            local pieces = { BIN }
            local d = select(2, load(function() return table.remove(pieces) end))
            local e = select(2, loadfile(PATH))
            local f = select(2, pcall(dofile, PATH))
            package.path = DIR .. '/?.lua'
            local g = select(2, pcall(require, 'mod'))
            local h = select(2, _G.load(BIN))
            local i = select(2, package.loaded._G.load(BIN))
            return a, b, c, d, e, f, g, h, i
            "#,
        )
        .unwrap();
    let texts: Vec<String> = out.0.iter().map(text).collect();
    for t in &texts[..4] {
        assert_eq!(t, BINARY_REFUSED);
    }
    assert_eq!(texts[4], BINARY_REFUSED);
    assert_eq!(texts[5], BINARY_REFUSED);
    assert!(texts[6].starts_with("error loading module 'mod' from file '"), "{}", texts[6]);
    assert!(texts[6].ends_with(BINARY_REFUSED), "{}", texts[6]);
    assert_eq!(texts[7], BINARY_REFUSED);
    assert_eq!(texts[8], BINARY_REFUSED);
    // Text still loads through each, with env and chunk names as stock Lua.
    let out: MultiValue = lua
        .exec(
            r#"
            local f = load('return x', '=n', 't', { x = 5 })
            local g = load(coroutine.wrap(function() coroutine.yield('return ') coroutine.yield('6') end))
            return f(), g()
            "#,
        )
        .unwrap();
    assert_eq!(out.0.len(), 2);
    assert_eq!(out.0[0].as_integer(), Some(5));
    assert_eq!(out.0[1].as_integer(), Some(6));
    assert_eq!(lua.exec::<Option<String>>("return select(2, load('return +', '=n'))").unwrap().unwrap(), "n:1: unexpected symbol near '+'");
    assert_eq!(
        lua.exec::<String>("return select(2, pcall(load, 'x', 'n', {}))").unwrap(),
        "bad argument #3 to 'load' (string expected, got table)"
    );
}

/// The originals are gone, not wrapped: nothing in an upvalue or the
/// registry leads back to a loader that takes binary chunks.
#[test]
fn no_alias_reaches_a_binary_loader() {
    let lua = state("all", Some(false));
    let code = bytecode(&lua);
    lua.set_global("BIN", Value::String(code)).unwrap();
    let found: MultiValue = lua
        .exec(
            r#"
            local seen, hits = {}, {}
            -- Functions with effects outside the state are never called.
            local skip = { [print] = true }
            for _, lib in ipairs({ io, os, debug }) do for _, v in pairs(lib) do skip[v] = true end end
            local function try(f, where)
              if type(f) ~= 'function' or seen[f] or skip[f] then return end
              seen[f] = true
              for _, args in ipairs({ { BIN }, { BIN, 'x', 'b' } }) do
                local ok, r = pcall(f, table.unpack(args))
                if ok and type(r) == 'function' and r ~= f then
                  local ok2, v = pcall(r)
                  if ok2 and v == 42 then hits[#hits + 1] = where end
                end
              end
              for i = 1, 255 do
                local name, v = debug.getupvalue(f, i)
                if name == nil then break end
                try(v, where .. '^' .. i)
              end
            end
            local function walk(t, where, depth)
              if depth > 3 or seen[t] then return end
              seen[t] = true
              for k, v in pairs(t) do
                if type(v) == 'function' then try(v, where .. '.' .. tostring(k))
                elseif type(v) == 'table' then walk(v, where .. '.' .. tostring(k), depth + 1) end
              end
            end
            for _, name in ipairs({ 'load', 'loadfile', 'dofile', 'require' }) do try(_G[name], name) end
            for i, s in ipairs(package.searchers) do try(s, 'searcher' .. i) end
            walk(debug.getregistry(), 'registry', 0)
            return table.unpack(hits)
            "#,
        )
        .unwrap();
    assert!(found.0.is_empty(), "binary loaders reachable: {:?}", found.0.iter().map(text).collect::<Vec<_>>());
}

#[test]
fn seals_keep_lua_text_only_whatever_allow_bytecode_says() {
    for preset in ["safe", "sandbox"] {
        let lua = state(preset, Some(true));
        let code = bytecode(&lua);
        // The host's door is open (DECISIONS 9)...
        assert_eq!(lua.exec_bytecode_with(&code, c"answer", |r| r.get(0).as_integer()).unwrap(), Some(42));
        // ...scripts' doors are not.
        lua.set_global("BIN", Value::String(code)).unwrap();
        assert_eq!(lua.exec::<String>("return select(2, load(BIN))").unwrap(), BINARY_REFUSED, "{preset}");
    }
    // Under 'sandbox' by default, the host's door is closed too.
    let lua = state("sandbox", None);
    let code = bytecode(&lua);
    assert_eq!(lua.exec_bytecode_with(&code, c"a", |_| ()).unwrap_err().message(), BYTECODE_DENIED);
}

#[test]
fn filesystem_deny_closes_each_door_in_its_idiom() {
    let lua = Lua::builder().preset(Preset::All).filesystem(Filesystem::Deny).build().unwrap();
    assert_eq!(lua.filesystem(), Filesystem::Deny);
    let fails = ["loadfile('x')", "io.open('x')", "os.remove('x')", "os.rename('x', 'y')", "package.loadlib('x', 'y')", "package.searchpath('x', '?')"];
    let names = ["loadfile", "io.open", "os.remove", "os.rename", "package.loadlib", "package.searchpath"];
    for (call, name) in fails.iter().zip(names) {
        let out: MultiValue = lua.exec(&format!("return {call}")).unwrap();
        assert_eq!(out.0.len(), 2, "{call}");
        assert!(matches!(out.0[0], Value::Nil), "{call}");
        assert_eq!(text(&out.0[1]), deny_text(name), "{call}");
    }
    let raises = [("dofile('x')", "dofile"), ("io.lines('x')", "io.lines"), ("io.input('x')", "io.input"), ("io.output('x')", "io.output"), ("os.tmpname()", "os.tmpname")];
    for (call, name) in raises {
        let e = lua.exec::<()>(call).unwrap_err();
        assert_eq!(e.message(), deny_text(name), "{call}");
        assert_eq!(e.code(), "LUA_RUNTIME");
    }
    for i in 2..=4 {
        let msg: String = lua.exec(&format!("return package.searchers[{i}]('x')")).unwrap();
        assert_eq!(msg, deny_text(&format!("package.searchers[{i}]")));
    }
    // require: the searchers say why, and later searchers still run.
    let e = lua.exec::<()>("require('nope')").unwrap_err();
    assert!(e.message().contains(&deny_text("package.searchers[2]")), "{}", e.message());
    lua.exec::<()>("package.searchers[#package.searchers + 1] = function(n) return function() return n .. '!' end end").unwrap();
    assert_eq!(lua.exec::<String>("return require('late')").unwrap(), "late!");
    lua.register_module_with(b"m", |s| s.push_bytes(b"module")).unwrap().unwrap();
    assert_eq!(lua.exec::<String>("return require('m')").unwrap(), "module");
    // Untouched: os.execute, io.popen, io.write.
    assert!(lua.exec::<bool>("return type(os.execute) == 'function' and type(io.popen) == 'function' and type(io.write) == 'function'").unwrap());
    // No original behind a door.
    assert!(lua.exec::<bool>("return debug.getupvalue(io.open, 2) == nil").unwrap());
    assert_eq!(lua.append_package_path(b"./?.lua").unwrap(), Err(PackageError::FilesystemDenied));
}

#[test]
fn filesystem_deny_leaves_the_host_doors_open() {
    let dir = Scratch::new("doors_deny_host");
    let path = dir.file("f.lua", "return 'from file'");
    let lua = Lua::builder().preset(Preset::Safe).filesystem(Filesystem::Deny).build().unwrap();
    assert_eq!(lua.exec_file::<String>(&path).unwrap(), "from file");
    assert!(!lua.compile_file(path.as_bytes(), false).unwrap().is_empty());
    lua.set_file_reader(|_, p| Ok(Some(format!("return '{}'", String::from_utf8_lossy(p)).into_bytes()))).unwrap();
    assert_eq!(lua.exec::<String>("return dofile('virtual')").unwrap(), "virtual");
    // Under 'sandbox' the doors that do not exist stay absent.
    let lua = Lua::builder().preset(Preset::Sandbox).filesystem(Filesystem::Deny).build().unwrap();
    assert!(lua.exec::<bool>("return loadfile == nil and dofile == nil and package == nil").unwrap());
}

#[test]
fn file_reader_resolves_every_path() {
    let dir = Scratch::new("doors_reader");
    // A real file the reader does not serve: never read from disk.
    let real = dir.file("real.lua", "return 'disk'");
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.set_file_reader(|_, path| {
        Ok(match path {
            b"a.lua" => Some(b"local x = ... return 'a', x".to_vec()),
            b"shebang.lua" => Some(b"#!/usr/bin/lua\n\nerror('line three')".to_vec()),
            b"bom.lua" => Some(b"\xEF\xBB\xBFreturn 'bom'".to_vec()),
            b"binary.lua" => Some(b"\x1bLua\x55\x00".to_vec()),
            b"env.lua" => Some(b"return y".to_vec()),
            b"fails" => return Err(Error::runtime("reader failed")),
            _ => None,
        })
    })
    .unwrap();
    lua.set_global("REAL", real.as_str()).unwrap();
    assert_eq!(texts(&lua, "return dofile('a.lua')"), ["a", "Nil"]);
    assert_eq!(lua.exec::<String>("return select(2, loadfile(REAL))").unwrap(), format!("cannot open {real}"));
    assert_eq!(lua.exec::<()>("dofile(REAL)").unwrap_err().message(), format!("cannot open {real}"));
    assert_eq!(lua.exec::<()>("dofile('shebang.lua')").unwrap_err().message(), "shebang.lua:3: line three");
    assert_eq!(lua.exec::<String>("return dofile('bom.lua')").unwrap(), "bom");
    assert_eq!(lua.exec::<String>("return select(2, loadfile('binary.lua', 'b'))").unwrap(), BINARY_REFUSED);
    assert_eq!(lua.exec::<i64>("return loadfile('env.lua', 't', { y = 9 })()").unwrap(), 9);
    assert_eq!(lua.exec::<()>("dofile('fails')").unwrap_err().message(), "reader failed");
    assert_eq!(lua.exec::<String>("return select(2, pcall(loadfile))").unwrap(), "bad argument #1 to 'loadfile' (string expected, got no value)");
    // A chunk run by dofile can yield, as with stock dofile.
    lua.set_file_reader(|_, _| Ok(Some(b"return coroutine.yield(1) + 1".to_vec()))).unwrap();
    assert_eq!(texts(&lua, "local co = coroutine.wrap(function() return dofile('y') end) return co(), co(41)"), ["Integer(1)", "Integer(42)"]);
    // Cleared: both nil, the disk's versions do not come back.
    lua.clear_file_reader().unwrap();
    assert!(lua.exec::<bool>("return dofile == nil and loadfile == nil").unwrap());
}

#[test]
fn file_reader_reentry_and_closing_from_inside() {
    let lua = Lua::with_libraries(StdLib::BASE).unwrap();
    lua.set_file_reader(|lua, path| {
        // Calls back into the state, and tries to close it from inside.
        let n: i64 = lua.exec("return 20 + 1")?;
        let refused = lua.close().is_err();
        Ok(Some(format!("return {n}, {refused}, '{}'", String::from_utf8_lossy(path)).into_bytes()))
    })
    .unwrap();
    assert_eq!(texts(&lua, "return dofile('p')"), ["Integer(21)", "Boolean(true)", "p"]);
    // A bare state gets both functions too.
    let bare = Lua::new();
    bare.set_file_reader(|_, _| Ok(Some(b"return 5".to_vec()))).unwrap();
    assert_eq!(bare.exec::<i64>("return dofile('x')").unwrap(), 5);
    // Set raw, past a _G that refuses new keys.
    let locked = Lua::with_libraries(StdLib::BASE).unwrap();
    locked.exec::<()>("loadfile, dofile = nil, nil setmetatable(_ENV, { __newindex = function() error('locked') end })").unwrap();
    locked.set_file_reader(|_, _| Ok(Some(b"return 6".to_vec()))).unwrap();
    assert_eq!(locked.exec::<i64>("return dofile('x')").unwrap(), 6);
}

#[test]
fn file_reader_upvalue_replaced_from_lua() {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.set_file_reader(|_, _| Ok(Some(b"return 1".to_vec()))).unwrap();
    // Lua can swap the reader (it can also just reassign dofile); a
    // non-function is an ordinary error, never a crash.
    let e = lua.exec::<()>("debug.setupvalue(dofile, 1, 42) dofile('x')").unwrap_err();
    assert!(e.message().contains("attempt to call a number value"), "{}", e.message());
    let deny = Lua::builder().libraries(StdLib::ALL).filesystem(Filesystem::Deny).build().unwrap();
    let msg: String = deny.exec("debug.setupvalue(io.open, 1, {}) return select(2, io.open('x'))").unwrap();
    assert_eq!(msg, deny_text("this function"));
}

/// The rewritten loaders and the file reader charge compiling to the work
/// budget, as lua-sys's patched `load` does: a loop of them stops early.
#[test]
fn compiling_through_the_doors_is_charged() {
    let big = "a = 1 + 2 * 3\n".repeat(70_000);
    for (label, setup, body) in [
        ("text-only load", "", "local f = load(SRC)"),
        ("reader dofile", "", "dofile('big')"),
        ("reader loadfile", "", "local f = loadfile('big')"),
        ("text-only load, reader function", "", "local s = SRC local f = load(function() local p = s s = nil return p end)"),
    ] {
        let lua = Lua::builder().libraries(StdLib::ALL).allow_bytecode(false).instruction_limit(2_000_000).build().unwrap();
        lua.set_global("SRC", big.as_str()).unwrap();
        let source = big.clone().into_bytes();
        lua.set_file_reader(move |_, _| Ok(Some(source.clone()))).unwrap();
        lua.exec::<()>(setup).unwrap();
        lua.exec::<()>("n = 0").unwrap();
        let e = lua.exec::<()>(&format!("while true do {body} n = n + 1 end")).unwrap_err();
        assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{label}: {}", e.message());
        let n: i64 = lua.get_global("n").unwrap();
        assert!(n <= 1, "{label}: the loop ran {n} times");
    }
}
