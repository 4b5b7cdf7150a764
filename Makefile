# Two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench demo check-config clean

# PYTHONWARNINGS below: setuptools' editable-install banners are noise for a newcomer, not errors.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Set up and run the watchdog (a labelled demo when no credentials are configured).
run: $(STAMP)
	$(BIN)/unanswered run

## Set up and run the whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest

## Lint, format check and type check (every one runs; fails if any did). Not yet part of `make test`.
lint: $(STAMP)
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check --quiet . || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

## Print the benchmark table (figures, never pass/fail).
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

demo: $(STAMP)
	$(BIN)/unanswered run --demo

check-config: $(STAMP)
	$(BIN)/unanswered check-config

clean:
	rm -rf $(VENV) .pytest_cache
