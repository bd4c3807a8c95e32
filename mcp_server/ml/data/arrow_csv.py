"""A CSV read the way `pandas.read_csv(engine="pyarrow")` reads it, in about the memory of the
table.

Why not `pandas.read_csv(engine="pyarrow")` itself: Arrow's threaded reader holds raw blocks,
parsed blocks and the finished table at once, and pandas then copies the table into one 2-D block
per dtype; a 400 MiB table peaked at 1.5 GiB. Here Arrow streams record batches (typed from the
first block), and each column is turned into its own pandas array and its Arrow buffers handed
back before the next, so the peak is the table plus a few blocks.

Same answer as pandas' engine: the same null strings, empty strings read as missing, all-null
columns as float64, pandas' own dtypes (`str`, datetime64, ...). What this path cannot promise
it leaves to pandas (`None` is returned): a column whose later rows do not fit the type its first
block suggested (Arrow's streaming reader cannot widen a type it already emitted), and headers
pandas would rename (empty or repeated names).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# pandas' default missing-value strings (`pandas._libs.parsers.STR_NA_VALUES`, which its pyarrow
# engine passes as `null_values`); tests/data/test_arrow_csv.py holds this copy to pandas' own.
NA_STRINGS = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)
BLOCK_BYTES = 4 << 20  # the first block types the columns, as pandas' engine types them from all
CHUNK_BYTES = 16 << 20  # Arrow memory converted to pandas at once (then returned)


def read_csv_lean(path: Path, delimiter: str, encoding: str) -> pd.DataFrame | None:
    """The table, or None when only pandas' readers can give the same answer (see the module doc),
    malformed CSV included: they say what is wrong with it."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(encoding=encoding, block_size=BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(delimiter=delimiter),
            convert_options=pcsv.ConvertOptions(
                null_values=list(NA_STRINGS), strings_can_be_null=True
            ),
        )
        names = reader.schema.names
        if len(set(names)) != len(names) or "" in names:
            return None
        # A later block that does not fit the first block's types raises here: pandas widens them.
        table = pa.Table.from_batches(list(reader), schema=reader.schema)
    except (pa.ArrowInvalid, UnicodeError):
        return None
    del reader  # it keeps its last blocks' buffers
    owned = [table]
    del table  # only `owned` refers to the table now: each converted column's memory can go
    return _to_pandas(owned)


def _to_pandas(owned: list[pa.Table]) -> pd.DataFrame:
    """A few columns at a time (at most `CHUNK_BYTES` of Arrow memory), each group's memory
    returned before the next is converted; the table comes in a list the caller gives up, so no
    reference outside keeps its columns alive.

    Why groups, not one column at a time: a wide table (thousands of short columns) would pay a
    conversion per column, and removing a column from an Arrow table copies the list of the
    others, quadratic in the width (300 x 10,000 took minutes)."""
    import pandas as pd
    import pyarrow as pa

    table = owned.pop()
    if table.nbytes <= CHUNK_BYTES:  # small: one conversion (a column of nulls becomes float64)
        nulls = [i for i, field in enumerate(table.schema) if pa.types.is_null(field.type)]
        for i in nulls:
            table = table.set_column(i, table.field(i).name, table.column(i).cast(pa.float64()))
        small: pd.DataFrame = table.to_pandas(split_blocks=True)
        return small
    pending = list(zip(table.column_names, table.columns, strict=True))
    del table
    pending.reverse()  # taken from the end, in the table's order
    pool = pa.default_memory_pool()
    columns: dict[str, pd.Series] = {}
    index = None
    while pending:
        group = _next_group(pending)
        one = pa.table(group)
        del group
        frame = one.to_pandas(
            self_destruct=True, split_blocks=True, memory_pool=pa.system_memory_pool()
        )
        del one
        pool.release_unused()
        if index is None:
            index = frame.index
        columns.update((name, frame[name]) for name in frame.columns)
        del frame
    # copy=False keeps one block per column: no consolidation copy, and a later `pop` frees memory.
    return pd.DataFrame(columns, index=index, copy=False)


def _next_group(pending: list[tuple[str, pa.ChunkedArray]]) -> dict[str, pa.ChunkedArray]:
    """Columns popped from the end of `pending` up to `CHUNK_BYTES` (at least one); a column of
    nulls only becomes float64, as pandas reads it."""
    import pyarrow as pa

    group: dict[str, pa.ChunkedArray] = {}
    size = 0
    while pending and (not group or size + pending[-1][1].nbytes <= CHUNK_BYTES):
        name, column = pending.pop()
        size += column.nbytes
        group[name] = column.cast(pa.float64()) if pa.types.is_null(column.type) else column
    return group
