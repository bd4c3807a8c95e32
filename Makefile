# The two commands of the README: `make demo` and `make test`. Both work on a fresh machine
# that has only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
TF_VENV := .venv-tf
TF_STAMP := $(TF_VENV)/.installed
# Claude Code's own CLI, only for `claude plugin validate` in tests/test_plugin.py (skipped without it)
CLAUDE_CLI := $(VENV)/claude-cli/node_modules/.bin/claude

.PHONY: demo test lint bench clean install fuzz claude-cli long-jobs

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev,boost,serve,dvc,wandb,tune,dl]"
	touch $@ $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m mcp_server.entry.demo

claude-cli: $(CLAUDE_CLI)

$(CLAUDE_CLI):
	-npm install --silent --no-audit --no-fund --prefix $(VENV)/claude-cli @anthropic-ai/claude-code@2.1.332

# TensorFlow (TF Serving export) in its own venv: scripts/setup_tf_venv.sh says why.
$(TF_STAMP): scripts/setup_tf_venv.sh
	sh scripts/setup_tf_venv.sh $(TF_VENV) $(PYTHON)
	touch $@

test: $(TEST_STAMP) $(CLAUDE_CLI) $(TF_STAMP)
	PYTHON=$(PYTHON) bash scripts/setup_feast_venv.sh
	PYTHON=$(PYTHON) bash tests/monitoring/setup.sh
	MOAI_ML_TF_PYTHON=$(CURDIR)/$(TF_VENV)/bin/python $(PY) -m pytest -n 2 --dist loadgroup --durations=30 tests

# The long fuzz run: every tool with 400 schema-drawn calls and the whole hostile corpus on
# every field, plus schemathesis at 1000 examples on the generated service (`make test` runs
# the same suites bounded). Prints the verdict table; all but calls/clear errors must be 0.
fuzz: $(TEST_STAMP)
	MOAI_FUZZ=full $(PY) -m pytest tests/fuzz -s -p no:randomly --timeout 14400

# Issue 10's three-minute compare as a job, polled by clients that reconnect (a core busy for 3+ min:
# too long for `make test`'s budget on two shared cores; tests/test_background_jobs.py is the short form).
long-jobs: $(TEST_STAMP)
	MOAI_LONG_JOBS=1 $(PY) -m pytest tests/test_long_job.py -s -q -p no:randomly

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check mcp_server tests bench
	$(VENV)/bin/mypy

bench: $(TEST_STAMP)
	$(PY) bench/startup.py

clean:
	rm -rf $(VENV) $(TF_VENV) build dist .pytest_cache
