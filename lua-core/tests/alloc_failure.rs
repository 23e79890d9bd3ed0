//! Allocation-failure injection (SQLite's malloc tests) over lua-core's API.
//!
//! Each test sweeps one entry point: for N = 1, 2, 3, ... a fresh state is
//! set up without a fault, then the call runs with the N-th growth request of
//! the state refused (`once`: that request only, which Lua absorbs with an
//! emergency collection; `double`: it and the next, so that allocation
//! really fails; `persistent`: every request from the N-th on), until the
//! call no longer reaches the fault. Every step must end in success (with the
//! unfaulted result, unless the Lua code catches errors itself) or in an
//! `Error` that is the call's own unfaulted error, "not enough memory", or
//! one the entry allows; and afterwards, with the fault off, the state must
//! run code again.
//!
//! A bug here is an abort (a Lua error escaping a protected call, or a
//! `longjmp` over Rust frames), which would take every test of this binary
//! with it: so each test runs its sweep in a child process (this binary,
//! filtered to that one test), and an abort fails that test only, naming the
//! entry point, the mode and N.
#![cfg(feature = "host-binding")]

mod common;

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::rc::Rc;

use lua_core::host::AllocationFault;
use lua_core::{Access, AnyUserData, CallContext, Error, Function, GcCommand, GcParam, Lua, LuaOptions, MultiValue, Resumed, Result, StackValue, StdLib, Table, UserData, UserDataMethods, Value};
use lua_core::host::HostObjects;

const CHILD: &str = "LUA_CORE_FAULT_CHILD";

/// Runs `body` in a child process: this test binary running only `test`.
fn in_child(test: &str, body: impl FnOnce()) {
    if std::env::var(CHILD).as_deref() == Ok(test) {
        body();
        return;
    }
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, test)
        .output()
        .expect("starting the child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stderr.lines().rfind(|l| l.starts_with("@ ")).map_or("before the first step", |l| &l[2..]);
    let detail: Vec<&str> = stderr.lines().chain(stdout.lines()).filter(|l| !l.starts_with("@ ")).collect();
    let detail = detail.join("\n");
    let tail = &detail[detail.len().saturating_sub(4000)..];
    match out.status.signal() {
        Some(signal) => panic!("ABORT: the child died of signal {signal} in {test}, at {last}\n{tail}"),
        None if !out.status.success() => panic!("{test} failed (at {last}):\n{tail}"),
        None => {}
    }
    assert!(stdout.contains("1 passed"), "the child did not run {test}:\n{tail}");
    for line in stderr.lines().filter(|l| l.starts_with("# ")) {
        eprintln!("{line}");
    }
}

macro_rules! sweep_test {
    ($name:ident, $body:expr) => {
        #[test]
        fn $name() {
            in_child(stringify!($name), $body);
        }
    };
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Once,
    Double,
    Persistent,
}

const MODES: [Mode; 3] = [Mode::Once, Mode::Double, Mode::Persistent];

impl Mode {
    fn fault(self, nth: u64) -> AllocationFault {
        match self {
            Mode::Once => AllocationFault::once(nth),
            Mode::Double => AllocationFault::times(nth, 2),
            Mode::Persistent => AllocationFault::persistent(nth),
        }
    }
}

fn is_memory(e: &Error) -> bool {
    e.code() == "LUA_MEMORY" && matches!(e.message(), "not enough memory" | "Failed to create Lua state")
}

/// The state works: code runs, globals go in and out.
fn usable(lua: &Lua) {
    assert_eq!(lua.exec::<i64>("__probe = 20 + 22 return __probe").expect("a script runs afterwards"), 42);
    lua.set_global("__probe", "ok").expect("a global can be set afterwards");
    assert_eq!(lua.get_global::<String>("__probe").expect("a global can be read afterwards"), "ok");
}

type Run<S> = Box<dyn Fn(&Lua, &S) -> Result<String>>;
type After<S> = Box<dyn Fn(&Lua, &S)>;

/// One entry point: `setup` makes a state (and whatever the call needs)
/// without a fault, `run` is the call, summarised as text to compare.
struct Entry<S> {
    name: &'static str,
    setup: Box<dyn Fn() -> (Lua, S)>,
    run: Run<S>,
    /// Failures accepted besides the unfaulted one and running out of memory.
    accept: Box<dyn Fn(&Error) -> bool>,
    /// The Lua code catches errors itself: a success under a fault may differ.
    catches: bool,
    /// What must hold afterwards, with the fault off (default: `usable`).
    after: After<S>,
}

