"""`ml_generate_serving`'s typed request (`serving_run` prepares the job from it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServingArgs:
    """`ml_generate_serving`'s arguments."""

    run_id: str  # a run id or `models:/` URI
    output_dir: str | None = None  # default serving/<spec or run>
    runtime: str = "auto"  # auto | onnx | joblib | torchserve | tfserving
    overwrite: bool = False  # also replace files a person edited
    trusted: bool = False  # load a pickle this machine's moai-ml did not sign
    allow_failed_gates: bool = False
