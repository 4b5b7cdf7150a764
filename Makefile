# Two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench demo check-config clean mutation

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

## Print the benchmark table (figures, never pass/fail).
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

## Mutation testing of the guards (minutes of CPU; README "Mutation testing"). Not part of `make test`.
## Results are cached in mutants/ (mutmut re-checks what a source or test change affects); `make clean` drops them.
MUTMUT_CHILDREN ?= 2
mutation: $(STAMP)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	$(BIN)/mutmut run --max-children $(MUTMUT_CHILDREN) || true
	$(BIN)/python bench/mutation_score.py

demo: $(STAMP)
	$(BIN)/unanswered run --demo

check-config: $(STAMP)
	$(BIN)/unanswered check-config

clean:
	rm -rf $(VENV) .pytest_cache mutants
