"""ml_scaffold_feast, proven by the real Feast in its own environment (.venv-feast, pandas<3):
feast apply, feast materialize, point-in-time correct training rows, latest online values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.scaffolds.feast import scaffold_feast
from tests.support import ROOT, inprocess_client, structured

FEAST_BIN = ROOT / ".venv-feast" / "bin"
DAYS = ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"]
QUERY = """
import json, sys
import pandas as pd
import training, serving
rows = pd.DataFrame(json.loads(sys.argv[1]))
rows["event_timestamp"] = pd.to_datetime(rows["event_timestamp"], utc=True)
frame = training.training_frame(rows)
frame["event_timestamp"] = frame["event_timestamp"].map(lambda t: t.isoformat())
print(json.dumps({"training": frame.to_dict(orient="records"), "online": serving.online_features([1, 2, 99])}))
"""


def snapshots() -> pd.DataFrame:
    """Ten customers, one snapshot a day for three days: every feature changes each day."""
    rows = [
        {
            "customer_id": cid,
            "snapshot": day,
            "spend": cid * 10.0 + d,
            "visits": cid + d,
            "plan": ["basic", "pro"][(cid + d) % 2],
            "active": bool((cid + d) % 3),
            "monthly spend": 1.5 * d,
            "churn": cid % 2,
        }
        for d, day in enumerate(DAYS)
        for cid in range(1, 11)
    ]
    return pd.DataFrame(rows)


def feast(repo: Path, *args: str) -> str:
    assert (FEAST_BIN / "feast").exists(), (
        "Feast's venv is missing: run scripts/setup_feast_venv.sh (make test does)"
    )
    env = {
        **os.environ,
        "PATH": f"{FEAST_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "FEAST_USAGE": "False",
    }
    done = subprocess.run(
        list(args), cwd=repo, capture_output=True, text=True, env=env, check=False, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def expected_training_row(table: pd.DataFrame, cid: int, when: str) -> dict | None:
    """The newest snapshot of `cid` at or before `when` (None if there is none yet)."""
    seen = table[
        (table.customer_id == cid) & (pd.to_datetime(table.snapshot) <= pd.Timestamp(when))
    ]
    return None if seen.empty else seen.sort_values("snapshot").iloc[-1].to_dict()


@pytest.mark.slow
@pytest.mark.external  # Feast in .venv-feast
@pytest.mark.anyio
async def test_feast_applies_materializes_and_serves_point_in_time_features_by_entity(
    tmp_path: Path,
):
    (tmp_path / "data").mkdir()
    table = snapshots()
    table.to_csv(tmp_path / "data/stats.csv", index=False)
    async with inprocess_client(tmp_path) as client:
        args = {
            "data_path": "data/stats.csv",
            "entity": "customer_id",
            "timestamp_column": "snapshot",
            "target": "churn",
        }
        out = structured(await client.call_tool("ml_scaffold_feast", args))
    assert out["features"] == {
        "spend": "Float64",
        "visits": "Int64",
        "plan": "String",
        "active": "Bool",
        "monthly spend": "Float64",
    }
    assert (out["rows"], out["entities"], out["timestamp_generated"]) == (30, 10, False)
    repo = tmp_path / out["folder"]
    py = [str(repo / f) for f in ("features.py", "training.py", "serving.py")]
    for config in (["--isolated"], ["--config", str(ROOT / "pyproject.toml")]):
        done = subprocess.run(
            [str(Path(sys.executable).parent / "ruff"), "check", *config, *py],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout

    assert "Created feature service stats_service" in feast(
        repo, "feast", "apply"
    )  # Feast's parser read it all
    feast(repo, "feast", "materialize", "2026-10-31T00:00:00", "2026-11-03T00:00:01")
    asks = [
        (1, "2026-11-01T12:00:00+00:00"),
        (2, "2026-11-02T12:00:00+00:00"),
        (1, "2026-11-05T00:00:00+00:00"),
        (3, "2026-10-30T00:00:00+00:00"),
    ]
    rows = [{"customer_id": c, "event_timestamp": t, "churn": c % 2} for c, t in asks]
    got = json.loads(
        feast(repo, str(FEAST_BIN / "python"), "-c", QUERY, json.dumps(rows)).splitlines()[-1]
    )

    by_key = {(r["customer_id"], r["event_timestamp"]): r for r in got["training"]}
    for cid, when in asks:
        want = expected_training_row(table, cid, when)
        row = by_key.get((cid, when))
        if want is None:  # nothing known yet at that time: no value from the future
            assert row is None or row["spend"] is None, row
            continue
        assert row is not None, (cid, when, got["training"])
        assert {k: row[k] for k in out["features"]} == {k: want[k] for k in out["features"]}, (
            cid,
            when,
        )
        assert row["churn"] == cid % 2
    latest = table[table.snapshot == DAYS[-1]].set_index("customer_id")
    online = got["online"]
    assert online["customer_id"] == [1, 2, 99]
    for name in out["features"]:
        assert online[name][:2] == [latest.loc[1, name], latest.loc[2, name]], name
        assert online[name][2] is None, "an unknown key has no features"


def test_an_entity_not_unique_per_timestamp_or_a_bad_timestamp_is_refused_writing_nothing(
    tmp_path: Path,
):
    (tmp_path / "data").mkdir()
    table = snapshots()
    table.to_csv(tmp_path / "data/stats.csv", index=False)
    table.assign(snapshot=["yesterday"] * len(table)).to_csv(
        tmp_path / "data/no_time.csv", index=False
    )
    pd.concat([table, table.head(1)]).to_csv(tmp_path / "data/dup.csv", index=False)
    ws = Workspace(tmp_path)
    cases = [
        (
            "data/dup.csv",
            "snapshot",
            r"entity column 'customer_id' is not unique per timestamp \(snapshot\): 2 rows",
        ),
        (
            "data/stats.csv",
            None,
            r"not unique per timestamp \(event_timestamp\)",
        ),  # a generated time needs unique keys
        ("data/no_time.csv", "snapshot", r"'snapshot' is not a usable timestamp: 30 of 30 values"),
        ("data/stats.csv", "when", r"timestamp column 'when' is not in the table"),
    ]
    for data, stamp, message in cases:
        with pytest.raises(MoaiMlError, match=message):
            scaffold_feast(ws, data, "customer_id", timestamp_column=stamp)
    assert not (tmp_path / "feature_repo").exists()
    latest = table[table.snapshot == DAYS[-1]].drop(columns="snapshot")
    latest.to_csv(tmp_path / "data/latest.csv", index=False)
    made = scaffold_feast(ws, "data/latest.csv", "customer_id", target="churn")
    assert made.timestamp_generated and made.timestamp == "event_timestamp" and made.rows == 10
    definitions = tmp_path / made.folder / "features.py"
    definitions.write_text(
        definitions.read_text().replace("timedelta(days=0)", "timedelta(days=7)")
    )
    again = scaffold_feast(ws, "data/latest.csv", "customer_id", target="churn")
    assert (
        again.files_skipped == [f"{made.folder}/features.py"]
        and "days=7" in definitions.read_text()
    )
    mtime = pd.Timestamp(
        (tmp_path / "data/latest.csv").stat().st_mtime_ns // 10**9, unit="s", tz="UTC"
    )
    assert again.time_range == [mtime.isoformat()] * 2, (
        "the generated event time is the table's modification time"
    )
    assert f"{made.folder}/data/latest.parquet" in again.files_unchanged, (
        "a re-run rewrites nothing that is the same"
    )
