PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench plots lessons book clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/minitrain demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The committed figures: the gallery and every lesson's figures, with plots/README.md.
plots: $(STAMP)
	$(BIN)/minitrain plots --out plots

# The course as an offline site in build/book (EDITION=student for the one without solutions).
EDITION ?= teacher
book: $(STAMP)
	$(BIN)/minitrain book --out build/book --edition $(EDITION)

lessons: $(STAMP)
	$(BIN)/minitrain lessons

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
