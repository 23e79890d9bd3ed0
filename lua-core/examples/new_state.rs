//! Makes and closes states with every library, for profiling the opening
//! (issue 18): `cargo run --release -p lua-core --example new_state [n]`
//! prints µs per state; under `valgrind --tool=callgrind` use a small `n`.
use lua_core::{Lua, Preset};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let mut best = f64::MAX;
    for _ in 0..7 {
        let t0 = std::time::Instant::now();
        for _ in 0..n {
            let lua = Lua::builder().preset(Preset::All).build().unwrap();
            lua.close().unwrap();
        }
        best = best.min(t0.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    println!("{best:.2} us per state (best of 7 x {n})");
}
