#!/usr/bin/env bash
# Checks that a Linux binary needs no glibc symbol version newer than a
# baseline: `bash scripts/check-glibc.sh <file> [baseline, default 2.17]`.
# Reads the dynamic symbol table with `objdump -T` (binutils, installed when
# missing; $OBJDUMP names another, e.g. aarch64-linux-gnu-objdump for an
# arm64 binary) and prints the newest GLIBC_ version the binary asks for.
set -euo pipefail
file="$1"
baseline="${2:-2.17}"
objdump="${OBJDUMP:-objdump}"
if ! command -v "$objdump" >/dev/null 2>&1; then
  echo "check-glibc: installing binutils (objdump)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq binutils >/dev/null
fi
versions="$("$objdump" -T "$file" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV)"
if [ -z "$versions" ]; then
  echo "check-glibc: $file asks for no GLIBC_ symbol version (not a glibc binary?)" >&2
  exit 1
fi
newest="$(tail -1 <<<"$versions")"
if [ "$(printf '%s\n%s\n' "$newest" "$baseline" | sort -V | tail -1)" != "$baseline" ]; then
  echo "check-glibc: $file needs glibc $newest, newer than the baseline $baseline; symbols:" >&2
  "$objdump" -T "$file" | grep 'GLIBC_' | while read -r line; do
    v="$(grep -o 'GLIBC_[0-9.]*' <<<"$line" | sed 's/GLIBC_//')"
    if [ "$(printf '%s\n%s\n' "$v" "$baseline" | sort -V | tail -1)" != "$baseline" ]; then echo "  $line" >&2; fi
  done
  exit 1
fi
echo "check-glibc: $(basename "$file") needs glibc $newest at most (baseline $baseline): ok"
