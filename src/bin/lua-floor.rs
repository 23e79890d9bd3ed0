//! The benchmark floor: the cheapest way to run a Lua chunk from Rust.
//!
//! It uses `lua-sys` only (the very same static Lua library the addon links),
//! with a plain `realloc`/`free` allocator, no protected-call machinery beyond
//! one `lua_pcall`, no runtime pointer and no conversions. `scripts/bench.sh`
//! compares the addon's `execute_script` of the same chunk against it.
//!
//! ```text
//! lua-floor [--runs N] [--warmup N] [--file PATH] [--repeat K] [--json] [--count-hook N]
//! lua-floor --newstate [--runs N] [--warmup N] [--json]
//! ```
//!
//! Without `--file` the chunk is the recursive `fib(30)` below. One state is
//! created; the chunk is loaded (compiled) and run `warmup` times untimed and
//! then `runs` times timed, each run measured with `Instant` around load + call.
//! The median wall time is printed (`--json`: one JSON line for scripts).
//! `--repeat K` loads and runs the chunk K times per timed run and reports
//! the time per load + call (for chunks far shorter than the timer's own
//! cost, such as `return 1`; `scripts/bench-floors.mjs` uses it).
//!
//! `--newstate` times what a new state with every library costs instead:
//! `lua_newstate`, then each standard library opened on its own (in
//! `luaL_openselectedlibs`' order), then `lua_close`, each part timed and its
//! allocated bytes counted (median per part over the runs). It is the floor
//! of lua-native's `new init({ libraries: 'all' })` and splits it by part.
//!
//! `--count-hook N` (an experiment, not the floor proper) installs a count
//! hook every N instructions whose body only bumps a counter: what Lua's own
//! hook machinery costs, without anything a host would do in the hook. The
//! addon's `maxInstructions`/`timeout` ride on such a hook (every 1000), so
//! this separates Lua's share of their overhead from the addon's.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::process::ExitCode;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use lua_sys::*;

#[path = "lua-floor/newstate.rs"]
mod newstate;

/// The chunk `scripts/bench.mjs` also hands to `execute_script`.
const FIB_CHUNK: &str = "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end\nreturn fib(30)\n";

