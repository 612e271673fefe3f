# The two commands: `make demo` (build + serve on http://127.0.0.1:8080/, PORT overrides) and `make test`.
.PHONY: demo test setup
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
setup:
	bash scripts/setup.sh