impl<S: 'static> Entry<S> {
    fn new(name: &'static str, setup: impl Fn() -> (Lua, S) + 'static, run: impl Fn(&Lua, &S) -> Result<String> + 'static) -> Self {
        Entry { name, setup: Box::new(setup), run: Box::new(run), accept: Box::new(|_| false), catches: false, after: Box::new(|lua, _| usable(lua)) }
    }

    fn accept(mut self, f: impl Fn(&Error) -> bool + 'static) -> Self {
        self.accept = Box::new(f);
        self
    }

    fn catches(mut self) -> Self {
        self.catches = true;
        self
    }

    fn after(mut self, f: impl Fn(&Lua, &S) + 'static) -> Self {
        self.after = Box::new(f);
        self
    }

    /// Runs the sweep in every mode; panics with every problem found.
    fn sweep(self) {
        let reference = {
            let (lua, s) = (self.setup)();
            (self.run)(&lua, &s)
        };
        if let Err(e) = &reference {
            eprintln!("# {}: the unfaulted call fails with {} {:?}", self.name, e.code(), e.message());
        }
        let mut problems = Vec::new();
        for mode in MODES {
            let mut outcomes: HashMap<String, u32> = HashMap::new();
            let mut steps = 0u64;
            let mut fired_total = 0u64;
            for n in 1.. {
                eprintln!("@ {} {:?} N={n}", self.name, mode);
                let (lua, s) = (self.setup)();
                lua.set_allocation_fault(Some(mode.fault(n)));
                let out = (self.run)(&lua, &s);
                let fired = lua.allocation_faults_fired();
                lua.set_allocation_fault(None);
                steps += 1;
                fired_total += fired;
                let mut problem = |text: String| problems.push(format!("{} {:?} N={n}: {text}", self.name, mode));
                match &out {
                    Ok(summary) => {
                        *outcomes.entry("ok".into()).or_default() += 1;
                        if let Ok(expected) = &reference {
                            if summary != expected && (fired == 0 || !self.catches) {
                                problem(format!("succeeded with {summary:?} instead of {expected:?}"));
                            }
                        }
                    }
                    Err(e) => {
                        *outcomes.entry(format!("{}: {}", e.code(), e.message())).or_default() += 1;
                        let own = matches!(&reference, Err(r) if r.code() == e.code() && r.message() == e.message());
                        if !(own || is_memory(e) || (self.accept)(e)) {
                            problem(format!("failed with an unexpected {} {:?}", e.code(), e.message()));
                        }
                    }
                }
                if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.after)(&lua, &s))) {
                    let text = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                    problem(format!("not usable afterwards: {}", text.unwrap_or_default()));
                }
                if fired == 0 {
                    if out.is_ok() != reference.is_ok() {
                        problem("without a fault firing, the outcome differs from the unfaulted call".into());
                    }
                    break;
                }
                if problems.len() > 20 || n > 50_000 {
                    break;
                }
            }
            let mut outcomes: Vec<_> = outcomes.into_iter().collect();
            outcomes.sort();
            eprintln!("# {} ({:?}): {steps} steps, {fired_total} refusals, {outcomes:?}", self.name, mode);
        }
        assert!(problems.is_empty(), "{}:\n{}", self.name, problems.join("\n"));
    }
}

/// A state with `libs` and nothing else to set up.
fn state(libs: StdLib) -> impl Fn() -> (Lua, ()) {
    move || (Lua::with_libraries(libs).expect("an unfaulted state"), ())
}

