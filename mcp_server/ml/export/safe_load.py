"""Load a saved model without running code from an untrusted file.

- pickle / joblib execute arbitrary code while loading, so they are unpickled only when this
  product signed them (`mcp_server/safety/signing.py`: an HMAC with a key kept outside the
  workspace),
  unless the caller says `trusted=True`. The check happens BEFORE unpickling, on the very bytes
  that are then loaded.
- skops loads with an explicit list of trusted types (the ones the registry's pipelines are
  made of, `registry.trusted_skops_types`); a file that needs any other type is refused with
  the list of what it asked for.
- ONNX is data, not code: it loads as an onnxruntime session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace

PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


def load_model(
    workspace: Workspace,
    user_path: str,
    *,
    trusted: bool = False,
    trusted_types: list[str] | None = None,
) -> Any:
    """The model saved at `user_path` (inside the workspace), loaded by the rules above."""
    path = workspace.resolve(user_path, must_exist=True)
    suffix = _format_of(path, user_path)
    if suffix in PICKLE_SUFFIXES:
        from mcp_server.safety.signing import load_pickle

        folder = _signature_folder(path)
        return load_pickle(path, what=repr(user_path), trusted=trusted, folder=folder)
    if suffix == ".skops":
        return _load_skops(path.read_bytes(), trusted_types or [])
    return _load_onnx(path)


def check_model_file(path: Path, user_path: str, trusted: bool) -> None:
    """The refusals `load_model` would give, made without loading: before a job starts."""
    from mcp_server.safety.signing import require_signed

    if _format_of(path, user_path) in PICKLE_SUFFIXES:
        folder = _signature_folder(path)
        require_signed(path, what=repr(user_path), trusted=trusted, folder=folder)


def _format_of(path: Path, user_path: str) -> str:
    """The extension that says how `path` loads, or a refusal naming the ones that do."""
    if not path.is_file():
        raise MoaiMlError(f"{user_path!r} is not a file; give model_path a saved model file")
    suffix = path.suffix.lower()
    if suffix not in (*PICKLE_SUFFIXES, ".skops", ".onnx"):
        raise MoaiMlError(
            f"cannot tell the format of {user_path!r} from its extension; give model_path a "
            ".joblib, .pkl, .pickle, .skops or .onnx file"
        )
    return suffix


def _signature_folder(path: Path) -> Path | None:
    # Why a signature and not a location: anyone can commit or log a file under .moai/ml/, and
    # unpickling runs code chosen by whoever wrote it. Only this product's own files are signed.
    from mcp_server.safety.signing import SIGNATURE_FILE

    return path.parent if (path.parent / SIGNATURE_FILE).is_file() else None


def load_skops_bytes(data: bytes, extra_trusted: list[str] | None = None) -> Any:
    return _load_skops(data, extra_trusted or [])


def _load_skops(data: bytes, extra_trusted: list[str]) -> Any:
    import skops.io as sio

    try:
        asked = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise MoaiMlError(
            f"not a readable skops file ({type(exc).__name__}: {exc}); give model_path a file "
            "skops wrote, or export the run by its run_id"
        ) from exc
    from mcp_server.ml.modeling.catalog import trusted_skops_types

    allowed = set(trusted_skops_types()) | set(extra_trusted)
    refused = sorted(t for t in asked if t not in allowed)
    if refused:
        raise MoaiMlError(
            f"the skops file needs types that are not trusted: {refused[:10]}; pass "
            "format='joblib' for this model, or export its run by run_id, not the .skops file"
        )
    try:
        return sio.loads(data, trusted=list(asked))
    except Exception as exc:
        raise MoaiMlError(
            f"could not load the skops file ({type(exc).__name__}: {exc}); give model_path "
            "another file, or export the run by its run_id"
        ) from exc


def _load_onnx(path: Path) -> Any:
    import onnxruntime as ort

    try:
        return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise MoaiMlError(
            f"not a valid ONNX model: {path.name} ({type(exc).__name__}); give model_path a "
            "whole .onnx file, or export the run by its run_id"
        ) from exc
