#!/usr/bin/env bash
# A tool's own environment beside the product's (.venv-feast, .venv-statsforecast, ...), for a
# tool that cannot share `.venv` (its pins clash with the product's). Usage:
#   bash scripts/setup_side_venv.sh VENV REQUIREMENT CHECK
# VENV relative to the project root, REQUIREMENT what pip installs, CHECK a Python statement the
# new environment must run (an import that proves the install). Idempotent: a stamp file records
# the requirement the environment was built from, so a changed requirement rebuilds it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
VENV="$1"
REQUIREMENT="$2"
CHECK="$3"
STAMP="$VENV/.installed"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQUIREMENT" ]; then
    exit 0
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "$REQUIREMENT"
"$VENV/bin/python" -c "$CHECK"
printf '%s' "$REQUIREMENT" > "$STAMP"
