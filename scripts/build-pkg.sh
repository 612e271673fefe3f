#!/usr/bin/env bash
# Builds the npm package into pkg/ (wasm-pack, --target web by default; pass another target as $1).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
target=${1:-web}
out=pkg
[[ $target == web ]] || out=pkg-$target
wasm-pack build --release --target "$target" --out-dir "$out" --mode no-install 2>&1 | grep -v '^\[INFO\]' || true
test -f "$out/alsobuy_bg.wasm" || { echo "build failed: no $out/alsobuy_bg.wasm" >&2; exit 1; }
