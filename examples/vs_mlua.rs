//! lua-core against mlua 0.12 (its own vendored Lua 5.5) in one binary: the
//! crossings a Rust plugin host makes, written as a Rust user would with
//! each crate. Rounds are interleaved (lua-core, mlua, mlua, lua-core, ...)
//! and every figure is a median, so machine noise hits both sides alike;
//! the table prints lua-core / mlua per row (below 1.0: lua-core is faster).
//!
//! `cargo run --release --example vs_mlua` (or `bash scripts/bench-mlua.sh`;
//! an example, not a bench target, so the npm tarball's source build needs no file of it);
//! `VS_MLUA_ROUNDS=n` sets the number of rounds (default 9).

use std::hint::black_box;
use std::time::Instant;

const FIB: &str = "function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end";

/// The libraries mlua's `Lua::new` opens (all but debug), for lua-core's
/// states too: rows that read a global (`fib`, `add`) find it in a globals
/// table of the same size on both sides. With the base library alone, the
/// 26 globals (`fib` included) of lua-core's state filled a 32-slot table where mlua's 35
/// sat in 64 slots, and a fuller table makes the global's lookup walk a
/// longer collision chain (per process, as the string hash seed falls).
fn same_libraries() -> lua_core::StdLib {
    use lua_core::StdLib;
    StdLib::BASE | StdLib::PACKAGE | StdLib::COROUTINE | StdLib::IO | StdLib::MATH | StdLib::OS | StdLib::STRING | StdLib::TABLE | StdLib::UTF8
}

/// One workload on both sides: (name, iterations, lua-core run, mlua run).
/// Each run does the work `iterations` times and returns seconds.
struct Row {
    name: &'static str,
    per: &'static str,
    iterations: u64,
    core: Box<dyn FnMut(u64) -> f64>,
    mlua: Box<dyn FnMut(u64) -> f64>,
}