/// The values of a call as text (plain data only; handles by kind).
fn summary(values: &MultiValue) -> String {
    values
        .0
        .iter()
        .map(|v| match v {
            Value::String(s) => format!("{:?}", String::from_utf8_lossy(s)),
            Value::Integer(i) => i.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Boolean(b) => b.to_string(),
            Value::Nil => "nil".into(),
            other => other.type_name().into(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn exec(lua: &Lua, source: &str) -> Result<String> {
    lua.exec::<MultiValue>(source).map(|v| summary(&v))
}

const TABLE_ERROR: &str = "(error object is a table value)";

/// Creating a state, swept from its first allocation.
fn sweep_creation(name: &'static str, options: LuaOptions) {
    let mut problems = Vec::new();
    for mode in MODES {
        let mut steps = 0;
        for n in 1.. {
            eprintln!("@ {name} {mode:?} N={n}");
            let before = lua_core::host::injected_total();
            lua_core::host::fail_next_state(Some(mode.fault(n)));
            let made = Lua::with_options(options.clone());
            lua_core::host::fail_next_state(None);
            if let Ok(lua) = &made {
                lua.set_allocation_fault(None);
            }
            let fired = lua_core::host::injected_total() - before;
            steps += 1;
            match &made {
                Ok(lua) => {
                    if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| usable(lua))) {
                        problems.push(format!("{name} {mode:?} N={n}: the new state does not work: {:?}", panic.downcast_ref::<String>()));
                    }
                    assert_eq!(lua.libraries(), options.libraries);
                }
                Err(e) if is_memory(e) => {}
                Err(e) => problems.push(format!("{name} {mode:?} N={n}: failed with {} {:?}", e.code(), e.message())),
            }
            if fired == 0 {
                assert!(made.is_ok(), "{name}: no fault fired, yet creation failed");
                break;
            }
        }
        eprintln!("# {name} ({mode:?}): {steps} steps");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- creating a state

sweep_test!(create_bare, || sweep_creation("create: bare", LuaOptions::default()));
sweep_test!(create_all, || sweep_creation("create: all", LuaOptions { libraries: StdLib::ALL, ..Default::default() }));
sweep_test!(create_safe_preset, || {
    let (libraries, seal) = StdLib::preset("safe").unwrap();
    sweep_creation("create: safe", LuaOptions { libraries, seal, ..Default::default() })
});
sweep_test!(create_sandbox_preset, || {
    let (libraries, seal) = StdLib::preset("sandbox").unwrap();
    sweep_creation("create: sandbox", LuaOptions { libraries, seal, ..Default::default() })
});
sweep_test!(create_with_limits, || sweep_creation(
    "create: limits",
    LuaOptions {
        libraries: StdLib::ALL,
        memory_limit: 8 << 20,
        max_instructions: 10_000_000,
        timeout: Some(std::time::Duration::from_secs(10)),
        ..Default::default()
    }
));

// ---- running code

sweep_test!(exec_values, || Entry::new("exec: values", state(StdLib::ALL), |lua, _| exec(
    lua,
    "local t = {} for i = 1, 10 do t[i] = { i, tostring(i), k = 'v' .. i } end return #t, t[10].k, ('x'):rep(50), 1.5, true, nil, t, print"
))
.sweep());

sweep_test!(exec_syntax_error, || Entry::new("exec: syntax error", state(StdLib::ALL), |lua, _| exec(lua, "return +")).sweep());

sweep_test!(exec_error_string, || Entry::new("exec: error with a string", state(StdLib::ALL), |lua, _| exec(lua, "local x = 1\nerror('boom ' .. x)"))
    .sweep());

sweep_test!(exec_error_table_tostring, || Entry::new("exec: error with a table with __tostring", state(StdLib::ALL), |lua, _| exec(
    lua,
    "error(setmetatable({ code = 7 }, { __tostring = function(e) return 'custom ' .. e.code end }))"
))
.accept(|e| e.code() == "LUA_RUNTIME" && e.message() == TABLE_ERROR)
.sweep());

// Only the base library: nothing keeps the string "__tostring" alive, so
// looking the metamethod up allocates it.
sweep_test!(exec_error_table_metatable, || Entry::new("exec: error with a table with a metatable, no __tostring", state(StdLib::BASE), |lua, _| {
    exec(lua, "error(setmetatable({}, {}))")
})
.sweep());

sweep_test!(exec_error_tostring_raises_table, || Entry::new(
    "exec: error with a table whose __tostring raises a table",
    state(StdLib::BASE),
    |lua, _| exec(lua, "local mt = {} mt.__tostring = function(e) error(setmetatable({}, mt)) end error(setmetatable({}, mt))")
)
.sweep());

sweep_test!(exec_errors_caught_inside, || Entry::new("exec: pcall, xpcall and coroutines inside", state(StdLib::ALL), |lua, _| exec(
    lua,
    r#"
    local a = select(2, pcall(error, { code = 1 }))
    local b = select(2, xpcall(function() error('inner') end, function(m) return 'handled: ' .. m end))
    local co = coroutine.create(function(x) local y = coroutine.yield(x + 1) error(setmetatable({ y = y }, { __tostring = function(e) return 'co ' .. e.y end })) end)
    local _, v1 = coroutine.resume(co, 1)
    local _, e2 = coroutine.resume(co, 2)
    return type(a), b, v1, tostring(e2), coroutine.status(co)"#
))
.catches()
.sweep());

sweep_test!(exec_file, || {
    let dir = common::Scratch::new("alloc_failure_exec_file");
    let path = dir.file("script.lua", "local t = {} for i = 1, 8 do t[i] = { i } end return #t, 'file'");
    Entry::new("exec_file", state(StdLib::ALL), move |lua, _| lua.exec_file::<MultiValue>(&path).map(|v| summary(&v))).sweep()
});

// ---- host functions

fn with_functions() -> (Lua, ()) {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    let echo = lua.create_function(|_, args: MultiValue| Ok(args)).unwrap();
    let make = lua
        .create_function(|lua: &Lua, _: MultiValue| {
            let t = lua.create_table()?;
            t.raw_set("list", vec![1, 2, 3])?;
            t.raw_set("name", "made")?;
            Ok(t)
        })
        .unwrap();
    let fail = lua.create_function(|_, _: MultiValue| Err::<(), _>(Error::runtime("rust failure"))).unwrap();
    let panics = lua.create_function(|_, _: MultiValue| -> Result<()> { panic!("rust panic") }).unwrap();
    lua.set_global("echo", echo).unwrap();
    lua.set_global("make", make).unwrap();
    lua.set_global("fail", fail).unwrap();
    lua.set_global("panics", panics).unwrap();
    (lua, ())
}

sweep_test!(host_functions_called_from_lua, || Entry::new("host functions called from Lua", with_functions, |lua, _| exec(
    lua,
    "local a, b, c = echo({ 1, { 2 } }, 'x', 3) local m = make() return #a, b, c, #m.list, m.name"
))
.sweep());

sweep_test!(host_function_fails, || Entry::new("a host function fails", with_functions, |lua, _| exec(lua, "echo({}) fail()")).sweep());

sweep_test!(host_function_failures_caught, || {
    // The panic message is printed by the default hook: silence it.
    std::panic::set_hook(Box::new(|_| {}));
    Entry::new("host function failures caught in Lua", with_functions, |lua, _| exec(
        lua,
        "local ok1, e1 = pcall(fail) local ok2, e2 = pcall(panics) return ok1, e1, ok2, e2",
    ))
    .catches()
    .sweep()
});

sweep_test!(create_function, || Entry::new("create_function", state(StdLib::ALL), |lua, _| {
    let f = lua.create_function(|_, args: MultiValue| Ok(args.0.iter().filter_map(Value::as_integer).product::<i64>()))?;
    lua.set_global("mul", f)?;
    Ok(String::new())
})
.after(|lua, _| {
    usable(lua);
    // Whether or not `mul` made it, nothing is half-made.
    let _ = lua.exec::<()>("if mul then assert(mul(6, 7) == 42) end");
})
.sweep());

impl lua_core::FromLuaMulti for Pair {
    fn from_results(r: lua_core::Results<'_>) -> Result<Self> {
        Ok(Pair(<i64 as lua_core::FromLua>::from_lua(r.get_or_nil(0))?, <i64 as lua_core::FromLua>::from_lua(r.get_or_nil(1))?))
    }
}

struct Pair(i64, i64);

sweep_test!(call_function_from_rust, || Entry::new(
    "Function::call from Rust",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let f: Function = lua.exec("return function(t, m, s) return #t + #s, m.k end").unwrap();
        (lua, f)
    },
    |_, f| {
        let mut m = HashMap::new();
        m.insert("k".to_string(), 5i64);
        f.call::<Pair>((vec![1, 2, 3], m, "four")).map(|p| format!("{} {}", p.0, p.1))
    }
)
.sweep());

// ---- values in and out

sweep_test!(set_global_nested, || Entry::new("set_global with nested values", state(StdLib::ALL), |lua, _| {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for i in 0..8 {
        m.insert(format!("k{i}"), (0..i).map(|j| format!("v{j}")).collect());
    }
    lua.set_global("g", m)?;
    lua.set_global("list", vec![vec![1, 2], vec![3]])?;
    Ok(String::new())
})
.sweep());

sweep_test!(get_global_nested, || Entry::new(
    "get_global of nested values",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        lua.exec::<()>("g = {} for i = 1, 8 do g['k' .. i] = { i, i * 2 } end g.f = print").unwrap();
        (lua, ())
    },
    |lua, _| {
        let g: HashMap<String, Value> = lua.get_global("g")?;
        let mut keys: Vec<_> = g.keys().cloned().collect();
        keys.sort();
        Ok(keys.join(","))
    }
)
.sweep());

sweep_test!(paths, || Entry::new("set_path_with / get_path_with", state(StdLib::ALL), |lua, _| {
    let segments = lua_core::host::split_path(b"a.b.c")?;
    lua.set_path_with(&segments, |s| {
        s.push_table(0, 1)?;
        s.push_bytes(b"value")?;
        s.set_field(b"x")
    })?;
    lua.get_path_with(&segments, |v| v.kind().name().to_string())
})
.sweep());

sweep_test!(tables, || Entry::new("create_table, raw_set, raw_get, try_clone", state(StdLib::ALL), |lua, _| {
    let t = lua.create_table()?;
    for i in 1..=20 {
        t.raw_set(i, format!("item {i}"))?;
    }
    t.raw_set("self", t.try_clone()?)?;
    let s: String = t.raw_get(20)?;
    Ok(format!("{} {s}", t.raw_len()))
})
.sweep());

sweep_test!(set_global_metatable, || Entry::new(
    "set_global_metatable",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        lua.exec::<()>("point = { x = 1 }").unwrap();
        (lua, ())
    },
    |lua, _| {
        lua.set_global_metatable(b"point", |s| {
            s.push_table(0, 2)?;
            s.push_function(|call| {
                call.stack().push_bytes(b"(point)")?;
                Ok(1)
            })?;
            s.set_field(b"__tostring")?;
            s.push_table(0, 1)?;
            s.set_field(b"__index")
        })?;
        exec(lua, "return tostring(point)")
    }
)
.sweep());

sweep_test!(modules, || {
    let dir = common::Scratch::new("alloc_failure_modules");
    dir.file("filemod.lua", "local M = { items = {} } for i = 1, 5 do M.items[i] = i end return M");
    let template = format!("{}/?.lua", dir.0.display());
    Entry::new("register_module_with, append_package_path, require", state(StdLib::ALL), move |lua, _| {
        lua.register_module_with(b"m", |s| {
            s.push_table(0, 1)?;
            s.push_bytes(b"hello")?;
            s.set_field(b"text")
        })?
        .expect("package is loaded");
        lua.append_package_path(template.as_bytes())?.expect("package is loaded");
        exec(lua, "return require('m').text, #require('filemod').items")
    })
    .accept(|e| e.code() == "LUA_RUNTIME" && e.message().starts_with("error loading module 'filemod' from file ") && e.message().ends_with("\n\tnot enough memory"))
    .sweep()
});

// ---- userdata

struct Counter {
    n: i64,
}

impl UserData for Counter {
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method("get", |_, this, ()| Ok(this.n));
        methods.add_method_mut("add", |_, this, args: MultiValue| {
            this.n += args.0.first().and_then(Value::as_integer).unwrap_or(1);
            Ok(this.n)
        });
        methods.add_meta_method("__tostring", |_, this, ()| Ok(format!("Counter({})", this.n)));
    }
}

