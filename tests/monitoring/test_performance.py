"""`ml_monitor_performance`: measured per day against the SPEC's gates, and estimated without
labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.monitoring.support import log_model
from tests.support import inprocess_client
from tests.train_support import call, call_error

pytestmark = pytest.mark.anyio


async def test_a_day_of_bad_labels_alerts_and_the_label_free_estimate_tracks_the_measurement(
    monitored,
):
    project, run = monitored["project"], monitored["strong"]
    table = (
        pd.read_csv(project / "data/breast_cancer.csv")
        .sample(450, random_state=5)
        .reset_index(drop=True)
    )
    table["day"] = np.repeat(["2026-11-01", "2026-11-02", "2026-11-03"], 150)
    bad = table.index[table["day"] == "2026-11-03"]
    table.loc[bad, "target"] = np.random.default_rng(0).permutation(
        table.loc[bad, "target"].to_numpy()
    )
    table.to_csv(project / "data/current.csv", index=False)
    table.drop(columns=["target"]).to_csv(project / "data/unlabelled.csv", index=False)
    async with inprocess_client(project) as client:
        measured = await call(
            client,
            "ml_monitor_performance",
            run_id=run,
            current="data/current.csv",
            time_column="day",
            period="D",
        )
        guessed = await call(
            client,
            "ml_monitor_performance",
            run_id=run,
            current="data/unlabelled.csv",
            time_column="day",
            period="D",
        )
        regression = log_model(
            project,
            "ridge",
            data="data/diabetes.csv",
            target="progression",
            drop=(),
            spec_id="ML-002",
        )
        unlabelled = pd.read_csv(project / "data/diabetes.csv").drop(columns=["progression"])
        unlabelled.to_csv(project / "data/diabetes_nolabel.csv", index=False)
        refused = await call_error(
            client, "ml_monitor_performance", run_id=regression, current="data/diabetes_nolabel.csv"
        )
    assert measured["metric"] == "roc_auc" and measured["gates"] == {"roc_auc": 0.97, "f1": 0.9}
    assert not measured["estimated"] and measured["holdout"]["roc_auc"] > 0.97
    days = {c["chunk"]: c for c in measured["chunks"]}
    assert (
        list(days) == ["2026-11-01", "2026-11-02", "2026-11-03"]
        and days["2026-11-01"]["rows"] == 150
    )
    assert not days["2026-11-01"]["alert"] and not days["2026-11-02"]["alert"]
    assert days["2026-11-03"]["alert"] and days["2026-11-03"]["values"]["roc_auc"] < 0.8
    assert len(measured["alerts"]) == 1 and measured["alerts"][0].startswith("2026-11-03")
    failed = measured["alerts"][0].split(": ", 1)[1].split(" would", 1)[0].split(", ")
    assert measured["plotted"][: len(failed)] == sorted(failed), "the plot shows what alerted"
    assert (project / measured["plot"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert guessed["estimated"] and any("estimate" in n for n in guessed["notes"])
    for day in ("2026-11-01", "2026-11-02"):
        estimate = next(c for c in guessed["chunks"] if c["chunk"] == day)["values"]
        assert estimate["roc_auc"] == pytest.approx(days[day]["values"]["roc_auc"], abs=0.05)
        assert estimate["f1"] == pytest.approx(days[day]["values"]["f1"], abs=0.05)
    # without labels, the broken day looks healthy: an estimate cannot see concept drift, and says
    # so
    assert not next(c for c in guessed["chunks"] if c["chunk"] == "2026-11-03")["alert"]
    assert "only a classifier" in refused
