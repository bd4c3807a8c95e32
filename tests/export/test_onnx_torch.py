"""ONNX of a torch-MLP pipeline: skl2onnx preprocessing + torch.onnx network in one graph, proven
by the parity check, and served by the generated FastAPI/ONNX service like any other model."""

from __future__ import annotations

from pathlib import Path

import httpx
import joblib
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.export.formats import export_pipeline, parity_sample, serialize
from mcp_server.ml.export.onnx_parity import float32_view, onnx_feeds
from mcp_server.ml.serving.generate import generate_serving
from tests.export_support import fit, log_fitted
from tests.support import generated_pytest, uvicorn_service

pytest.importorskip("skorch")
pytestmark = pytest.mark.xdist_group("neural")


@pytest.mark.parametrize("task", ["multiclass", "binary", "regression"])
def test_the_whole_torch_pipeline_exports_to_one_onnx_graph_that_passes_parity(
    task: str, tmp_path: Path
):
    fitted = fit(task, "torch_mlp")
    exported = export_pipeline(
        Workspace(tmp_path), "run1", fitted.pipeline, fitted.schema, "torch_mlp", "onnx", fitted.raw
    )
    assert exported.parity is not None and exported.parity.passed and exported.parity.rows > 600
    model = onnx.load(exported.path)
    outputs = [o.name for o in model.graph.output]
    assert outputs == (["variable"] if task == "regression" else ["label", "probabilities"])
    assert {i.name for i in model.graph.input} <= {"numbers", "strings"}
    assert {p.key: p.value for p in model.metadata_props}["moai.model_name"] == "torch_mlp"
    session = ort.InferenceSession(exported.path.read_bytes(), providers=["CPUExecutionProvider"])
    got = session.run(None, onnx_feeds(fitted.test, fitted.schema))
    reference = float32_view(fitted.test, fitted.schema)
    if task == "regression":
        assert np.allclose(got[0].ravel(), fitted.pipeline.predict(reference), rtol=1e-4)
    else:  # the user's labels, exactly as the joblib file's predict answers
        saved = export_pipeline(
            Workspace(tmp_path), "r1", fitted.pipeline, fitted.schema, "torch_mlp", "joblib"
        )
        assert got[0].tolist() == joblib.load(saved.path).predict(reference).tolist()
        assert set(got[0].tolist()) == set(fitted.schema.classes)
        assert np.abs(got[1] - fitted.pipeline.predict_proba(reference)).max() < 1e-5


def test_a_network_that_does_not_match_its_onnx_file_is_refused(monkeypatch: pytest.MonkeyPatch):
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.export import onnx_torch

    fitted = fit("binary", "torch_mlp")
    sample = parity_sample(fitted.schema, fitted.raw)
    real = onnx_torch.export_network

    def shifted(estimator, task):  # the exported network answers with its output biases moved apart
        model = real(estimator, task)
        last = [
            t
            for t in model.graph.initializer
            if len(t.dims) == 1 and t.data_type == onnx.TensorProto.FLOAT
        ][-1]
        values = onnx.numpy_helper.to_array(last) + 3.0 * np.arange(last.dims[0])
        last.CopyFrom(onnx.numpy_helper.from_array(values.astype(np.float32), last.name))
        return model

    monkeypatch.setattr(onnx_torch, "export_network", shifted)
    with pytest.raises(MoaiMlError, match="parity check failed"):
        serialize(fitted.pipeline, fitted.schema, "torch_mlp", "onnx", sample)


@pytest.mark.slow
def test_the_fastapi_onnx_service_of_a_torch_run_passes_its_tests_and_answers_like_the_model(
    project: Path,
):
    fitted = fit("binary", "torch_mlp")
    run_id = log_fitted(project, fitted, "data/breast_cancer.csv", tags={"moai.spec_id": "ML-077"})
    done = generate_serving(Workspace(project), run_id, None, "onnx")
    assert done.parity is not None and done.parity.passed
    service = project / done.output_dir
    tests = generated_pytest(service)
    assert tests.returncode == 0, tests.stdout[-3000:]
    rows = fitted.raw.iloc[len(fitted.train) :].head(40)
    records = [
        {k: (None if v != v else v) for k, v in r.items() if k in fitted.schema.names}
        for r in rows.to_dict("records")
    ]
    with uvicorn_service(service) as base:
        reply = httpx.post(f"{base}/predict/batch", json={"records": records}, timeout=30)
    assert reply.status_code == 200, reply.text
    want = fitted.pipeline.predict(float32_view(fitted.test.head(40), fitted.schema))
    assert [p["prediction"] for p in reply.json()["predictions"]] == [
        fitted.schema.classes[c] for c in want
    ]
