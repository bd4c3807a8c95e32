"""Weights & Biases alongside MLflow (never instead of it): every run the store records is mirrored.

Asked for with `settings.TRACKERS` (`mlflow,wandb`: every run) or a run's own `trackers` (ml_train's
`trackers=["wandb"]`); MLflow is always on, `wandb` adds the mirror. The mirror logs the run's
params
(W&B config), metrics (summary), plots (images) and the model directory (a `model` artifact),
tagged with the MLflow run id. Mode: `settings.WANDB_MODE` (default offline: no network, no
account): runs land in `layout.WANDB` and `wandb sync` uploads them later. A mirror that fails is
logged on stderr and leaves the MLflow run as it is.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from mcp_server.core import layout, settings

log = logging.getLogger("moai_ml")
KNOWN = ("mlflow", "wandb")
_LOCK = threading.Lock()  # one W&B run at a time per process: runs come from worker threads


def trackers() -> list[str]:
    """The trackers asked for: always mlflow, plus the known names of `settings.TRACKERS`."""
    asked = [t.strip().lower() for t in settings.TRACKERS.value().split(",") if t.strip()]
    unknown = [t for t in asked if t not in KNOWN]
    if unknown:
        log.warning(
            "%s names unknown trackers %s (known: %s); ignored",
            settings.TRACKERS.name,
            unknown,
            KNOWN,
        )
    return ["mlflow", *[t for t in KNOWN[1:] if t in asked]]


def wandb_enabled() -> bool:
    return "wandb" in trackers()


def _text(value: Any) -> Any:
    return value if isinstance(value, (bool, int, float, str)) or value is None else str(value)


def mirror_run(root: Path, record: Any, run_id: str) -> str | None:
    """Log `record` (a `RunRecord`, already written to MLflow as `run_id`) to W&B; returns the W&B
    run folder."""
    if not (wandb_enabled() or "wandb" in getattr(record, "trackers", ())):
        return None
    try:
        with _LOCK:
            return _log(root, record, run_id)
    except Exception as exc:  # the MLflow run of record stands; the mirror is best effort
        log.warning(
            "W&B mirror of run %s failed: %s: %s", run_id, type(exc).__name__, str(exc)[:300]
        )
        return None


def _log(root: Path, record: Any, run_id: str) -> str:
    import wandb

    folder = root / layout.WANDB
    folder.mkdir(parents=True, exist_ok=True)
    quiet = wandb.Settings(
        console="off",
        silent=True,
        quiet=True,
        show_info=False,
        show_warnings=False,
        disable_git=True,
        save_code=False,
        disable_job_creation=True,
        x_disable_stats=True,
        x_disable_machine_info=True,
    )
    run = wandb.init(
        project=settings.WANDB_PROJECT.value() or record.experiment.replace("/", "-"),
        name=record.run_name,
        id=run_id,
        dir=str(folder),
        mode=settings.WANDB_MODE.value(),  # type: ignore[arg-type]
        job_type=record.kind,
        tags=[record.kind, "moai-ml"],
        config={k: _text(v) for k, v in record.params.items()},
        reinit="create_new",
        settings=quiet,
    )
    try:
        run.summary.update({k: float(v) for k, v in record.metrics.items() if v is not None})
        run.summary["mlflow_run_id"] = run_id
        images = _images(record)
        if images:
            run.log({f"plots/{path.stem}": wandb.Image(str(path)) for path in images})
        if record.model_dir is not None and record.model_dir.is_dir():
            artifact = wandb.Artifact(
                f"model-{run_id}", type="model", metadata={"mlflow_run_id": run_id}
            )
            artifact.add_dir(str(record.model_dir))
            run.log_artifact(artifact)
        return str(Path(run.dir).parent)
    finally:
        run.finish()


def _images(record: Any) -> list[Path]:
    found: list[Path] = []
    for source in record.artifacts.values():
        if source.is_dir():
            found += sorted(p for p in source.rglob("*.png") if p.is_file())
        elif source.suffix == ".png":
            found.append(source)
    return found
