#!/usr/bin/env bash
# Idempotent set-up for alsobuy: everything the demo, the tests and the benchmarks need.
# A second run on a set-up machine takes a second or two: every step checks before it installs.
# Only package registries are used (rustup targets, crates.io, Debian apt, npm).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# 1. The wasm32 target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at exactly the version Cargo.lock pins (a mismatch makes wasm-pack try a download).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock 2>/dev/null || true)
if [[ -z $want ]]; then
  want=$(grep -Eo 'wasm-bindgen = "=[0-9.]+"' Cargo.toml | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+')
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [[ $have != "$want" ]]; then
  log "installing wasm-bindgen-cli $want (found: ${have:-none})"
  # no --locked: its lock file names a crate version the registry mirror lacks
  cargo install -q wasm-bindgen-cli --version "$want" --force
fi

# 3. wasm-pack.
if ! command -v wasm-pack >/dev/null; then
  log "installing wasm-pack"
  cargo install -q --locked wasm-pack
fi

# 4. Chromium and its driver from Debian.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing chromium + chromium-driver (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# 5. Node packages (playwright-core, binaryen's wasm-opt, …) from the committed lock file.
if [[ -f package-lock.json ]]; then
  stamp=node_modules/.alsobuy-lock-stamp
  if [[ ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
  fi
fi

# 6. rustfmt + clippy (present on rustup installs, but make sure).
for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done

log "ok"
