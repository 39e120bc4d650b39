# Two commands for a fresh machine with Python 3.11:
#   make demo   sets up .venv (if missing), validates the IoT mesh, plans iot-prod offline
#               and runs it locally on DuckDB
#   make test   sets up the same .venv and runs lint, type check and the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,pipeline]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/datamesh validate
	$(BIN)/datamesh plan --stack iot-prod
	$(BIN)/datamesh local --stack iot-prod

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/datamesh schema --check
	$(BIN)/datamesh conventions --check

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
