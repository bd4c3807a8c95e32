"""`ml_export`'s typed request: what the tool is asked (`export_run` prepares the job from it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportArgs:
    """`ml_export`'s arguments: a run (id or `models:/` URI) or a model file, and the format."""

    run_id: str | None
    model_path: str | None
    format: str = "onnx"
    trusted: bool = False  # load a pickle this machine's moai-ml did not sign
    data_path: str | None = None  # the table of the parity sample (default: the run's data)
    allow_failed_gates: bool = False
