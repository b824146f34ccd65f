# The two commands: `make run` and `make test`. Both build .venv when it is missing or older than
# requirements.lock or pyproject.toml: every dependency from the lock, each checked against its hash, then
# Easel itself (editable, no dependencies of its own choosing), so a fresh machine with only Python 3.11
# or newer needs nothing else. `make lock` refreshes the lock from pyproject.toml.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: coverage fuzz run test gallery screenshots bench bench-quick lint lock clean

LOCK := requirements.lock

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Easel needs Python 3.11 or newer, found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# The lock: every dependency of Easel and its tests, pinned with the hashes of every published file, for
# every platform and Python from 3.11 (uv's universal resolution). Run after changing pyproject.toml.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip compile --quiet --universal --generate-hashes --extra test --python-version 3.11 \
		--output-file $(LOCK) pyproject.toml

run: $(STAMP)
	$(BIN)/easel serve

# `make test COVERAGE=1` (what CI runs, .ci/run) is the same suite under coverage: the `coverage` target below.
test: $(STAMP)
ifeq ($(COVERAGE),1)
	$(MAKE) coverage
else
	$(BIN)/python -m pytest $(PYTEST_ARGS)
endif

# The suite under coverage, with the servers and CLI runs the tests start measured too (pyproject's
# [tool.coverage]); the last line is the total, e.g. "coverage: 94%". CI runs this one (.ci/run). It costs
# ~35% more CPU than `make test` on Python 3.11 (coverage's C tracer; measured on test_zarkai.py: 31.7 -> 42.7 s
# CPU, 148 -> 220 s wall at load 17-19), so `make test` stays without it. pytest's exit code is passed through.
coverage: export COVERAGE_FILE := $(CURDIR)/.coverage
coverage: $(STAMP)
	$(BIN)/coverage erase
	status=0; $(BIN)/coverage run -m pytest $(PYTEST_ARGS) || status=$$?; \
	$(BIN)/coverage combine -q; \
	echo "coverage: $$($(BIN)/coverage report --format=total)%"; \
	exit $$status

# Schemathesis against a live server from its /openapi.json, longer than the one every `make test` runs:
# FUZZ_EXAMPLES cases per operation (FUZZ_SEED picks another run).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-1000} FUZZ_MIN_CASES=$${FUZZ_MIN_CASES:-20000} \
		$(BIN)/python -m pytest -s tests/agent/surfaces/test_openapi_fuzz.py

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
	rm -rf $(VENV) .easel .coverage .coverage.*
