#!/usr/bin/env bash
# Builds the npm package into pkg/ (wasm-pack, --target web by default; pass another target as $1), and the
# demo's data: www/data/catalog.json from the Groceries items and www/data/groceries.pack (the aggregated
# model pack built by the native `alsobuy pack` from the Groceries baskets, with a population re-ranker trained
# on 3,000 of their baskets' positives for 2 epochs: a few seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
target=${1:-web}
out=pkg
[[ $target == web ]] || out=pkg-$target
wasm-pack build --release --target "$target" --out-dir "$out" --mode no-install 2>&1 | grep -v '^\[INFO\]' || true
test -f "$out/alsobuy_bg.wasm" || { echo "build failed: no $out/alsobuy_bg.wasm" >&2; exit 1; }
# The glue's JSDoc duplicates alsobuy.d.ts and is part of the download: strip it (scripts/strip-glue-docs.mjs).
for glue in "$out/alsobuy.js" "$out/alsobuy_bg.js"; do [[ ! -f $glue ]] || node scripts/strip-glue-docs.mjs "$glue"; done

if [[ $target == web ]]; then
  groceries=${GROCERIES_DIR:-../shared/data/groceries}
  node scripts/gen-demo-data.mjs "$groceries/groceries_items.csv" >/dev/null
  cargo run --quiet --bin alsobuy -- pack --baskets "$groceries/groceries_baskets.csv" \
    --catalog www/data/catalog.json --out www/data/groceries.pack --train-epochs 2 --train-max-examples 3000
  node scripts/gen-demo-data.mjs "$groceries/groceries_items.csv"   # the manifest now names the pack
fi
