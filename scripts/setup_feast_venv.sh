#!/usr/bin/env bash
# Feast's own environment (.venv-feast/): Feast needs pandas<3 and the product uses pandas 3, so the
# generated feature repositories are applied, materialized and queried with this interpreter.
# Idempotent (scripts/setup_side_venv.sh); `make test` calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/setup_side_venv.sh "${FEAST_VENV:-.venv-feast}" "feast>=0.50,<1" \
    "import feast.cli"
