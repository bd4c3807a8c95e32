"""The request fields of a generated service, one per training feature: a Python attribute name
(made from the column, de-duplicated, never a pydantic/BaseModel name; the column itself is the
field's alias), its kind (number, bool, enum, text, datetime), what it accepts, and a valid
example record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.files.render import to_identifier
from mcp_server.ml.data.schema import Feature, Schema

if TYPE_CHECKING:
    import pandas as pd

TRUE_TOKENS = {"true", "yes", "y", "t", "1", "1.0"}
FALSE_TOKENS = {"false", "no", "n", "f", "0", "0.0"}
MAX_ENUM = 50
IMPUTED_KINDS = (
    "numeric",
    "categorical",
    "boolean",
    "datetime",
    "text",
)  # the preprocessing imputes each


def _reserved() -> set[str]:
    from pydantic import BaseModel

    return set(dir(BaseModel)) | {"records", "predict", "features"}


def field_specs(schema: Schema) -> list[dict[str, Any]]:
    """One dict per feature: attribute name, alias, type pieces, description, ONNX input."""
    from mcp_server.ml.export.onnx_convert import input_names

    reserved, taken = _reserved(), set()
    specs = []
    for feature, input_name in zip(schema.features, input_names(schema), strict=True):
        attr = to_identifier(feature.name, "f")
        if attr in reserved or attr.startswith(("model_", "_")):
            attr = f"f_{attr}"
        base, n = attr, 2
        while attr in taken:
            attr, n = f"{base}_{n}", n + 1
        taken.add(attr)
        specs.append({"attr": attr, "name": feature.name, "input": input_name, **_typing(feature)})
    return specs


def _typing(f: Feature) -> dict[str, Any]:
    """kind: number | bool | enum | text | datetime, plus tokens/values and a description.

    Every field the pipeline imputes is nullable (null or absent = missing), whether or not the
    training data had gaps in it: the pipeline predicts rows with missing values."""
    imputed = f.nullable or f.kind in IMPUTED_KINDS
    nullable = (
        " Missing values are allowed (null or absent): the model imputes them." if imputed else ""
    )
    out: dict[str, Any] = {"nullable": imputed, "values": [], "yes": "", "no": ""}
    if f.kind == "numeric":
        span = (
            f" Seen in training: {f.minimum:g} to {f.maximum:g}." if f.minimum is not None else ""
        )
        return {**out, "kind": "number", "description": f"Number.{span}{nullable}"}
    if f.kind == "boolean":
        tokens = _bool_tokens(f.categories)
        if tokens:
            yes, no = tokens
            text = (
                f"true or false (also 1 or 0, or the values seen in training: {yes!r}, "
                f"{no!r}; other text is scored, ignored by the model, and named in "
                f"`unseen`).{nullable}"
            )
            return {**out, "kind": "bool", "yes": yes, "no": no, "description": text}
    if f.kind in ("categorical", "boolean") and 0 < len(f.categories) < MAX_ENUM:
        seen = (
            "A category (the examples were seen in training; another value is scored, ignored "
            f"by the model, and named in the answer's `unseen`).{nullable}"
        )
        return {**out, "kind": "enum", "values": list(f.categories), "description": seen}
    if f.kind == "datetime":
        text = (
            "Date/time as text, as the CSV holds it (ISO 8601 or any format pandas reads); text "
            f"that is not a date is scored as missing and named in `unseen`.{nullable}"
        )
        return {**out, "kind": "datetime", "description": text}
    label = (
        "Free text"
        if f.kind == "text"
        else "Category (any string; unseen values are ignored by the model)"
    )
    return {**out, "kind": "text", "description": f"{label}.{nullable}"}


def _bool_tokens(categories: list[str]) -> tuple[str, str] | None:
    yes = [c for c in categories if str(c).strip().lower() in TRUE_TOKENS]
    no = [c for c in categories if str(c).strip().lower() in FALSE_TOKENS]
    if len(categories) == 2 and len(yes) == 1 and len(no) == 1:
        return str(yes[0]), str(no[0])
    return None


def example_record(schema: Schema) -> dict[str, Any]:
    """A valid request body: mid-range numbers, the first seen category, `false`, today's date."""
    example: dict[str, Any] = {}
    for f, spec in zip(schema.features, field_specs(schema), strict=True):
        if spec["kind"] == "number":
            low, high = f.minimum or 0.0, f.maximum if f.maximum is not None else 1.0
            middle = (low + high) / 2
            example[f.name] = float(round(middle)) if f.integer else round(middle, 4)
        elif spec["kind"] == "bool":
            example[f.name] = False
        elif spec["kind"] == "datetime":
            example[f.name] = "2026-01-01T00:00:00"
        else:
            example[f.name] = f.categories[0] if f.categories else "example"
    return example


def example_frame(schema: Schema, example: dict[str, Any]) -> pd.DataFrame:
    """The example as the pipeline sees it (booleans back to the tokens seen in training)."""
    import pandas as pd

    from mcp_server.ml.modeling.preprocess import coerce_frame

    row = {}
    for spec in field_specs(schema):
        value = example[spec["name"]]
        row[spec["name"]] = (
            (spec["yes"] if value else spec["no"]) if spec["kind"] == "bool" else value
        )
    return coerce_frame(pd.DataFrame([row]), schema)
