#!/usr/bin/env bash
# Builds a platform package's binary and packs the npm packages into
# dist/npm/ (or $LUA_NATIVE_NPM_OUT): the main package, lua-native-<version>.tgz
# (JS, declarations, the Rust sources for the source fallback; no binary),
# and the platform package, lua-native-<target>-<version>.tgz (npm/<target>/
# with its binary and LICENSE).
#
#   bash scripts/package-npm.sh                   # this machine's target, built as released
#   bash scripts/package-npm.sh --target <target> # another target (the release workflow's
#                                                 # Linux cross builds: linux-arm64-gnu, ...-musl)
#   bash scripts/package-npm.sh --host            # the binary scripts/build-addon.sh built, no
#                                                 # second build (quick local packing)
#
# "As released" is `napi build --platform --release --strip`; Linux targets go
# through `cargo zigbuild` (zig as the C compiler and linker), the glibc ones
# against glibc 2.17 and then checked with objdump -T (scripts/check-glibc.sh).
# Installs what it needs when missing: the npm dev dependencies (@napi-rs/cli),
# zig (the `ziglang` package from PyPI) and cargo-zigbuild (crates.io); a
# cross target's Rust standard library comes from rustup.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode=release
key=""
case "${1:-}" in
  "") ;;
  --host) mode=host ;;
  --target) key="${2:?--target needs a target such as linux-arm64-gnu}" ;;
  *) echo "usage: bash scripts/package-npm.sh [--host | --target <target>]" >&2; exit 2 ;;
esac
out="${LUA_NATIVE_NPM_OUT:-$root/dist/npm}"
bash scripts/setup.sh

[ -n "$key" ] || key="$(node -p "require('./native-target.cjs').currentTarget().key")"
triple="$(node -p "require('./native-target.cjs').TARGETS['$key'] || ''")"
if [ -z "$triple" ]; then
  echo "package-npm: $key is not a declared target (package.json napi.targets; native-target.cjs)" >&2
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
      if ! python3 -m pip --version >/dev/null 2>&1; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip >/dev/null
      fi
      # A system Python (PEP 668) refuses plain installs; zig is self-contained.
      python3 -m pip install --quiet ziglang 2>/dev/null ||
        python3 -m pip install --quiet --break-system-packages ziglang
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

if [ "$mode" = host ]; then
  bash scripts/build-addon.sh
  host_key="$(node -p "require('./native-target.cjs').currentTarget().key")"
  [ "$host_key" = "$key" ] || { echo "package-npm: --host builds $host_key only" >&2; exit 2; }
  cp lua-native.node "$binary"
else
  rustup target list --installed 2>/dev/null | grep -qx "$triple" || rustup target add "$triple"
  # The napi-derive type definitions are not used (index.d.ts is written by
  # hand); they go to target/.
  args=(--platform --release --strip --no-js --manifest-path lua-node/Cargo.toml
        --package-json-path package.json --output-dir "$dir" --dts ../../target/napi-unused.d.ts)
  case "$key" in
    linux-*-gnu)
      ensure_zig
      # The `.2.17` suffix is zig's glibc version; cargo builds the plain
      # triple. A separate target dir: another compiler and linker.
      node_modules/.bin/napi build "${args[@]}" -x --target "$triple.$glibc_baseline" --target-dir target/zig
      objdump_cmd=objdump
      if [ "$key" = linux-arm64-gnu ] && [ "$(uname -m)" != aarch64 ]; then
        command -v aarch64-linux-gnu-objdump >/dev/null 2>&1 || {
          SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
          $SUDO apt-get update -qq
          DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq binutils-aarch64-linux-gnu >/dev/null
        }
        objdump_cmd=aarch64-linux-gnu-objdump
      fi
      OBJDUMP="$objdump_cmd" bash scripts/check-glibc.sh "$binary" "$glibc_baseline"
      ;;
    linux-*-musl)
      ensure_zig
      # A cdylib cannot link musl's C library statically: Node has its own.
      RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=-crt-static" \
        node_modules/.bin/napi build "${args[@]}" -x --target "$triple" --target-dir target/zig
      ;;
    *)
      node_modules/.bin/napi build "${args[@]}" --target "$triple"
      ;;
  esac
fi

cp LICENSE "$dir/LICENSE"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -f "$out/lua-native-$key-"*.tgz "$out/lua-native-"[0-9]*.tgz

# The main package is packed from a staged copy of the files npm would pack,
# whose package.json lists the platform packages as optionalDependencies
# (scripts/npm-optional-deps.cjs says why the repository's does not).
stage="$root/target/npm-stage/lua-native"
rm -rf "$stage"
mkdir -p "$stage"
npm pack --dry-run --json --ignore-scripts | node -e '
  const fs = require("fs"), path = require("path");
  const [stage] = process.argv.slice(1);
  for (const { path: f } of JSON.parse(fs.readFileSync(0, "utf8"))[0].files) {
    fs.mkdirSync(path.dirname(path.join(stage, f)), { recursive: true });
    fs.copyFileSync(f, path.join(stage, f));
  }' "$stage"
node scripts/npm-optional-deps.cjs "$stage/package.json"
(cd "$stage" && npm pack --silent --ignore-scripts --pack-destination "$out" >/dev/null)
npm pack --silent --ignore-scripts --pack-destination "$out" "./$dir" >/dev/null
echo "package-npm: packed $(cd "$out" && ls lua-native-*.tgz | tr '\n' ' ')into $out ($mode, $key)"
