"""A run's own data: the table it was trained on, split into its training and holdout rows.

How the holdout is stored (tag `moai.holdout`, see `gate_tags`): a JSON object, either
`{"kind": "index", "artifact": "split/holdout_index.npy"}` (row positions of the table, what
`ml_train` records) or `{"kind": "seeded", "test_size": 0.2, "seed": 42, "stratify": true}`
(scikit-learn's `train_test_split` of the labelled rows, what the TDD tools do). Runs recorded
before the tag existed are read the same way: the split artifact if present, else the seeded
split from their `test_size` and `seed` params. A run fitted on a Dask cluster keeps its holdout
as a hash rule (`split/holdout_rule.json`, `data/hash_split.Split`): `{"kind": "hash", ...}`,
the partitions read in this process and each row held out by that rule, as on the cluster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError, MoaiMlError
from mcp_server.ml.tracking.tags import (
    DATA_PATH,
    DATA_SHA256,
    HOLDOUT,
    HOLDOUT_INDEX,
    HOLDOUT_RULE,
    HOLDOUT_SEED,
    HOLDOUT_SIZE,
    SPLIT,
    TASK,
)

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.tracking.runs import RunStore
    from mcp_server.ml.tracking.view import RunView

SPLIT_ARTIFACT = f"{SPLIT}/{HOLDOUT_INDEX}"
HASH_RULE_ARTIFACT = f"{SPLIT}/{HOLDOUT_RULE}"


@dataclass
class RunData:
    frame: pd.DataFrame  # the whole table as it was trained on
    train: pd.DataFrame
    holdout: pd.DataFrame  # labelled holdout rows
    holdout_how: str  # a short description for results


def holdout_spec(store: RunStore, run: RunView, scratch: Path) -> dict[str, Any]:
    """The run's holdout description (tag, split artifact or seeded params)."""
    tags, params = run.tags, run.params
    if tags.get(HOLDOUT):
        try:
            return dict(json.loads(tags[HOLDOUT]))
        except (ValueError, TypeError) as exc:
            raise MoaiMlError(
                f"run {run.run_id!r} has an unreadable {HOLDOUT} tag ({tags[HOLDOUT][:80]!r}); "
                "train it again with ml_train"
            ) from exc
    try:
        rule = store.artifact_file(run, HASH_RULE_ARTIFACT, scratch)
        return {"kind": "hash", **json.loads(Path(rule).read_text(encoding="utf-8"))}
    except MoaiMlError:
        pass
    try:
        store.artifact_file(run, SPLIT_ARTIFACT, scratch)
        return {"kind": "index", "artifact": SPLIT_ARTIFACT}
    except MoaiMlError:
        pass
    if tags.get(HOLDOUT_SEED) and tags.get(HOLDOUT_SIZE):
        return {
            "kind": "seeded",
            "test_size": float(tags[HOLDOUT_SIZE]),
            "seed": int(tags[HOLDOUT_SEED]),
            "stratify": tags.get(TASK) != "regression",
        }
    if "test_size" in params and "seed" in params:
        return {
            "kind": "seeded",
            "test_size": float(params["test_size"]),
            "seed": int(params["seed"]),
            "stratify": tags.get(TASK) != "regression",
        }
    raise MoaiMlError(
        f"run {run.run_id!r} recorded no holdout split; train it again with ml_train (which "
        "records one), or evaluate it on a labelled table: ml_evaluate with run_id and data_path"
    )


def run_table(store: RunStore, run: RunView) -> tuple[Path, pd.DataFrame]:
    """The table (or image folder) the run was trained on, refused if it changed since."""
    from mcp_server.ml.data.kinds.registry import kind_for
    from mcp_server.ml.data.tables import load_table

    rel = run.tags.get(DATA_PATH)
    if not rel:
        raise MoaiMlError(
            f"run {run.run_id!r} does not say which table it was trained on; train it again "
            "with ml_train"
        )
    path = store.workspace.resolve(rel)
    if not path.exists():
        raise DataError(
            f"the table run {run.run_id[:8]} was trained on ({rel}) is gone; put it back, or "
            "train again with ml_train"
        )
    expected = run.tags.get(DATA_SHA256)
    if expected and _fingerprint(path) != expected:
        raise DataError(
            f"{rel} changed since run {run.run_id[:8]} was trained, so its split is gone; "
            "restore the file, or train again with ml_train"
        )
    return path, kind_for(path).read(path) if path.is_dir() else load_table(path)


