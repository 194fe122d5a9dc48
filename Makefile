# The two commands of the README, and friends. Each target installs what it needs first:
# a pinned uv in .tools/ (from the package index, with the machine's python3.11), then the locked
# environment in .venv/. Nothing is installed outside the checkout.
SHELL := /bin/bash
.DEFAULT_GOAL := demo

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
RUN := $(UV) run --locked

export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11

.PHONY: demo test lint pytest bench bench-postgres sync sync-dev clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

sync: $(UV)
	$(UV) sync --locked --no-dev

sync-dev: $(UV)
	$(UV) sync --locked --all-packages

## The README's first command: set up and run the demo (embedded, no server, no key).
demo: sync
	$(RUN) --no-dev astrocyte demo

## The README's second command: set up and run the whole test suite (lint, types, tests).
test: sync-dev lint pytest

lint: sync-dev
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

pytest: sync-dev
	$(RUN) pytest

## Benchmarks: our figures beside raw baselines measured in the same run; JSON under reports/.
## LoCoMo needs a data file the project does not ship: make bench LOCOMO_DATA=path/to/locomo.json
LOCOMO_DATA ?= ../shared/data/locomo/locomo-dev.json
bench: sync
	$(RUN) --no-dev astrocyte bench engine --report reports/bench-engine.json
	$(RUN) --no-dev astrocyte bench embedding --report reports/bench-embedding.json
	@if [ -f "$(LOCOMO_DATA)" ]; then \
		$(RUN) --no-dev astrocyte bench locomo --data "$(LOCOMO_DATA)" --report reports/bench-locomo.json; \
	else echo "bench locomo skipped: no file at $(LOCOMO_DATA) (set LOCOMO_DATA=path to a LoCoMo-format JSON)"; fi
	$(RUN) python -m astrocyte_qdrant.bench --report reports/bench-qdrant-edge.json

## The PostgreSQL backend at 100k memories, on a throw-away embedded server (takes minutes: HNSW builds).
bench-postgres: sync-dev
	OPENBLAS_NUM_THREADS=1 $(RUN) astrocyte-postgres bench --size 100000 --report reports/bench-postgres.json

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache .hypothesis
