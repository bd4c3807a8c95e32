"""`ml_model_card`: a Markdown card and a self-contained HTML report that headless Chromium renders
without a console message."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from tests.monitoring.chromium import distinct_colours, render
from tests.support import inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.external]  # Chromium


async def test_the_card_has_every_section_and_its_html_renders_in_chromium_without_console_errors(
    monitored, tmp_path
):
    project, run = monitored["project"], monitored["strong"]
    async with inprocess_client(project) as client:
        await call(client, "ml_register_model", run_id=run, name="carded")
        await call(client, "ml_detect_drift", reference=run, current="data/breast_cancer.csv")
        card = await call(client, "ml_model_card", run_id="models:/carded/1")
        markdown = (project / card["markdown"]).read_text()
        (project / card["markdown"]).write_text(markdown + "\nReviewed by a person.\n")
        again = await call(client, "ml_model_card", run_id="models:/carded/1")
    assert card["run_id"] == run and card["gates_passed"] is True and card["drift"] == "no drift"
    assert again["skipped"] == [card["markdown"]] and again["written"] == []  # the edit survives
    assert card["next_step"].startswith(
        f"Done. When new rows arrive: ml_detect_drift with reference='{run}'"
    )
    assert again["next_step"].startswith(f"ml_model_card(run_id='{run}', overwrite=true)")
    for heading in (
        "Model details",
        "Data",
        "SPEC and gates",
        "Metrics",
        "Intended use",
        "Limits",
        "Drift status",
    ):
        assert f"## {heading}" in markdown, heading
    assert "| roc_auc | >= 0.97 |" in markdown and "models:/carded/1" in markdown
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", markdown):
        assert (project / card["markdown"]).with_name(image).is_file()
    page = project / card["html"]
    html = page.read_text()
    assert re.findall(r'src="([^"]+)"', html) and all(
        s.startswith("data:image/png;base64,") for s in re.findall(r'src="([^"]+)"', html)
    )
    assert "http://" not in html and "https://" not in html and "<script" not in html
    shot, console = render(page, tmp_path)
    assert console == []
    assert (
        distinct_colours(shot, tmp_path) > 50
    )  # text, tables and the inline plots, not a blank page


def test_the_chromium_check_does_see_console_errors_and_blank_pages(tmp_path):
    """The control for the test above: the same check fails on a page that logs an error, or shows
    nothing."""
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>"
    )
    shot, console = render(broken, tmp_path, size="400,300")
    assert len(console) == 1 and "undefinedFunction is not defined" in console[0]
    assert distinct_colours(shot, tmp_path) == 1


SPEC_050 = """---
id: ML-050
version: 0.0.1
status: draft
created: 2026-12-06
updated: 2026-12-06
author: "@moai-ml"
priority: high
---

# @SPEC:ML-050: Will a customer renew

## Requirements

- Ubiquitous: the system shall predict `will_renew` for one customer record.
- Event-driven: WHEN a record arrives, the system shall return `yes` or `no` with probabilities.

## ML

```yaml
dataset: data/renewals.csv
target: will_renew
metric: roc_auc
threshold: 0.7
secondary: {f1: 0.6}
test_size: 0.25
seed: 7
drop: [customer_id]
sensitive: [region, no_such_column]
```
"""


def _renewals(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    tenure = rng.integers(1, 60, rows)
    spend = rng.gamma(2.0, 40.0, rows)
    region = rng.choice(["north", "south", "east", "west"], rows)
    score = 0.06 * tenure + 0.01 * spend + (region == "south") - 2.4 + rng.normal(0, 1, rows)
    return pd.DataFrame(
        {
            "customer_id": np.arange(rows),
            "tenure_months": tenure,
            "monthly_spend": spend.round(2),
            "region": region,
            "will_renew": np.where(score > 0, "yes", "no"),
        }
    )


async def test_a_card_worth_signing_has_intervals_baseline_threshold_classes_subgroups_and_plots(
    tmp_path,
):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / ".moai/specs/SPEC-ML-050").mkdir(parents=True)
    (project / ".moai/specs/SPEC-ML-050/spec.md").write_text(SPEC_050)
    _renewals().to_csv(project / "data/renewals.csv", index=False)
    async with inprocess_client(project) as client:
        run = await call(
            client,
            "ml_train",
            data_path="data/renewals.csv",
            target="will_renew",
            model="logistic_regression",
            drop=["customer_id"],
            test_size=0.25,
            seed=7,
            spec_id="ML-050",
        )
        card = await call(client, "ml_model_card", run_id=run["run_id"])
    markdown = (project / card["markdown"]).read_text()
    print(f"model card: {project / card['html']}")
    for heading in ("Classes and threshold", "Subgroups", "Monitoring", "95 % interval"):
        assert heading in markdown, heading
    assert "the majority class (" in markdown and "| baseline |" in markdown
    assert "predicted yes when its probability of yes is at least 0.5" in markdown
    assert re.search(r"\| yes \| 0\.\d{3} \| 0\.\d{3} \|", markdown), "per-class rows in labels"
    assert re.search(r"\| roc_auc \| 0\.\d{4} \| \[0\.\d{4}, [01]\.\d{4}\] \|", markdown)
    assert all(f"| {r} |" in markdown for r in ("north", "south", "east", "west"))
    assert "no_such_column: not a column of the holdout rows" in markdown
    assert "`will_renew`" in markdown and "\\_" not in markdown and "\\`" not in markdown
    for image in (
        "roc_curve",
        "precision_recall",
        "calibration",
        "feature_importance",
        "confusion",
    ):
        assert f"({image}.png)" in markdown, image
    html = (project / card["html"]).read_text()
    assert "<code>will_renew</code>" in html
    shot, console = render(project / card["html"], tmp_path)
    (tmp_path / "card.png").write_bytes(shot)
    print(f"screenshot: {tmp_path / 'card.png'}")
    assert console == [] and distinct_colours(shot, tmp_path) > 50
