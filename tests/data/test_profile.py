"""Profiling: loading, column kinds, task inference, warnings, compact output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.core.errors import DataError, MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.data.profile import infer_task, profile_frame
from mcp_server.ml.data.tables import load_table, sniff_csv
from mcp_server.tools.profile import profile_file


def _mixed(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    words = rng.choice(["good", "bad"], n)
    return pd.DataFrame(
        {
            "row_id": [f"r{i:05d}" for i in range(n)],
            "amount": rng.normal(100, 20, n),
            "city": rng.choice(["paris", "oslo", "rome"], n),
            "member": rng.choice(["yes", "no"], n),
            "signed_up": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "review": [
                f"the product was {w} and I would buy it again {i}" for i, w in enumerate(words)
            ],
            "source": ["web"] * n,
            "label": rng.choice(["a", "b"], n),
        }
    )


def test_each_column_kind_is_inferred():
    kinds = {c.name: c.kind.value for c in profile_frame(_mixed()).columns}
    assert kinds == {
        "row_id": "identifier",
        "amount": "numeric",
        "city": "categorical",
        "member": "boolean",
        "signed_up": "datetime",
        "review": "text",
        "source": "constant",
        "label": "categorical",
    }


def test_an_integer_counter_column_is_an_identifier_but_a_measurement_is_not():
    frame = pd.DataFrame({"n": range(500), "weight": np.random.default_rng(1).normal(size=500)})
    kinds = {c.name: c.kind.value for c in profile_frame(frame).columns}
    assert kinds == {"n": "identifier", "weight": "numeric"}


@pytest.mark.parametrize(
    ("values", "task"),
    [
        ([0, 1] * 50, "binary"),
        (["x", "y", "z"] * 40, "multiclass"),
        ([1, 2, 3, 4] * 30, "multiclass"),
        (list(np.linspace(0, 1, 120)), "regression"),
    ],
)
def test_the_task_is_inferred_from_the_target(values: list[object], task: str):
    assert infer_task(pd.Series(values, name="y")) == task


def test_a_target_with_one_class_is_refused():
    with pytest.raises(DataError, match="at least two"):
        profile_frame(pd.DataFrame({"x": range(10), "y": [1] * 10}), "y")


def test_an_explicit_regression_task_on_a_text_target_is_refused():
    with pytest.raises(DataError, match="not numeric"):
        profile_frame(pd.DataFrame({"x": range(30), "y": ["a", "b", "c"] * 10}), "y", "regression")


def test_a_missing_target_column_names_the_real_columns():
    with pytest.raises(DataError, match="target column 'nope' not found; pass target= one of: 'x'"):
        profile_frame(pd.DataFrame({"x": [1, 2]}), "nope")


def test_the_warnings_an_ml_engineer_wants_are_raised():
    rng = np.random.default_rng(3)
    n = 400
    y = rng.choice([0, 1], n, p=[0.97, 0.03])
    frame = pd.DataFrame(
        {
            "leak": y * 10 + rng.normal(0, 0.01, n),
            "mostly_empty": np.where(rng.random(n) < 0.7, np.nan, 1.0),
            "ok": rng.normal(size=n),
            "const": 7,
            "y": y,
        }
    )
    findings = {(f.code, f.column) for f in profile_frame(frame, "y").findings}
    assert ("leakage", "leak") in findings
    assert ("heavy_missing", "mostly_empty") in findings
    assert ("constant", "const") in findings
    assert ("imbalance", None) in findings
    assert ("leakage", "ok") not in findings


def test_an_honest_strong_feature_is_not_called_a_leak(project: Path):
    frame = load_table(project / "data/breast_cancer.csv")
    profile = profile_frame(frame, "target")
    assert profile.flagged("leakage") == []
    assert profile.flagged("identifier") == ["patient_id"]


def test_too_few_rows_per_class_is_reported():
    frame = pd.DataFrame({"x": range(60), "y": ["a"] * 30 + ["b"] * 27 + ["c"] * 3})
    codes = {f.code for f in profile_frame(frame, "y").findings}
    assert "few_rows_per_class" in codes


def test_a_wide_table_still_gives_a_short_result(tmp_path: Path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 300)), columns=[f"f{i}" for i in range(300)])
    frame["f7"] = np.nan
    frame["y"] = rng.choice([0, 1], 200)
    frame.to_parquet(tmp_path / "wide.parquet")
    result = profile_file(Workspace(tmp_path), "wide.parquet", "y", "auto", 25, 30)
    assert result.n_columns == 301 and len(result.columns) == 25 and result.columns_omitted == 276
    assert result.columns[0].name == "f7"  # the worst offender comes first
    assert len(json.dumps(result.model_dump())) < 10_000


def test_semicolon_delimited_cp1252_csv_is_sniffed(tmp_path: Path):
    path = tmp_path / "eu.csv"
    path.write_bytes("name;prix\ncafé;1,5\nthé;2,0\n".encode("cp1252"))
    assert (sniff_csv(path).encoding, sniff_csv(path).delimiter) == ("cp1252", ";")
    assert list(load_table(path)["name"]) == ["café", "thé"]


def test_a_utf8_bom_does_not_end_up_in_the_first_column_name(tmp_path: Path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffa,b\n1,2\n".encode())
    assert list(load_table(path).columns) == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02PK\x03\x04" * 100, "binary"),
        (b"a,b,c\n", "no rows"),
        (b"   \n\n", "empty"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        load_table(path)


def test_a_corrupt_parquet_file_is_refused(tmp_path: Path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match="not a readable Parquet"):
        load_table(path)


def test_an_unsupported_suffix_is_refused(tmp_path: Path):
    path = tmp_path / "model.pkl"
    path.write_bytes(b"data")
    with pytest.raises(DataError, match="unsupported file type"):
        load_table(path)


def test_a_file_too_large_for_memory_is_refused_before_reading(tmp_path: Path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # sparse: takes no disk space
        handle.write(b"a,b\n1,2\n")
        handle.truncate(1 << 42)
    with pytest.raises(DataError, match="is available"):
        load_table(path)
    assert os.path.getsize(path) == 1 << 42


def test_profile_refuses_a_path_outside_the_workspace(project: Path):
    with pytest.raises(MoaiMlError, match="outside the workspace"):
        profile_file(Workspace(project), "../../etc/passwd", None, "auto", 25, 30)


def test_a_rescaled_copy_of_a_regression_target_is_flagged_as_leakage(project: Path):
    frame = load_table(project / "data/diabetes.csv")
    frame["score_at_followup"] = frame["progression"] * 2 + 1
    profile = profile_frame(frame, "progression")
    assert profile.flagged("leakage") == ["score_at_followup"]


def test_a_category_that_encodes_the_label_is_flagged_as_leakage():
    rng = np.random.default_rng(5)
    y = rng.choice(["a", "b", "c"], 300)
    frame = pd.DataFrame(
        {"status_code": [f"S-{v}" for v in y], "noise": rng.normal(size=300), "y": y}
    )
    assert profile_frame(frame, "y").flagged("leakage") == ["status_code"]


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_a_leak_hidden_among_thousands_of_noise_columns_is_still_found(task: str):
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.normal(size=(300, 2000)), columns=[f"m{i}" for i in range(2000)])
    y = rng.choice([0, 1], 300) if task == "binary" else rng.normal(size=300)
    frame.insert(1234, "settled_amount", y * 3 + rng.normal(0, 1e-3, 300))
    frame.insert(77, "almost", y + rng.normal(0, 0.8, 300))  # strong but honest: not a leak
    frame["y"] = y
    assert profile_frame(frame, "y").flagged("leakage") == ["settled_amount"]


def test_a_csv_of_empty_cells_is_refused_from_its_cell_count_not_its_bytes(tmp_path: Path):
    path = tmp_path / "commas.csv"
    line = b"," * 999 + b"\n"  # 1,000 cells in 1,000 bytes: 8 bytes each once parsed
    path.write_bytes(
        b",".join(b"c%d" % i for i in range(1000)) + b"\n" + line * 30_000
    )  # 30 MB, 30M cells
    code = (
        "from pathlib import Path; from mcp_server.ml.data.tables import load_table\n"
        "from mcp_server.core.errors import DataError\n"
        f"try:\n    print('loaded', load_table(Path({str(path)!r})).shape)\n"
        "except DataError as exc:\n    print('refused:', exc)\n"
    )
    for cap_mb, expected in (
        ("300", "refused: commas.csv holds about 2"),
        ("2000", "loaded (30000, 1000)"),
    ):
        env = {
            **os.environ,
            "MOAI_ML_MAX_MEMORY_MB": cap_mb,
        }  # 4x the bytes (120 MB) fits either way
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert done.stdout.startswith(expected), done.stdout + done.stderr[-500:]


def test_profiling_with_a_target_keeps_the_schema_a_training_job_would_build(
    tmp_path: Path, monkeypatch
):
    """`ml_profile_data` then `ml_train` on the same file: the job reuses the profile's schema (the
    same schema and warnings its own profiling makes) and does not profile again, until the file
    changes."""
    import mcp_server.ml.data.profile as profiling
    from mcp_server.core import layout
    from mcp_server.ml.modeling.dataset import prepare

    frame = _mixed()
    frame["leak"] = frame["label"].map({"a": 0.0, "b": 1.0})
    frame.to_csv(tmp_path / "t.csv", index=False)
    fresh = prepare(tmp_path / "t.csv", "label")  # no cache: profiles the table itself
    profile_file(Workspace(tmp_path), "t.csv", "label", "auto", 12, 12)
    cache = tmp_path / layout.SCHEMA_CACHE

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("profiled again")

    monkeypatch.setattr(profiling, "profile_frame", refuse)
    reused = prepare(tmp_path / "t.csv", "label", cache=cache)
    assert reused.schema.to_dict() == fresh.schema.to_dict() and reused.warnings == fresh.warnings
    assert reused.schema.dropped["leak"] == "leakage"
    frame.iloc[:-1].to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(AssertionError, match="profiled again"):
        prepare(tmp_path / "t.csv", "label", cache=cache)
