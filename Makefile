# Contributor shortcuts. `make unit` needs nothing but Python: no browsers, no databases.
.PHONY: run test unit lint format types e2e bench extension extension-ratings venv

VENV := .venv
BIN := $(VENV)/bin

$(BIN)/pytest: pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/pytest

run:
	scripts/run

test:
	scripts/test

# The fast suite: everything but the browser tests, the PostgreSQL runs of the coverage tests
# and the PostgreSQL/Redis production suite.
unit: venv
	$(BIN)/pytest -q -m "not e2e and not postgres" --ignore=tests/e2e --ignore=tests/production

lint: venv
	$(BIN)/ruff check service tests bench scripts
	$(BIN)/ruff format --check service tests bench scripts
	$(BIN)/parallax ratings check

format: venv
	$(BIN)/ruff format service tests bench scripts

types: venv
	$(BIN)/mypy

# The extension and the pages in Debian's Chromium (scripts/test installs the browsers).
e2e: venv
	$(BIN)/pytest -q tests/e2e

bench: venv
	$(BIN)/python -m bench.spine --skip-http
	$(BIN)/python -m bench.cluster_quality
	$(BIN)/python -m bench.ratings_agreement

# Both packages, each with the ratings built in (`parallax ratings export`), ≤ 1 MB each.
extension: venv
	node extension/build.mjs

# The same ratings into the unpacked extension/ folder (Load unpacked, the browser tests).
extension-ratings: venv
	node extension/build.mjs --snapshot-only
