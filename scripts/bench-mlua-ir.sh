#!/usr/bin/env bash
# Machine instructions per crossing, lua-core against mlua 0.12 (issue 17),
# counted by callgrind (examples/calls_ir.rs): independent of the machine's
# load, where vs_mlua's timings are not. Each side runs the crossing N times
# and once with none; the difference over N is the crossing's own count.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
if ! command -v valgrind >/dev/null; then
  echo "bench-mlua-ir: installing valgrind" >&2
  (sudo -n apt-get install -y valgrind || apt-get install -y valgrind) >/dev/null
fi
cargo build -q --release --example calls_ir
n=100000
count() { # side row n -> instructions
  valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/calls_ir "$1" "$2" "$3" 2>&1 >/dev/null |
    awk '/Collected/ {print $4}'
}
printf '| crossing | lua-core | mlua | lua-core / mlua |\n|---|---|---|---|\n'
for row in rust-to-lua lua-to-rust; do
  core=$(( ($(count core $row $n) - $(count core $row 0)) / n ))
  mlua=$(( ($(count mlua $row $n) - $(count mlua $row 0)) / n ))
  awk -v r="$row" -v c="$core" -v m="$mlua" 'BEGIN { printf "| %s | %d instr /call | %d instr /call | %.2fx |\n", r, c, m, c / m }'
done
