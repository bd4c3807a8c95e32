"""The training schema: what a model expects at prediction time.

Saved beside every model; the TDD data contract, ONNX export and the serving request model
are all built from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_server.ml.data.columns import Kind

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.profile import Profile

FEATURE_KINDS = (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN, Kind.DATETIME, Kind.TEXT, Kind.IMAGE)
MAX_ENUM = 50
GROUP_COLUMN = "group column"  # why the SPEC's `group_column` is not a feature (`dropped`)


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # numeric | categorical | boolean | datetime | text | image
    nullable: bool
    categories: list[str] = field(default_factory=list)  # seen values (categorical/boolean), capped
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None


@dataclass
class Schema:
    target: str
    task: str
    features: list[Feature]
    dropped: dict[str, str]  # column -> reason (identifier, constant, leakage, drop list, …)
    classes: list[Any] = field(default_factory=list)
    # what the kind of data gives its model families (`Profile.roles`; empty for tables)
    roles: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def of_kind(self, *kinds: str) -> list[str]:
        return [f.name for f in self.features if f.kind in kinds]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        features = [Feature(**f) for f in data["features"]]
        return cls(
            data["target"],
            data["task"],
            features,
            dict(data["dropped"]),
            list(data.get("classes", [])),
            dict(data.get("roles", {})),
        )


def build_schema(
    frame: pd.DataFrame, profile: Profile, drop: list[str] | None = None, keep_leaky: bool = False
) -> Schema:
    """Features = every usable column except the target, dropped columns and flagged ones."""
    assert profile.target is not None and profile.task is not None
    dropped: dict[str, str] = {name: "drop list" for name in drop or [] if name in frame.columns}
    leaky = set() if keep_leaky else set(profile.flagged("leakage"))
    features = []
    for info in profile.columns:
        if info.name == profile.target or info.name in dropped:
            continue
        if info.kind not in FEATURE_KINDS:
            dropped[info.name] = info.kind.value
            continue
        if info.name in leaky:
            dropped[info.name] = "leakage"
            continue
        features.append(_feature(frame[info.name], info.kind, info.missing > 0, info.categories))
    classes: list[Any] = []
    if profile.task != "regression":
        classes = sorted(frame[profile.target].dropna().unique().tolist(), key=str)
    return Schema(profile.target, profile.task, features, dropped, classes, dict(profile.roles))


def _feature(series: pd.Series, kind: Kind, nullable: bool, categories: tuple[str, ...]) -> Feature:
    import pandas as pd

    if kind == Kind.NUMERIC:
        values = series.dropna()
        return Feature(
            name=str(series.name),
            kind=kind.value,
            nullable=nullable,
            integer=bool(pd.api.types.is_integer_dtype(values) or (values == values.round()).all()),
            minimum=float(values.min()),
            maximum=float(values.max()),
        )
    cats = list(categories)[:MAX_ENUM] if kind in (Kind.CATEGORICAL, Kind.BOOLEAN) else []
    return Feature(name=str(series.name), kind=kind.value, nullable=nullable, categories=cats)
