"""Background jobs for any long tool: one decorator gives it `background`, a job ticket, a time
estimate.

How a tool opts in (put the decorator UNDER `@server.tool(...)`; nothing else changes):

    @server.tool(annotations=CREATES_RUNS, title="Compare models by cross-validation")
    @long_running(workspace, estimate=compare_estimate)
    async def ml_compare_models(data_path: DataPath, ..., ctx: Context | None = None) ->
    CompareResult:

The tool then takes `background` (true: start a job and return its ticket at once; false: wait;
omitted: a job only when `estimate` says the call would take longer than hosts wait, ~50 s).
Its output schema admits the result or the ticket. A job runs the same tool, with the same
arguments, in a process of its own (`mcp_server.entry.runner`); its result is what the inline
call returns and `ml_job_status` hands it back. Inside the job the tool's `ctx` is a stand-in
whose `report_progress` writes the job's progress, so a tool needs no job-specific code.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, RootModel

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.processes.background import CURRENT, JobStore
from mcp_server.tools._estimates import Refused

INLINE_LIMIT_S = 50.0  # MCP hosts give up on a call after about a minute
log = logging.getLogger("moai_ml")

Estimate = Callable[[Workspace, dict[str, Any]], float | None]
Background = Annotated[
    bool | None,
    Field(description="true: job_id now; false: wait; null: job if > ~50 s"),
]


class JobTicket(BaseModel):
    """What a call started as a background job returns at once."""

    job_id: str = Field(
        description="The job; follow it with ml_job_status(job_id, wait_s), stop it with "
        "ml_job_cancel"
    )
    job_state: Literal["queued", "running"] = Field(
        description="The job's state when the call returned"
    )
    tool: str = Field(description="The tool the job runs")
    reason: str = Field(
        description="Why it runs as a job: asked with background=true, or the time estimate"
    )
    estimate_s: float | None = Field(
        description="Rough duration estimate in seconds, if the tool gives one"
    )
    next_step: str = Field(description="The call to make next")


def outcome_model(result: type[BaseModel]) -> type[BaseModel]:
    """`result | JobTicket` with an object schema: every field of both, and which ones each
    requires."""

    class Outcome(RootModel[Union[result, JobTicket]]):  # type: ignore[valid-type]  # noqa: UP007
        @classmethod
        def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
            schema = handler(core_schema)
            branches = [handler.resolve_ref_schema(branch) for branch in schema["anyOf"]]
            properties: dict[str, Any] = {}
            for branch in branches:
                for name, prop in branch.get("properties", {}).items():
                    properties.setdefault(name, prop)
            return {
                "type": "object",
                "title": f"{result.__name__}OrJob",
                "description": f"{result.__name__}, or a JobTicket when the call runs as a "
                "background job",
                "properties": properties,
                "anyOf": [{"required": branch.get("required", [])} for branch in branches],
            }

    Outcome.__name__ = Outcome.__qualname__ = f"{result.__name__}OrJob"
    return Outcome


def _outcome_annotation(annotation: Any) -> Any:
    """The tool's return annotation with its model widened to `model | JobTicket`.

    `Annotated[CallToolResult, Model]` (a tool that returns content blocks, e.g. images) stays that
    shape, with the widened model as the validation target.
    """
    if get_origin(annotation) is Annotated:
        base, model, *rest = get_args(annotation)
        return Annotated[(base, outcome_model(model), *rest)]  # type: ignore[misc]
    return outcome_model(annotation)


def _context_name(signature: inspect.Signature) -> str | None:
    for param in signature.parameters.values():
        annotation = param.annotation
        options = getattr(annotation, "__args__", (annotation,))
        if any(inspect.isclass(a) and issubclass(a, Context) for a in options):
            return param.name
    return None


async def start_job(
    workspace: Workspace,
    tool: str,
    arguments: dict[str, Any],
    estimate_s: float | None,
    asked: bool,
) -> JobTicket:
    """Record the job and launch its process; the ticket says how to follow it."""
    from pydantic_core import to_jsonable_python

    store = JobStore(workspace)
    payload = to_jsonable_python(arguments)
    try:
        state = await anyio.to_thread.run_sync(store.create, tool, payload)
        await anyio.to_thread.run_sync(store.start, state.job_id)
    except MoaiMlError as exc:
        raise ToolError(str(exc)) from exc
    around = f"about {estimate_s:.0f} s" if estimate_s is not None else None
    reason = (
        "asked with background=true"
        if asked
        else f"estimated {around}, longer than MCP hosts wait (~60 s)"
    )
    return JobTicket(
        job_id=state.job_id,
        job_state="queued",
        tool=tool,
        reason=reason
        + ("" if asked or around is None else "; background=false forces an inline call"),
        estimate_s=None if estimate_s is None else round(estimate_s, 1),
        next_step=f"ml_job_status(job_id='{state.job_id}', wait_s=50) until state is done; it "
        "returns the result",
    )


async def _estimate(
    estimate: Estimate | None, workspace: Workspace, arguments: dict[str, Any]
) -> float | None:
    if estimate is None:
        return None
    try:
        return await anyio.to_thread.run_sync(estimate, workspace, arguments)
    # refused before any job starts: a job would only fail the same way later
    except Refused as exc:
        raise ToolError(str(exc)) from exc
    except Exception:  # an estimate is advice: a bad path or SPEC is reported by the call itself
        log.debug("estimate failed", exc_info=True)
        return None


def long_running(workspace: Workspace, *, estimate: Estimate | None = None) -> Callable[[Any], Any]:
    """Decorator: the tool gains `background` and can run as a job (see the module docstring)."""

    def decorate(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        signature = inspect.signature(fn, eval_str=True)
        ctx_name = _context_name(signature)
        name = fn.__name__
        background = inspect.Parameter(
            "background", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Background
        )
        params = [*signature.parameters.values(), background]
        outcome = _outcome_annotation(signature.return_annotation)

        async def tool(**kwargs: Any) -> Any:
            wanted = kwargs.pop("background", None)
            job = CURRENT.get()
            # inside the job's own process: run inline, progress to the job's state
            if job is not None:
                if ctx_name is not None:
                    kwargs[ctx_name] = job
                return await fn(**kwargs)
            arguments = {k: v for k, v in kwargs.items() if k != ctx_name}
            seconds = (
                await _estimate(estimate, workspace, arguments) if wanted is not True else None
            )
            if wanted or (wanted is None and seconds is not None and seconds > INLINE_LIMIT_S):
                return await start_job(workspace, name, arguments, seconds, asked=bool(wanted))
            if (
                seconds is not None
                and seconds > INLINE_LIMIT_S
                and ctx_name
                and kwargs.get(ctx_name) is not None
            ):
                with contextlib.suppress(Exception):
                    await kwargs[ctx_name].report_progress(
                        0,
                        None,
                        f"estimated about {seconds:.0f} s inline; hosts "
                        "often stop waiting after ~60 s: background=true runs "
                        "it as a job",
                    )
            return await fn(**kwargs)

        tool.__signature__ = signature.replace(parameters=params, return_annotation=outcome)  # type: ignore[attr-defined]
        tool.__annotations__ = {p.name: p.annotation for p in params} | {"return": outcome}
        tool.__name__, tool.__qualname__, tool.__doc__ = name, fn.__qualname__, fn.__doc__
        tool.__module__ = fn.__module__
        return tool

    return decorate
