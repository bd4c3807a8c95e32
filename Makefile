# The two commands of the README: `make demo` and `make test`. Both work on a fresh machine
# that has only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint bench clean install

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev,boost,serve,dvc,wandb]"
	touch $@ $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m mcp_server.demo

test: $(TEST_STAMP)
	PYTHON=$(PYTHON) bash scripts/setup_feast_venv.sh
	$(PY) -m pytest -n 2 --dist loadgroup tests

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check mcp_server tests bench
	$(VENV)/bin/mypy

bench: $(TEST_STAMP)
	$(PY) bench/startup.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
