# Two commands on a fresh clone: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Rapport needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/rapport serve

demo: $(VENV)/.run-deps
	$(BIN)/rapport console --demo

# Four workers on two cores: a quarter of the suite's time is real processes starting (serve, CLI).
test: $(VENV)/.dev-deps
	$(BIN)/python -m pytest -n 4

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check bot handlers models migrations tests bench
	$(BIN)/ruff format --check bot handlers models migrations tests bench
	$(BIN)/mypy

bench: $(VENV)/.dev-deps
	$(BIN)/python bench/ack.py
	$(BIN)/python bench/plans.py
	$(BIN)/python bench/floor.py
	$(BIN)/python bench/resolve.py
	$(BIN)/python bench/history.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
