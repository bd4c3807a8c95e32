"""Every tool of `tools/list`, fuzzed through the real stdio client: no opaque error, crash, hang
or escape. Bounded here (`make test`); `make fuzz` runs the long form (MOAI_FUZZ=full).

New tools are covered automatically: the campaign iterates the server's own tool list and draws
arguments from each tool's input schema.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.fuzz import corpus
from tests.fuzz.calls import base_call, examples_of, hostile_calls
from tests.fuzz.harness import Session, Tally, call, campaign, still_serves
from tests.support import copy_examples, structured

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("fuzz")]
FULL = os.environ.get("MOAI_FUZZ", "") == "full"
# Tools whose every call fits, exports, renders or scores (seconds each, successful or refused
# late): the bounded run deals them each hostile class once rather than once per field.
COSTLY = {
    "ml_train",
    "ml_compare_models",
    "ml_evaluate",
    "ml_tune",
    "ml_export",
    "ml_generate_serving",
    "ml_model_card",
    "ml_monitor_performance",
    "ml_detect_drift",
    "ml_batch_score",
}
EXAMPLES = 400 if FULL else 15
CONCURRENCY = 3


def _outside(project: Path, tricks: list[str]) -> set[str]:
    """The tricks whose real path is outside the workspace: reading one successfully is an
    escape."""
    root = os.path.realpath(project)
    out = set()
    for trick in tricks:
        if "\x00" in trick:
            continue
        real = os.path.realpath(os.path.join(project, os.path.expanduser(trick)))
        if real != root and not real.startswith(root + os.sep):
            out.add(trick)
    return out


async def _values(session: Session) -> dict[str, Any]:
    """Real objects the base calls can name: a table, its target, a SPEC, a trained run."""
    client = session.client or await session.open()
    data = {"data_path": "data/breast_cancer.csv", "target": "target"}
    run = structured(await client.call_tool("ml_train", {**data, "model": "logistic_regression"}))
    full_only = {"spec_path": "ML-001"} if FULL else {}
    return {**data, "dataset": data["data_path"], "run_id": run["run_id"], **full_only}


async def _batch(
    session: Session, tally: Tally, tool: str, calls: list[dict[str, Any]], outside: set[str]
) -> None:
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def one(args: dict[str, Any]) -> None:
        async with limiter:
            await call(session, tally, tool, args, outside)

    async with anyio.create_task_group() as tg:
        for args in calls:
            tg.start_soon(one, args)
    await still_serves(session, tally)


# 25 tools, each with schema-drawn calls and every class of the hostile corpus (`make fuzz`: every
# value on every field, past the suite's 900 s per test on two shared cores).
@pytest.mark.timeout(1800)
async def test_every_tool_survives_schema_fuzzing_and_the_hostile_corpus(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    canary = tmp_path / "canary"
    corpus.lay_traps(project, canary)
    tricks = corpus.path_trick_classes(project, canary)
    outside = _outside(project, corpus.path_tricks(project, canary))
    rng = random.Random(15)
    async with campaign(project, canary) as (session, tally):
        values = await _values(session)
        tools = (await session.client.list_tools()).tools  # type: ignore[union-attr]
        assert len(tools) >= 12
        for position, tool in enumerate(tools):
            schema = tool.input_schema
            base = base_call(schema, values, cheap=True)
            calls = examples_of(schema, EXAMPLES, seed=position)
            plan = "full" if FULL else "classes" if tool.name in COSTLY else "fields"
            calls += hostile_calls(schema, base, tricks, plan, rng)
            await _batch(session, tally, tool.name, calls, outside)
        for name, args in corpus.specific_calls():
            await call(session, tally, name, args, outside)
        await still_serves(session, tally)
    print("\n" + tally.report(tmp_path))
    assert tally.failures == 0, tally.table()
