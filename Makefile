# The commands of the README: `make demo`, `make check` (before each commit) and `make test` (what
# CI runs). All work on a fresh machine that has only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
CHECK_STAMP := $(VENV)/.installed-check
TF_VENV := .venv-tf
TF_STAMP := $(TF_VENV)/.installed
# Claude Code's own CLI, only for `claude plugin validate` in tests/test_plugin.py (skipped without it)
CLAUDE_CLI := $(VENV)/claude-cli/node_modules/.bin/claude

.PHONY: demo check test lint bench bench-serving clean install fuzz claude-cli long-jobs

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev,boost,serve,dvc,wandb,tune,dl,series,vision,text,dask]"
	touch $@ $(STAMP)

# `make check` needs the test tools and the light extras (dask: the partitioned profile), not
# torch, DVC or W&B (their tests skip without them); a venv that `make test` set up has
# everything already and installs nothing.
$(CHECK_STAMP): pyproject.toml | $(PY)
	if [ ! $(TEST_STAMP) -nt pyproject.toml ]; then \
		$(PY) -m pip install --quiet -e ".[dev,boost,serve,tune,dask]"; fi
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

# Before each commit (target: under 4 minutes on 2 cores): lint, types and the tests that are
# neither `slow` nor `external` (tests/conftest.py); no PostgreSQL, TensorFlow, Feast or Chromium.
check: $(CHECK_STAMP)
	$(VENV)/bin/ruff check mcp_server tests bench
	$(VENV)/bin/ruff format --check mcp_server tests bench
	$(VENV)/bin/mypy
	$(PY) -m pytest -n 2 --dist loadgroup -q -m "not slow and not external" tests

test: $(TEST_STAMP) $(CLAUDE_CLI) $(TF_STAMP)
	PYTHON=$(PYTHON) bash scripts/setup_feast_venv.sh
	PYTHON=$(PYTHON) bash tests/monitoring/setup.sh
	MOAI_ML_TF_PYTHON=$(CURDIR)/$(TF_VENV)/bin/python $(PY) -m pytest -n 2 --dist loadgroup --durations=200 tests

# The long fuzz run: every tool with 400 schema-drawn calls and the whole hostile corpus on
# every field, plus schemathesis at 1000 examples on the generated service (`make test` runs
# the same suites bounded). Prints the verdict table; all but calls/clear errors must be 0.
fuzz: $(TEST_STAMP)
	MOAI_FUZZ=full $(PY) -m pytest tests/fuzz -s -p no:randomly --timeout 14400

# Issue 10's three-minute compare as a job, polled by clients that reconnect (a core busy for 3+ min:
# too long for `make test`'s budget on two shared cores; tests/test_background_jobs.py is the short form).
long-jobs: $(TEST_STAMP)
	MOAI_LONG_JOBS=1 $(PY) -m pytest tests/test_long_job.py -s -q -p no:randomly

lint: $(CHECK_STAMP)
	$(VENV)/bin/ruff check mcp_server tests bench
	$(VENV)/bin/ruff format --check mcp_server tests bench
	$(VENV)/bin/mypy

# The fixed cost of a call: a warm ml_train against a plain script, start-up against a bare server.
bench: $(TEST_STAMP)
	$(PY) bench/lifecycle.py

# The generated prediction service against a bare FastAPI app doing the same predict, side by side
# (sequential and concurrent, target >= 0.90 of its throughput); needs Debian's wrk.
bench-serving: $(TEST_STAMP)
	$(PY) bench/serving_overhead.py

clean:
	rm -rf $(VENV) $(TF_VENV) build dist .pytest_cache
