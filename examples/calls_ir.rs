//! One crossing, many times, with lua-core or with mlua: the program
//! `scripts/bench-mlua-ir.sh` runs under callgrind to count the machine
//! instructions each crossing takes. Instruction counts do not depend on
//! the machine's load, so they compare the two call paths where timings on
//! a shared machine cannot (`vs_mlua` gives the timings).
//!
//! ```text
//! calls_ir (core|mlua) (rust-to-lua|lua-to-rust|fib|fib-global) N
//! ```

use std::hint::black_box;

/// mlua's `Lua::new` opens every library but debug; lua-core's states get
/// the same, so globals are looked up in tables of the same size.
fn same_libraries() -> lua_core::StdLib {
    use lua_core::StdLib;
    StdLib::BASE | StdLib::PACKAGE | StdLib::COROUTINE | StdLib::IO | StdLib::MATH | StdLib::OS | StdLib::STRING | StdLib::TABLE | StdLib::UTF8
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (side, row) = (args.get(1).map(String::as_str), args.get(2).map(String::as_str));
    let n: i64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let sum = match (side, row) {
        (Some("core"), Some("rust-to-lua")) => {
            let lua = lua_core::Lua::with_libraries(same_libraries()).unwrap();
            let add: lua_core::Function = lua.exec("return function(a, b) return a + b end").unwrap();
            (0..n).map(|i| add.call::<i64>((black_box(i), 1)).unwrap()).sum()
        }
        (Some("mlua"), Some("rust-to-lua")) => {
            let lua = mlua::Lua::new();
            let add: mlua::Function = lua.load("return function(a, b) return a + b end").eval().unwrap();
            (0..n).map(|i| add.call::<i64>((black_box(i), 1)).unwrap()).sum()
        }
        (Some("core"), Some("lua-to-rust")) => {
            let lua = lua_core::Lua::with_libraries(same_libraries()).unwrap();
            lua.set_global("add", lua.create_function(|_, (a, b): (i64, i64)| Ok(a + b)).unwrap()).unwrap();
            lua.exec::<i64>(&format!("local s = 0 for i = 1, {n} do s = add(s, i) end return s")).unwrap()
        }
        (Some("mlua"), Some("lua-to-rust")) => {
            let lua = mlua::Lua::new();
            lua.globals().set("add", lua.create_function(|_, (a, b): (i64, i64)| Ok(a + b)).unwrap()).unwrap();
            lua.load(format!("local s = 0 for i = 1, {n} do s = add(s, i) end return s")).eval::<i64>().unwrap()
        }
        (Some("core"), Some("fib")) => {
            let lua = lua_core::Lua::with_libraries(same_libraries()).unwrap();
            lua.exec::<i64>(&format!("local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib({n})")).unwrap()
        }
        (Some("mlua"), Some("fib")) => {
            let lua = mlua::Lua::new();
            lua.load(format!("local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib({n})")).eval::<i64>().unwrap()
        }
        // vs_mlua's fib: a global, looked up twice per call.
        (Some("core"), Some("fib-global")) => {
            let lua = lua_core::Lua::with_libraries(same_libraries()).unwrap();
            lua.exec::<i64>(&format!("function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib({n})")).unwrap()
        }
        (Some("mlua"), Some("fib-global")) => {
            let lua = mlua::Lua::new();
            lua.load(format!("function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib({n})")).eval::<i64>().unwrap()
        }
        _ => {
            eprintln!("usage: calls_ir (core|mlua) (rust-to-lua|lua-to-rust|fib|fib-global) N");
            std::process::exit(2);
        }
    };
    println!("{sum}");
}