extern "C" {
    fn realloc(p: *mut c_void, n: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

/// The plainest `lua_Alloc`: no accounting, no limit.
unsafe extern "C" fn plain_alloc(_ud: *mut c_void, p: *mut c_void, _osize: usize, nsize: usize) -> *mut c_void {
    if nsize == 0 {
        // SAFETY: Lua passes NULL or a block this function returned from
        // realloc; free(NULL) is a no-op.
        unsafe { free(p) };
        ptr::null_mut()
    } else {
        // SAFETY: as above, `p` is NULL or a live block from realloc.
        unsafe { realloc(p, nsize) }
    }
}

struct Options {
    runs: usize,
    warmup: usize,
    file: Option<String>,
    json: bool,
    count_hook: c_int,
    repeat: usize,
    newstate: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options { runs: 7, warmup: 1, file: None, json: false, count_hook: 0, repeat: 1, newstate: false };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--runs" => o.runs = value("--runs")?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--warmup" => o.warmup = value("--warmup")?.parse().map_err(|e| format!("--warmup: {e}"))?,
            "--file" => o.file = Some(value("--file")?),
            "--json" => o.json = true,
            "--newstate" => o.newstate = true,
            "--repeat" => {
                o.repeat = value("--repeat")?.parse().map_err(|e| format!("--repeat: {e}"))?;
                if o.repeat < 1 {
                    return Err("--repeat must be at least 1".into());
                }
            }
            "--count-hook" => {
                o.count_hook = value("--count-hook")?.parse().map_err(|e| format!("--count-hook: {e}"))?;
                if o.count_hook < 1 {
                    return Err("--count-hook must be at least 1".into());
                }
            }
            "-h" | "--help" => {
                println!("usage: lua-floor [--runs N] [--warmup N] [--file PATH] [--repeat K] [--json] [--count-hook N]");
                println!("       lua-floor --newstate [--runs N] [--warmup N] [--json]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if o.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(o)
}

/// How many times the `--count-hook` hook fired (read at the end, so the
/// hook's work cannot be optimised away).
static HOOK_CALLS: AtomicU64 = AtomicU64::new(0);

/// The `--count-hook` hook: counts, nothing else.
unsafe extern "C" fn count_hook(_l: *mut lua_State, _ar: *mut lua_Debug) {
    HOOK_CALLS.fetch_add(1, Ordering::Relaxed);
}

/// The message on top of the stack, for an error report.
///
/// # Safety
/// `l` is a live state with at least one value on its stack.
unsafe fn top_message(l: *mut lua_State) -> String {
    // SAFETY: the caller guarantees a value at -1; lua_tolstring only converts
    // numbers and strings in place, never raises for them, and returns NULL
    // for anything else.
    let s = unsafe { lua_tolstring(l, -1, ptr::null_mut()) };
    if s.is_null() {
        "(error object is not a string)".into()
    } else {
        // SAFETY: a non-NULL result is a NUL-terminated string owned by the
        // value at -1, still on the stack while we copy it.
        unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
    }
}

/// Loads and runs the chunk once; returns the chunk's first result if it is
/// an integer. (The caller times it: a timer inside would weigh on `--repeat`.)
///
/// # Safety
/// `l` is a live state with an empty stack.
unsafe fn run_once(l: *mut lua_State, chunk: &[u8]) -> Result<Option<i64>, String> {
    // SAFETY: `chunk` outlives the call; the name is a static C string;
    // luaL_loadbufferx reports errors by status, it does not raise.
    let status = unsafe {
        luaL_loadbufferx(l, chunk.as_ptr() as *const c_char, chunk.len(), c"=floor".as_ptr(), ptr::null())
    };
    if status != LUA_OK as c_int {
        // SAFETY: a failed load leaves its message on the stack.
        let msg = unsafe { top_message(l) };
        // SAFETY: pops that message, leaving the stack empty again.
        unsafe { lua_settop(l, 0) };
        return Err(format!("load: {msg}"));
    }
    // SAFETY: the loaded function is on top; lua_pcall catches any error the
    // chunk raises (no longjmp crosses a Rust frame).
    let status = unsafe { lua_pcall(l, 0, 1, 0) };
    if status != LUA_OK as c_int {
        // SAFETY: a failed call leaves its message on the stack.
        let msg = unsafe { top_message(l) };
        // SAFETY: pops that message.
        unsafe { lua_settop(l, 0) };
        return Err(format!("run: {msg}"));
    }
    // SAFETY: exactly one result is on the stack (nresults = 1);
    // lua_tointegerx does not raise; settop(0) then pops it.
    let result = unsafe {
        let mut isint: c_int = 0;
        let v = lua_tointegerx(l, -1, &mut isint);
        lua_settop(l, 0);
        (isint != 0).then_some(v as i64)
    };
    Ok(result)
}

fn median(sorted: &[u128]) -> u128 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("lua-floor: {e}");
            return ExitCode::from(2);
        }
    };
    if opts.newstate {
        return newstate::run(opts.runs, opts.warmup, opts.json);
    }
    let chunk: Vec<u8> = match &opts.file {
        Some(path) => match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("lua-floor: {path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => FIB_CHUNK.as_bytes().to_vec(),
    };

    // SAFETY: plain_alloc honours the lua_Alloc contract and needs no user
    // data; lua_newstate does not raise, it returns NULL on failure.
    let l = unsafe { lua_newstate(Some(plain_alloc), ptr::null_mut(), 0x5eed_1234) };
    if l.is_null() {
        eprintln!("lua-floor: lua_newstate failed");
        return ExitCode::FAILURE;
    }
    // SAFETY: a fresh state with an empty stack. Opening the libraries can only
    // raise on memory exhaustion, which with this allocator means the system
    // itself is out of memory (Lua's panic handler then aborts) - the same
    // stance the standalone `lua` interpreter takes.
    unsafe { luaL_openselectedlibs(l, !0, 0) };
    if opts.count_hook > 0 {
        // SAFETY: `l` is live; lua_sethook only stores the hook, mask and count.
        unsafe { lua_sethook(l, Some(count_hook), LUA_MASKCOUNT as c_int, opts.count_hook) };
    }

    let mut times = Vec::with_capacity(opts.runs);
    let mut result = None;
    for i in 0..opts.warmup + opts.runs {
        let start = Instant::now();
        for _ in 0..opts.repeat {
            // SAFETY: `l` is live and its stack is empty between runs
            // (run_once always resets it).
            match unsafe { run_once(l, &chunk) } {
                Ok(r) => result = r,
                Err(e) => {
                    eprintln!("lua-floor: {e}");
                    // SAFETY: `l` is live and no longer used afterwards.
                    unsafe { lua_close(l) };
                    return ExitCode::FAILURE;
                }
            }
        }
        let ns = start.elapsed().as_nanos() / opts.repeat as u128;
        if i >= opts.warmup {
            times.push(ns);
        }
    }
    // SAFETY: `l` is live and not used after this.
    unsafe { lua_close(l) };

    let mut sorted = times.clone();
    sorted.sort_unstable();
    let med = median(&sorted);
    if opts.json {
        let list: Vec<String> = times.iter().map(|t| t.to_string()).collect();
        let res = result.map_or("null".to_string(), |r| r.to_string());
        println!(
            "{{\"median_ns\":{med},\"min_ns\":{},\"runs\":{},\"warmup\":{},\"repeat\":{},\"result\":{res},\"hook_calls\":{},\"times_ns\":[{}]}}",
            sorted[0],
            opts.runs,
            opts.warmup,
            opts.repeat,
            HOOK_CALLS.load(Ordering::Relaxed),
            list.join(",")
        );
    } else {
        for (i, t) in times.iter().enumerate() {
            println!("run {}: {:.3} ms", i + 1, *t as f64 / 1e6);
        }
        if let Some(r) = result {
            println!("result: {r}");
        }
        println!(
            "median of {} runs (after {} warm-up): {:.3} ms (min {:.3} ms)",
            opts.runs,
            opts.warmup,
            med as f64 / 1e6,
            sorted[0] as f64 / 1e6
        );
    }
    ExitCode::SUCCESS
}
