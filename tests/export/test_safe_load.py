"""Loading saved models: pickles only when this product signed them unless trusted, skops with a
type list."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from mcp_server.core.errors import MoaiMlError, WorkspaceError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.export.formats import export_pipeline
from mcp_server.ml.export.safe_load import load_model
from tests.export_support import fit


class _Touch:
    """Unpickling this calls Path.touch(marker): the marker file proves the pickle was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (self.marker,))


def test_a_malicious_pickle_outside_the_run_store_is_refused_without_being_executed(
    workspace: Workspace,
) -> None:
    marker = workspace.root / "pwned"
    evil = workspace.root / "data" / "model.pkl"
    evil.write_bytes(pickle.dumps(_Touch(marker)))
    with pytest.raises(MoaiMlError, match=r"refusing to load .*trusted=true"):
        load_model(workspace, "data/model.pkl")
    assert not marker.exists()
    # the same bytes do run when the caller explicitly trusts them: the marker proves the test could
    # fail
    load_model(workspace, "data/model.pkl", trusted=True)
    assert marker.exists()


def test_joblib_exports_in_the_run_store_load_without_trusted(workspace: Workspace) -> None:
    fitted = fit("binary", "logistic_regression")
    exported = export_pipeline(
        workspace, "run-a", fitted.pipeline, fitted.schema, "logistic_regression", "joblib"
    )
    model = load_model(workspace, workspace.relative(exported.path))
    assert (model.predict(fitted.test) == fitted.pipeline.predict(fitted.test)).all()


def test_a_pickle_copied_without_its_signature_needs_trusted(workspace: Workspace) -> None:
    fitted = fit("binary", "logistic_regression")
    exported = export_pipeline(
        workspace, "run-b", fitted.pipeline, fitted.schema, "logistic_regression", "pickle"
    )
    outside = workspace.root / "model.pkl"
    outside.write_bytes(exported.path.read_bytes())
    with pytest.raises(MoaiMlError, match="did not sign"):
        load_model(workspace, "model.pkl")
    assert load_model(workspace, "model.pkl", trusted=True).predict(fitted.test).shape == (
        len(fitted.test),
    )


def test_skops_loads_with_the_trusted_type_list_and_refuses_other_types(
    workspace: Workspace,
) -> None:
    import skops.io as sio

    fitted = fit("multiclass", "random_forest", {"n_estimators": 10})
    exported = export_pipeline(
        workspace, "run-c", fitted.pipeline, fitted.schema, "random_forest", "skops"
    )
    assert (
        exported.parity is not None
        and exported.parity.passed
        and exported.parity.max_abs_diff == 0.0
    )
    model = load_model(workspace, workspace.relative(exported.path))
    assert (model.predict_proba(fitted.test) == fitted.pipeline.predict_proba(fitted.test)).all()
    odd = workspace.root / "odd.skops"
    odd.write_bytes(sio.dumps({"f": fit}))  # a function from outside the trusted list
    with pytest.raises(MoaiMlError, match="not trusted"):
        load_model(workspace, "odd.skops")
    name = sio.get_untrusted_types(file=odd)[0]
    assert load_model(workspace, "odd.skops", trusted_types=[name])["f"] is fit


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("../outside.joblib", b"", "outside the workspace"),
        ("missing.joblib", None, "file not found"),
        (".moai/ml/corrupt.joblib", b"not a pickle", "did not sign"),
        ("model.txt", b"x", "cannot tell the format"),
        ("broken.onnx", b"\x00\x01garbage", "not a valid ONNX model"),
        ("broken.skops", b"garbage", "not a readable skops file"),
    ],
)
def test_bad_model_files_get_clear_errors(
    workspace: Workspace, name: str, content: bytes | None, message: str
) -> None:
    if content is not None and not name.startswith(".."):
        (workspace.root / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace.root / name).write_bytes(content)
    with pytest.raises((MoaiMlError, WorkspaceError), match=message):
        load_model(workspace, name)
