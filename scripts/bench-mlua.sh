#!/usr/bin/env bash
# lua-core against mlua 0.12 in one binary (issue 17): each row's median
# time on both sides and the ratio lua-core / mlua, from interleaved rounds.
# VS_MLUA_ROUNDS=n sets the rounds (default 9); arguments filter rows by name.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
cargo run --release --example vs_mlua -- "$@"
