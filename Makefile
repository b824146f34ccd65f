# The two commands: `make run` and `make test`. Both build .venv from pyproject.toml when it is
# missing or older than pyproject.toml, so a fresh machine with only Python 3.11 needs nothing else.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test gallery screenshots bench bench-quick lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Easel needs Python 3.11, found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/easel serve

test: $(STAMP)
	$(BIN)/python -m pytest

gallery: $(STAMP)
	$(BIN)/python bench/gallery.py

screenshots: $(STAMP)
	SCREENSHOTS_DIR=docs $(BIN)/python -m pytest tests/agent/surfaces/test_playground.py -k screenshots

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-quick: $(STAMP)
	$(BIN)/python bench/run.py --quick

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet ruff mypy
	$(BIN)/ruff check agent tools spaces tests bench

clean:
	rm -rf $(VENV) .easel
