"""The template sets of the other kinds of data (a forecast service, an image service) take the
hostile corpus in every field like the table's sets do (`test_template_sets_hostile`), rendered
from small fitted models with hostile column names, and no marker is ever written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.test_template_sets_hostile import attack, recorded, run_all
from tests.image_support import digits_folder

pytestmark = pytest.mark.slow  # fits two small models, then renders and runs every payload


def _forecast(tmp: Path) -> None:
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.modeling.estimators import make_estimator
    from mcp_server.ml.serving.forecast import render_forecast_service
    from mcp_server.ml.serving.service import ModelInfo
    from tests.series.support import daily_sales

    del tmp
    time, series, target = "da\"te\n'", "st'o\"re\n{{ x }}", "sa\"les\\n'''"
    data = daily_sales(stores=2, days=60).rename(
        columns={"date": time, "store": series, "sales": target}
    )
    roles = {"time_column": time, "series_id": series, "horizon": 7}
    model = make_estimator("seasonal_naive", "regression", roles, 0)
    model.fit(data[[time, series]], data[target])
    schema = Schema(target, "regression", [], {}, [], {})
    render_forecast_service(ModelInfo(model, schema, "seasonal_naive", "0" * 32, {}, {}))


def _images(tmp: Path) -> None:
    from sklearn.pipeline import Pipeline

    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.modeling.image_cnn import ImageCNNClassifier
    from mcp_server.ml.serving.images import render_image_service
    from mcp_server.ml.serving.service import ModelInfo

    paths = sorted(digits_folder(tmp / "digits", per_class=2).rglob("*.png"))
    codes = [int(p.parent.name) for p in paths]
    pipeline = Pipeline(
        [("preprocess", "passthrough"), ("model", ImageCNNClassifier(max_epochs=1, width=4))]
    ).fit([str(p) for p in paths], codes)
    labels = [f"cl\"ass'{d}\n" for d in range(10)]
    schema = Schema("la\"bel'''", "multiclass", [], {}, labels, {})
    render_image_service(ModelInfo(pipeline, schema, "image_cnn", "0" * 32, {}, {}))


SETS: dict[str, Callable[[Path], Any]] = {
    "serving_forecast": _forecast,
    "serving_images": _images,
}


@pytest.mark.parametrize("name", list(SETS))
def test_every_field_of_a_kinds_template_set_takes_the_hostile_corpus_and_no_marker_is_written(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("torch")
    (tmp_path / "in").mkdir()
    seen = recorded(monkeypatch, lambda: SETS[name](tmp_path / "in"))
    assert seen and {layout.name for layout, _, _ in seen} == {name}
    counts = attack(seen, tmp_path / "out")
    assert counts["python_files"] > 0 and counts["refused_fields"] < counts["fields"] / 2, counts
    run_all(tmp_path / "out")
