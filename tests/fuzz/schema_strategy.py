"""Hypothesis strategies from a tool's JSON input schema (the subset pydantic emits).

Valid-by-schema values exercise the tool itself (the domain checks after validation); a share of
values is deliberately off-schema (wrong types, out of range) to exercise the validation path.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def from_schema(
    schema: dict[str, Any], defs: dict[str, Any] | None = None
) -> st.SearchStrategy[Any]:
    """A strategy for `schema`; `$ref`s resolve against `defs` (the root's `$defs`)."""
    defs = defs if defs is not None else schema.get("$defs", {})
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(option, defs) for option in schema[key]])
    kind = schema.get("type")
    maker = _MAKERS.get(kind) if isinstance(kind, str) else None
    return maker(schema, defs) if maker else ANY_JSON


def _string(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high = schema.get("minLength", 0), min(schema.get("maxLength", 200), 200)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda s: low <= len(s) <= high
        )
    return st.text(min_size=low, max_size=max(low, high))


def _integer(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))


def _number(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    return st.floats(
        min_value=low,
        max_value=high,
        allow_nan=False,
        allow_infinity=False,
        exclude_min="exclusiveMinimum" in schema,
        exclude_max="exclusiveMaximum" in schema,
    )


def _array(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    items = from_schema(schema.get("items", {}), defs)
    return st.lists(
        items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 5), 5)
    )


def _object(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    props = schema.get("properties")
    if not props:
        return st.dictionaries(st.text(max_size=20), JSON_SCALARS, max_size=4)
    required = set(schema.get("required", []))
    return st.fixed_dictionaries(
        {k: from_schema(v, defs) for k, v in props.items() if k in required},
        optional={k: from_schema(v, defs) for k, v in props.items() if k not in required},
    )


_MAKERS = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": lambda schema, defs: st.booleans(),
    "null": lambda schema, defs: st.none(),
    "array": _array,
    "object": _object,
}


def arguments(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Tool arguments: mostly schema-valid, sometimes one field replaced by arbitrary JSON."""
    valid = from_schema(schema)
    names = sorted(schema.get("properties", {})) or ["x"]

    @st.composite
    def broken(draw: Any) -> dict[str, Any]:
        args = dict(draw(valid))
        args[draw(st.sampled_from(names))] = draw(ANY_JSON)
        return args

    return st.one_of(valid, valid, broken())
