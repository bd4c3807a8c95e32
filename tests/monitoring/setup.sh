#!/usr/bin/env bash
# Test-only tools of the monitoring tests, installed by `make test` (idempotent, quick when present):
#  - `evidently` in its own venv (.venv-evidently): it pins plotly<6 and pulls a web stack we do not
#    want in the product's environment; tests/monitoring compare our drift verdicts with it.
#  - Debian's `chromium`: tests render the HTML model report headless and screenshot it.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python3.11}"
EV=.venv-evidently
if [ ! -f "$EV/.installed" ]; then
    "$PYTHON" -m venv "$EV"
    "$EV/bin/python" -m pip install --quiet --upgrade pip
    "$EV/bin/python" -m pip install --quiet "evidently==0.7.23" "pandas>=2.2,<3" "numpy<3"
    touch "$EV/.installed"
fi
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "setup.sh: chromium is missing and cannot be installed here (not root / no apt-get)" >&2
    fi
fi
