"""The files a run keeps of its model, staged in a folder before the run is written.

`moai/` holds `model.joblib` and `schema.json` (what export, serving and evaluation read back);
`model/` is the MLflow model directory (signature, input example, pinned requirements). A job
process stages them into its staging folder; an in-memory model is staged by `stage_fitted`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.ml.tracking import tags
from mcp_server.safety.signing import sign_folder

if TYPE_CHECKING:
    from mcp_server.ml.data.schema import Schema

INPUT_EXAMPLE_ROWS = 5


@dataclass
class Staged:
    """What `stage_fitted` put in a folder, ready for a `RunRecord`."""

    artifacts: dict[str, Path] = field(default_factory=dict)
    model_dir: Path | None = None
    model_params: dict[str, Any] = field(default_factory=dict)


def simple_params(estimator: Any) -> dict[str, Any]:
    """The estimator's parameters that MLflow can show as params (scalars only); a fitted
    network's `device` is where it trained (`device_`: cpu, cuda or mps), not what was asked."""
    out = {}
    for key, value in sorted(estimator.get_params(deep=False).items()):
        if value is None or isinstance(value, bool | int | float | str):
            out[key] = value
    if isinstance(getattr(estimator, "device_", None), str):
        out["device"] = estimator.device_
    return out


def requirements(schema: Schema, model_name: str) -> list[str]:
    """Pinned pip requirements of the logged model (no slow inference by MLflow)."""
    from importlib.metadata import PackageNotFoundError, version

    from mcp_server.ml.modeling.catalog import runtime_packages

    # moai-domain-ml: the logged model is a `LabelledModel` (raw tables in, labels out), and the
    # date-parts transformer lives in it too.
    names = ["scikit-learn", "numpy", "pandas", *runtime_packages(model_name), "moai-domain-ml"]
    out = []
    for name in names:
        try:
            out.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            out.append(name)
    return out


def stage_model(pipeline: Any, example: Any, path: Path, schema: Schema, model_name: str) -> int:
    """Save the fitted Pipeline as an MLflow model (signature + input example); return its size.

    The logged model is the pipeline behind `LabelledModel`: it predicts the user's labels and
    takes the table as `pandas.read_csv` reads it, so the example is stored as `read_csv` reads it
    back and the signature's inputs are `csv_signature`'s (dates as text, optional columns)."""
    import logging
    import warnings

    import mlflow.sklearn
    from mlflow.models import ModelSignature, infer_signature

    from mcp_server.ml.modeling.faithful import labelled

    model = labelled(pipeline, schema)
    example = as_read_csv(example) if example is not None else None
    logging.getLogger("mlflow.sklearn").setLevel(
        logging.ERROR
    )  # the cloudpickle caution, said once in DESIGN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signature = (
            ModelSignature(
                csv_signature(schema, example),
                infer_signature(example, model.predict(example)).outputs,
            )
            if example is not None
            else None
        )
        mlflow.sklearn.save_model(
            model,
            str(path),
            signature=signature,
            input_example=example,
            pip_requirements=requirements(schema, model_name),
            # Our own run store is trusted (DESIGN: pickle only from it); skops export is
            # `ml_export`'s job.
            serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
        )
    return sum(f.stat().st_size for f in path.glob("model.*"))


def as_read_csv(example: Any) -> Any:
    """The rows as `pandas.read_csv` reads them from a CSV (dates as text, flags as 0/1 or
    True/False): what a user's `predict(pd.read_csv(...))` sends."""
    import io

    import pandas as pd

    return pd.read_csv(io.StringIO(example.to_csv(index=False)))


def csv_signature(schema: Schema, example: Any) -> Any:
    """Input columns that accept every row `pandas.read_csv` gives for the training table, as the
    pipeline does (it coerces each column itself): any column may be absent (imputed); text and
    categories read as text are strings; numbers, dates (text, or parsed by `parse_dates`) and
    columns read as integers or booleans (a gap turns them into floats or objects) are AnyType."""
    from mlflow.types.schema import AnyType, ColSpec, DataType
    from mlflow.types.schema import Schema as ColumnSchema

    columns: list[Any] = []
    anything: Any = AnyType  # untyped in mlflow
    for feature in schema.features:
        column = example[feature.name] if feature.name in example.columns else None
        text = column is not None and column.dtype.kind == "O"
        kind = DataType.string if text and feature.kind in ("text", "categorical") else anything()
        columns.append(ColSpec(kind, feature.name, required=False))
    return ColumnSchema(columns)


def write_moai_dir(
    folder: Path, model: Any, schema: Schema, artifacts: dict[str, Path] | None = None
) -> None:
    """`model.joblib`, `schema.json` and extra artifacts: the files `RunStore.load_run` returns.

    The model is written by the standard pickler (protocol 5: arrays written straight from their
    memory), which `joblib.load` reads like its own files. Why not `joblib.dump`: its pickler is
    the pure-Python one, four times slower to write a forest (0.026 s against 0.006 s for 100
    trees) and twice as slow to load back, on every training run and every door that loads it."""
    import pickle

    folder.mkdir(parents=True, exist_ok=True)
    with (folder / tags.MODEL_FILE).open("wb") as handle:
        pickle.dump(model, handle, protocol=5)
    (folder / tags.SCHEMA_FILE).write_text(
        json.dumps(schema.to_dict(), indent=1, default=str), encoding="utf-8"
    )
    for name, source in (artifacts or {}).items():
        target = folder / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
    sign_folder(
        folder
    )  # what lets `RunStore.load_run` unpickle it later (mcp_server/safety/signing.py)


def stage_fitted(
    folder: Path, model: Any, schema: Schema, model_name: str, example: Any = None
) -> Staged:
    """Stage an in-memory fitted model: `moai/` and the MLflow model directory under `folder`."""
    write_moai_dir(folder / tags.MOAI_DIR, model, schema)
    head = example.head(INPUT_EXAMPLE_ROWS) if example is not None else None
    stage_model(model, head, folder / tags.MODEL_DIR, schema, model_name)
    estimator = model.named_steps["model"] if hasattr(model, "named_steps") else model
    return Staged(
        {tags.MOAI_DIR: folder / tags.MOAI_DIR}, folder / tags.MODEL_DIR, simple_params(estimator)
    )


def split_file(folder: Path) -> Path:
    """A staged fit's holdout: its row positions, or a cluster fit's hash rule
    (`fitting/cluster_stage`)."""
    rule = folder / tags.HOLDOUT_RULE
    return rule if rule.exists() else folder / tags.HOLDOUT_INDEX
