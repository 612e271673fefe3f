#!/usr/bin/env bash
# `make fuzz`: runs every cargo-fuzz target for FUZZ_SECONDS each (default 60), from the committed seeds in
# fuzz/corpus/ (written by `cargo run --example fuzz_seeds`). Not part of `make test`: it needs nightly Rust and
# cargo-fuzz (`rustup toolchain install nightly && cargo install cargo-fuzz`), and it takes minutes.
#
#   FUZZ_SECONDS=300 make fuzz                 # longer
#   FUZZ_TARGETS="pack_decode events" make fuzz
#   FUZZ_JOBS=2 make fuzz                      # libFuzzer workers per target
#
# A crash stops the run with the reproducer in fuzz/artifacts/<target>/ (replay: cargo +nightly fuzz run
# <target> <file>). The executions of every target are summarised at the end (and in fuzz/last-run.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-pack_decode events catalog cli_csv also_buy}
jobs=${FUZZ_JOBS:-1}
toolchain=${FUZZ_TOOLCHAIN:-nightly}

command -v cargo-fuzz >/dev/null || { echo "fuzz: cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 1; }
rustup run "$toolchain" rustc --version >/dev/null || { echo "fuzz: no $toolchain toolchain: rustup toolchain install nightly" >&2; exit 1; }

if [ ! -d fuzz/corpus/pack_decode ]; then cargo run --quiet --example fuzz_seeds; fi

summary=fuzz/last-run.txt
: > "$summary"
for t in $targets; do
  log=$(mktemp)
  echo "==> fuzz $t for ${seconds}s"
  # Run on a scratch copy of the seeds so the committed corpus stays the seeds only.
  work=$(mktemp -d)
  cp fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  status=0
  cargo +"$toolchain" fuzz run -O "$t" "$work" -- \
    -max_total_time="$seconds" -jobs="$jobs" -workers="$jobs" -max_len=8192 -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
  execs=$( (grep -h 'stat::number_of_executed_units' "$log" fuzz-*.log 2>/dev/null || true) | awk '{s+=$2} END {print s+0}')
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    cat fuzz-*.log 2>/dev/null | grep -A5 'panicked' | head -20 || true
    echo "$t: FAILED (exit $status) after $execs executions (a crash: see fuzz/artifacts/$t/; or a build error above)" | tee -a "$summary"
    rm -rf "$work" "$log" fuzz-*.log
    exit "$status"
  fi
  rm -f fuzz-*.log
  echo "$t: ${seconds}s, $execs executions, 0 crashes, corpus $(ls "$work" | wc -l) inputs" | tee -a "$summary"
  rm -rf "$work" "$log"
done
echo "fuzz: all targets ran clean ($summary)"
