#!/usr/bin/env bash
# The addon against its floors (issue 18; not part of the tests): builds the
# release addon, the plain-Rust Lua floor (src/bin/lua-floor.rs) and the bare
# N-API floor addon (scripts/floor-addon/floor.c, with the machine's C
# compiler against Node's own headers; no node-gyp), then runs
# scripts/bench-floors.mjs, which prints every crossing of issue 18's table
# as ours, the floor, and ours / floor paired per run. About 1 minute per run
# on a 2-vCPU machine.
#
#   bash scripts/bench-floors.sh                  # 5 runs
#   bash scripts/bench-floors.sh --runs 3 --only call,exec
#
# Set BENCH_FLOORS_NO_BUILD=1 to use the addon and lua-floor as they are
# (e.g. a build with debug info made for perf).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

target="${CARGO_TARGET_DIR:-$root/target}"
if [ -z "${BENCH_FLOORS_NO_BUILD:-}" ]; then
  echo "== building the addon (release)" >&2
  bash scripts/build-addon.sh >&2
  echo "== building the Lua floor (release)" >&2
  cargo build --release --bin lua-floor >&2
fi

# Node's headers: beside the node binary (official tarballs, distribution
# packages), else the node-api-headers npm package if it is installed.
node_inc="$(node -p "require('path').resolve(process.execPath, '../../include/node')")"
if [ ! -f "$node_inc/node_api.h" ]; then
  node_inc="$root/node_modules/node-api-headers/include"
fi
if [ ! -f "$node_inc/node_api.h" ]; then
  echo "bench-floors: Node's headers (node_api.h) were not found beside $(command -v node);" >&2
  echo "  install them (e.g. npm install --no-save node-api-headers) and run again" >&2
  exit 1
fi
mkdir -p "$target/bench-floors"
floor_addon="$target/bench-floors/floor.node"
case "$(uname -s)" in
  Darwin) link=(-bundle -undefined dynamic_lookup) ;;
  *) link=(-shared) ;;
esac
if [ ! -f "$floor_addon" ] || [ scripts/floor-addon/floor.c -nt "$floor_addon" ]; then
  echo "== building the N-API floor addon ($node_inc)" >&2
  "${CC:-cc}" -O2 -fPIC "${link[@]}" -I"$node_inc" scripts/floor-addon/floor.c -o "$floor_addon"
fi
# The call row's second reference: stock Lua (vendor/lua, unpatched) behind
# the same bare N-API call.
lua_call_addon="$target/bench-floors/lua-call.node"
if [ ! -f "$lua_call_addon" ] || [ scripts/floor-addon/lua-call.c -nt "$lua_call_addon" ]; then
  echo "== building the stock-Lua call reference addon" >&2
  lua_sources=()
  for c in vendor/lua/*.c; do
    case "$(basename "$c")" in lua.c|luac.c|onelua.c) ;; *) lua_sources+=("$c") ;; esac
  done
  "${CC:-cc}" -O2 -fPIC "${link[@]}" -DLUA_USE_POSIX -I"$node_inc" -Ivendor/lua scripts/floor-addon/lua-call.c "${lua_sources[@]}" -o "$lua_call_addon" -lm
fi

echo "== machine"
echo "cpus: $(nproc)  model: $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)  load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "$(node --version) / $(rustc --version)"
node --expose-gc scripts/bench-floors.mjs --floor-addon "$floor_addon" --lua-call-addon "$lua_call_addon" --lua-floor "$target/release/lua-floor" "$@"
