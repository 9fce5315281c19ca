# spsreg: the two README commands are `make demo` and `make test`.
SHELL := /bin/bash
UV ?= python3 -m uv
DEMO_HOME ?= $(CURDIR)/var/demo
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help ensure-uv install install-dev demo test lint typecheck unit bench clean

help:
	@echo "make demo   install, create the embedded database, load a synthetic cohort, start the web app"
	@echo "make test   install dev dependencies and run the whole suite (lint, types, tests)"
	@echo "make bench  run the benchmarks and write bench/results.json and bench/summary.md"

ensure-uv:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: ensure-uv
	$(UV) sync --frozen --no-dev

install-dev: ensure-uv
	$(UV) sync --frozen

demo: install
	SPSREG_HOME=$(DEMO_HOME) $(UV) run --no-dev spsreg demo
	@echo "Open http://$(DEMO_HOST):$(DEMO_PORT)/ and log in with an account from $(DEMO_HOME)/demo-accounts.txt (Ctrl-C stops the app)."
	SPSREG_HOME=$(DEMO_HOME) $(UV) run --no-dev spsreg serve --host $(DEMO_HOST) --port $(DEMO_PORT)

lint: install-dev
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench

typecheck: install-dev
	$(UV) run mypy

unit: install-dev
	$(UV) run pytest -n auto -q $(PYTEST_ARGS)

test: lint typecheck unit

bench: install-dev
	$(UV) run python -m bench.run

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis
