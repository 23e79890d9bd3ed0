//! `lua-floor --newstate`: what a new Lua state with every standard library
//! costs, part by part, with nothing of a host around it. The floor of
//! lua-native's `new init({ libraries: 'all' })`, and the split of it into
//! `lua_newstate`, each library, and `lua_close` (issue 18, scope 3).

use std::ffi::{c_int, c_void};
use std::process::ExitCode;
use std::ptr;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use lua_sys::*;

extern "C" {
    fn realloc(p: *mut c_void, n: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

/// The standard libraries in the order of their bits in
/// `luaL_openselectedlibs`' mask (lualib.h: LUA_GLIBK is bit 0 and so on).
const LIBRARIES: [&str; 10] = ["base", "package", "coroutine", "debug", "io", "math", "os", "string", "table", "utf8"];

/// Bytes the state holds now (what `counting_alloc` handed out minus what it
/// took back).
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// Blocks the state holds now (each costs malloc's own header besides).
static BLOCKS: AtomicIsize = AtomicIsize::new(0);

/// `realloc`/`free` that keeps `LIVE` up to date.
unsafe extern "C" fn counting_alloc(_ud: *mut c_void, p: *mut c_void, osize: usize, nsize: usize) -> *mut c_void {
    // For a new block (p NULL) Lua passes a type tag in osize, not a size.
    let old = if p.is_null() { 0 } else { osize as isize };
    if nsize == 0 {
        LIVE.fetch_sub(old, Ordering::Relaxed);
        if !p.is_null() {
            BLOCKS.fetch_sub(1, Ordering::Relaxed);
        }
        // SAFETY: Lua passes NULL or a block this function returned from
        // realloc; free(NULL) is a no-op.
        unsafe { free(p) };
        return ptr::null_mut();
    }
    // SAFETY: as above, `p` is NULL or a live block from realloc.
    let q = unsafe { realloc(p, nsize) };
    if !q.is_null() {
        LIVE.fetch_add(nsize as isize - old, Ordering::Relaxed);
        if p.is_null() {
            BLOCKS.fetch_add(1, Ordering::Relaxed);
        }
    }
    q
}

fn median(mut xs: Vec<u128>) -> u128 {
    xs.sort_unstable();
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2
    }
}

/// One state made, opened library by library, and closed: ns per part
/// (newstate, each library, close) and bytes per part (the same, close last
/// as the bytes it returned).
fn once() -> Option<(Vec<u128>, Vec<isize>, isize)> {
    let mut ns = Vec::with_capacity(LIBRARIES.len() + 2);
    let mut bytes = Vec::with_capacity(LIBRARIES.len() + 2);
    let before = LIVE.load(Ordering::Relaxed);
    let t = Instant::now();
    // SAFETY: counting_alloc honours the lua_Alloc contract and needs no
    // user data; lua_newstate does not raise, it returns NULL on failure.
    let l = unsafe { lua_newstate(Some(counting_alloc), ptr::null_mut(), 0x5eed_1234) };
    if l.is_null() {
        return None;
    }
    ns.push(t.elapsed().as_nanos());
    bytes.push(LIVE.load(Ordering::Relaxed) - before);
    for bit in 0..LIBRARIES.len() {
        let at = LIVE.load(Ordering::Relaxed);
        let t = Instant::now();
        // SAFETY: a live state; opening a library raises only on memory
        // exhaustion, which with this allocator is the system's own (Lua's
        // panic handler then aborts), as in the standalone interpreter.
        unsafe { luaL_openselectedlibs(l, 1 << bit as c_int, 0) };
        ns.push(t.elapsed().as_nanos());
        bytes.push(LIVE.load(Ordering::Relaxed) - at);
    }
    let blocks = BLOCKS.load(Ordering::Relaxed);
    let at = LIVE.load(Ordering::Relaxed);
    let t = Instant::now();
    // SAFETY: `l` is live and not used after this.
    unsafe { lua_close(l) };
    ns.push(t.elapsed().as_nanos());
    bytes.push(LIVE.load(Ordering::Relaxed) - at);
    Some((ns, bytes, blocks))
}

pub fn run(runs: usize, warmup: usize, json: bool) -> ExitCode {
    let parts = LIBRARIES.len() + 2;
    let mut times: Vec<Vec<u128>> = vec![Vec::new(); parts];
    let mut totals = Vec::new();
    let mut bytes = Vec::new();
    let mut blocks = 0;
    for i in 0..warmup + runs {
        let Some((ns, b, n)) = once() else {
            eprintln!("lua-floor: lua_newstate failed");
            return ExitCode::FAILURE;
        };
        if i >= warmup {
            totals.push(ns.iter().sum());
            for (part, t) in ns.into_iter().enumerate() {
                times[part].push(t);
            }
            bytes = b;
            blocks = n;
        }
    }
    let names: Vec<String> =
        std::iter::once("lua_newstate".to_string()).chain(LIBRARIES.iter().map(|l| format!("open {l}"))).chain(std::iter::once("lua_close".to_string())).collect();
    let medians: Vec<u128> = times.into_iter().map(median).collect();
    let total = median(totals);
    // What an open state holds: everything before lua_close.
    let held: isize = bytes[..parts - 1].iter().sum();
    if json {
        let list: Vec<String> = names
            .iter()
            .zip(&medians)
            .zip(&bytes)
            .map(|((n, t), b)| format!("{{\"part\":\"{n}\",\"median_ns\":{t},\"bytes\":{b}}}"))
            .collect();
        println!("{{\"median_ns\":{total},\"bytes\":{held},\"blocks\":{blocks},\"runs\":{runs},\"warmup\":{warmup},\"parts\":[{}]}}", list.join(","));
    } else {
        for ((n, t), b) in names.iter().zip(&medians).zip(&bytes) {
            println!("{n:>16}: {:>8.2} us  {b:>7} bytes", *t as f64 / 1e3);
        }
        println!("new state with every library + close: median {:.2} us over {runs} runs; an open state holds {held} bytes in {blocks} blocks", total as f64 / 1e3);
    }
    ExitCode::SUCCESS
}