sweep_test!(userdata_create_and_use, || Entry::new("create_userdata and its methods", state(StdLib::ALL), |lua, _| {
    let c: AnyUserData = lua.create_userdata(Counter { n: 1 })?;
    lua.set_global("c", c.try_clone()?)?;
    let out = exec(lua, "c:add(41) return c:get(), tostring(c)")?;
    let n = c.borrow(|c: &Counter| c.n)?;
    Ok(format!("{out} {n}"))
})
// Afterwards a new userdata of the type must be whole: a failure while the
// type's metatable was being filled must not leave it half-made.
.after(|lua, _| {
    usable(lua);
    let c = lua.create_userdata(Counter { n: 1 }).expect("a userdata afterwards");
    lua.set_global("c2", c).unwrap();
    assert_eq!(lua.exec::<MultiValue>("return c2:add(1), tostring(c2)").map(|v| summary(&v)).expect("its methods work"), "2, \"Counter(2)\"");
})
.sweep());

sweep_test!(userdata_methods_called, || Entry::new(
    "userdata methods called from Lua",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let c = lua.create_userdata(Counter { n: 1 }).unwrap();
        lua.set_global("c", c).unwrap();
        (lua, ())
    },
    |lua, _| exec(lua, "local t = {} for i = 1, 5 do t[i] = c:add(i) end return c:get(), tostring(c), #t")
)
.sweep());

/// A type with fields and typed arguments (`lua-core/tests/userdata_fields.rs`).
struct Hero {
    name: String,
    hp: i64,
}