def _fingerprint(path: Path) -> str:
    """A table's hash, or an image folder's (its kind's fingerprint)."""
    from mcp_server.ml.data.kinds.registry import kind_for
    from mcp_server.ml.data.tables import file_sha256

    return kind_for(path).fingerprint(path) if path.is_dir() else file_sha256(path)


def run_data(store: RunStore, run: RunView, schema: Schema, scratch: Path) -> RunData:
    """The run's table (in the order its kind read it: a time series by series and time, as the
    recorded holdout positions count), training rows and labelled holdout rows."""
    import numpy as np

    from mcp_server.ml.data.series.split import in_series_order

    target = schema.target
    spec = holdout_spec(store, run, scratch)
    if spec.get("kind") == "hash":
        return _hashed(store, run, target, spec)
    path, frame = run_table(store, run)
    if run.data_kind == "timeseries" and schema.roles.get("time_column"):
        frame = in_series_order(frame, schema.roles["time_column"], schema.roles.get("series_id"))
    if spec.get("kind") == "index":
        positions = np.load(
            store.artifact_file(run, str(spec.get("artifact", SPLIT_ARTIFACT)), scratch)
        )
        mask = np.zeros(len(frame), dtype=bool)
        mask[positions[positions < len(frame)]] = True
        holdout, train = frame.iloc[np.flatnonzero(mask)], frame.iloc[np.flatnonzero(~mask)]
        how = f"the {int(mask.sum())} holdout rows recorded with the run"
    elif spec.get("kind") == "seeded":
        train, holdout = _seeded(frame, target, spec)
        how = (
            f"the seeded split (test_size={spec['test_size']}, seed={spec['seed']}) of {path.name}"
        )
    else:
        raise MoaiMlError(
            f"run {run.run_id!r}: unknown holdout kind {spec.get('kind')!r}; train it again "
            "with ml_train"
        )
    if target in holdout.columns:
        holdout = holdout.loc[holdout[target].notna()]
    return RunData(frame=frame, train=train, holdout=holdout, holdout_how=how)


def _seeded(
    frame: pd.DataFrame, target: str, spec: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    import numpy as np
    from sklearn.model_selection import train_test_split

    labelled = frame.loc[frame[target].notna()]
    stratify = labelled[target].astype(str).to_numpy() if spec.get("stratify") else None
    train_pos, test_pos = train_test_split(
        np.arange(len(labelled)),
        test_size=float(spec["test_size"]),
        random_state=int(spec["seed"]),
        stratify=stratify,
    )
    return labelled.iloc[np.sort(train_pos)], labelled.iloc[np.sort(test_pos)]


def _hashed(store: RunStore, run: RunView, target: str, rule: dict[str, Any]) -> RunData:
    """A cluster run's partitions, read in this process, refused if they changed since; the
    holdout drawn again by the run's hash rule from the labelled rows."""
    import pandas as pd

    from mcp_server.ml.data.hash_split import Split
    from mcp_server.ml.data.partitioned import fingerprint, partitions
    from mcp_server.ml.data.tables import load_table

    rel = str(run.tags.get(DATA_PATH) or "")
    dataset = partitions(store.workspace, rel)
    if fingerprint(dataset) != run.tags.get(DATA_SHA256):
        raise DataError(
            f"{rel} changed since run {run.run_id[:8]} was trained (its files' names, sizes or "
            "times), so its holdout is gone; restore the files, or train again with ml_train"
        )
    frame = pd.concat([load_table(f) for f in dataset.files], ignore_index=True)
    labelled = frame.loc[frame[target].notna()]
    held = Split.from_rule(rule).held_out(labelled)
    how = (
        f"the {int(held.sum())} holdout rows drawn again by the run's hash rule "
        f"(test_size={rule['test_size']}, seed={rule['seed']}) of {rel}"
    )
    return RunData(frame, labelled.loc[~held], labelled.loc[held], how)
