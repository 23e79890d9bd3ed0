//! Runs an untrusted Lua script with limits and the `'sandbox'` preset, and
//! reports cleanly how it ended.
//!
//! ```text
//! cargo run -p lua-core --example sandbox_runner -- path/to/script.lua
//! cargo run -p lua-core --example sandbox_runner -- -e 'while true do end'
//! ```
//!
//! With no argument it runs a small built-in set of well-behaved and hostile
//! scripts.

use std::time::{Duration, Instant};

use lua_core::{Error, Lua, MultiValue, Preset, Value};

fn sandbox() -> Result<Lua, Error> {
    let lua = Lua::builder()
        .preset(Preset::Sandbox)
        .memory_limit(16 << 20)
        .instruction_limit(50_000_000)
        .timeout(Duration::from_millis(500))
        .build()?;
    // The one capability scripts get: printing through the host.
    let print = lua.create_function(|_, args: MultiValue| {
        let line: Vec<String> = args.0.iter().map(show).collect();
        println!("  [script] {}", line.join("\t"));
        Ok(())
    })?;
    lua.set_global("print", print)?;
    Ok(lua)
}

fn show(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => String::from_utf8_lossy(s).into_owned(),
        other => format!("<{}>", other.type_name()),
    }
}

fn run(lua: &Lua, name: &str, source: &str) {
    let start = Instant::now();
    let outcome = lua.exec::<MultiValue>(source);
    let took = start.elapsed();
    match outcome {
        Ok(values) => {
            let shown: Vec<String> = values.0.iter().map(show).collect();
            println!("{name}: ok [{}] in {took:?}", shown.join(", "));
        }
        Err(e) => println!("{name}: {} ({}) in {took:?}", e.code(), e.message()),
    }
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lua = sandbox()?;
    match args.as_slice() {
        [flag, source] if flag == "-e" => run(&lua, "script", source),
        [path] => match std::fs::read_to_string(path) {
            Ok(source) => run(&lua, path, &source),
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                std::process::exit(2);
            }
        },
        _ => {
            for (name, source) in [
                ("well-behaved", "local t = {} for i = 1, 10 do t[i] = i * i end print('sum', #t) return t[10]"),
                ("endless loop", "while true do end"),
                ("loop behind pcall", "while true do pcall(function() while true do end end) end"),
                ("memory bomb", "local s = 'x' while true do s = s .. s end"),
                ("pattern bomb", "return string.find(string.rep('a', 10000), '.-.-.-.-b')"),
                ("filesystem", "return io.open('/etc/passwd')"),
                ("binary chunk", "return load(string.dump(function() end))"),
                ("still usable", "return 6 * 7"),
            ] {
                run(&lua, name, source);
            }
        }
    }
    println!("memory held: {} bytes (peak {})", lua.memory_used(), lua.memory_peak());
    Ok(())
}