impl UserData for Hero {
    fn add_fields(fields: &mut lua_core::UserDataFields<Self>) {
        fields.add_field_method_get("name", |_, h| Ok(h.name.clone()));
        fields.add_field_method_get("hp", |_, h| Ok(h.hp));
        fields.add_field_method_set("hp", |_, h, hp: i64| {
            h.hp = hp;
            Ok(())
        });
    }

    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method("greet", |_, h, (greeting, n): (String, Option<i64>)| Ok(format!("{greeting} {} x{}", h.name, n.unwrap_or(1))));
        methods.add_method_mut("heal", |_, h, by: i64| {
            h.hp += by;
            Ok(h.hp)
        });
    }
}

fn hero_state() -> (Lua, ()) {
    let lua = Lua::with_libraries(StdLib::ALL).unwrap();
    lua.set_global("h", lua.create_userdata(Hero { name: "ada".into(), hp: 1 }).unwrap()).unwrap();
    (lua, ())
}

sweep_test!(userdata_fields_made, || Entry::new("create_userdata of a type with fields", state(StdLib::ALL), |lua, _| {
    lua.set_global("h", lua.create_userdata(Hero { name: "ada".into(), hp: 1 })?)?;
    exec(lua, "h.hp = h.hp + 1 return h.hp, h.name, h:greet('hi', 2)")
})
// A metatable half-made by a refusal must not stay: a new one works whole.
.after(|lua, _| {
    usable(lua);
    lua.set_global("h2", lua.create_userdata(Hero { name: "bo".into(), hp: 5 }).unwrap()).unwrap();
    assert_eq!(lua.exec::<MultiValue>("h2.hp = 6 return h2.hp, h2.name, h2:heal(1)").map(|v| summary(&v)).expect("its fields and methods work"), "6, \"bo\", 7");
})
.sweep());

sweep_test!(userdata_fields_accessed, || Entry::new("userdata fields read and written from Lua", hero_state, |lua, _| {
    exec(lua, "local t = {} for i = 1, 5 do h.hp = h.hp + i t[i] = h.name .. h.hp end return h.hp, table.concat(t, ','), h:greet('yo')")
})
.sweep());

sweep_test!(userdata_field_errors, || Entry::new("userdata field and argument errors", hero_state, |lua, _| {
    exec(lua, "local r = {} for _, code in ipairs({'h.name = 1', 'h.xp = 1', 'h.greet = 1', 'h.hp = {}', 'h:heal(setmetatable({}, {__name = \"Fancy\"}))', 'h:greet()'}) do local ok, e = pcall(load(code)) r[#r + 1] = tostring(e) end return table.concat(r, '|')")
})
// Lua code catches the errors: under a fault, one of them may be the refusal instead.
.catches()
.sweep());

sweep_test!(userdata_bad_argument_uncaught, || Entry::new("a bad argument to a userdata method, uncaught", hero_state, |lua, _| {
    exec(lua, "h:heal(setmetatable({}, {__name = 'Fancy'}))")
})
// Naming the type (its `__name`) allocates: refused, the message names the plain type.
.accept(|e| e.message().ends_with("bad argument #1 to 'heal' (integer expected, got table)"))
.sweep());

struct Objects;

impl HostObjects for Objects {
    fn get(&self, call: &CallContext<'_>, id: u64, key: &[u8]) -> Result<()> {
        let mut s = call.stack();
        s.reserve(3)?;
        s.push_table(0, 1)?;
        s.push_bytes(key)?;
        s.set_field(b"key")?;
        let _ = id;
        Ok(())
    }
    fn set(&self, _: &CallContext<'_>, _: u64, _: &[u8], _: StackValue<'_>) -> Result<()> {
        Ok(())
    }
    fn released(&self, _: u64) {}
}

sweep_test!(host_objects, || Entry::new(
    "host objects",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        lua.set_host_objects(Rc::new(Objects));
        (lua, ())
    },
    |lua, _| {
        lua.set_global_with(b"obj", |s| s.push_host_object(7, Access { readable: true, writable: true }))?;
        exec(lua, "obj.x = 1 return obj.name.key, rawequal(obj, obj)")
    }
)
.accept(|e| e.code() == "LUA_RUNTIME" && e.message().ends_with("not enough memory"))
.sweep());

// ---- coroutines

sweep_test!(threads_resume, || Entry::new(
    "create_thread and resume_with",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let body: Function = lua.exec("return function(n, t) local m = coroutine.yield(n + #t, { n }) return m * 10, 'end' end").unwrap();
        (lua, body)
    },
    |lua, body| {
        let co = lua.create_thread(body)?;
        let mut out = Vec::new();
        let first = co.resume_with(
            |s| {
                s.reserve(2)?;
                s.push_integer(4)?;
                s.push_table(2, 0)?;
                Ok::<_, Error>(2)
            },
            |r| Ok::<_, Error>(r.len()),
        )?;
        let second = co.resume_with(|s| 7i64.push_multi_into(s), |r| Ok::<_, Error>(r.get(0).as_integer()))?;
        for r in [describe(first), describe(second)] {
            out.push(r?);
        }
        Ok(out.join("; "))
    }
)
.accept(|e| e.code() == "LUA_RUNTIME" && e.message() == "Coroutine is dead")
.sweep());

