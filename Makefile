# One-command set-up and tasks.  `make help` lists the targets; V=1 shows every command.
# Everything runs from the project's own .venv, built from the pinned requirements.lock.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check --no-input
STAMP := $(VENV)/.installed
LOCK := requirements.lock
UV_VERSION := 0.13.9  # resolves the lock (`make lock`); nothing else uses uv

ifeq ($(V),1)
  Q :=
  PIPQ :=
else
  Q := @
  PIPQ := --quiet --quiet
endif

.PHONY: help venv assets run test check-experiments lint bench viz lock clean mutation

help:  ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

$(PY):
	$(Q)python=$$(scripts/find-python) || exit 1; \
	echo "venv: creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV) || { echo "venv: '$$python -m venv' failed (Debian: apt-get install python3.12-venv)" >&2; exit 1; }

$(STAMP): $(LOCK) pyproject.toml | $(PY)
	$(Q)echo "venv: installing the pinned packages from $(LOCK) (a few minutes the first time)"
	$(Q)$(PIP) install $(PIPQ) -r $(LOCK) || { echo "venv: installing $(LOCK) failed; rerun with V=1 for details" >&2; exit 1; }
	$(Q)$(PIP) install $(PIPQ) --no-deps -e . || { echo "venv: installing the project failed; rerun with V=1" >&2; exit 1; }
	$(Q)$(PIP) check >/dev/null || { $(PIP) check >&2; echo "venv: $(LOCK) does not satisfy pyproject.toml; run 'make lock' (then 'make venv')" >&2; exit 1; }
	$(Q)touch $@

venv: $(STAMP)  ## create .venv and install the pinned packages (only when lock or pyproject change)

assets: venv  ## check/complete the offline front-end files the visualizer serves
	$(Q)$(PY) simulation/viz/assets.py >/dev/null  # by path: needs no model import

run: venv  ## run the default scenario (outputs path is printed)
	$(Q)$(VENV)/bin/partnership run

viz: assets  ## start the browser visualizer on http://127.0.0.1:8765/
	$(Q)$(VENV)/bin/partnership viz

lint: venv  ## ruff (lint and formatting)
	$(Q)$(VENV)/bin/ruff check .
	$(Q)$(VENV)/bin/ruff format --check --quiet simulation tests benchmarks

test: assets  ## lint, then the whole test suite (incl. the headless-browser test)
	$(Q)$(VENV)/bin/ruff check .
	$(Q)$(VENV)/bin/ruff format --check --quiet simulation tests benchmarks
	$(Q)$(PY) -m pytest

check-experiments: venv  ## re-run every experiment's quick variant and compare with the committed summary
	$(Q)set -e; for name in $$($(VENV)/bin/partnership experiment --list | cut -d' ' -f1); do \
		$(VENV)/bin/partnership experiment "$$name" --quick --check; done

bench: venv  ## performance benchmarks
	$(Q)$(PY) benchmarks/run.py

mutation: venv  ## mutation testing of the mechanism modules and decisions ([tool.mutmut] in pyproject; 5-20 min, not in CI)
	$(Q)nice -n 10 $(VENV)/bin/mutmut run --max-children 2 || true
	$(Q)$(VENV)/bin/mutmut results

lock:  ## re-resolve requirements.lock for every Python >= 3.12 and platform (UPGRADE=1: newest releases)
	$(Q)python=$$(scripts/find-python) || exit 1; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	"$$python" -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install $(PIPQ) --disable-pip-version-check uv==$(UV_VERSION); \
	echo "lock: resolving every extra of pyproject.toml for Python >= 3.12 (keeping the pins in $(LOCK)$(if $(UPGRADE), unless newer ones exist))"; \
	"$$tmp/venv/bin/uv" --quiet pip compile pyproject.toml --all-extras --universal \
	  --python-version 3.12 --no-annotate --custom-compile-command "make lock" \
	  $(if $(UPGRADE),--upgrade) -o $(LOCK); \
	echo "lock: wrote $(LOCK) ($$(grep -c '==' $(LOCK)) pins)"

clean:  ## remove caches, build files and test artifacts (keeps .venv; `rm -rf .venv` for that)
	$(Q)rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis test-artifacts mutants
	$(Q)find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
