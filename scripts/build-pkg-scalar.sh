#!/usr/bin/env bash
# The scalar fallback package for the benchmarks: the same crate built WITHOUT simd128 into pkg-scalar/
# (RUSTFLAGS="" replaces the +simd128 of .cargo/config.toml; its own target dir keeps the SIMD build's cache intact):
# the widget's module, and alsobuy/models into pkg-scalar/models/ (W1–W3 use its Mlp and VectorIndex).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export RUSTFLAGS="" CARGO_TARGET_DIR=target/scalar
wasm-pack build --release --target web --out-dir pkg-scalar --mode no-install 2>&1 | grep -v '^\[INFO\]' || true
test -f pkg-scalar/alsobuy_bg.wasm || { echo "build failed: no pkg-scalar/alsobuy_bg.wasm" >&2; exit 1; }
wasm-pack build --release --target web --out-dir pkg-scalar/models --out-name alsobuy_models --mode no-install \
  -- --features models 2>&1 | grep -v '^\[INFO\]' || true
test -f pkg-scalar/models/alsobuy_models_bg.wasm || { echo "build failed: no pkg-scalar/models/alsobuy_models_bg.wasm" >&2; exit 1; }
