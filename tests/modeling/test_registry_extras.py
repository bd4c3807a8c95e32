"""Models from an optional extra: without the extra installed, a clear message naming it."""

from __future__ import annotations

import json
import subprocess
import sys

HIDE_BOOSTERS = (
    "import sys, json\n"
    "sys.modules['xgboost'] = None\n"  # as if `pip install moai-domain-ml` ran without [boost]
    "sys.modules['lightgbm'] = None\n"
    "from mcp_server.core.errors import MoaiMlError\n"
    "from mcp_server.ml.modeling.catalog import fast_first, get_spec, models_for\n"
    "try:\n"
    "    get_spec('xgboost')\n"
    "    message = None\n"
    "except MoaiMlError as exc:\n"
    "    message = str(exc)\n"
    "print(json.dumps({'message': message, 'models': models_for('binary'), 'default': "
    "fast_first('binary')}))\n"
)


def test_a_booster_without_the_boost_extra_names_the_extra_to_install():
    done = subprocess.run(
        [sys.executable, "-c", HIDE_BOOSTERS], capture_output=True, text=True, check=True
    )
    out = json.loads(done.stdout)
    assert (
        out["message"]
        == "model 'xgboost' needs the 'boost' extra: pip install 'moai-domain-ml[boost]'"
    )
    assert "xgboost" not in out["models"] and "lightgbm" not in out["models"]
    assert "xgboost" not in out["default"] and "random_forest" in out["default"]


def test_with_the_extra_installed_the_boosters_are_registered_for_every_task():
    from mcp_server.ml.modeling.catalog import get_spec, models_for

    for task in ("binary", "multiclass", "regression"):
        assert {"xgboost", "lightgbm"} <= set(models_for(task))
    assert (
        get_spec("lightgbm").onnx == "onnxmltools" and get_spec("random_forest").onnx == "skl2onnx"
    )
