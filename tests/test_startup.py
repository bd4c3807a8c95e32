"""Start-up stays light: building the server imports none of the heavy ML libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sklearn", "pandas", "mlflow", "onnxruntime", "skl2onnx", "onnx", "xgboost", "lightgbm", "matplotlib", "scipy")


def test_building_the_server_and_listing_tools_imports_no_heavy_library(tmp_path):
    code = (
        "import sys, anyio\n"
        "from mcp_server.server import build_server\n"
        "server = build_server(sys.argv[1])\n"
        "anyio.run(server.list_tools)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