trait PushMulti {
    fn push_multi_into(self, s: &mut lua_core::Stack<'_>) -> Result<usize>;
}

impl PushMulti for i64 {
    fn push_multi_into(self, s: &mut lua_core::Stack<'_>) -> Result<usize> {
        s.reserve(1)?;
        s.push_integer(self)?;
        Ok(1)
    }
}

fn describe<R: std::fmt::Debug>(r: Resumed<R>) -> Result<String> {
    match r {
        Resumed::Values { yielded, read } => Ok(format!("{yielded} {read:?}")),
        // A failed resume is an outcome of the call: reported as its error.
        Resumed::Failed(e) => Err(e),
        Resumed::Refused(why) => Err(Error::runtime(why.message())),
    }
}

sweep_test!(thread_handle_cloned, || Entry::new(
    "a Thread handle cloned, then used",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let body: Function = lua.exec("return function(x) return x end").unwrap();
        let co = lua.create_thread(&body).unwrap();
        (lua, co)
    },
    |_, co| {
        // `clone` cannot fail: under a refused allocation its copy refers
        // to nothing, and must then behave as a dead coroutine.
        // Enough copies that the registry has to grow for them.
        let copies: Vec<_> = (0..64).map(|_| co.clone()).collect();
        let statuses: Vec<_> = copies.iter().map(|c| c.status()).collect();
        let last = copies.last().unwrap();
        let resumed = describe(last.resume_with(|s| 5i64.push_multi_into(s), |r| Ok::<_, Error>(r.get(0).as_integer()))?)?;
        Ok(format!("{:?} {resumed}", statuses[63]))
    }
)
.accept(|e| e.code() == "LUA_RUNTIME" && e.message() == "Coroutine is dead")
.catches()
.sweep());

/// A coroutine that raises a table with a metatable (and no `__tostring`),
/// in a state where nothing keeps the string "__tostring" alive.
fn raising_thread() -> (Lua, Function) {
    let lua = Lua::with_libraries(StdLib::BASE | StdLib::COROUTINE).unwrap();
    let body: Function = lua.exec("return function() local e = setmetatable({}, {}) coroutine.yield(1) error(e) end").unwrap();
    (lua, body)
}

sweep_test!(thread_raises_table_with_metatable, || Entry::new("a coroutine raises a table with a metatable", raising_thread, |lua, body| {
    let co = lua.create_thread(body)?;
    let a = describe(co.resume_with(|_| Ok::<_, Error>(0), |r| Ok::<_, Error>(r.len()))?)?;
    let b = describe(co.resume_with(|_| Ok::<_, Error>(0), |r| Ok::<_, Error>(r.len()))?)?;
    Ok(format!("{a}; {b}"))
})
.accept(|e| e.code() == "LUA_RUNTIME" && e.message() == TABLE_ERROR)
.sweep());

// ---- the issue's case, directly: no memory is left (the limit is at what is
// in use, after a full collection, or an injected persistent fault) right
// before a coroutine, or a function called from the host, raises a table with
// a metatable. Its text must still come out, as the generic one.

fn raise_with_no_memory_left(by_limit: bool, via_thread: bool) {
    let lua = Lua::with_libraries(StdLib::BASE | StdLib::COROUTINE).unwrap();
    let full = lua
        .create_function(move |lua: &Lua, _: MultiValue| {
            if by_limit {
                lua.set_memory_limit(lua.memory_used().max(1));
            } else {
                lua.set_allocation_fault(Some(AllocationFault::persistent(1)));
            }
            Ok(())
        })
        .unwrap();
    lua.set_global("full", full).unwrap();
    let body: Function = lua.exec("return function() local e = setmetatable({}, {}) collectgarbage() collectgarbage() full() error(e) end").unwrap();
    let error = if via_thread {
        let co = lua.create_thread(&body).unwrap();
        match co.resume_with(|_| Ok::<_, Error>(0), |_| Ok::<_, Error>(())).unwrap() {
            Resumed::Failed(e) => e,
            _ => panic!("the coroutine should fail"),
        }
    } else {
        body.call::<()>(()).unwrap_err()
    };
    let case = format!("by_limit: {by_limit}, via_thread: {via_thread}");
    let got = (error.code(), error.message());
    if via_thread {
        assert_eq!(got, ("LUA_RUNTIME", TABLE_ERROR), "{case}");
    } else {
        // Calling the message handler needs memory too: without any, Lua
        // reports the memory error instead of the table.
        assert!(got == ("LUA_RUNTIME", TABLE_ERROR) || is_memory(&error), "{case}: {got:?}");
    }
    lua.set_memory_limit(0);
    lua.set_allocation_fault(None);
    usable(&lua);
}

#[test]
fn error_text_with_no_memory_left() {
    in_child("error_text_with_no_memory_left", || {
        for by_limit in [true, false] {
            for via_thread in [true, false] {
                raise_with_no_memory_left(by_limit, via_thread);
            }
        }
    });
}

#[test]
fn error_text_when_tostring_raises_a_table() {
    // Each failed conversion used to convert its own error value, which
    // raised again: an unbounded recursion, without any fault at all.
    in_child("error_text_when_tostring_raises_a_table", || {
        let lua = Lua::with_libraries(StdLib::BASE).unwrap();
        let e = lua.exec::<()>("local mt = {} mt.__tostring = function(e) error(setmetatable({}, mt)) end error(setmetatable({}, mt))").unwrap_err();
        assert_eq!((e.code(), e.message()), ("LUA_RUNTIME", TABLE_ERROR));
    });
}

// ---- compiled chunks, the collector, closing

sweep_test!(compile_and_load, || Entry::new("compile and exec_bytecode_with", state(StdLib::ALL), |lua, _| {
    let code = lua.compile(b"local t = {} for i = 1, 5 do t[i] = 'v' .. i end return #t, t[5]", c"=chunk", false)?;
    lua.exec_bytecode_with(&code, c"chunk", |r| format!("{:?} {:?}", r.get(0).as_integer(), r.get(1).as_bytes().map(|b| b.to_vec())))
})
.sweep());

