"""The kind of data a fitting request names: the caller's `kind` argument, else its SPEC's
`kind:` (with the SPEC's series fields; the caller's `kind_options` win), checked in the server
before a job starts. None: the job detects the kind from the dataset (tables)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.data.kinds.base import DataKind
    from mcp_server.ml.modeling.dataset import Prepared


class DataRequest(Protocol):
    """What a job's request says about its rows (training, comparison and tuning requests)."""

    data_path: str
    target: str
    task: str
    drop: list[str]
    cache: str | None
    kind: str | None
    kind_options: dict[str, Any]
    group_column: str | None


def resolve_kind(
    workspace: Workspace, kind: str | None, options: dict[str, Any], spec_id: str | None
) -> tuple[str | None, dict[str, Any]]:
    """(the kind's name or None, its options)."""
    from mcp_server.ml.data.kinds.registry import kind_for
    from mcp_server.ml.spec.reader import spec_of

    spec = spec_of(workspace, spec_id) if spec_id and (kind is None or not options) else None
    name = kind or (spec.kind if spec is not None else None)
    merged = dict(spec.kind_options) if spec is not None and spec.kind == name else {}
    merged.update(options or {})
    if name is None and not merged:
        return None, {}
    kind_for(Path("."), name, merged)  # unknown kinds and bad options: refused here
    return name, merged


def hinted_kind(data_path: str, hint: str | None, options: dict[str, Any]) -> DataKind | None:
    """The kind a job's request names (with its options), or None: `prepare` detects it."""
    from mcp_server.ml.data.kinds.registry import kind_for

    return kind_for(Path(data_path), hint, options) if hint or options else None


def prepared_for(req: DataRequest) -> Prepared:
    """The request's rows read by their kind, profiled (through the request's schema cache) and
    made ready for a pipeline (`modeling.dataset.prepare`)."""
    from mcp_server.ml.modeling.dataset import prepare

    return prepare(
        Path(req.data_path),
        req.target,
        req.task,
        req.drop,
        Path(req.cache) if req.cache else None,
        hinted_kind(req.data_path, req.kind, req.kind_options),
        req.group_column,
    )
