#!/usr/bin/env bash
# Reproduces vendor/ from the lua-src crate on crates.io: the Lua C sources
# exactly as that crate ships them, the license text from lua.h, and a
# checksum of every file (vendor/SHA256SUMS, checked by the root build.rs).
set -euo pipefail
LUA_SRC_VERSION=551.1.0
LUA_DIR=lua-5.5.1
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Let cargo download the crate the ordinary way, then copy from its cache.
mkdir -p "$work/src"
cat > "$work/Cargo.toml" <<TOML
[package]
name = "fetch-lua-src"
version = "0.0.0"
edition = "2021"
[dependencies]
lua-src = "=$LUA_SRC_VERSION"
TOML
echo 'fn main() {}' > "$work/src/main.rs"
(cd "$work" && cargo fetch --quiet)
src="$(find "${CARGO_HOME:-$HOME/.cargo}/registry/src" -maxdepth 2 -type d -name "lua-src-$LUA_SRC_VERSION" | head -n1)"
[ -d "$src/$LUA_DIR" ] || { echo "lua-src $LUA_SRC_VERSION not found in the cargo cache" >&2; exit 1; }

rm -rf "$root/vendor/lua"
mkdir -p "$root/vendor/lua"
cp "$src/$LUA_DIR"/*.c "$src/$LUA_DIR"/*.h "$root/vendor/lua/"
# Lua's license is the notice at the end of lua.h; keep it beside the sources.
sed -n '/^\* Copyright (C) 1994-/,/^\*\*\*\*/p' "$root/vendor/lua/lua.h" \
  | sed -e '/^\*\*\*/d' -e 's/^\* \{0,1\}//' > "$root/vendor/LICENSE"
(cd "$root/vendor" && find lua -type f | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
{
  echo "# vendor/: the Lua C sources"
  echo
  echo "The files under \`lua/\` are Lua $LUA_DIR, unmodified, exactly as the \`lua-src\` crate"
  echo "version $LUA_SRC_VERSION on crates.io ships them in its folder \`$LUA_DIR\`. \`LICENSE\` is Lua's"
  echo "own license (the notice at the end of \`lua.h\`). \`scripts/vendor-lua.sh\` recreates this folder;"
  echo "the root \`build.rs\` refuses to build when a file no longer matches \`SHA256SUMS\`, so a change"
  echo "to Lua itself can never slip in unnoticed. Patches, if ever needed, live in \`lua-sys\` with their reason."
  echo
  echo "| file | SHA-256 |"
  echo "|---|---|"
  while read -r sum file; do echo "| \`$file\` | \`$sum\` |"; done < "$root/vendor/SHA256SUMS"
} > "$root/vendor/README.md"
echo "vendor/ now holds $(ls "$root/vendor/lua" | wc -l) files from lua-src $LUA_SRC_VERSION ($LUA_DIR)"
