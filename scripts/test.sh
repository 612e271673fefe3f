#!/usr/bin/env bash
# Every test, in tiers, stopping at the first failure. Sets up what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy (native, all targets)"
cargo clippy --all-targets -- -D warnings

step "cargo clippy (wasm32: the JS bindings)"
cargo clippy --target wasm32-unknown-unknown --lib --tests -- -D warnings

step "cargo clippy (wasm32 with the feature models: alsobuy/models — Model, train, Mlp, VectorIndex)"
cargo clippy --target wasm32-unknown-unknown --lib --tests --features models -- -D warnings

step "the fuzz targets still compile against the crate (cargo check on stable; running them: make fuzz)"
cargo check --quiet --manifest-path fuzz/Cargo.toml --bins

step "native tests: cargo test"
cargo test

step "wasm in Node: wasm-pack test --node"
wasm-pack test --node

step "alsobuy/models in Node (feature models: Model, Mlp, VectorIndex, train): wasm-pack test --node --features models --test models_node"
wasm-pack test --node --features models --test models_node

step "wasm in headless Chromium: wasm-pack test --headless --chrome"
wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver

step "alsobuy/models in headless Chromium (feature models: also a trained model saved and re-opened): --test models_web"
wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --features models --test models_web

step "build the package (wasm-pack build --target web: the widget module, then alsobuy/models)"
bash scripts/build-pkg.sh web

step "download size budget (scripts/check-size.mjs) and bench tooling tests (no timings)"
node scripts/check-size.mjs
node --test tests/bench/

step "the npm package: web + bundler builds, tarball install, generated types (node --test tests/package/)"
bash scripts/build-pkg.sh bundler
node --test tests/package/

step "end to end in Chromium: node --test tests/e2e/"
node --test --test-concurrency=1 tests/e2e/

step "all tests passed"
