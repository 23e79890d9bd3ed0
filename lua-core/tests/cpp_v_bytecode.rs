//! API-SEED §10 area V (bytecode): the C++ core suite's items, ported to
//! lua-core's `Lua::compile`, `Lua::compile_file` and
//! `Lua::exec_bytecode_with` (binary chunks only).

use std::ffi::CStr;

use lua_core::{Error, FromLua, FromLuaMulti, Function, Lua, MultiValue, StdLib, Value};

mod common;
use common::Scratch;

const NAME: &CStr = c"=bytecode";

fn lua() -> Lua {
    Lua::with_libraries(StdLib::ALL).unwrap()
}

fn compile(lua: &Lua, source: &str) -> Vec<u8> {
    lua.compile(source.as_bytes(), c"=compiled", false).unwrap()
}

/// Runs bytecode and takes all its results.
fn run(lua: &Lua, bytecode: &[u8]) -> Result<MultiValue, Error> {
    lua.exec_bytecode_with(bytecode, NAME, MultiValue::from_results)?
}

/// Lua's binary chunk signature.
const SIGNATURE: &[u8] = b"\x1bLua";


/// V.274 [TS+C++] `compile` returns a non-empty Buffer.
#[test]
fn v274_compile_returns_bytecode() {
    let bc = compile(&lua(), "return 42");
    assert!(!bc.is_empty());
    assert!(bc.starts_with(SIGNATURE), "{:?}", &bc[..bc.len().min(8)]);
}

/// V.275 [TS+C++] `compile` throws on a syntax error.
#[test]
fn v275_compile_refuses_a_syntax_error() {
    let lua = lua();
    let e = lua.compile(b"return +", c"=bad", false).unwrap_err();
    assert!(matches!(e, Error::Syntax { .. }), "{e:?}");
    assert!(e.message().contains("unexpected symbol"), "{}", e.message());
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}

/// V.276 [TS+C++] `stripDebug: true` output is not larger than the default output.
#[test]
fn v276_stripped_output_is_not_larger() {
    let lua = lua();
    let src = b"local function add(a, b)\n  local sum = a + b\n  return sum\nend\nreturn add(1, 2)\n";
    let full = lua.compile(src, c"@script.lua", false).unwrap();
    let stripped = lua.compile(src, c"@script.lua", true).unwrap();
    assert!(stripped.len() <= full.len(), "{} > {}", stripped.len(), full.len());
    assert!(stripped.len() < full.len(), "debug information was expected to take space");
    assert_eq!(run(&lua, &stripped).unwrap().0[0].as_integer(), Some(3));
}

/// V.277 [TS+C++] A `chunkName` given at compile time (`@my-script`) appears
/// in the error raised when loading.
#[test]
fn v277_the_compile_time_chunk_name_shows_in_errors() {
    let lua = lua();
    let bc = lua.compile(b"error('oops')", c"@my-script", false).unwrap();
    let e = run(&lua, &bc).unwrap_err();
    assert!(e.message().contains("my-script"), "{}", e.message());
    assert_eq!(e.message(), "my-script:1: oops");
}

/// V.278 [TS+C++] Compiling does not execute the code.
#[test]
fn v278_compiling_does_not_run_the_code() {
    let lua = lua();
    let bc = compile(&lua, "executed = true return 1");
    assert!(lua.get_global::<Value>("executed").unwrap().is_nil());
    run(&lua, &bc).unwrap();
    assert!(lua.get_global::<bool>("executed").unwrap());
}

/// V.279 [TS+C++] `load_bytecode` executes and returns the value (42).
#[test]
fn v279_bytecode_runs_and_returns_its_value() {
    let lua = lua();
    let bc = compile(&lua, "return 42");
    let r = run(&lua, &bc).unwrap();
    assert_eq!(r.0.len(), 1);
    assert!(matches!(r.0[0], Value::Integer(42)));
}

/// V.280 [TS+C++] Loaded bytecode gives the same result as `execute_script`
/// on the same source.
#[test]
fn v280_bytecode_and_source_agree() {
    let lua = lua();
    let src = "local t = {} for i = 1, 10 do t[i] = i * i end return table.concat(t, ','), #t, 2.5 * 2";
    let from_source: MultiValue = lua.exec(src).unwrap();
    let from_bytecode = run(&lua, &compile(&lua, src)).unwrap();
    assert_eq!(from_source.0, from_bytecode.0);
    assert_eq!(from_bytecode.0[0].as_str(), Some("1,4,9,16,25,36,49,64,81,100"));
}

/// V.281 [TS+C++] Bytecode may return functions that are callable.
#[test]
fn v281_bytecode_may_return_functions() {
    let lua = lua();
    let bc = compile(&lua, "return function(a, b) return a + b end");
    let add: Function = lua.exec_bytecode_with(&bc, NAME, |r| Function::from_lua(r.get(0))).unwrap().unwrap();
    assert_eq!(add.call::<i64>((3, 4)).unwrap(), 7);
    assert_eq!(add.call::<i64>((10, 20)).unwrap(), 30);
}

