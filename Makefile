# Everything a fresh machine needs is installed by these targets (Python venv, pinned packages,
# the npm tools the tests use). `make generate` and `make test` are the two commands to know.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp

.PHONY: all install generate check test test-fast consumers go-toolchain typecheck lint spec-diff docs-drift bench clean

all: generate test

$(STAMP): requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) $(NODE_STAMP)

## Regenerate spec/dist/ and generated/relaykit from spec/ and templates/.
generate: $(STAMP)
	$(PY) -m generator

## Fail if generated/ or spec/dist/ differ from what the spec and templates produce.
check: $(STAMP)
	$(PY) -m generator --check

## The whole suite: golden diff, round-trips, runtime, Prism, generator, consumers, types.
test: $(STAMP) $(NODE_STAMP) go-toolchain
	$(PY) -m pytest
	$(MAKE) --no-print-directory typecheck lint

## Everything except the tests that need the npm tools (Prism, spec linters, TypeScript).
test-fast: $(STAMP)
	$(PY) -m pytest -m "not prism and not tools and not consumers"

## The published spec from other languages (part of `make test`): Go, openapi-python-client and
## TypeScript clients generated under build/consumers/, built, and run against Prism.
consumers: $(STAMP) $(NODE_STAMP) go-toolchain
	$(PY) -m pytest tests/test_consumers.py

## Debian's Go and the one module openapi-generator's Go client needs, for the Go proof. Where
## apt-get is not allowed, the proof is skipped with a message (CI sets RELAYKIT_REQUIRE_GO=1,
## which makes that a failure).
GO_PACKAGES := golang-go golang-gopkg-validator.v2-dev
go-toolchain:
	@if command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/gopkg.in/validator.v2 ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "apt-get install $(GO_PACKAGES)"; \
		{ apt-get install -y -qq --no-install-recommends $(GO_PACKAGES) >/dev/null 2>&1 || \
		  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $(GO_PACKAGES) >/dev/null; }; } || \
		echo "note: apt-get could not install $(GO_PACKAGES): the Go proof will be skipped"; \
	else echo "note: Go is not installed and apt-get is not allowed here (not root): the Go proof will be skipped;" \
		"install $(GO_PACKAGES) to run it"; fi

## What changed in the API surface since BASE (a git revision), breaking or not, plus the
## griffe check of the generated Python package: `make spec-diff BASE=v0.1.0`.
spec-diff: $(STAMP)
	@test -n "$(BASE)" || { echo "usage: make spec-diff BASE=<git revision>"; exit 2; }
	$(PY) -m generator.diff $(BASE)

## What the documentation snapshots in spec/sources have that the spec lacks or contradicts,
## per operation, with coverage per documented family (allowlist: spec/sources/drift-allowlist.yaml).
docs-drift: $(STAMP)
	$(PY) -m generator.docs drift

typecheck: $(STAMP)
	$(PY) -m mypy --strict generated/relaykit tests/typecheck/snippets.py

lint: $(STAMP)
	$(PY) -m ruff check generator tests templates/runtime

## Benchmarks against the raw httpx floor, openai-python and anthropic (bench-only packages
## are installed into the venv here, never needed by the tests). JSON in tests/bench/results/.
bench: $(STAMP)
	$(PY) -m pip install --quiet -r tests/bench/requirements.txt
	$(PY) tests/bench/run.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache
