"""`ml_profile_data` on a partitioned dataset (a folder of Parquet files, a glob of CSVs), in a
job and on a real Dask cluster: rows, missing values and classes exact, distinct counts
approximate, kinds and the leakage screen from a sample, and the result says which is which."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.support import error_text, inprocess_client, structured

pytestmark = pytest.mark.anyio

PARTS, ROWS = 8, 30_000  # 240,000 rows: more than the 200,000-row sample


def _dataset(project: Path) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = PARTS * ROWS
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(rows),
            "amount": rng.gamma(2.0, 50.0, rows).round(2),
            "region": rng.choice(["north", "south", "east", "west"], rows),
            "score": rng.normal(size=rows),
        }
    )
    frame.loc[rng.random(rows) < 0.3, "score"] = np.nan
    frame["churned"] = (frame["amount"] > 120).astype(int)
    frame["refund_flag"] = frame["churned"]  # leaks the target
    (project / "data/events").mkdir()
    for i in range(PARTS):
        frame.iloc[i * ROWS : (i + 1) * ROWS].to_parquet(project / f"data/events/p{i}.parquet")
    return frame


async def _profile(project: Path, **extra: object) -> dict[str, object]:
    async with inprocess_client(project) as client:
        return structured(
            await client.call_tool(
                "ml_profile_data",
                {"data_path": "data/events", "target": "churned", "max_columns": 20, **extra},
            )
        )


def _check(result: dict, frame: pd.DataFrame) -> None:
    assert result["rows"] == len(frame) and result["n_columns"] == frame.shape[1]
    columns = {c["name"]: c for c in result["columns"]}
    assert columns["score"]["missing_pct"] == round(100 * frame["score"].isna().mean(), 2)
    assert columns["region"]["unique"] == 4 and columns["region"]["kind"] == "categorical"
    assert abs(columns["customer_id"]["unique"] - len(frame)) / len(frame) < 0.05
    counts = frame["churned"].value_counts()
    assert result["target_summary"]["counts"] == {str(k): int(v) for k, v in counts.items()}
    assert result["task"] == "binary"
    codes = {(w["code"], w["column"]) for w in result["warnings"]}
    assert ("leakage", "refund_flag") in codes and ("identifier", "customer_id") in codes
    how = result["computed"]
    assert "exact: rows, missing values, class counts" in how
    assert "approximate: unique (HyperLogLog)" in how and "sample of 200,000 of 240,000" in how


async def test_a_parquet_folder_is_profiled_in_a_job_with_exact_counts_and_a_sample(project):
    frame = _dataset(project)
    result = await _profile(project)
    _check(result, frame)
    assert "the job process" in result["computed"]


async def test_a_plain_table_keeps_its_ordinary_profile(project):
    async with inprocess_client(project) as client:
        result = structured(
            await client.call_tool("ml_profile_data", {"data_path": "data/breast_cancer.csv"})
        )
    assert result["computed"] is None and result["rows"] == 569


@pytest.mark.slow
async def test_on_a_running_scheduler_the_profile_is_the_same_and_says_where_it_ran(
    project, dask_cluster
):
    frame = _dataset(project)
    address = dask_cluster.scheduler_address
    result = await _profile(project, cluster=address)
    _check(result, frame)
    assert f"on {address} (2 workers, dashboard http://127.0.0.1:" in result["computed"]


async def test_a_glob_pathlib_refuses_is_a_one_line_refusal_naming_data_path(project):
    async with inprocess_client(project) as client:
        result = await client.call_tool("ml_profile_data", {"data_path": "data/a**b/*.csv"})
    text = error_text(result)
    assert result.is_error and text.startswith("give data_path a glob") and "\n" not in text
