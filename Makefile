# Two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench train mutation demo check-config dashboard constraints clean

# PYTHONWARNINGS below: setuptools' editable-install banners are noise for a newcomer, not errors.
# Everything, extras included (the chart, the dashboard, the tests), at the versions in constraints.txt.
EXTRAS := chart,dashboard,test
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	touch $(STAMP)

## Set up and run the watchdog (a labelled demo when no credentials are configured).
run: $(STAMP)
	$(BIN)/unanswered run

## Set up, lint and type-check, and run the whole test suite.
test: lint
	$(BIN)/python -m pytest

## Lint, format check and type check (every one runs; fails if any did). Part of `make test`.
lint: $(STAMP)
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check --quiet . || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

## Print the benchmark table (figures, never pass/fail).
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

## Refit bot/model.json (question detector, reply model) on the IRC training split; deterministic.
train: $(STAMP)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[train]'
	$(BIN)/python bench/train.py

## Mutation testing of the guards (minutes of CPU; README "Mutation testing"). Not part of `make test`.
## Results are cached in mutants/ (mutmut re-checks what a source or test change affects); `make clean` drops them.
MUTMUT_CHILDREN ?= 2
mutation: $(STAMP)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS),mutation]'
	$(BIN)/mutmut run --max-children $(MUTMUT_CHILDREN) || true
	$(BIN)/python bench/mutation_score.py

demo: $(STAMP)
	$(BIN)/unanswered run --demo

check-config: $(STAMP)
	$(BIN)/unanswered check-config

## Browse the tracker read-only in Datasette on 127.0.0.1 (Ctrl-C stops).
dashboard: $(STAMP)
	$(BIN)/unanswered dashboard

## Re-pin constraints.txt from a fresh venv after changing pyproject.toml's ranges.
constraints:
	rm -rf .venv-pin && $(PYTHON) -m venv .venv-pin
	PYTHONWARNINGS=ignore .venv-pin/bin/python -m pip install --quiet -e '.[$(EXTRAS),mutation]'
	{ head -n 2 constraints.txt; .venv-pin/bin/python -m pip freeze --exclude-editable; } > constraints.new && mv constraints.new constraints.txt
	rm -rf .venv-pin

clean:
	rm -rf $(VENV) .pytest_cache mutants
