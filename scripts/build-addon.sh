#!/usr/bin/env bash
# Builds the Node addon (release) and puts it where index.cjs looks:
# ./lua-native.node at the repository root.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
profile="${LUA_NATIVE_PROFILE:-release}"
if [ "$profile" = release ]; then
  cargo build --release -p lua-node
  out=target/release
else
  cargo build -p lua-node
  out=target/debug
fi
case "$(uname -s)" in
  Darwin) lib="$out/liblua_node.dylib" ;;
  MINGW*|MSYS*|CYGWIN*) lib="$out/lua_node.dll" ;;
  *) lib="$out/liblua_node.so" ;;
esac
# Replace the file atomically: a process that has the old addon loaded keeps
# its (unlinked) copy instead of crashing on a file rewritten under it.
cp "$lib" "$root/lua-native.node.tmp.$$"
mv -f "$root/lua-native.node.tmp.$$" "$root/lua-native.node"
echo "built $root/lua-native.node ($profile)"
