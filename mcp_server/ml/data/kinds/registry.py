"""The kinds of data the product knows, and the kind of a dataset reference.

`kind_for(path)` asks the registered kinds, newest first, whether the reference is theirs
(`DataKind.detect`); the table kind is the default, so a file no kind claims is read as a table
and refused by the table reader in the words it always used. A `hint` (a kind's name: a SPEC's
or a tool argument's) skips detection: a series table is a CSV file too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.data.kinds.base import DataKind
from mcp_server.ml.data.kinds.images import IMAGES, ImageFolderKind
from mcp_server.ml.data.kinds.table import TABLE, TableKind
from mcp_server.ml.data.kinds.timeseries import TIMESERIES, TimeSeriesKind

DEFAULT = TABLE
_KINDS: dict[str, DataKind] = {
    TABLE: TableKind(),
    TIMESERIES: TimeSeriesKind(),
    IMAGES: ImageFolderKind(),
}


def register_kind(kind: DataKind) -> None:
    """Add a kind; it is asked before the kinds registered earlier. A name already taken is
    refused (unregister the old kind first)."""
    if kind.name in _KINDS:
        raise MoaiMlError(
            f"a kind of data named {kind.name!r} is already registered; unregister_kind("
            f"{kind.name!r}) first, or give the new kind another name"
        )
    _KINDS[kind.name] = kind


def unregister_kind(name: str) -> None:
    """Remove a kind (never the default table kind)."""
    if name == DEFAULT:
        raise MoaiMlError(
            f"the {DEFAULT!r} kind is the default and stays registered; register a kind that "
            "claims the files it should read instead"
        )
    _KINDS.pop(name, None)


def kinds() -> list[DataKind]:
    """Every registered kind, in the order detection asks them (newest first, the default
    last)."""
    return [kind for name, kind in reversed(_KINDS.items()) if name != DEFAULT] + [_KINDS[DEFAULT]]


def kind_named(name: str) -> DataKind:
    if name not in _KINDS:
        raise MoaiMlError(
            f"unknown kind of data {name!r}; give kind= (or the SPEC's kind) one of: "
            f"{', '.join(_KINDS)}"
        )
    return _KINDS[name]


ROUTES = ("export", "serving")


def check_route(data_kind: str, route: str, value: str | None) -> None:
    """Refuse, in one line naming the kind's routes, an export format (`route="export"`) or a
    serving runtime (`route="serving"`) that a run fitted on `data_kind` data cannot take
    (`value=None`: any one of them, refused only when the kind has none)."""
    kind = kind_named(data_kind)
    allowed = kind.routes.export_formats if route == "export" else kind.routes.serving_runtimes
    if value in allowed or (value is None and allowed):
        return
    if not allowed:
        what = "export format" if route == "export" else "serving runtime"
        raise MoaiMlError(
            f"a model of {kind.name} data has no {what} yet (its {route} routes: none); "
            f"export it instead with ml_export (format= one of "
            f"{', '.join(kind.routes.export_formats)})"
        )
    if route == "export":
        raise MoaiMlError(
            f"export format {value!r} is not among the export routes of {kind.name} data; "
            f"pass format= one of {', '.join(allowed)}"
        )
    raise MoaiMlError(
        f"serving runtime {value!r} is not among the serving routes of {kind.name} data; "
        f"pass runtime= one of {', '.join(allowed)}"
    )


def kind_for(
    path: Path, hint: str | None = None, options: dict[str, Any] | None = None
) -> DataKind:
    """The kind of the dataset at `path`: the one `hint` names (with its `options`, such as a
    series' time column and horizon), else the first that detects it, else the default
    (tables)."""
    if hint is not None:
        return configured(kind_named(hint), options)
    if options:
        raise MoaiMlError("kind_options need a kind: name it (kind='timeseries')")
    for kind in kinds():
        if _claims(kind, path):
            return kind
    return _KINDS[DEFAULT]


def configured(kind: DataKind, options: dict[str, Any] | None) -> DataKind:
    """The kind with its options (a kind that takes options has `configured(options)`)."""
    if not options:
        return kind
    configure = getattr(kind, "configured", None)
    if configure is None:
        raise MoaiMlError(f"the {kind.name} kind takes no kind_options; leave them out")
    return cast("DataKind", configure(dict(options)))


def _claims(kind: DataKind, path: Path) -> bool:
    try:
        return bool(kind.detect(path))
    except OSError:  # an unreadable reference is nobody's: the default reader says why
        return False
