#!/usr/bin/env bash
# Packs lua-sys and lua-core as `cargo publish` would, and builds the packed
# crates on their own (cargo's verification; lua-core against the packed
# lua-sys), so a crate that only builds inside this workspace is caught.
# Then checks the packed files: Lua's sources (through the lua-sys/vendor
# symlink), Lua's license and ours in both crates.
# Takes 1-4 minutes: the verification builds lua-sys (bindgen, Lua) in debug.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# --allow-dirty: the check is about what the crates contain and whether they
# build, which uncommitted work in progress should not stop.
echo "== cargo package -p lua-sys -p lua-core (with verification)"
# lua-core is verified against the packed lua-sys as if it came from a
# registry, and cargo treats a registry crate of a given version as never
# changing: it reuses what it extracted (under CARGO_HOME) and built (in the
# target directory) for an earlier run, older sources and all. So both are
# removed first: the extractions of this project's crates from cargo's local
# temporary registries (named "-<hash>"), and a target directory of the
# verification's own.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
rm -rf "$cargo_home"/registry/src/-*/lua-sys-* "$cargo_home"/registry/src/-*/lua-core-* \
  "$cargo_home"/registry/cache/-*/lua-sys-* "$cargo_home"/registry/cache/-*/lua-core-*
rm -rf target/package target/package-verify
CARGO_TARGET_DIR=target/package-verify cargo package -p lua-sys -p lua-core --allow-dirty

list() { cargo package -p "$1" --list --allow-dirty 2>/dev/null; }
require() {
  local crate="$1" file="$2"
  grep -qxF "$file" <<<"$listing" || { echo "package-crates: $crate does not pack $file" >&2; exit 1; }
}

listing="$(list lua-sys)"
for f in LICENSE LICENSE-LUA README.md vendor/LICENSE vendor/SHA256SUMS build/main.rs csrc/lua_native_user.h; do
  require lua-sys "$f"
done
# Every vendored Lua file listed in SHA256SUMS, no more, no fewer.
expected="$(awk '{print "vendor/" $2}' vendor/SHA256SUMS | sort)"
packed="$(grep '^vendor/lua/' <<<"$listing" | sort)"
if [ "$expected" != "$packed" ]; then
  echo "package-crates: lua-sys's vendor/lua differs from vendor/SHA256SUMS:" >&2
  diff <(echo "$expected") <(echo "$packed") >&2 || true
  exit 1
fi

listing="$(list lua-core)"
for f in LICENSE LICENSE-LUA README.md src/lib.rs; do
  require lua-core "$f"
done

for crate in lua-sys lua-core; do
  file="$(ls target/package-verify/package/$crate-*.crate | tail -1)"
  echo "packed $file ($(wc -c <"$file") bytes)"
done
