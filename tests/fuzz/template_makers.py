"""What renders each template set of the table kind for `test_template_sets_hostile`: the
product's own generator, on a small fitted model or a SPEC over a hostile table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def render_serving() -> None:
    from mcp_server.ml.serving.service import render_service
    from tests.serving.test_serving_render import _hostile_info

    render_service(_hostile_info(), "joblib", b"")


def render_neural(runtime: str, model: str) -> Callable[[], None]:
    def make() -> None:
        from mcp_server.ml.serving import tfserving, torchserve
        from mcp_server.ml.serving.service import ModelInfo
        from tests.export_support import fit

        fitted = fit("multiclass", model)
        info = ModelInfo(fitted.pipeline, fitted.schema, model, "run-1", {})
        if runtime == "torchserve":
            torchserve.render_torchserve(info, "archive")
        else:
            tfserving.render_tfserving(info, "archive")

    return make


def render_network(kind: str) -> Callable[[], None]:
    """TorchServe's deployment of a tiny image CNN or text Transformer (hostile labels)."""

    def make() -> None:
        from mcp_server.ml.serving import torchserve
        from tests.torchserve_support import network_info

        torchserve.render_torchserve(network_info(kind)[0], "archive")

    return make


def render_tdd(tmp: Path, series: bool, images: bool = False) -> list[Callable[[], None]]:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tdd import phases
    from mcp_server.ml.tdd.builders import builders

    if images:
        from tests.tdd.image_tdd_support import FIELDS, hostile_digits

        prep = phases.load(Workspace(hostile_digits(tmp, 4)), None, FIELDS, "proj")
        model, params = "image_cnn", {"width": 8}
    elif series:
        from tests.series.tdd_support import hostile_project

        prep = phases.load(Workspace(hostile_project(tmp)), "ML-026", None, "proj")
        model, params = "lgbm_forecast", {"num_leaves": 15}
    else:
        from tests.tdd.test_templates import hostile_spec

        prep = hostile_spec(tmp)[1]
        model, params = "random_forest", {"n_estimators": 5}
    return [
        lambda: phases.render("red", builders(prep).test_context(prep), prep.templates),
        lambda: phases.pipeline_files(prep, model, params, "chosen"),
        lambda: phases.render("refactor", builders(prep).selection_context(prep), prep.templates),
    ]


def render_dvc(tmp: Path) -> list[Callable[[], None]]:
    from mcp_server.ml.scaffolds.dvc import render_pipeline
    from tests.tdd.test_templates import hostile_spec

    prep = hostile_spec(tmp)[1]
    return [lambda: render_pipeline(prep, "random_forest", {"n_estimators": 5})]


def render_feast(tmp: Path) -> list[Callable[[], None]]:
    import numpy as np
    import pandas as pd

    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.scaffolds.feast import scaffold_feast

    (tmp / "data").mkdir()
    rows = {"who": np.arange(20) % 5, "when": pd.date_range("2026-01-01", periods=20)}
    pd.DataFrame({**rows, "n": np.arange(20.0), "m": np.arange(20.0)}).to_csv(
        tmp / "data/t.csv", index=False
    )
    ws = Workspace(tmp)
    return [lambda: scaffold_feast(ws, "data/t.csv", "who", timestamp_column="when", name="r")]