fn timed(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();

    // Rust calls a Lua function.
    {
        let core = lua_core::Lua::with_libraries(same_libraries()).unwrap();
        let add: lua_core::Function = core.exec("return function(a, b) return a + b end").unwrap();
        let m = mlua::Lua::new();
        let madd: mlua::Function = m.load("return function(a, b) return a + b end").eval().unwrap();
        rows.push(Row {
            name: "Rust calls a Lua function add(a, b)",
            per: "call",
            iterations: 200_000,
            core: Box::new(move |n| {
                timed(|| {
                    for i in 0..n as i64 {
                        black_box(add.call::<i64>((i, 1)).unwrap());
                    }
                })
            }),
            mlua: Box::new(move |n| {
                let _alive = &m; // an mlua handle does not keep its state alive
                timed(|| {
                    for i in 0..n as i64 {
                        black_box(madd.call::<i64>((i, 1)).unwrap());
                    }
                })
            }),
        });
    }

    // Lua calls a Rust function.
    {
        let core = lua_core::Lua::with_libraries(same_libraries()).unwrap();
        let f = core.create_function(|_, (a, b): (i64, i64)| Ok(a + b)).unwrap();
        core.set_global("add", f).unwrap();
        let loop_core: lua_core::Function = core.exec("return function(n) local s = 0 for i = 1, n do s = add(s, 1) end return s end").unwrap();
        let m = mlua::Lua::new();
        m.globals().set("add", m.create_function(|_, (a, b): (i64, i64)| Ok(a + b)).unwrap()).unwrap();
        let loop_m: mlua::Function = m.load("return function(n) local s = 0 for i = 1, n do s = add(s, 1) end return s end").eval().unwrap();
        rows.push(Row {
            name: "Lua calls a Rust function (typed closure)",
            per: "call",
            iterations: 500_000,
            core: Box::new(move |n| timed(|| assert_eq!(loop_core.call::<i64>(n as i64).unwrap(), n as i64))),
            mlua: Box::new(move |n| {
                let _alive = &m;
                timed(|| assert_eq!(loop_m.call::<i64>(n as i64).unwrap(), n as i64))
            }),
        });
    }

    // Pure Lua, with and without an instruction limit. Each run makes its
    // own state on both sides: `fib` is a global, and where its key sits in
    // `_G` depends on the state's random hash seed (about 10 % of the run
    // between seeds, on both sides alike), so one state per side for the
    // whole benchmark made the row a coin flip per process; a state per
    // round makes the median one over seeds.
    for limited in [false, true] {
        let fib_core = move || {
            let builder = lua_core::Lua::builder().libraries(same_libraries());
            let core = if limited { builder.instruction_limit(u64::MAX / 4) } else { builder }.build().unwrap();
            core.exec::<()>(FIB).unwrap();
            let fib: lua_core::Function = core.exec("return fib").unwrap();
            (core, fib)
        };
        let fib_mlua = move || {
            let m = mlua::Lua::new();
            m.load(FIB).exec().unwrap();
            if limited {
                // What an mlua user writes for a budget: a count hook.
                let spent = std::cell::Cell::new(0u64);
                m.set_hook(mlua::HookTriggers::new().every_nth_instruction(1000), move |_, _| {
                    spent.set(spent.get() + 1000);
                    if spent.get() > u64::MAX / 4 {
                        return Err(mlua::Error::runtime("instruction limit exceeded"));
                    }
                    Ok(mlua::VmState::Continue)
                })
                .unwrap();
            }
            let fib: mlua::Function = m.globals().get("fib").unwrap();
            (m, fib)
        };
        rows.push(Row {
            name: if limited { "fib(27), with an instruction limit" } else { "pure-Lua fib(27), no limit" },
            per: "run",
            iterations: 1,
            core: Box::new(move |n| {
                let (_core, fib) = fib_core();
                timed(|| (0..n).for_each(|_| assert_eq!(fib.call::<i64>(27).unwrap(), 196_418)))
            }),
            mlua: Box::new(move |n| {
                let (_alive, fib) = fib_mlua();
                timed(|| (0..n).for_each(|_| assert_eq!(fib.call::<i64>(27).unwrap(), 196_418)))
            }),
        });
    }

    // Compile and run a tiny chunk.
    {
        let core = lua_core::Lua::with_libraries(same_libraries()).unwrap();
        let m = mlua::Lua::new();
        rows.push(Row {
            name: "exec(\"return 1\")",
            per: "chunk",
            iterations: 50_000,
            core: Box::new(move |n| timed(|| (0..n).for_each(|_| assert_eq!(core.exec::<i64>("return 1").unwrap(), 1)))),
            mlua: Box::new(move |n| timed(|| (0..n).for_each(|_| assert_eq!(m.load("return 1").eval::<i64>().unwrap(), 1)))),
        });
    }

    // A state with the standard libraries (mlua's `Lua::new` opens all but debug).
    {
        let libs = same_libraries();
        rows.push(Row {
            name: "create + drop a state (all libraries but debug)",
            per: "state",
            iterations: 2_000,
            core: Box::new(move |n| timed(|| (0..n).for_each(|_| drop(black_box(lua_core::Lua::with_libraries(libs).unwrap()))))),
            mlua: Box::new(move |n| timed(|| (0..n).for_each(|_| drop(black_box(mlua::Lua::new()))))),
        });
    }
    rows
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // Arguments filter rows by name (`--` options are ignored).
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let rounds: usize = std::env::var("VS_MLUA_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(9);
    println!("lua-core vs mlua 0.12 (vendored Lua 5.5), {rounds} interleaved rounds, medians\n");
    println!("| crossing | lua-core | mlua | lua-core / mlua |");
    println!("|---|---|---|---|");
    for mut row in rows() {
        if !filter.is_empty() && !filter.iter().any(|f| row.name.contains(f.as_str())) {
            continue;
        }
        let n = row.iterations;
        // Warm both sides once.
        (row.core)(n.div_ceil(10));
        (row.mlua)(n.div_ceil(10));
        let (mut core, mut mlua, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (c, m) = if round % 2 == 0 {
                let c = (row.core)(n);
                (c, (row.mlua)(n))
            } else {
                let m = (row.mlua)(n);
                ((row.core)(n), m)
            };
            core.push(c / n as f64);
            mlua.push(m / n as f64);
            ratios.push(c / m);
        }
        let show = |s: f64| if s >= 1e-3 { format!("{:.2} ms", s * 1e3) } else if s >= 1e-6 { format!("{:.2} µs", s * 1e6) } else { format!("{:.0} ns", s * 1e9) };
        println!("| {} | {} /{} | {} /{} | {:.2}x |", row.name, show(median(core)), row.per, show(median(mlua)), row.per, median(ratios));
    }
}
