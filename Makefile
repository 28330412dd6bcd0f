# Everything a fresh machine needs is installed by these targets (Python venv, pinned packages,
# the npm tools the tests use). `make generate` and `make test` are the two commands to know.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp

.PHONY: all install generate check test test-fast typecheck lint spec-diff docs-drift bench clean

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

## The whole suite: golden diff, round-trips, runtime, Prism, generator, types.
test: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest
	$(MAKE) --no-print-directory typecheck lint

## Everything except the tests that need the npm tools (Prism, spec linters, TypeScript).
test-fast: $(STAMP)
	$(PY) -m pytest -m "not prism and not tools"

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
