"""The quality profile of an image folder's rows (`kinds.images`): the classes and their counts
(the table profile's target summary and class findings), the images' sizes and modes, files
Pillow could not open and files whose bytes repeat an earlier file's (content hash).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError
from mcp_server.ml.data.columns import ColumnInfo, Kind
from mcp_server.ml.data.profile import (
    Finding,
    Profile,
    _target_findings,
    check_task,
    task_choice,
)
from mcp_server.ml.data.target_summary import summarize_target

if TYPE_CHECKING:
    import pandas as pd

SHOWN = 5  # examples listed per finding and sizes listed in the summary
PATH_COLUMN = "path"  # an image folder's rows (`kinds.images`): the file, its class folder
LABEL_COLUMN = "label"
UNREADABLE = "unreadable"  # `rows.attrs` key: the files Pillow could not open


def profile_images(rows: pd.DataFrame, target: str | None, task: str) -> Profile:
    """An image folder's rows (`path`, `label`) or an image table's (its image-path column
    first, `image_paths.read_image_table`): the image column and the target are profiled."""
    image, label = str(rows.columns[0]), _label_column(rows, target)
    if target is not None and target != label:
        raise DataError(
            f"an image folder's target is {LABEL_COLUMN!r} (each image's sub-folder), not "
            f"{target!r}: pass target={LABEL_COLUMN!r}"
        )
    labels = rows[label] if label else rows[image].iloc[:0]
    resolved = check_task(labels, task) if target else None
    summary = summarize_target(labels, resolved) if resolved else {}
    stats = image_stats(rows[image].tolist())
    profile = Profile(
        rows=len(rows),
        columns=[
            ColumnInfo(image, Kind.IMAGE, "object", 0, 0.0, len(rows)),
            ColumnInfo(
                label or LABEL_COLUMN,
                Kind.CATEGORICAL,
                "object",
                0,
                0.0,
                int(labels.nunique()),
                tuple(sorted(labels.unique().tolist())[:50]),
            ),
        ],
        target=target,
        task=resolved,
        target_summary=summary,
        duplicate_rows=stats["duplicates"],
        memory_mb=round(stats["bytes"] / 2**20, 2),
        task_reason=(task_choice(labels)[1] if task == "auto" else "given by the caller")
        if target
        else None,
        details=stats["summary"],
    )
    profile.findings = _findings(profile, rows.attrs.get(UNREADABLE, []), stats)
    if not label:
        profile.columns = profile.columns[:1]
    return profile


def _label_column(rows: pd.DataFrame, target: str | None) -> str | None:
    """The target's column: an image folder's `label`, a table's `target` (refused when the
    table has no such column)."""
    folder = list(rows.columns) == [PATH_COLUMN, LABEL_COLUMN]
    if folder or target is None:
        return LABEL_COLUMN if LABEL_COLUMN in rows.columns else None
    if target not in rows.columns[1:]:
        raise DataError(
            f"the image table has no column {target!r}; pass target= one of "
            f"{[str(c) for c in rows.columns[1:]][:10]}"
        )
    return target


def image_stats(paths: list[str]) -> dict[str, Any]:
    """Sizes, modes, total bytes and duplicate files (equal content) of the images."""
    from PIL import Image

    sizes: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    first: dict[str, str] = {}
    duplicates: list[tuple[str, str]] = []
    total = 0
    for path in paths:
        data = Path(path).read_bytes()
        total += len(data)
        digest = hashlib.sha256(data).hexdigest()
        if digest in first:
            duplicates.append((_short(path), _short(first[digest])))
        else:
            first[digest] = path
        with Image.open(path) as image:
            sizes[f"{image.width}x{image.height}"] += 1
            modes[image.mode] += 1
    widths = [int(s.split("x")[0]) for s in sizes for _ in range(sizes[s])]
    summary = {
        "images": len(paths),
        "sizes": dict(sizes.most_common(SHOWN)),
        "distinct_sizes": len(sizes),
        "modes": dict(modes.most_common()),
        "min_width": min(widths, default=0),
        "max_width": max(widths, default=0),
        "mean_kb": round(total / max(len(paths), 1) / 1024, 2),
    }
    return {
        "summary": summary,
        "duplicates": len(duplicates),
        "pairs": duplicates,
        "bytes": total,
    }


def _short(path: str) -> str:
    """`<label>/<file>`: a file as the user sees it in the folder."""
    parts = Path(path).parts
    return "/".join(parts[-2:])


def _findings(profile: Profile, unreadable: list[str], stats: dict[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    if unreadable:
        found.append(
            Finding(
                "unreadable_images",
                f"{len(unreadable)} file(s) Pillow cannot open were left out: "
                f"{unreadable[:SHOWN]}; fix or delete them",
                severity="error",
            )
        )
    pairs = stats["pairs"]
    if pairs:
        shown = ", ".join(f"{a} = {b}" for a, b in pairs[:SHOWN])
        found.append(
            Finding(
                "duplicate_images",
                f"{len(pairs)} image(s) repeat an earlier file byte for byte ({shown}); a "
                "duplicate across the holdout inflates its metrics",
            )
        )
    summary = stats["summary"]
    if summary["distinct_sizes"] > 1:
        found.append(
            Finding(
                "mixed_sizes",
                f"images come in {summary['distinct_sizes']} sizes (widths "
                f"{summary['min_width']}-{summary['max_width']}); the models resize them",
            )
        )
    if profile.rows < 50:
        found.append(Finding("few_rows", f"only {profile.rows} images; metrics will be noisy"))
    if profile.target is not None and profile.task is not None:
        found += _target_findings(profile)
    return found
