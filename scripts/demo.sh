#!/usr/bin/env bash
# The main job: runs untrusted Lua scripts in a sandboxed context and shows
# what happens to well-behaved and hostile ones. Builds the addon first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/build-addon.sh >/dev/null
node scripts/demo.mjs "$@"
