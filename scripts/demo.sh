#!/usr/bin/env bash
# The demo: set up what is missing, build the wasm package, serve www/ on 127.0.0.1 and print the URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-pkg.sh web
source scripts/env.sh
exec node scripts/serve.mjs
