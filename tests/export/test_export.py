"""`ml_export` over a real MCP client (stdio) against a real MLflow run store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.export_support import fit, log_fitted
from tests.support import error_text, inprocess_client, structured

pytestmark = pytest.mark.anyio


async def test_ml_export_writes_each_format_under_the_run_store_with_parity_figures(
    project: Path,
) -> None:
    run_id = log_fitted(
        project, fit("multiclass", "random_forest", {"n_estimators": 20}), "data/customers.csv"
    )
    async with inprocess_client(project) as client:
        onnx = structured(await client.call_tool("ml_export", {"run_id": run_id, "format": "onnx"}))
        assert onnx["path"] == f".moai/ml/exports/{run_id}/model.onnx"
        assert (project / onnx["path"]).stat().st_size == onnx["size_bytes"] > 0
        parity = onnx["parity"]
        assert (
            parity["passed"] and parity["label_agreement"] == 1.0 and parity["max_abs_diff"] <= 1e-4
        )
        assert parity["rows"] >= 500  # real rows of the run's table plus synthetic rows
        assert (project / onnx["schema_path"]).is_file()
        for fmt, suffix in (("skops", "skops"), ("joblib", "joblib"), ("pickle", "pkl")):
            done = structured(
                await client.call_tool("ml_export", {"run_id": run_id, "format": fmt})
            )
            assert done["path"].endswith(f"model.{suffix}") and (project / done["path"]).is_file()
            assert (done["parity"] is not None) == (fmt == "skops")


async def test_a_model_onnx_cannot_express_is_refused_with_the_formats_that_work(
    project: Path,
) -> None:
    fitted = fit("multiclass", "knn")  # tied neighbour distances on customers.csv: parity fails
    run_id = log_fitted(project, fitted, "data/customers.csv")
    async with inprocess_client(project) as client:
        result = await client.call_tool("ml_export", {"run_id": run_id, "format": "onnx"})
        assert result.is_error
        assert "parity check failed" in error_text(result) and "skops" in error_text(result)
        assert not (project / ".moai/ml/exports" / run_id / "model.onnx").exists()
        assert not list((project / ".moai/ml/exports").rglob("*.onnx"))
        done = structured(
            await client.call_tool("ml_export", {"run_id": run_id, "format": "skops"})
        )
        assert done["parity"]["passed"]


async def test_bad_export_requests_get_clear_errors_and_the_server_survives(project: Path) -> None:
    (project / "data" / "model.pkl").write_bytes(b"\x80\x04not really a pickle")
    (project / "empty.joblib").write_bytes(b"")
    cases = [
        ({"run_id": "0123456789abcdef0123456789abcdef"}, "0123456789abcdef0123456789abcdef"),
        ({"run_id": "../../etc"}, "run_id"),
        ({}, "exactly one of run_id"),
        ({"run_id": "abc", "model_path": "data/model.pkl"}, "exactly one of run_id"),
        ({"model_path": "../outside.joblib"}, "outside the workspace"),
        ({"model_path": "data/nothing.joblib"}, "file not found"),
        ({"model_path": "data/model.pkl"}, "did not sign"),
        ({"model_path": "empty.joblib", "trusted": True}, "could not load"),
        ({"model_path": "data/customers.csv"}, "cannot tell the format"),
        ({"run_id": "abc", "format": "zip"}, "format"),
    ]
    async with inprocess_client(project) as client:
        for arguments, message in cases:
            result = await client.call_tool("ml_export", arguments)
            assert result.is_error, arguments
            assert message in error_text(result), (arguments, error_text(result))
        tools = await client.list_tools()
        assert "ml_export" in {tool.name for tool in tools.tools}
