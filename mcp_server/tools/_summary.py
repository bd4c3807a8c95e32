"""Short text summaries of tool results: what a person or an agent reads first.

The structured content carries the data; the text says what happened in a few lines and ends
with the next call. Any tool gets the generic summary (its scalar fields, the size of its lists,
its first warning, its `next_step`); a tool whose result deserves better registers a function
in `SUMMARIES` (tool name -> function of the structured content).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_TEXT = 700
MAX_VALUE = 80
MAX_INLINE = 200  # a small dict longer than this is counted, not spelled out: the data has it
SKIP = {"next_step", "warnings", "summary"}

Summary = Callable[[dict[str, Any]], str]


def _value(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def _small_dict(value: dict[str, Any]) -> str | None:
    if len(value) <= 6 and all(
        isinstance(v, str | int | float | bool) or v is None for v in value.values()
    ):
        inline = ", ".join(f"{k}={_value(v)}" for k, v in value.items())
        return inline if len(inline) <= MAX_INLINE else None
    return None


def generic(data: dict[str, Any]) -> str:
    """`field=value` for scalars, `field: N` for lists, small dicts inline; then warnings and next
    step."""
    parts: list[str] = []
    for key, value in data.items():
        if key in SKIP or value is None or (isinstance(value, list | dict) and not value):
            continue
        if isinstance(value, str) and "\n" in value:
            continue  # a block of text (a ready SPEC section, a report) is data, not a summary
        if isinstance(value, bool | int | float | str):
            parts.append(f"{key}={_value(value)}")
        elif isinstance(value, list):
            parts.append(f"{key}: {len(value)}")
        elif isinstance(value, dict):
            inline = _small_dict(value)
            parts.append(f"{key}: {inline}" if inline else f"{key}: {len(value)} entries")
    return _finish("; ".join(parts), data)


def _finish(text: str, data: dict[str, Any]) -> str:
    lines = [text[:MAX_TEXT]] if text else []
    summary = data.get("summary")
    if isinstance(summary, str) and summary:
        lines.insert(0, summary[:MAX_TEXT])
    warnings = data.get("warnings") or []
    if warnings:
        first = (
            warnings[0]
            if isinstance(warnings[0], str)
            else (warnings[0] or {}).get("message", warnings[0])
        )
        more = f" (+{len(warnings) - 1} more)" if len(warnings) > 1 else ""
        lines.append(
            f"Warning: {_value(first) if not isinstance(first, str) else first[:200]}{more}"
        )
    if data.get("next_step"):
        lines.append(f"Next: {data['next_step']}")
    return "\n".join(lines)


def job_status(data: dict[str, Any]) -> str:
    if data.get("job_id") is None:
        jobs = data.get("jobs") or []
        listed = "; ".join(f"{j['job_id']} {j['tool']} {j['state']}" for j in jobs[:5])
        return _finish(
            f"{len(jobs)} job(s){': ' + listed if listed else ''}",
            {"next_step": data.get("next_step")},
        )
    head = (
        f"job {data['job_id']} ({data.get('tool')}): {data.get('state')}, {data.get('elapsed_s')} s"
    )
    if data.get("state") == "done" and isinstance(data.get("result"), dict):
        return head + "\n" + summarize(str(data.get("tool")), data["result"])
    progress = data.get("progress")
    share = f" {progress:.0%}" if isinstance(progress, float) else ""
    detail = data.get("error") or data.get("message") or ""
    return _finish(f"{head}{share}; {detail}"[:MAX_TEXT], {"next_step": data.get("next_step")})


def leaderboard(data: dict[str, Any]) -> str:
    board = data.get("leaderboard") or []
    top = ", ".join(
        f"{e['model']} {_value(e.get('score'))}±{_value(e.get('std'))}" for e in board[:3]
    )
    more = f" (+{len(board) - 3} more)" if len(board) > 3 else ""
    skipped = len(data.get("not_ranked") or [])
    text = (
        f"{data.get('metric')} over {data.get('cv_folds')} folds: "
        f"{top or 'no candidate finished'}{more}"
    )
    text += f"; not ranked: {skipped}" if skipped else ""
    return _finish(text + f"; run_id={data.get('run_id')}", data)


def drift(data: dict[str, Any]) -> str:
    """The verdict a reviewer acts on, with its reasons, before Evidently's column count."""
    text = f"{data.get('headline')}; Evidently's dataset_drift={data.get('dataset_drift')}"
    return _finish(f"{text}; report {data.get('report')}", data)


SUMMARIES: dict[str, Summary] = {
    "ml_job_status": job_status,
    "ml_compare_models": leaderboard,
    "ml_detect_drift": drift,
}


def summarize(tool: str, data: dict[str, Any]) -> str:
    if "job_id" in data and "job_state" in data:  # a JobTicket
        return (
            f"{tool} runs as background job {data['job_id']} ({data.get('reason')}).\nNext: "
            f"{data.get('next_step')}"
        )
    return SUMMARIES.get(tool, generic)(data)