/// V.283 [TS+C++] Garbage bytes are rejected.
#[test]
fn v283_garbage_is_rejected() {
    let lua = lua();
    assert!(run(&lua, &[0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]).is_err());
    // A real signature followed by garbage is rejected too.
    let mut bad = SIGNATURE.to_vec();
    bad.extend_from_slice(&[0xff; 16]);
    let e = run(&lua, &bad).unwrap_err();
    assert!(e.message().contains("bad binary format") || e.message().contains("truncated"), "{}", e.message());
    // A truncated real chunk.
    let bc = compile(&lua, "return 42");
    let e = run(&lua, &bc[..bc.len() / 2]).unwrap_err();
    assert!(e.message().contains("truncated"), "{}", e.message());
    assert_eq!(lua.exec::<i64>("return 1").unwrap(), 1);
}

/// V.284 [TS+C++] An empty buffer is rejected.
#[test]
fn v284_an_empty_buffer_is_rejected() {
    let lua = lua();
    let e = run(&lua, &[]).unwrap_err();
    assert!(!e.message().is_empty());
}

/// V.285 [TS+C++] Source text is rejected (binary-only mode).
#[test]
fn v285_source_text_is_rejected() {
    let lua = lua();
    let e = run(&lua, b"return 42").unwrap_err();
    assert!(e.message().contains("attempt to load a text chunk (mode is 'b')"), "{}", e.message());
    assert!(lua.get_global::<Value>("x").unwrap().is_nil());
}

/// V.286 [TS+C++] The same bytecode can be loaded repeatedly.
#[test]
fn v286_the_same_bytecode_runs_repeatedly() {
    let lua = lua();
    let bc = compile(&lua, "counter = (counter or 0) + 1 return counter");
    for i in 1..=5 {
        assert_eq!(run(&lua, &bc).unwrap().0[0].as_integer(), Some(i));
    }
}

/// V.288 [TS+C++] Bytecode can call callbacks registered on the loading context.
#[test]
fn v288_bytecode_calls_host_functions() {
    let compiler = lua();
    let bc = compile(&compiler, "return double(21)");
    let lua = lua();
    let double = lua.create_function(|_, a: MultiValue| Ok(a.0[0].as_integer().unwrap() * 2)).unwrap();
    lua.set_global("double", double).unwrap();
    assert_eq!(run(&lua, &bc).unwrap().0[0].as_integer(), Some(42));
    // Where there is no such function, the call fails.
    assert!(run(&compiler, &bc).is_err());
}

/// V.289 [TS+C++] Bytecode sees globals set before loading.
#[test]
fn v289_bytecode_sees_earlier_globals() {
    let lua = lua();
    let bc = compile(&lua, "return greeting .. ', ' .. name");
    lua.set_global("greeting", "Hello").unwrap();
    lua.set_global("name", "World").unwrap();
    assert_eq!(run(&lua, &bc).unwrap().0[0].as_str(), Some("Hello, World"));
}

/// V.290 [TS+C++] Bytecode compiled in one context runs in another.
#[test]
fn v290_bytecode_moves_between_states() {
    let bc = {
        let origin = lua();
        compile(&origin, "local s = 0 for i = 1, 10 do s = s + i end return s")
    };
    let other = Lua::new();
    assert_eq!(run(&other, &bc).unwrap().0[0].as_integer(), Some(55));
}

/// V.292 [TS+C++] `compile_file` returns a non-empty Buffer.
#[test]
fn v292_compile_file_returns_bytecode() {
    let dir = Scratch::new("v292");
    let path = dir.file("chunk.lua", "return 42\n");
    let bc = lua().compile_file(path.as_bytes(), false).unwrap();
    assert!(!bc.is_empty());
    assert!(bc.starts_with(SIGNATURE));
}

/// V.293 [TS+C++] Loading `compile_file` output gives the same result as `execute_file`.
#[test]
fn v293_compiled_files_match_executed_files() {
    let dir = Scratch::new("v293");
    let path = dir.file("chunk.lua", "local t = { 'a', 'b' } return #t, t[2] .. '!', 6 * 7\n");
    let lua = lua();
    let executed: MultiValue = lua.exec_file(&path).unwrap();
    let bc = lua.compile_file(path.as_bytes(), false).unwrap();
    let loaded = run(&lua, &bc).unwrap();
    assert_eq!(executed.0, loaded.0);
    assert_eq!(loaded.0.len(), 3);
    // The file's name travels with the bytecode.
    let err_path = dir.file("err.lua", "error('in file')\n");
    let bc = lua.compile_file(err_path.as_bytes(), false).unwrap();
    assert!(run(&lua, &bc).unwrap_err().message().contains("err.lua:1: in file"));
}

/// V.294 [TS+C++] `compile_file` throws for a missing file.
#[test]
fn v294_compile_file_refuses_a_missing_file() {
    let dir = Scratch::new("v294");
    let missing = dir.0.join("missing.lua");
    let e = lua().compile_file(missing.to_str().unwrap().as_bytes(), false).unwrap_err();
    assert!(matches!(e, Error::File { .. }), "{e:?}");
    assert!(e.message().contains("cannot open"), "{}", e.message());
}

/// V.296 [C++] `compile_file` with an empty path fails.
#[test]
fn v296_compile_file_refuses_an_empty_path() {
    let e = lua().compile_file(b"", false).unwrap_err();
    assert_eq!(e.message(), "File path cannot be empty");
}
