"""One argument vocabulary for every tool, checked against the tool's published input schema.

Before a call reaches a tool: an unknown argument is refused with the list of valid ones (and the
closest name); enum-like values are case-insensitive (`ONNX`, `Random_Forest`, `Binary`); a SPEC
named as `ML-010`, `SPEC-ML-010`, its folder or its spec.md is the same SPEC wherever a `spec_id`
is taken; and a value the schema refuses gets ONE line naming the argument, the value given and
what is accepted, never pydantic's multi-line text. Pure functions over JSON Schema: any tool,
including ones added later, gets this without code of its own.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

SPEC_REF = re.compile(
    r"^(?:.*/)?(?:SPEC-)?([A-Za-z][A-Za-z0-9]*-[0-9]{1,6})(?:/(?:spec\.md)?)?$", re.I
)
MAX_SHOWN = 60


def _resolve(schema: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return dict(schema.get("$defs", {}).get(ref.rsplit("/", 1)[-1], {}))
    return prop


def branches(schema: dict[str, Any], prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a property, `$ref`s resolved."""
    options = prop.get("anyOf") or prop.get("oneOf") or [prop]
    return [_resolve(schema, o) for o in options if o.get("type") != "null"]


def shown(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _closest(name: str, valid: list[str]) -> str:
    match = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _enum_value(value: str, options: list[dict[str, Any]]) -> str:
    """`value` spelled the way the schema accepts it, if it only differs in case or separators."""
    key = re.sub(r"[\s-]+", "_", value.strip()).lower()
    for option in options:
        for member in option.get("enum", []):
            if isinstance(member, str) and (member == value or member.lower() == key):
                return member
        pattern = option.get(
            "pattern"
        )  # a lower-case name (model, metric): case only, never other characters
        if pattern and not re.search(pattern, value) and re.search(pattern, value.lower()):
            return value.lower()
    return value


def _spec_id(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    match = SPEC_REF.match(value.strip())
    return match.group(1).upper() if match else value


def _json_text(value: Any, options: list[dict[str, Any]]) -> Any:
    """Lists and objects sent as JSON text (some hosts do) are parsed, as the SDK does."""
    if isinstance(value, str) and any(o.get("type") in ("array", "object") for o in options):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, list | dict) else value
    return value


def normalize(
    schema: dict[str, Any], arguments: dict[str, Any], where: str = ""
) -> tuple[dict[str, Any], str | None]:
    """(arguments in the schema's own spelling, or the one-line refusal of an unknown argument)."""
    props: dict[str, Any] = schema.get("properties", {})
    out: dict[str, Any] = {}
    for name, given in arguments.items():
        if name not in props:
            valid = list(props)
            return arguments, (
                f"unknown argument {where + name!r}{_closest(name, valid)}; "
                f"valid: {', '.join(valid)}"
            )
        options = branches(schema, props[name])
        value = _json_text(given, options)
        if name == "spec_id":
            value = _spec_id(value)
        if isinstance(value, str):
            value = _enum_value(value, options)
        elif isinstance(value, list):
            items = [
                _resolve(schema, o.get("items", {})) for o in options if o.get("type") == "array"
            ]
            value = [_enum_value(v, items) if isinstance(v, str) else v for v in value]
        elif isinstance(value, dict):
            nested = next(
                (o for o in options if "properties" in o and "additionalProperties" not in o), None
            )
            if nested is not None:
                value, problem = normalize(
                    {**nested, "$defs": schema.get("$defs", {})}, value, f"{where}{name}."
                )
                if problem:
                    return arguments, problem
        out[name] = value
    return out, None


def _accepted(schema: dict[str, Any], prop: dict[str, Any]) -> str:
    """What a property accepts, in a few words."""
    parts = []
    for option in branches(schema, prop):
        kind = option.get("type", "value")
        if "enum" in option:
            parts.append(", ".join(str(v) for v in option["enum"]))
            continue
        bounds = [f">= {option[k]}" for k in ("minimum",) if k in option]
        bounds += [f"> {option[k]}" for k in ("exclusiveMinimum",) if k in option]
        bounds += [f"<= {option[k]}" for k in ("maximum",) if k in option]
        if "maxLength" in option:
            bounds.append(f"{option.get('minLength', 0)}-{option['maxLength']} characters")
        if "maxItems" in option:
            bounds.append(f"at most {option['maxItems']} items")
        if "pattern" in option:
            bounds.append(f"matching {option['pattern']}")
        parts.append(
            f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
            + (f" {' and '.join(bounds)}" if bounds else "")
        )
    if "null" in [o.get("type") for o in prop.get("anyOf", [])]:
        parts.append("null")
    return " or ".join(parts) or "see the tool's input schema"


def _prop_at(schema: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    prop: dict[str, Any] = {"properties": schema.get("properties", {})}
    for key in path:
        if isinstance(key, int):
            options = branches(schema, prop)
            prop = next((o.get("items", {}) for o in options if o.get("type") == "array"), {})
            continue
        options = [prop, *branches(schema, prop)]
        found = next(
            (o["properties"][key] for o in options if key in o.get("properties", {})), None
        )
        if found is None:
            return {}
        prop = found
    return prop


def check(tool: str, schema: dict[str, Any], arguments: dict[str, Any]) -> str | None:
    """None when `arguments` fit the schema, else one line: argument, value given, what is
    accepted."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(arguments))
    if error is None:
        return None
    # anyOf/oneOf: the closest alternative says more than "is not valid under any"
    while error.context:
        error = best_match(error.context) or error.context[0]
    path = [*error.absolute_path]
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = ".".join(str(p) for p in [*path, *missing[:1]])
        required = ", ".join(_prop_at(schema, path).get("required", schema.get("required", [])))
        return f"{tool}: missing argument {name!r} (required: {required})"
    if error.validator == "additionalProperties":
        return f"{tool}: {error.message}"
    name = ".".join(str(p) for p in path) or "arguments"
    prop = _prop_at(schema, [p for p in path if not isinstance(p, int)] if path else [])
    if path and isinstance(path[-1], int):  # an item of a list: describe the item schema
        prop = _prop_at(schema, path)
    return (
        f"{tool}: argument {name!r} got {shown(error.instance)}; accepted: "
        f"{_accepted(schema, prop)}"
    )


def one_line(tool: str, text: str) -> str:
    """A tool error's text on one line; pydantic's validation report becomes `argument 'x':
    reason`."""
    text = text.strip()
    prefix = f"Error executing tool {tool}: "
    if text.startswith(prefix):
        text = text[len(prefix) :]
    match = re.search(r"validation errors? for \S+\n(\S+)\n\s+(.+?)(?: \[type=|\n|$)", text)
    if match:
        return f"{tool}: argument {match.group(1)!r}: {match.group(2)}"
    return " ".join(text.split()) if "\n" in text and len(text) < 600 else text
