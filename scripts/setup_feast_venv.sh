#!/usr/bin/env bash
# Feast's own environment (.venv-feast/): Feast needs pandas<3 and the product uses pandas 3, so the
# generated feature repositories are applied, materialized and queried with this interpreter.
# Idempotent: a stamp file records the requirement it was built from; `make test` calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
VENV="${FEAST_VENV:-.venv-feast}"
REQUIREMENT="feast>=0.50,<1"
STAMP="$VENV/.installed"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQUIREMENT" ]; then
    exit 0
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "$REQUIREMENT"
"$VENV/bin/feast" version >/dev/null
printf '%s' "$REQUIREMENT" > "$STAMP"
