#!/usr/bin/env bash
# Builds the npm package into pkg/ (wasm-pack, --target web by default; pass another target as $1) — the widget's
# module (alsobuy) and the offline models' (alsobuy/models, under pkg/models/) — and the
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

# The offline models (class `Model`: popular … hybrid, as `alsobuy recommend`), cargo feature `models`: a second
# module in the same package, imported as `alsobuy/models`. The widget's module above is built without the feature,
# so its download (scripts/check-size.mjs) does not grow; a page that fits models loads this one instead.
models_tmp=$(mktemp -d)
trap 'rm -rf "$models_tmp"' EXIT
wasm-pack build --release --target "$target" --out-dir "$models_tmp" --out-name alsobuy_models --mode no-install \
  -- --features models 2>&1 | grep -v '^\[INFO\]' || true
test -f "$models_tmp/alsobuy_models_bg.wasm" || { echo "build failed: no alsobuy_models_bg.wasm" >&2; exit 1; }
rm -rf "$out/models"
mkdir -p "$out/models"
for f in alsobuy_models.js alsobuy_models_bg.js alsobuy_models_bg.wasm alsobuy_models.d.ts alsobuy_models_bg.wasm.d.ts; do
  [[ ! -f $models_tmp/$f ]] || cp "$models_tmp/$f" "$out/models/"
done
[[ ! -d $models_tmp/snippets ]] || cp -r "$models_tmp/snippets" "$out/models/"
for glue in "$out/models/alsobuy_models.js" "$out/models/alsobuy_models_bg.js"; do
  [[ ! -f $glue ]] || node scripts/strip-glue-docs.mjs "$glue"
done
# The subpath export and the files list in the package.json wasm-pack generated.
node --input-type=module - "$out" <<'JS'
import { readFileSync, writeFileSync } from 'node:fs';
const dir = process.argv[2];
const path = `${dir}/package.json`;
const pkg = JSON.parse(readFileSync(path, 'utf8'));
const main = `./${pkg.module ?? pkg.main}`;
pkg.files = [...new Set([...(pkg.files ?? []), 'models/'])];
pkg.exports = {
  '.': { types: `./${pkg.types}`, default: main },
  './models': { types: './models/alsobuy_models.d.ts', default: './models/alsobuy_models.js' },
  './package.json': './package.json',
  './*': './*',
};
if (Array.isArray(pkg.sideEffects)) pkg.sideEffects = [...new Set([...pkg.sideEffects, './models/*'])];
writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
JS

if [[ $target == web ]]; then
  groceries=${GROCERIES_DIR:-../shared/data/groceries}
  node scripts/gen-demo-data.mjs "$groceries/groceries_items.csv" >/dev/null
  cargo run --quiet --bin alsobuy -- pack --baskets "$groceries/groceries_baskets.csv" \
    --catalog www/data/catalog.json --out www/data/groceries.pack --train-epochs 2 --train-max-examples 3000
  node scripts/gen-demo-data.mjs "$groceries/groceries_items.csv"   # the manifest now names the pack
fi
