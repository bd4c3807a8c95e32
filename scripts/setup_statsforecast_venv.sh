#!/usr/bin/env bash
# statsforecast's own environment (.venv-statsforecast/), for bench/series_real.py only: the
# product's yardstick on real series (AutoETS and AutoARIMA). Its own because statsforecast 2.1
# and its fugue dependency need pandas<3 and the product uses pandas 3 (numba is no longer one of
# its dependencies: coreforecast's compiled kernels replaced it). Idempotent: a stamp file records
# the requirement it was built from; the bench calls it before its first use.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
VENV="${STATSFORECAST_VENV:-.venv-statsforecast}"
REQUIREMENT="statsforecast==2.1.1"
STAMP="$VENV/.installed"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQUIREMENT" ]; then
    exit 0
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "$REQUIREMENT"
"$VENV/bin/python" -c "from statsforecast.models import AutoARIMA, AutoETS"
printf '%s' "$REQUIREMENT" > "$STAMP"
