# On a fresh machine with python3 and make: `make run` serves Questlog, `make test` tests it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-ts lint contracts clean

# setup.py builds the rollup's C extension (src/questlog/stats/_rollup.c): again when it changes.
$(STAMP): pyproject.toml constraints.txt setup.py src/questlog/stats/_rollup.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,local]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/questlog serve --host $${QUESTLOG_HOST:-127.0.0.1} --port $${QUESTLOG_PORT:-8000}

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if command -v node >/dev/null 2>&1; then $(MAKE) --no-print-directory test-ts; \
	else echo "make test: node is not on PATH, so the TypeScript client's tests did not run (make test-ts)"; fi

# The TypeScript client: install from the lock file, build, unit tests, end-to-end tests
# (a real questlog serve from .venv; headless Chromium at /usr/bin/chromium).
test-ts: $(STAMP)
	cd clients/typescript && npm ci --no-audit --no-fund && npm run build && npm test && npm run test:e2e

lint: $(STAMP)
	$(BIN)/ruff check src jobs tests
	$(BIN)/mypy src jobs

contracts: $(STAMP)
	$(BIN)/questlog contracts

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache
