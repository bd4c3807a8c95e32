"""Every registered estimator x task converts to ONNX whole and predicts what the pipeline
predicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.export.formats import export_pipeline
from mcp_server.ml.modeling.registry import REGISTRY
from tests.export_support import Fitted, files_under, fit

# Tied neighbour distances on customers.csv (duplicate rows) make k-NN's choice of neighbours
# arbitrary; float32 distances break the ties differently, so the parity check refuses the file.
EXPECTED_REFUSALS = {("knn", "multiclass")}
CASES = [
    (name, task)
    for name, spec in REGISTRY.items()
    for task in spec.tasks
    # the text families read a free-text column customers.csv lacks: tests/fitting/test_text_e2e.py
    if spec.available() and "table" in spec.data_kinds and not spec.takes_text
]
SMALL = {"n_estimators": 40}


def _params(name: str, task: str) -> dict[str, int] | None:
    return (
        SMALL
        if "n_estimators" in REGISTRY[name].defaults(task)
        or name in ("random_forest", "extra_trees", "gradient_boosting")
        else None
    )


@pytest.mark.parametrize(("model", "task"), CASES)
def test_every_registered_estimator_exports_to_onnx_with_parity_or_is_refused_cleanly(
    model: str, task: str, workspace: Workspace
) -> None:
    fitted = fit(task, model, _params(model, task))
    if (model, task) in EXPECTED_REFUSALS:
        with pytest.raises(MoaiMlError, match=r"parity check failed.*joblib, pickle or skops"):
            export_pipeline(
                workspace, "r1", fitted.pipeline, fitted.schema, model, "onnx", fitted.test
            )
        assert not any(f.endswith(".onnx") for f in files_under(workspace.root / ".moai"))
        return
    exported = export_pipeline(
        workspace, "r1", fitted.pipeline, fitted.schema, model, "onnx", fitted.test
    )
    parity = exported.parity
    assert parity is not None and parity.passed, parity
    assert parity.rows >= len(fitted.test)
    assert parity.max_rel_diff <= 1e-4
    if task != "regression":
        assert parity.label_agreement == 1.0
        _assert_labels_as_joblib_predicts(workspace, exported.path, fitted)
    assert exported.path.read_bytes()[:2] and exported.size_bytes == exported.path.stat().st_size


def _assert_labels_as_joblib_predicts(
    workspace: Workspace, onnx_path: Path, fitted: Fitted
) -> None:
    """The ONNX label output holds the user's labels, equal to the joblib file's `predict` on
    every row whose top probabilities are not tied (a tie may pick either class: both are right)."""
    import joblib
    import numpy as np
    import onnxruntime as ort

    from mcp_server.ml.export.onnx_parity import float32_view, onnx_feeds

    model = fitted.model_name
    saved = export_pipeline(workspace, "r1", fitted.pipeline, fitted.schema, model, "joblib")
    reference = float32_view(fitted.test, fitted.schema)
    expected = joblib.load(saved.path).predict(reference)
    session = ort.InferenceSession(onnx_path.read_bytes(), providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, onnx_feeds(fitted.test, fitted.schema))[:2]
    top2 = np.sort(np.asarray(fitted.pipeline.predict_proba(reference)), axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-6
    assert clear.mean() > 0.9
    assert set(labels.tolist()) <= set(fitted.schema.classes)
    assert labels[clear].tolist() == expected[clear].tolist()
    assert np.abs(proba - fitted.pipeline.predict_proba(reference)).max() <= 1e-4


def test_hist_gradient_boosting_converts_despite_the_skl2onnx_boolean_bug(
    workspace: Workspace,
) -> None:
    import onnx

    fitted = fit("binary", "hist_gradient_boosting")
    exported = export_pipeline(
        workspace, "hgb", fitted.pipeline, fitted.schema, "hist_gradient_boosting", "onnx"
    )
    model = onnx.load(str(exported.path))
    ops = {node.op_type for node in model.graph.node}
    assert "TreeEnsembleClassifier" in ops
    assert exported.parity is not None and exported.parity.label_agreement == 1.0


def test_a_column_with_more_categories_than_the_encoder_keeps_still_converts_exactly(
    workspace: Workspace,
) -> None:
    import numpy as np
    import onnx
    import pandas as pd

    from mcp_server.ml.data.schema import Feature, Schema
    from mcp_server.ml.modeling.preprocess import build_pipeline, coerce_frame, encode_target

    rng = np.random.default_rng(0)
    cities = [
        f"city {i}" for i in range(120)
    ]  # > max_categories=50: infrequent ones share a column
    weights = np.linspace(1, 30, len(cities))
    raw = pd.DataFrame(
        {"city": rng.choice(cities, 900, p=weights / weights.sum()), "x": rng.normal(size=900)}
    )
    features = [
        Feature("city", "categorical", False, categories=cities[:50]),
        Feature("x", "numeric", False, minimum=-3.0, maximum=3.0),
    ]
    schema = Schema("y", "binary", features, {}, classes=[0, 1])
    frame = coerce_frame(raw, schema)
    y = encode_target(pd.Series((raw["city"].str.len() + (raw["x"] > 0)) % 2), schema)
    pipeline = build_pipeline(schema, "logistic_regression", None, 0).fit(frame, y)
    encoder = pipeline.steps[0][1].named_transformers_["categorical"].named_steps["onehot"]
    assert any(c is not None for c in encoder.infrequent_categories_)
    exported = export_pipeline(
        workspace, "cities", pipeline, schema, "logistic_regression", "onnx", raw
    )
    assert (
        exported.parity is not None
        and exported.parity.passed
        and exported.parity.label_agreement == 1.0
    )
    assert "MatMul" in {node.op_type for node in onnx.load(str(exported.path)).graph.node}


def test_datetime_and_text_features_are_refused_for_onnx_naming_the_formats_that_work(
    workspace: Workspace,
) -> None:
    from mcp_server.ml.data.schema import Feature, Schema

    reasons = {
        "datetime": r"datetime column\(s\) 'when or what'",
        "text": r"free-text column\(s\) 'when or what'.*ASCII",
    }
    for kind, reason in reasons.items():
        schema = Schema("y", "binary", [Feature("when or what", kind, False)], {}, classes=[0, 1])
        with pytest.raises(MoaiMlError, match=rf"{reason}.*joblib, pickle or skops") as refused:
            export_pipeline(workspace, "r", object(), schema, "random_forest", "onnx")
        assert "\n" not in str(refused.value)
    assert not (workspace.root / ".moai/ml/exports").exists()
