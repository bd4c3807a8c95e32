"""What an agent pays in context: the tool definitions, and every default result, in tokens (chars /
4).

Budgets (issue 10): all tool definitions together (name, description, input schema) <= 8k tokens;
every default result (text + structured content) <= 1k tokens on the three example SPECs and on a
300-column table. Runs the real server over stdio in a fresh copy of examples/ and prints one
line per call, then the largest result and the definitions' total. The figures are what counts;
the exit code is 1 when a budget is exceeded, so CI can run it too.
Run: `.venv/bin/python bench/agent_budget.py [--quick]` (--quick: one SPEC, no TDD refactor/cycle)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import pandas as pd

from mcp_server.entry.server import build_server
from mcp_server.tools._middleware import _lean_tool
from tests.support import copy_examples, stdio_client

RESULT_BUDGET = 1000
DEFINITIONS_BUDGET = 8000
SPECS = {
    "ML-001": ("data/breast_cancer.csv", "target"),
    "ML-002": ("data/diabetes.csv", "progression"),
    "ML-003": ("data/customers.csv", "segment"),
}
ROWS: list[tuple[str, int, int, float]] = []


def tokens(text: str) -> int:
    return len(text) // 4


def definitions() -> tuple[int, int, dict[str, int], int]:
    """(tokens as listed on the wire, tokens before the listing is made lean, per tool on the wire,
    tokens of the output schemas on the wire: sent too, and some hosts show them to the model)."""
    tools = anyio.run(build_server().list_tools)
    wire = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
    lean = [_lean_tool(t) for t in wire]

    def size(t: dict[str, Any]) -> int:
        return tokens(json.dumps({k: t.get(k) for k in ("name", "description", "inputSchema")}))

    per_tool = {t["name"]: size(t) for t in lean}
    outputs = sum(tokens(json.dumps(t.get("outputSchema"))) for t in lean)
    return sum(per_tool.values()), sum(size(t) for t in wire), per_tool, outputs


def wide_table(path: Path, columns: int = 300, rows: int = 400) -> None:
    """A 300-column table: numbers, categories, an id, a constant and a leaking copy of the
    target."""
    rng = np.random.default_rng(0)
    data: dict[str, Any] = {"customer_id": np.arange(rows)}
    for i in range(columns - 5):
        data[f"feature_{i:03d}"] = (
            rng.normal(size=rows) if i % 5 else rng.choice(["a", "b", "c", "d"], size=rows)
        )
    data["constant"] = 1
    target = (rng.normal(size=rows) > 0).astype(int)
    data["target_copy"] = target
    data["note"] = rng.choice(["x", "y"], size=rows)
    data["churn"] = target
    pd.DataFrame(data).to_csv(path, index=False)


async def call(client: Any, label: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    result = await client.call_tool(tool, args)
    took = time.perf_counter() - start
    text = " ".join(getattr(c, "text", "") for c in result.content)
    structured = result.structured_content or {}
    size = tokens(text) + tokens(json.dumps(structured))
    ROWS.append((f"{label} {tool}", size, tokens(text), took))
    flag = "  OVER" if size > RESULT_BUDGET else ""
    print(
        f"{label:<8} {tool:<22} {size:>6} tok (text {tokens(text):>4})  {took:6.1f} s{flag}",
        flush=True,
    )
    if result.is_error:
        print(f"         error: {text[:300]}", flush=True)
    return dict(structured)


async def spec_calls(client: Any, spec: str, quick: bool) -> None:
    data, target = SPECS[spec]
    await call(client, spec, "ml_profile_data", {"data_path": data, "target": target})
    await call(client, spec, "ml_tdd_red", {"spec_path": spec})
    await call(client, spec, "ml_tdd_green", {"spec_path": spec})
    if quick:
        return
    await call(client, spec, "ml_tdd_refactor", {"spec_path": spec, "background": False})
    await call(client, spec, "ml_tdd_cycle", {"spec_path": spec, "background": False})


async def table_calls(client: Any, label: str, data: str, target: str) -> None:
    await call(client, label, "ml_profile_data", {"data_path": data, "target": target})
    train = await call(
        client, label, "ml_train", {"data_path": data, "target": target, "background": False}
    )
    run_id = train.get("run_id")
    await call(
        client,
        label,
        "ml_compare_models",
        {
            "data_path": data,
            "target": target,
            "cv_folds": 3,
            "models": ["logistic_regression", "random_forest"],
            "background": False,
        },
    )
    await call(
        client,
        label,
        "ml_tune",
        {
            "data_path": data,
            "target": target,
            "n_trials": 6,
            "cv_folds": 3,
            "time_budget_s": 60,
            "background": False,
        },
    )
    await call(
        client, label, "ml_detect_drift", {"reference": data, "current": data, "background": False}
    )
    if run_id:
        await call(
            client,
            label,
            "ml_monitor_performance",
            {"run_id": run_id, "current": data, "background": False},
        )
        await call(
            client, label, "ml_evaluate", {"run_id": run_id, "cv_folds": 3, "background": False}
        )
        await call(client, label, "ml_get_run", {"run_id": run_id})
        await call(client, label, "ml_export", {"run_id": run_id, "format": "onnx"})
        await call(
            client,
            label,
            "ml_generate_serving",
            {"run_id": run_id, "output_dir": f"serving/{label}"},
        )
    await call(client, label, "ml_list_runs", {})
    await call(client, label, "ml_job_status", {})


async def results(quick: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_examples(Path(tmp) / "project")
        wide_table(project / "data/wide.csv")
        async with stdio_client(project) as client:
            for spec in ["ML-001"] if quick else list(SPECS):
                await spec_calls(client, spec, quick)
            await table_calls(client, "ML-001", *SPECS["ML-001"])
            await table_calls(client, "wide300", "data/wide.csv", "churn")


def main() -> int:
    quick = "--quick" in sys.argv
    total, raw, per_tool, outputs = definitions()
    biggest = sorted(per_tool.items(), key=lambda kv: -kv[1])[:5]
    print(
        f"tool definitions: {len(per_tool)} tools, {total} tokens (budget {DEFINITIONS_BUDGET}); "
        f"before the lean listing {raw}; output schemas {outputs} more"
    )
    print("largest: " + ", ".join(f"{name} {size}" for name, size in biggest))
    anyio.run(results, quick)
    worst = max(ROWS, key=lambda row: row[1])
    print(
        f"largest default result: {worst[0]} {worst[1]} tokens (budget {RESULT_BUDGET}); "
        f"{sum(1 for r in ROWS if r[1] > RESULT_BUDGET)} of {len(ROWS)} over"
    )
    return 0 if total <= DEFINITIONS_BUDGET and worst[1] <= RESULT_BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
