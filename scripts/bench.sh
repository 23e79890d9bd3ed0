#!/usr/bin/env bash
# The benchmark suite (not part of the tests): builds the release addon and
# the plain-Rust floor program (src/bin/lua-floor.rs, lua-sys only), then runs
# scripts/bench.mjs, which prints ns per operation for the addon's hot paths,
# async throughput with 4 contexts, fib(30) through the addon (without limits
# and with each limit) against the same chunk on the floor, how far a
# `timeout` overshoots, and how long each kind of library and collector work
# takes to spend one `maxInstructions` budget (the work budget). About 1-2
# minutes on a 2-vCPU machine.
#
#   bash scripts/bench.sh
#   BENCH_ONLY=fib,overshoot bash scripts/bench.sh     # parts: micro, async, fib, overshoot, budget
#
# Knobs (environment): BENCH_BATCHES, BENCH_BATCH_MS, BENCH_FIB_RUNS,
# BENCH_FIB_ROUNDS, BENCH_ASYNC_REPEATS, BENCH_OVERSHOOT_RUNS, BENCH_BUDGET,
# BENCH_BUDGET_ROUNDS, BENCH_ONLY (see scripts/bench.mjs).
#
# Experiment (not the shipped build): BENCH_LUA_CFLAGS="-falign-functions=64"
# builds both the addon and the floor with those extra C flags for Lua, in a
# separate target directory (target/bench-cflags), and benchmarks those
# builds instead; ./lua-native.node is left alone. See docs/PERFORMANCE.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ -n "${BENCH_LUA_CFLAGS:-}" ]; then
  bash scripts/setup.sh >&2
  export CFLAGS="${CFLAGS:+$CFLAGS }$BENCH_LUA_CFLAGS"
  export CARGO_TARGET_DIR="$root/target/bench-cflags"
  echo "== EXPERIMENT: Lua compiled with extra CFLAGS: $BENCH_LUA_CFLAGS (in $CARGO_TARGET_DIR)" >&2
  cargo build --release -p lua-node >&2
  case "$(uname -s)" in
    Darwin) lib="$CARGO_TARGET_DIR/release/liblua_node.dylib" ;;
    *) lib="$CARGO_TARGET_DIR/release/liblua_node.so" ;;
  esac
  cp "$lib" "$CARGO_TARGET_DIR/lua-native.node"
  export LUA_NATIVE_BINARY="$CARGO_TARGET_DIR/lua-native.node"
else
  echo "== building the addon (release)" >&2
  bash scripts/build-addon.sh >&2
fi
echo "== building the floor (release)" >&2
cargo build --release --bin lua-floor >&2
floor="${CARGO_TARGET_DIR:-$root/target}/release/lua-floor"
[ -x "$floor" ] || { echo "bench: $floor was not built" >&2; exit 1; }

echo "== machine"
echo "cpus: $(nproc)  model: $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)  load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "$(node --version) / $(rustc --version)"
[ -n "${BENCH_LUA_CFLAGS:-}" ] && echo "EXPERIMENT: Lua built with extra CFLAGS '$BENCH_LUA_CFLAGS' (not the shipped build)"

node --expose-gc scripts/bench.mjs --floor "$floor"
