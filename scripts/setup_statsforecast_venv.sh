#!/usr/bin/env bash
# statsforecast's own environment (.venv-statsforecast/), for bench/series_real.py only: the
# product's yardstick on real series (AutoETS and AutoARIMA). Its own because statsforecast 2.1
# and its fugue dependency need pandas<3 and the product uses pandas 3 (numba is no longer one of
# its dependencies: coreforecast's compiled kernels replaced it). Idempotent
# (scripts/setup_side_venv.sh); the bench calls it before its first use.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/setup_side_venv.sh "${STATSFORECAST_VENV:-.venv-statsforecast}" \
    "statsforecast==2.1.1" "from statsforecast.models import AutoARIMA, AutoETS"
