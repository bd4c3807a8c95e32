"""`ml_model_card`: a Markdown card and a self-contained HTML report that headless Chromium renders
without a console message."""

from __future__ import annotations

import re

import pytest

from tests.monitoring.chromium import distinct_colours, render
from tests.train_support import call, client_with_env

pytestmark = pytest.mark.anyio


async def test_the_card_has_every_section_and_its_html_renders_in_chromium_without_console_errors(
    monitored, tmp_path
):
    project, run = monitored["project"], monitored["strong"]
    async with client_with_env(project) as client:
        await call(client, "ml_register_model", run_id=run, name="carded")
        await call(client, "ml_detect_drift", reference=run, current="data/breast_cancer.csv")
        card = await call(client, "ml_model_card", run_id="models:/carded/1")
        markdown = (project / card["markdown"]).read_text()
        (project / card["markdown"]).write_text(markdown + "\nReviewed by a person.\n")
        again = await call(client, "ml_model_card", run_id="models:/carded/1")
    assert card["run_id"] == run and card["gates_passed"] is True and card["drift"] == "no drift"
    assert again["skipped"] == [card["markdown"]] and again["written"] == []  # the edit survives
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
