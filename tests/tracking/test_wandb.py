"""W&B alongside MLflow: with MOAI_ML_TRACKERS=mlflow,wandb and WANDB_MODE=offline, ml_train's run
is
recorded in MLflow as always and mirrored to an offline W&B run (params, metrics, plots, model),
read back from the run directory without any network."""

from __future__ import annotations

import json
import os
import struct
import sys
import time
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.support import structured

pytestmark = pytest.mark.anyio
wandb = pytest.importorskip("wandb", reason="install the wandb extra: pip install -e '.[wandb]'")
BLOCK, FULL, LAST = 32768, 1, 4


def _records(run_file: Path, wait: float = 60.0) -> list:
    """The records of an offline run's transaction log once its `exit` record is on disk.

    `wandb-core` (a process of its own) writes the log: `run.finish()` returns once the exit is
    acknowledged, and under load the last records can reach the file a moment later."""
    deadline = time.monotonic() + wait
    while True:
        try:
            out = _read_log(run_file)
        except Exception:  # a chunk half written: read again
            out = []
        if (out and out[-1].WhichOneof("record_type") == "exit") or time.monotonic() > deadline:
            return out
        time.sleep(0.2)


def _read_log(run_file: Path) -> list:
    """Every record of an offline run's transaction log (`run-<id>.wandb`: W&B's LevelDB-style log
    of
    protobuf `Record`s: a 7-byte file header, then 32 KiB blocks of chunks with 7-byte headers)."""
    from wandb.proto import wandb_internal_pb2

    data = run_file.read_bytes()
    ident, magic, _version = struct.unpack("<4sHB", data[:7])
    assert (ident, magic) == (b":W&B", 0xBEE1), "not a W&B transaction log"
    pos, pending, out = 7, b"", []
    while pos + 7 <= len(data):
        left = BLOCK - pos % BLOCK
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        if left < 7 or (length, kind) == (0, 0):  # block padding
            pos += left
            continue
        pending += data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind in (FULL, LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            out.append(record)
            pending = b""
    return out


def _updates(items) -> dict:
    return {"/".join([i.key, *i.nested_key]).strip("/"): json.loads(i.value_json) for i in items}


def _wandb_env(home: Path) -> dict[str, str]:
    """W&B offline, its caches in the test's folder; no telemetry from MLflow either."""
    return {
        "WANDB_MODE": "offline",
        "WANDB_DATA_DIR": str(home / "data"),
        "WANDB_CACHE_DIR": str(home / "cache"),
        "WANDB_CONFIG_DIR": str(home / "config"),
        "DO_NOT_TRACK": "true",
    }


async def test_trackers_wandb_mirrors_the_mlflow_run_offline_with_params_metrics_plots_and_model(
    project: Path,
):
    home = project.parent / "wandb-home"
    env = {"PYTHONUNBUFFERED": "1", **_wandb_env(home), "PATH": os.environ.get("PATH", "")}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_server", "--workspace", str(project)],
        cwd=str(project),
        env=env,
    )
    async with Client(params, read_timeout_seconds=600) as client:
        args = {
            "data_path": "data/breast_cancer.csv",
            "target": "target",
            "model": "logistic_regression",
        }
        structured(await client.call_tool("ml_train", args))
        assert not (project / ".moai/ml/wandb").exists(), "no W&B unless asked"
        trained = structured(await client.call_tool("ml_train", {**args, "trackers": ["wandb"]}))
        got = structured(await client.call_tool("ml_get_run", {"run_id": trained["run_id"]}))
    assert got["run"]["run_id"] == trained["run_id"], "MLflow stays the run store of record"

    runs = sorted((project / ".moai/ml/wandb/wandb").glob("offline-run-*"))
    assert [r.name.rsplit("-", 1)[-1] for r in runs] == [trained["run_id"]]
    records = _records(next(runs[0].glob("run-*.wandb")))
    kinds = [r.WhichOneof("record_type") for r in records]
    summary: dict = {}
    for record in records:
        if record.WhichOneof("record_type") == "summary":
            summary.update(_updates(record.summary.update))
    assert len(got["metrics"]) >= 5
    for name, value in got["metrics"].items():  # every MLflow metric, the same in W&B
        assert summary[name] == pytest.approx(value), name
    assert summary["mlflow_run_id"] == trained["run_id"] and kinds[-1] == "exit"
    config = _updates(
        next(r for r in records if r.WhichOneof("record_type") == "run").run.config.update
    )
    assert (
        config["model"] == "logistic_regression"
        and config["seed"] == 42
        and config["task"] == "binary"
    )

    images = runs[0] / "files/media/images/plots"
    for plot in ("confusion_matrix", "roc_curve"):
        logged = summary[f"plots/{plot}/path"]
        assert (runs[0] / "files" / logged).is_file() and (
            runs[0] / "files" / logged
        ).parent == images
        assert (runs[0] / "files" / logged).read_bytes()[:4] == b"\x89PNG"
    artifacts = [r.artifact for r in records if r.WhichOneof("record_type") == "artifact"]
    assert [(a.type, a.name) for a in artifacts] == [("model", f"model-{trained['run_id']}")]
    entries = {e.path for e in artifacts[0].manifest.contents}
    assert {"MLmodel", "model.pkl", "input_example.json"} <= entries, entries


def test_moai_ml_trackers_mirrors_every_recorded_run_and_ignores_unknown_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from mcp_server.ml.tracking.store import RunRecord
    from mcp_server.ml.tracking.wandb import mirror_run, trackers

    for name, value in _wandb_env(tmp_path / "home").items():
        monkeypatch.setenv(name, value)
    record = RunRecord(
        experiment="SPEC-X-1",
        run_name="r",
        kind="train",
        params={"model": "ridge"},
        metrics={"holdout_r2": 0.5, "skipped": None},
    )
    monkeypatch.delenv("MOAI_ML_TRACKERS", raising=False)
    assert trackers() == ["mlflow"] and mirror_run(tmp_path, record, "run0") is None
    monkeypatch.setenv("MOAI_ML_TRACKERS", "mlflow, WandB,comet")
    assert trackers() == ["mlflow", "wandb"]
    folder = Path(mirror_run(tmp_path, record, "run1") or "")
    assert folder.name.endswith("-run1") and folder.parent == tmp_path / ".moai/ml/wandb/wandb"
    summary: dict = {}
    records = _records(next(folder.glob("run-*.wandb")))
    for entry in records:
        if entry.WhichOneof("record_type") == "summary":
            summary.update(_updates(entry.summary.update))
    assert (
        summary.get("holdout_r2") == 0.5
        and summary.get("mlflow_run_id") == "run1"
        and "skipped" not in summary
    ), ([r.WhichOneof("record_type") for r in records], summary)
