#!/usr/bin/env bash
# Packs the npm packages for this machine into dist/npm/ (or $LUA_NATIVE_NPM_OUT):
# the main package, lua-native-<version>.tgz (JS, declarations, the Rust
# sources for the source fallback; no binary), and this machine's platform
# package, lua-native-<target>-<version>.tgz (the binary, npm/<target>/).
#
#   bash scripts/package-npm.sh          # the binary as released: `napi build --platform
#                                        # --release --strip`; on Linux glibc through
#                                        # `cargo zigbuild` against glibc 2.17, then checked
#                                        # with objdump -T (scripts/check-glibc.sh)
#   bash scripts/package-npm.sh --host   # the binary scripts/build-addon.sh built (no second
#                                        # build; what tests/package/*.test.mjs use)
#
# Installs what it needs when missing: the npm dev dependencies (@napi-rs/cli),
# zig (the `ziglang` package from PyPI) and cargo-zigbuild (crates.io).
# The release workflow (.github/workflows/release.yml) builds the other targets.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode="${1:-release}"
out="${LUA_NATIVE_NPM_OUT:-$root/dist/npm}"
bash scripts/setup.sh

key="$(node -p "require('./native-target.cjs').currentTarget().key")"
triple="$(node -p "require('./native-target.cjs').currentTarget().triple || ''")"
if [ -z "$triple" ]; then
  echo "package-npm: $key is not a declared target (package.json napi.targets)" >&2
  exit 1
fi
dir="npm/$key"
binary="$dir/lua-native.$key.node"
glibc_baseline=2.17

# zig from PyPI, run as `python3 -m ziglang`; cargo-zigbuild and napi look
# for a `zig` command, so a wrapper goes first on the PATH.
ensure_zig() {
  if ! command -v zig >/dev/null 2>&1; then
    if ! python3 -m ziglang version >/dev/null 2>&1; then
      echo "package-npm: installing zig (pip install ziglang)"
      python3 -m pip install --quiet ziglang
    fi
    local shim="$root/target/zig-shim"
    mkdir -p "$shim"
    printf '#!/bin/sh\nexec python3 -m ziglang "$@"\n' >"$shim/zig"
    chmod +x "$shim/zig"
    export PATH="$shim:$PATH"
  fi
  if ! command -v cargo-zigbuild >/dev/null 2>&1; then
    echo "package-npm: installing cargo-zigbuild (cargo install)"
    cargo install --locked --quiet cargo-zigbuild
  fi
}

case "$mode" in
  --host)
    bash scripts/build-addon.sh
    cp lua-native.node "$binary"
    ;;
  release)
    args=(--platform --release --strip --no-js --manifest-path lua-node/Cargo.toml
          --package-json-path package.json --output-dir "$dir"
          --dts ../../target/napi-unused.d.ts)
    case "$key" in
      linux-*-gnu)
        ensure_zig
        # The `.2.17` suffix is zig's glibc version; cargo still builds the
        # plain triple. A separate target dir: different compiler and flags.
        node_modules/.bin/napi build "${args[@]}" -x --target "$triple.$glibc_baseline" --target-dir target/zig
        bash scripts/check-glibc.sh "$binary" "$glibc_baseline"
        ;;
      *)
        node_modules/.bin/napi build "${args[@]}" --target "$triple"
        ;;
    esac
    ;;
  *)
    echo "usage: bash scripts/package-npm.sh [--host]" >&2
    exit 2
    ;;
esac

cp LICENSE "$dir/LICENSE"
mkdir -p "$out"
rm -f "$out"/lua-native-*.tgz
npm pack --silent --pack-destination "$out" >/dev/null
npm pack --silent --pack-destination "$out" "./$dir" >/dev/null
echo "package-npm: packed $(cd "$out" && ls lua-native-*.tgz | tr '\n' ' ')into $out ($mode)"
