#!/usr/bin/env bash
# Fetches MovieLens-100K for `alsobuy evaluate --dataset ml100k`.
#
# MovieLens' terms forbid redistribution, so the data is never committed: it ships inside the PyPI wheel
# recbole==1.2.1 as recbole/dataset_example/ml-100k/ml-100k.{inter,item,user}. This script downloads that wheel
# (no dependencies) into data-cache/wheels and unzips only that folder into data-cache/ml-100k/.
# Idempotent: a second run with the files in place does nothing. data-cache/ is git-ignored.
#
# Citation: F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context.
# ACM Transactions on Interactive Intelligent Systems 5, 4, Article 19.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${ALSOBUY_DATA_CACHE:-$ROOT/data-cache}"
OUT="$CACHE/ml-100k"
WHEELS="$CACHE/wheels"

if [[ -s "$OUT/ml-100k.inter" && -s "$OUT/ml-100k.item" ]]; then
  echo "MovieLens-100K already in $OUT"
  exit 0
fi

mkdir -p "$WHEELS" "$OUT"
WHEEL="$(ls "$WHEELS"/recbole-1.2.1-*.whl 2>/dev/null | head -n1 || true)"
if [[ -z "$WHEEL" ]]; then
  PIP="$(command -v pip3 || command -v pip || true)"
  if [[ -z "$PIP" ]]; then
    PIP="python3 -m pip"
  fi
  $PIP download --no-deps recbole==1.2.1 -d "$WHEELS"
  WHEEL="$(ls "$WHEELS"/recbole-1.2.1-*.whl | head -n1)"
fi

python3 - "$WHEEL" "$OUT" <<'PY'
import os, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
prefix = "recbole/dataset_example/ml-100k/"
n = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            target = os.path.join(out, os.path.basename(name))
            with z.open(name) as src, open(target + ".tmp", "wb") as dst:
                dst.write(src.read())
            os.replace(target + ".tmp", target)
            n += 1
if n == 0:
    sys.exit(f"no {prefix} files in {wheel}")
print(f"unzipped {n} files into {out}")
PY
