#!/usr/bin/env bash
# Runs every test: the Rust crates (unit, integration, ported core checks and
# doc tests, all features), lint and documentation checks, the packaging of
# the publishable crates (scripts/package-crates.sh), the TypeScript
# declaration check, the JavaScript suites (including the parity harness)
# against the freshly built addon, and the npm package (packed as released,
# installed into scratch apps: tests/package/). Sets up whatever is missing first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/build-addon.sh

echo "== cargo test (workspace, all features)"
cargo test --workspace --all-features --release

echo "== lua-core without optional features (what a Rust user builds by default)"
cargo clippy -p lua-core --all-targets --release -- -D warnings
echo "== cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

echo "== cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc -p lua-core --all-features --no-deps --quiet

bash scripts/package-crates.sh

echo "== tsc --noEmit (TypeScript declarations)"
node_modules/.bin/tsc -p tests/types/tsconfig.json
# Without @types/node or the DOM library, and with `using` (esnext.disposable).
node_modules/.bin/tsc -p tests/types/tsconfig.no-node.json
node_modules/.bin/tsc -p tests/types/tsconfig.disposable.json
# Every @example in index.d.ts compiles.
node tests/types/examples.mjs

echo "== node --test (JavaScript suites and the parity harness)"
shopt -s nullglob
node --expose-gc --test --test-reporter=spec tests/js/*.test.mjs tests/parity/*.test.mjs

# This machine's platform package built as released (on Linux gnu: cargo
# zigbuild against glibc 2.17, checked with objdump -T), packed with the main
# package, then installed and loaded as a user would (tests/package/).
# LUA_NATIVE_NPM_HOST=1 packs the addon built above instead (no second build).
echo "== npm package (scripts/package-npm.sh, tests/package)"
export LUA_NATIVE_NPM_OUT="$root/target/npm-test"
if [ "${LUA_NATIVE_NPM_HOST:-}" = 1 ]; then bash scripts/package-npm.sh --host; else bash scripts/package-npm.sh; fi
node --test --test-reporter=spec tests/package/*.test.mjs
