#!/usr/bin/env bash
# Runs every test: the Rust crates (unit, integration and doc tests), the
# TypeScript declaration check, and the JavaScript suites against the
# freshly built addon. Sets up whatever is missing first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/build-addon.sh

echo "== cargo test"
cargo test --workspace --release

echo "== tsc --noEmit (TypeScript declarations)"
node_modules/.bin/tsc -p tests/types/tsconfig.json

echo "== node --test (JavaScript suites)"
node --expose-gc --test --test-reporter=spec tests/js/*.test.mjs
