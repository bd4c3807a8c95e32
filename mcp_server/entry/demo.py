"""`make demo`: the SPEC-driven TDD cycle for examples/ ML-001, through the real MCP server.

Copies examples/ to a fresh `demo-workspace/`, starts `python -m mcp_server` over stdio with the
SDK's own client, profiles the data, runs `ml_tdd_cycle` with progress notifications and prints
what each phase did. Exits non-zero if anything fails. (A command-line program: it prints.)
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Any

from mcp_server.core import layout
from mcp_server.core.package import CHECKOUT_DIR

SPEC_ID = "ML-001"


def examples_dir() -> Path:
    for base in (Path.cwd(), CHECKOUT_DIR):
        if (base / "examples" / layout.SPECS).is_dir():
            return base / "examples"
    raise SystemExit("demo: examples/ not found; run `make demo` from the repository root")


def fresh_workspace(examples: Path) -> Path:
    dest = examples.parent / "demo-workspace"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(examples, dest, ignore=shutil.ignore_patterns("__pycache__", "make_data.py"))
    return dest


def _text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


def print_profile(data: dict[str, Any]) -> None:
    print(
        f"profile  {data['data_path']}: {data['rows']} rows, {data['n_columns']} columns, "
        f"task {data['task']}"
    )
    for warning in data["warnings"][:5]:
        print(f"         - {warning['severity']}: {warning['message']}")


def print_cycle(data: dict[str, Any]) -> None:
    for phase in data["phases"]:
        mark = "ok " if phase["ok"] else "NO "
        if phase["phase"] == "red":
            failing = phase["tests_total"] - phase["tests_passed"]
            print(
                f"red      {mark} {failing}/{phase['tests_total']} tests fail before the "
                "pipeline exists"
            )
        else:
            print(
                f"{phase['phase']:<9}{mark} {phase['tests_passed']}/{phase['tests_total']} "
                "tests pass"
            )
        print(f"         {phase['summary']}")
        for path in phase["files_written"]:
            print(f"         wrote {path}")
    if data["cv_results"]:
        print("CV leaderboard (mean ± std of the primary metric, training split):")
        for row in data["cv_results"]:
            chosen = "  <- chosen" if row["model"] == data["chosen_model"] else ""
            print(
                f"         {row['model']:<24} {row['cv_mean']:.4f} ± {row['cv_std']:.4f}  "
                f"{row['params']}{chosen}"
            )
    for gate in data["metrics"]:
        sign = ">=" if gate["direction"] == "max" else "<="
        verdict = "met" if gate["passed"] else "NOT MET"
        print(
            f"gate     {gate['name']} = {gate['value']} (SPEC: {sign} {gate['threshold']}) "
            f"{verdict}"
        )
    print(f"model    {data['chosen_model']}  run_id {data['run_id']}")
    print(f"next     {data['next_step']}")


async def run(workspace: Path) -> bool:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_server", "--workspace", str(workspace)],
        cwd=str(workspace),
    )
    started = time.monotonic()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        print(
            f"[{time.monotonic() - started:5.1f}s] {progress:.0f}/{total or 0:.0f} {message or ''}"
        )

    async with Client(params, read_timeout_seconds=900) as client:
        profile = await client.call_tool(
            "ml_profile_data", {"data_path": "data/breast_cancer.csv", "target": "target"}
        )
        if profile.is_error:
            print(f"demo: ml_profile_data failed: {_text(profile)}", file=sys.stderr)
            return False
        print_profile(dict(profile.structured_content or {}))
        # this client waits up to 900 s, so it asks for the cycle inline to show its progress
        # (a host that stops waiting after ~60 s gets a job ticket by the cycle's estimate)
        cycle = await client.call_tool(
            "ml_tdd_cycle",
            {"spec_path": SPEC_ID, "background": False},
            progress_callback=on_progress,
        )
        if cycle.is_error:
            print(f"demo: ml_tdd_cycle failed: {_text(cycle)}", file=sys.stderr)
            return False
        data = dict(cycle.structured_content or {})
        print_cycle(data)
    print(f"done in {time.monotonic() - started:.1f}s; the project is in {workspace}")
    return bool(data["green"])


def main() -> int:
    import anyio

    workspace = fresh_workspace(examples_dir())
    print(f"demo: SPEC {SPEC_ID} in a fresh copy of examples/ at {workspace}")
    ok = anyio.run(run, workspace)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
