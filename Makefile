# Two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench train demo check-config clean

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

## Refit bot/model.json (question detector, reply model) on the IRC training split; deterministic.
train: $(STAMP)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python bench/train.py

demo: $(STAMP)
	$(BIN)/unanswered run --demo

check-config: $(STAMP)
	$(BIN)/unanswered check-config

clean:
	rm -rf $(VENV) .pytest_cache
