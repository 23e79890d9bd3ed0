#!/usr/bin/env bash
# Installs what building and testing need, on a fresh machine, only when it
# is missing: libclang (for bindgen) and the npm dev dependencies.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

have_libclang() {
  [ -n "${LIBCLANG_PATH:-}" ] && return 0
  # One match is enough (`ls` of all the patterns fails when any one is empty).
  local f
  # libclang itself, not libclang-cpp (which some images carry alone and
  # bindgen cannot use).
  for f in /usr/lib/llvm-*/lib/libclang.so* /usr/lib/llvm-*/lib/libclang-[0-9]*.so* \
           /usr/lib/*-linux-gnu/libclang.so* /usr/lib/*-linux-gnu/libclang-[0-9]*.so*; do
    [ -e "$f" ] && return 0
  done
  return 1
}
if ! have_libclang; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing libclang-dev (bindgen needs it)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libclang-dev >/dev/null
  else
    echo "setup: libclang is missing; install it (e.g. libclang-dev) or set LIBCLANG_PATH" >&2
    exit 1
  fi
fi
# Installed again when any tool is missing or package-lock.json is newer
# than what npm last installed (a pull that added dependencies).
if [ ! -x node_modules/.bin/tsc ] || [ ! -x node_modules/.bin/napi ] || [ ! -x node_modules/.bin/attw ] \
   || [ ! -e node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dev dependencies"
  npm install --no-audit --no-fund --loglevel=error
fi