sweep_test!(gc_commands, || Entry::new(
    "gc commands",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        lua.exec::<()>("local g = {} for i = 1, 50 do g[i] = setmetatable({}, { __gc = function() end }) end").unwrap();
        (lua, ())
    },
    |lua, _| {
        let mut out = Vec::new();
        for c in [
            GcCommand::Collect,
            GcCommand::Step(1),
            GcCommand::Generational,
            GcCommand::Collect,
            GcCommand::Incremental,
            GcCommand::Param(GcParam::Pause, Some(200)),
            GcCommand::IsRunning,
        ] {
            out.push(format!("{:?}", lua.gc(c)?));
        }
        Ok(out.join(" "))
    }
)
.sweep());

sweep_test!(close, || Entry::new(
    "close",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let log = Rc::new(RefCell::new(0));
        let seen = log.clone();
        let f = lua
            .create_function(move |_, _: MultiValue| {
                *seen.borrow_mut() += 1;
                Ok(())
            })
            .unwrap();
        lua.set_global("note", f).unwrap();
        lua.exec::<()>("keep = {} for i = 1, 20 do keep[i] = setmetatable({}, { __gc = function() note() end }) end").unwrap();
        (lua, log)
    },
    |lua, _| {
        lua.close()?;
        Ok(String::new())
    }
)
.after(|lua, _| {
    assert!(lua.is_closed());
    assert!(matches!(lua.exec::<()>("return 1"), Err(Error::Closed { .. })));
})
.sweep());

sweep_test!(tables_with_metatables_read_and_written, || Entry::new(
    "Table handles: index with metamethods",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let t: Table = lua.exec("return setmetatable({}, { __index = function(t, k) return k .. '?' end, __newindex = function(t, k, v) rawset(t, k, { v }) end })").unwrap();
        (lua, t)
    },
    |lua, t| {
        lua.assign_with(t.registry_ref(), |s| {
            s.push_bytes(b"k")?;
            s.push_integer(1)?;
            Ok(())
        })?;
        lua.index_with(t.registry_ref(), |s| s.push_bytes(b"missing"), |v| format!("{:?}", v.as_bytes().map(|b| b.to_vec())))
    }
)
.sweep());

// ---- the doors to code and disk (EVOLUTION B7, B15, B19)

sweep_test!(create_doors_closed, || sweep_creation(
    "create: all, no bytecode, no filesystem",
    LuaOptions { libraries: StdLib::ALL, allow_bytecode: Some(false), filesystem: lua_core::Filesystem::Deny, ..Default::default() }
));

sweep_test!(file_reader_set_and_read, || Entry::new("file reader: set, dofile, loadfile", state(StdLib::ALL), |lua, _| {
    lua.set_file_reader(|_, path| Ok((path != b"none").then(|| b"local t = {} for i = 1, 5 do t[i] = { i } end return #t".to_vec())))?;
    exec(lua, "return dofile('a.lua'), loadfile('none'), select(2, loadfile('none'))")
})
.catches()
.sweep());

sweep_test!(text_only_loaders, || Entry::new(
    "text-only load and loadfile refusing bytecode",
    || (Lua::builder().libraries(StdLib::ALL).allow_bytecode(false).build().unwrap(), ()),
    |lua, _| exec(lua, "local f = string.dump(function() return 1 end) return select(2, load(f)), select(2, load(f, 'x', 'b')), type(load('return 2')))")
)
.catches()
.sweep());

// Host-controlled I/O (EVOLUTION B7, B15): installing each handler, and a
// script going through it.
sweep_test!(io_print_handler, || Entry::new("io: print handler", state(StdLib::ALL), |lua, _| {
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = seen.clone();
    lua.set_print_handler(move |_, text| sink.borrow_mut().push(text.to_vec()))?;
    let out = exec(lua, "print('a', 1, 2.5, setmetatable({}, { __tostring = function() return 'T' end })) io.write('w', 3) return 'done'")?;
    lua.remove_print_handler()?;
    let seen = seen.borrow();
    Ok(format!("{out} {seen:?}"))
})
.sweep());
sweep_test!(io_read_handler, || Entry::new("io: read handler, synthesized io", state(StdLib::BASE), |lua, _| {
    let kept = lua.set_read_handler(|_, format| Ok(Some(if format == lua_core::ReadFormat::Number { b"12".to_vec() } else { b"line".to_vec() })))?;
    let out = exec(lua, "return io.read('n', 'l', 3)")?;
    lua.remove_read_handler()?;
    Ok(format!("{kept} {out} {}", exec(lua, "return io")?))
})
.sweep());
sweep_test!(io_searcher, || Entry::new("io: host searcher", state(StdLib::ALL), |lua, _| {
    lua.add_searcher(|_, name| Ok((name == b"m").then(|| b"return { v = 42 }".to_vec())))?.expect("package");
    exec(lua, "return require('m').v")
})
.sweep());

// ---- the Rust API's conveniences (issue 17): chunks, borrowed strings,
// foreign errors, push/pop, UserData values as IntoLua

sweep_test!(chunk_finishers, || Entry::new("Lua::load: exec, eval (both forms), call, into_function", state(StdLib::ALL), |lua, _| {
    lua.load("acc = {} for i = 1, 10 do acc[i] = ('v'):rep(i) end").set_name("=setup").exec()?;
    let n: i64 = lua.load("#acc + select('#', 1, 2)").eval()?;
    let s: String = lua.load("local t = {} for i = 1, 5 do t[i] = acc[i] end return table.concat(t, ',')").set_name("@chunk.lua").eval()?;
    let c: (i64, String) = lua.load("local a, b = ... return a * 2, b .. '!'").call((21, "x"))?;
    let f = lua.load("return (...) .. acc[3]").set_name("=f").into_function()?;
    let r: String = f.call("w")?;
    let e = lua.load("error('boom')").set_name("=failing").exec().unwrap_err();
    Ok(format!("{n} {s} {c:?} {r} [{}]", e.message()))
})
// The failing chunk's error is caught into the summary: under a fault it
// may be "not enough memory" instead.
.catches()
.sweep());

