#!/usr/bin/env bash
# Runs the tests against a build whose Lua C code (vendor/, the patched copies
# lua-sys/build/main.rs makes, lua-sys/csrc/) is compiled with AddressSanitizer:
#   js    the JavaScript suites and the parity harness, on an ASan addon
#   fuzz  tests/fuzz/fuzz.mjs, when it exists
#   core  cargo test -p lua-core --all-features, and lua-sys's own tests (the
#         opening, the fast paths and setfuncs in csrc/ against stock Lua)
# Only the C code is instrumented (Rust would need nightly's -Zsanitizer).
# Builds go to target/asan, so the normal build is left alone. Every part runs
# even if an earlier one failed; the exit status is non-zero if any suite
# failed or ASan reported anything.
#
#   bash scripts/asan.sh
#   bash scripts/asan.sh --fuzz-iterations 20000 --only fuzz,core
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

fuzz_iterations=2000
only=js,fuzz,core
while [ $# -gt 0 ]; do
  case "$1" in
    --fuzz-iterations) fuzz_iterations="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    *) echo "usage: $0 [--fuzz-iterations N] [--only js,fuzz,core]" >&2; exit 2 ;;
  esac
done
wants() { [[ ",$only," == *",$1,"* ]]; }

bash scripts/setup.sh
libasan="$(gcc -print-file-name=libasan.so)"
[ -e "$libasan" ] || { echo "asan: gcc has no libasan.so (install gcc's libasan)" >&2; exit 1; }

# lua-sys/build/main.rs reads this (and re-runs when it changes).
export LUA_NATIVE_SANITIZE=address
export CARGO_TARGET_DIR="$root/target/asan"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Kept after the run; emptied at the start of each one.
reports="$CARGO_TARGET_DIR/asan-reports"
rm -rf "$reports" && mkdir -p "$reports"
# ASan's settings:
#   halt_on_error             the first error ends the process
#   log_path                  every report goes to a file (asan.<pid>), so one in
#                             a child process whose exit status a test ignores
#                             still fails the run; the first ones are printed
#   allocator_may_return_null a huge malloc returns NULL as with glibc (Lua then
#                             raises "not enough memory") instead of aborting
#   allow_user_segv_handler=0 node installs its own SIGSEGV handler, which would
#                             turn a crash into a bare signal; ASan's gives a stack
#   detect_leaks              off for node (V8 leaves memory at exit on purpose),
#                             on for the Rust tests
asan_options="halt_on_error=1:allocator_may_return_null=1:allow_user_segv_handler=0:log_path=$reports/asan"
export ASAN_OPTIONS="$asan_options:detect_leaks=0"
failed=()

if wants js || wants fuzz; then
  echo "== building the addon with ASan (release, $CARGO_TARGET_DIR)"
  cargo build --release -p lua-node
  # Guard against a build that silently lost the instrumentation.
  nm -D "$CARGO_TARGET_DIR/release/liblua_node.so" | grep __asan_report >/dev/null \
    || { echo "asan: the addon's C code is not instrumented" >&2; exit 1; }
  # A package directory like the repository root, holding the ASan addon.
  mkdir "$work/pkg"
  cp index.cjs index.mjs index.d.ts native-target.cjs package.json "$work/pkg/"
  cp "$CARGO_TARGET_DIR/release/liblua_node.so" "$work/pkg/lua-native.node"
  export LUA_NATIVE_PACKAGE="$work/pkg"
  unset LUA_NATIVE_BINARY
  # node itself is not instrumented and only dlopens the addon, so the ASan
  # runtime must be preloaded to come first (child processes inherit it).
  asan_node() { LD_PRELOAD="$libasan${LD_PRELOAD:+:$LD_PRELOAD}" node "$@"; }
fi

# Tests whose own assertions ASan breaks: RSS right after freeing (ASan's
# quarantine keeps freed memory mapped) and event-loop latency (ASan's slower
# malloc stalls the test runner's reporting on the main thread). They still
# run, so their code is checked, but only an ASan report fails them here.
unfit='B22 dispose\(\) frees the Lua heap|leak: 100,000 functions|A4 handles: memory of the retired state|soak: |async: execute_script_async rejects with the timeout error and the event loop'
if wants js; then
  echo "== node --test (JavaScript suites and the parity harness) under ASan"
  js_files=(tests/js/*.test.mjs tests/parity/*.test.mjs)
  # Node 20 has no --test-skip-pattern; a name pattern that rejects them does,
  # but it must still match the runner's root test ("<root>"), since a test
  # also runs when its parent's name matches.
  asan_node --expose-gc --test --test-reporter=spec --test-name-pattern="^(?!<root>$|$unfit)" "${js_files[@]}" || failed+=(js)
  echo "== the same, tests unfit for ASan (their failures are ignored, ASan reports are not)"
  asan_node --expose-gc --test --test-reporter=dot --test-name-pattern="^($unfit)" "${js_files[@]}" || true
fi

if wants fuzz; then
  if [ -f tests/fuzz/fuzz.mjs ]; then
    echo "== fuzz (seed 1, $fuzz_iterations iterations) under ASan"
    asan_node tests/fuzz/fuzz.mjs --seed 1 --iterations "$fuzz_iterations" || failed+=(fuzz)
  else
    echo "== fuzz: tests/fuzz/fuzz.mjs does not exist, skipped"
  fi
fi

if wants core; then
  echo "== cargo test -p lua-core --all-features, -p lua-sys (release) with ASan C code"
  # The test binaries link libasan themselves (lua-sys/build/main.rs puts it first).
  ASAN_OPTIONS="$asan_options:detect_leaks=1" cargo test --release --no-fail-fast -p lua-core --all-features || failed+=(core)
  ASAN_OPTIONS="$asan_options:detect_leaks=1" cargo test --release --no-fail-fast -p lua-sys --tests || failed+=(lua-sys)
fi

shopt -s nullglob
found=("$reports"/asan.*)
if [ ${#found[@]} -gt 0 ]; then
  echo "== ${#found[@]} ASan report(s) in $reports; the first 3:"
  for r in "${found[@]:0:3}"; do echo "-- $r"; cat "$r"; done
  failed+=(asan-report)
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "asan: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "asan: clean (parts: $only)"
