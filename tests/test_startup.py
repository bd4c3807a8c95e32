"""Start-up stays light: building the server imports none of the heavy ML libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "sklearn",
    "pandas",
    "mlflow",
    "onnxruntime",
    "skl2onnx",
    "onnx",
    "xgboost",
    "lightgbm",
    "matplotlib",
    "scipy",
    "jinja2",  # the tools that write files render templates; starting the server renders none
)


def test_building_the_server_and_listing_tools_imports_no_heavy_library(tmp_path):
    code = (
        "import sys, anyio\n"
        "from mcp_server.entry.server import build_server\n"
        "server = build_server(sys.argv[1])\n"
        "anyio.run(server.list_tools)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_training_a_model_loads_no_estimator_library_into_the_server(tmp_path):
    """The fit, and the estimator's check of its params, run in the job: the long-lived server
    never carries scikit-learn or a boosting library (they would stay for its whole life)."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data/t.csv").write_text((ROOT / "examples/data/breast_cancer.csv").read_text())
    code = (
        "import sys, anyio\n"
        "from mcp import Client\n"
        "from mcp_server.entry.server import build_server\n"
        "async def main():\n"
        "    async with Client(build_server(sys.argv[1])) as client:\n"
        "        for params in ({'n_estimators': -5}, {'n_estimators': 5}):\n"
        "            done = await client.call_tool('ml_train', {'data_path': 'data/t.csv', "
        "'target': 'target',\n"
        "                                          'model': 'random_forest', 'params': params})\n"
        "            print(done.is_error, done.content[0].text[:120].replace(chr(10), ' '))\n"
        "anyio.run(main)\n"
        "print(sorted(m for m in ('sklearn', 'xgboost', 'lightgbm', 'matplotlib') if m in "
        "sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    refused, trained, modules = done.stdout.strip().splitlines()
    assert refused.startswith("True") and "invalid params for random_forest" in refused, refused
    assert trained.startswith("False run_id="), trained
    assert modules == "[]", modules
