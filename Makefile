# Two commands for a fresh machine with Python 3.11:
#   make demo   sets up .venv (if missing), validates the IoT mesh, plans iot-prod offline,
#               runs it locally on DuckDB and builds the catalog site with its dashboard
#   make test   sets up the same .venv (and Debian's chromium for the page tests) and runs
#               lint, type check and the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The catalog's page tests drive Debian's chromium through its chromedriver.
CHROMEDRIVER := /usr/bin/chromedriver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# A BigQuery API emulator for the `datamesh check` integration test, in a venv of its
# own: it pins DuckDB 1.5.5, and its spatial extension comes from a wheel (DuckDB would
# download it at start, which needs a network these machines may not have).
BQEMU := .venv-bqemu
BQEMU_STAMP := $(BQEMU)/.installed

.PHONY: demo test lint typecheck pytest unit clean browser bqemulator

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,pipeline]'
	touch $(STAMP)

$(CHROMEDRIVER):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

browser: $(CHROMEDRIVER)

$(BQEMU_STAMP):
	test -x $(BQEMU)/bin/python || $(PYTHON) -m venv $(BQEMU)
	$(BQEMU)/bin/python -m pip install --quiet --upgrade pip
	$(BQEMU)/bin/python -m pip install --quiet 'bqemulator==1.4.*' 'duckdb==1.5.5' \
		'duckdb-extension-spatial==1.5.5' numpy
	$(BQEMU)/bin/python -c "import duckdb, duckdb_extension_spatial, pathlib; \
		ext = next(pathlib.Path(duckdb_extension_spatial.__file__).parent.rglob('spatial.duckdb_extension')); \
		duckdb.connect().execute(f\"INSTALL '{ext}'\")"
	touch $(BQEMU_STAMP)

bqemulator: $(BQEMU_STAMP)

demo: $(STAMP)
	$(BIN)/datamesh validate
	$(BIN)/datamesh test
	$(BIN)/datamesh plan --stack iot-prod
	$(BIN)/datamesh local --stack iot-prod
	$(BIN)/datamesh catalog --stack iot-prod --local out/local/iot-prod

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/datamesh schema --check
	$(BIN)/datamesh conventions --check

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(CHROMEDRIVER) $(BQEMU_STAMP)
	$(BIN)/pytest

# The products' own unit tests (products/<id>/tests/*.yaml), with JUnit XML for CI.
unit: $(STAMP)
	$(BIN)/datamesh test --junit out/junit/products.xml

test: lint typecheck unit pytest

clean:
	rm -rf $(VENV) $(BQEMU) .pytest_cache .mypy_cache .ruff_cache
