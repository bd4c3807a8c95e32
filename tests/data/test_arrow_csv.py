"""The lean CSV reader answers exactly as `pandas.read_csv(engine="pyarrow")`, or hands over to
it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.data import arrow_csv
from mcp_server.ml.data.tables import load_table

ODD_CSV = '''id,amount,flag,yes_no,when,city,note,empty,mixed_na,big
1,1.5,0,True,2024-01-03,paris,"a, quoted
newline",,NA,9007199254740993
2,,1,False,2024-02-29 10:00:00,,plain,,n/a,1
3,-2e3,1,true,,oslo,"say ""hi""",,null,2
4,NaN,0,False,2023-12-31,#N/A,,,None,3
5,7,1,FALSE,2024-03-01,rome,é ü 東京,,<NA>,4
'''


def _same_as_pandas(path: Path) -> pd.DataFrame:
    ours = load_table(path)
    theirs = pd.read_csv(path, engine="pyarrow")
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    return ours


def test_the_missing_value_strings_are_pandas_own():
    from pandas._libs.parsers import STR_NA_VALUES

    assert set(arrow_csv.NA_STRINGS) == set(STR_NA_VALUES)


def test_a_table_of_every_kind_of_cell_reads_as_pandas_reads_it(tmp_path: Path):
    path = tmp_path / "odd.csv"
    path.write_text(ODD_CSV, encoding="utf-8")
    assert arrow_csv.read_csv_lean(path, ",", "utf-8") is not None  # the lean path itself answered
    frame = _same_as_pandas(path)
    assert frame["empty"].dtype == np.float64 and frame["empty"].isna().all()
    assert frame["note"].iloc[0] == "a, quoted\nnewline"


def test_each_column_is_its_own_block_so_a_large_table_is_never_held_twice(tmp_path: Path):
    rng = np.random.default_rng(0)
    path = tmp_path / "wide.csv"
    pd.DataFrame({f"f{i}": rng.normal(size=2000) for i in range(30)}).to_csv(path, index=False)
    frame = _same_as_pandas(path)
    assert len(frame._mgr.blocks) == 30


def test_a_column_whose_later_rows_change_type_is_left_to_pandas_and_still_read_right(
    tmp_path: Path,
):
    rows = (
        arrow_csv.BLOCK_BYTES // 3
    )  # about 6 bytes a row: past the first block, which types the columns
    values = [str(i % 1000) for i in range(rows)]
    values[-1] = "1.5"  # integers for the first block, then a fraction
    labels = ["a"] * rows
    labels[-2] = "7"
    path = tmp_path / "late.csv"
    pd.DataFrame({"n": values, "label": labels}).to_csv(path, index=False)
    assert arrow_csv.read_csv_lean(path, ",", "utf-8") is None
    frame = _same_as_pandas(path)
    assert frame["n"].dtype == np.float64 and frame["n"].iloc[-1] == 1.5


@pytest.mark.parametrize("header", ["a,a,b", "a,,b"])
def test_headers_pandas_would_rename_are_left_to_pandas(tmp_path: Path, header: str):
    path = tmp_path / "dupes.csv"
    path.write_text(f"{header}\n1,2,3\n4,5,6\n", encoding="utf-8")
    assert arrow_csv.read_csv_lean(path, ",", "utf-8") is None
    _same_as_pandas(path)


def test_a_semicolon_table_with_a_byte_order_mark_reads_as_pandas_reads_it(tmp_path: Path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffx;label\n1,5;a\n2;b\n".replace(",", ".").encode("utf-8"))
    ours = load_table(path)
    theirs = pd.read_csv(path, engine="pyarrow", sep=";", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    assert list(ours.columns) == ["x", "label"]
