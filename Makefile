# The two commands: `make demo` (build + serve on http://127.0.0.1:8080/, PORT overrides) and `make test`.
# `make bench`: browser benchmarks against TF.js (bench-results/browser.md; BENCH_SCALAR=0 skips the scalar build,
# see www/bench/README.md for the other knobs); `make size`: download sizes.
# `make fuzz`: every cargo-fuzz target for FUZZ_SECONDS (default 60) each; nightly + cargo-fuzz; not in `make test`.
.PHONY: demo test setup bench size fuzz
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
setup:
	bash scripts/setup.sh
bench:
	bash scripts/setup.sh
	bash scripts/build-pkg.sh web
	[ "$${BENCH_SCALAR:-1}" = 0 ] || bash scripts/build-pkg-scalar.sh
	node scripts/size.mjs
	node scripts/bench.mjs
size:
	bash scripts/setup.sh
	bash scripts/build-pkg.sh web
	node scripts/size.mjs
fuzz:
	bash scripts/fuzz.sh
