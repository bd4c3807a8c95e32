"""The server's `tools/call` middleware: one argument vocabulary in, compact answers out.

Installed once by `server.build_server`, so every tool, present or future, gets it:
- arguments: unknown ones refused, enum-like values case-insensitive, SPEC references unified, a
  refused value explained in one line (`tools/_arguments.py`);
- answers: the text content of a successful result is a short summary (`tools/_summary.py`),
  not the structured content again as indented JSON; an error's text is one line.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, TextContent

from mcp_server.tools._arguments import check, normalize, one_line
from mcp_server.tools._summary import summarize


def _error(text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def compact(tool: str, result: Any) -> Any:
    """The result with a summary as its text (success) or a one-line text (error).

    `result` is what the rest of the chain returns: the wire dict of a CallToolResult.
    """
    if isinstance(result, CallToolResult):
        result = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    if not isinstance(result, dict) or not isinstance(result.get("content"), list):
        return result
    if result.get("isError"):
        text = " ".join(str(c.get("text", "")) for c in result["content"] if isinstance(c, dict))
        return {**result, "content": [{"type": "text", "text": one_line(tool, text)}]}
    structured = result.get("structuredContent")
    if not isinstance(structured, dict):
        return result
    others = [
        c for c in result["content"] if not (isinstance(c, dict) and c.get("type") == "text")
    ]  # images stay
    return {**result, "content": [{"type": "text", "text": summarize(tool, structured)}, *others]}


DROPPED = {"title", "maxLength", "minLength", "maxItems", "maxProperties", "pattern"}
# Keywords whose value is a schema: once lean, `{}` accepts anything and says nothing.
SUBSCHEMAS = {"items", "propertyNames", "additionalProperties"}


def _one_type(options: list[Any]) -> dict[str, Any] | None:
    """`anyOf` of bare types (`[{"type": "string"}, {"type": "integer"}]`) as one `type` list,
    the same schema in fewer words; None when a branch says more than its type."""
    if all(isinstance(o, dict) and set(o) == {"type"} for o in options):
        return {"type": [o["type"] for o in options]}
    return None


def lean_schema(schema: Any, *, in_properties: bool = False) -> Any:
    """A JSON Schema without what costs an agent tokens and tells it nothing.

    Drops pydantic's generated `title`s, null or empty defaults, length, item- and key-count bounds
    and patterns (the server enforces them against the full schema and names them in its one-line
    error: a pattern is noise to an agent and `spec_id`'s even misleads, since a SPEC folder or
    file is accepted too; so are `patternProperties`' key patterns, their one value schema kept as
    `additionalProperties`), `additionalProperties: true` and a sub-schema left empty (`{}`),
    turns `anyOf [X, null]` into X: an optional argument is simply not required (a null sent
    anyway counts as omitted), and an `anyOf` of bare types into one `type` list. Enums, numeric
    ranges and descriptions stay.
    """
    if isinstance(schema, list):
        return [lean_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if in_properties:  # keys are argument names here, not schema keywords
        return {name: lean_schema(prop) for name, prop in schema.items()}
    out: dict[str, Any] = {}
    options = schema.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = next(o for o in options if o != {"type": "null"})
        schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **other}
    types = _one_type(options) if isinstance(options, list) and "type" not in schema else None
    if types is not None:
        schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **types}
    named = schema.get("patternProperties")
    if isinstance(named, dict) and len(named) == 1 and "additionalProperties" not in schema:
        # the keys' pattern is a pattern too: the values' schema stays, for every key
        rest = {k: v for k, v in schema.items() if k != "patternProperties"}
        schema = {**rest, "additionalProperties": next(iter(named.values()))}
    for key, value in schema.items():
        if (
            key in DROPPED
            or (key == "default" and value in (None, [], {}))
            or (key == "additionalProperties" and value is True)
        ):
            continue
        lean = lean_schema(value, in_properties=key in ("properties", "$defs"))
        if key in SUBSCHEMAS and lean == {}:
            continue
        out[key] = lean
    return out


def fold_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """Nested objects (`$defs`) as one line naming their keys: the SPEC fields object alone cost
    ~400 tokens on each TDD tool. The server still validates against the full model and names
    a wrong key or value in its one-line error, so an agent loses nothing it can act on."""
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema

    def folded(ref: str, extra: dict[str, Any]) -> dict[str, Any]:
        target = defs.get(ref.rsplit("/", 1)[-1], {})
        keys = ", ".join(target.get("properties", {}))
        text = str(extra.get("description") or target.get("description") or "")
        return {"type": "object", "description": f"{text} Keys: {keys}".strip()}

    props = {
        name: folded(prop["$ref"], prop) if isinstance(prop, dict) and "$ref" in prop else prop
        for name, prop in schema.get("properties", {}).items()
    }
    return {k: v for k, v in {**schema, "properties": props}.items() if k != "$defs"}


MAX_DESCRIPTION = (
    260  # the listing's tool description: whole sentences up to this; SKILL.md has the rest
)


def lean_description(text: str) -> str:
    """The description's first sentences, up to MAX_DESCRIPTION characters; a first sentence longer
    than that is cut after its last clause (comma, colon, parenthesis) that fits, marked with
    '...'."""
    text = " ".join(text.split())
    if len(text) <= MAX_DESCRIPTION:
        return text
    sentences = re.split(r"(?<=[.;])\s+", text)
    kept = ""
    for sentence in sentences:
        if len(kept) + len(sentence) + 1 > MAX_DESCRIPTION and kept:
            break
        kept = f"{kept} {sentence}".strip()
    if len(kept) <= MAX_DESCRIPTION:
        return kept[:-1] + "." if kept.endswith(";") else kept
    head = kept[: MAX_DESCRIPTION - 4]
    cut = max(head.rfind(", "), head.rfind(": "), head.rfind(" ("), head.rfind("; "))
    return (head[:cut] if cut > MAX_DESCRIPTION // 2 else head.rsplit(" ", 1)[0]).rstrip(
        ",:;("
    ) + " ..."


OUTPUT_DROPPED = {
    "title",
    "description",
    "default",
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    # Which fields are always there: every field of a result is (the models have no optional
    # ones but the JobTicket alternative), so the list only repeated every name (~40 % of bytes).
    "required",
    # Nested models are objects and enumerations strings: their fields and values are in the
    # structured content itself and in the tool's description, not worth 2k tokens a listing.
    "$defs",
    "enum",
}


def _only_required(options: Any) -> bool:
    """`anyOf` branches that say nothing but which fields each alternative requires."""
    return isinstance(options, list) and all(
        isinstance(o, dict) and set(o) == {"required"} for o in options
    )


def lean_output(schema: Any, *, in_properties: bool = False) -> Any:
    """An output schema as a client validates it, without the prose: field names and types say
    what comes back (the summary text and SKILL.md say what it means). Unlike an argument, an
    output field may really be null, so `anyOf [X, null]` stays nullable: X with its type made
    `[X's type, "null"]` (an array's `items` and an object's values kept: JSON Schema applies
    them only to a value that is not null)."""
    if isinstance(schema, list):
        return [lean_output(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema and not in_properties:
        return {"type": "object"}
    if in_properties:
        return {name: lean_output(prop) for name, prop in schema.items()}
    options = schema.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = lean_output(next(o for o in options if o != {"type": "null"}))
        if isinstance(other.get("type"), str):  # its items or values still apply when not null
            schema = {
                **{k: v for k, v in schema.items() if k != "anyOf"},
                **other,
                "type": [other["type"], "null"],
            }
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in OUTPUT_DROPPED or (key == "additionalProperties" and value is True):
            continue
        if key == "anyOf" and _only_required(value):
            continue
        out[key] = lean_output(
            value, in_properties=key in ("properties", "$defs", "patternProperties")
        )
    return out


def _lean_tool(tool: Any) -> Any:
    if not isinstance(tool, dict) or "inputSchema" not in tool:
        return tool
    lean = {**tool, "inputSchema": fold_defs(lean_schema(tool["inputSchema"]))}
    if isinstance(tool.get("outputSchema"), dict):
        lean["outputSchema"] = lean_output(tool["outputSchema"])
    if isinstance(tool.get("description"), str):
        lean["description"] = lean_description(tool["description"])
    return lean


def _lean_listing(result: Any) -> Any:
    if isinstance(result, dict) and isinstance(result.get("tools"), list):
        return {**result, "tools": [_lean_tool(t) for t in result["tools"]]}
    return result


def install(server: MCPServer) -> None:
    """Append the middleware to `server` (after every tool is registered)."""
    schemas: dict[str, dict[str, Any]] = {}

    async def tools_call(ctx: Any, call_next: Any) -> Any:
        params = ctx.params
        if ctx.method == "tools/list":
            return _lean_listing(await call_next(ctx))
        if ctx.method != "tools/call" or not isinstance(params, Mapping):
            return await call_next(ctx)
        if not schemas:
            schemas.update({t.name: dict(t.input_schema) for t in await server.list_tools()})
        name, raw = params.get("name"), params.get("arguments") or {}
        schema = schemas.get(name) if isinstance(name, str) else None
        if schema is None or not isinstance(raw, Mapping):
            return await call_next(ctx)
        given = {
            k: v for k, v in raw.items() if v is not None
        }  # null = omitted (the listing hides null)
        arguments, problem = normalize(schema, given)
        problem = problem or check(name, schema, arguments)  # type: ignore[arg-type]
        if problem:
            return _error(problem if problem.startswith(f"{name}:") else f"{name}: {problem}")
        if arguments != raw:
            ctx = dataclasses.replace(ctx, params={**params, "arguments": arguments})
        return compact(name, await call_next(ctx))  # type: ignore[arg-type]

    server.middleware.append(tools_call)
