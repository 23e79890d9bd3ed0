#!/usr/bin/env bash
# The benchmark suite (not part of the tests): builds the release addon and
# the plain-Rust floor program, then runs scripts/bench.mjs, which prints ns
# per operation for the addon's hot paths and compares fib(30) through the
# addon with the same chunk run on lua-sys alone.
#
#   bash scripts/bench.sh
#
# Knobs (environment): BENCH_BATCHES, BENCH_BATCH_MS, BENCH_FIB_RUNS,
# BENCH_FIB_ROUNDS (see scripts/bench.mjs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

echo "== building the addon (release)" >&2
bash scripts/build-addon.sh >&2
echo "== building the floor (release)" >&2
cargo build --release --bin lua-floor >&2
floor="${CARGO_TARGET_DIR:-$root/target}/release/lua-floor"
[ -x "$floor" ] || { echo "bench: $floor was not built" >&2; exit 1; }

echo "== machine"
echo "cpus: $(nproc)  model: $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
echo "$(node --version) / $(rustc --version)"

node --expose-gc scripts/bench.mjs --floor "$floor"