sweep_test!(chunk_with_environment_and_modes, || Entry::new(
    "Lua::load: set_environment, set_mode, bytecode",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let env: Table = lua.exec("return { x = 40 }").unwrap();
        (lua, env)
    },
    |lua, env| {
        let a: i64 = lua.load("y = x + 2 return y").set_environment(env).eval()?;
        let b: i64 = lua.load("x + y").set_environment(env).eval()?;
        let f = lua.load("return x").set_environment(env).into_function()?;
        let code = lua.compile(b"return 7", c"=seven", true)?;
        let c: i64 = lua.load(&code).set_mode(lua_core::ChunkMode::Binary).eval()?;
        let d = lua.load(&code).set_mode(lua_core::ChunkMode::Text).exec().is_err();
        Ok(format!("{a} {b} {} {c} {d}", f.call::<i64>(())?))
    }
)
.sweep());

/// A state without the debug library: its strings are read in place.
fn string_state() -> (Lua, ()) {
    let lua = Lua::with_libraries(StdLib::SAFE).unwrap();
    let join = lua.create_function(|_, (a, b): (lua_core::LuaString, Option<lua_core::LuaString>)| Ok(format!("{a}+{}", b.map(|b| b.to_string()).unwrap_or_default()))).unwrap();
    lua.set_global("join", join).unwrap();
    (lua, ())
}

sweep_test!(lua_strings, || Entry::new("LuaString: made, read, cloned, passed back", string_state, |lua, _| {
    let s = lua.create_string("made in rust")?;
    let t: lua_core::LuaString = lua.exec("return ('lua'):rep(20)")?;
    let u = t.clone();
    lua.set_global("s", &s)?;
    let joined: String = lua.exec("return join(s, 'x') .. join(12)")?;
    let back: String = lua.exec::<lua_core::LuaString>("return s")?.to_string_lossy().into_owned();
    Ok(format!("{} {} {joined} {back}", u.len(), s.to_str()?))
})
// No pin may be left behind by a failure: the state closes.
.after(|lua, _| {
    usable(lua);
    lua.close().expect("no LuaString is left pinning the state");
})
.sweep());

sweep_test!(external_errors, || Entry::new(
    "into_lua_err: caught by pcall, and uncaught",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let f = lua
            .create_function(|_, code: String| -> Result<i64> {
                use lua_core::ExternalResult;
                code.parse::<i64>().into_lua_err()
            })
            .unwrap();
        lua.set_global("parse", f).unwrap();
        (lua, ())
    },
    |lua, _| {
        let caught = exec(lua, "local ok, m = pcall(parse, 'x') return ok, m, parse('42')")?;
        match lua.exec::<()>("parse('y')") {
            Err(e) if e.code() == "LUA_CALLBACK" => Ok(format!("{caught} {}", e.downcast_ref::<std::num::ParseIntError>().is_some())),
            Err(e) => Err(e),
            Ok(()) => Ok(format!("{caught} no error")),
        }
    }
)
// pcall catches the error into the summary (under a fault, "not enough memory").
.catches()
.sweep());

sweep_test!(table_push_pop, || Entry::new(
    "Table::push / pop / raw_push, with metamethods",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let t: Table = lua.exec("store = {} return setmetatable({}, { __len = function() return #store end, __index = store, __newindex = function(_, k, v) store[k] = v and { v } or nil end })").unwrap();
        (lua, t)
    },
    |lua, t| {
        for i in 0..20 {
            t.push(format!("item {i}"))?;
        }
        let last: Table = t.pop()?;
        let plain = lua.create_table()?;
        for i in 0..20 {
            plain.raw_push(i)?;
            plain.push(i * 2)?;
        }
        Ok(format!("{} {:?} {}", t.len()?, last.raw_get::<_, String>(1)?, plain.pop::<i64>()?))
    }
)
.sweep());

sweep_test!(userdata_into_lua, || Entry::new("UserData values as IntoLua: globals, tables, results", state(StdLib::ALL), |lua, _| {
    lua.set_global("h", Hero { name: "ada".into(), hp: 1 })?;
    let t = lua.create_table()?;
    t.push(Hero { name: "bo".into(), hp: 2 })?;
    t.set("c", Hero { name: "cy".into(), hp: 3 })?;
    lua.set_global("t", t)?;
    let spawn = lua.create_function(|_, hp: i64| Ok(Hero { name: "new".into(), hp }))?;
    lua.set_global("spawn", spawn)?;
    exec(lua, "return h.name, t[1].hp + t.c.hp, spawn(7).hp")
})
.sweep());

sweep_test!(table_pairs_iter, || Entry::new(
    "Table::pairs_iter: snapshot and lazy reads",
    || {
        let lua = Lua::with_libraries(StdLib::ALL).unwrap();
        let t: Table = lua.exec("local t = {} for i = 1, 30 do t['k' .. i] = { i } end return t").unwrap();
        (lua, t)
    },
    |_, t| {
        let mut n = 0;
        for entry in t.pairs_iter::<String, Table>()? {
            let (_, inner) = entry?;
            n += inner.raw_get::<_, i64>(1)?;
        }
        Ok(n.to_string())
    }
)
.sweep());
