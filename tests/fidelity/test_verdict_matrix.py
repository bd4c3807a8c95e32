"""One verdict at every door: each run of the matrix (gates met / unmet / no SPEC x kept /
rejected) goes through export, serving, register, promote and a `models:/` reference, with and
without `allow_failed_gates`, and every door lets the same runs through, refuses the rest in the
same words (the fix first), and records the same override. The runs are recorded directly through
the product's own `RunStore.record` (a tiny real model each); the tools run in one in-process
session, since the transport is not what is tested here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from mcp_server.entry.server import build_server
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.verdict import Verdict
from tests.fidelity.tables import insurance, write
from tests.support import error_text

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("fidelity_verdicts")]

GATES = {"met": True, "unmet": False, "nospec": None}
KEPT = {"kept": True, "rejected": False}
UNMET = "SPEC gates not met: roc_auc 0.61 (needs >= 0.999)"
DOORS = ("export", "serve", "register", "promote", "models_uri")


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def _record(root: Path, cell: str, gates: bool | None, kept: bool) -> str:
    """One run of the matrix: a logistic regression on a small table, its verdict as given."""
    from mcp_server.ml.modeling.dataset import prepare
    from mcp_server.ml.modeling.preprocess import build_pipeline
    from mcp_server.ml.tracking import tags
    from mcp_server.ml.tracking.records import data_tags, fitted_record
    from mcp_server.ml.tracking.runs import get_store

    prepared = prepare(root / "data/claims.csv", "claim", "auto", [])
    model = build_pipeline(prepared.schema, "logistic_regression", {}, 0)
    model.fit(prepared.X, prepared.y)
    reason = UNMET if gates is False else None if kept else "replaced by the previous pipeline"
    holdout = {"kind": "seeded", "test_size": 0.25, "seed": 0, "stratify": True}
    store = get_store(Workspace(root))
    with store.scratch() as folder:
        record = fitted_record(
            Path(folder),
            experiment="verdicts" if gates is None else "SPEC-ML-950",
            run_name=cell,
            kind="tdd_refactor",
            model=model,
            schema=prepared.schema,
            model_name="logistic_regression",
            params={},
            metrics={"holdout_roc_auc": 0.61},
            extra_tags={tags.SPEC_ID: None if gates is None else "ML-950", tags.HOLDOUT: holdout},
            data=data_tags(root / "data/claims.csv", "data/claims.csv"),
            input_example=prepared.X.head(2),
            verdict=Verdict(gates, kept, reason),
        )
        return store.record(record)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("matrix") / "project"
    write(insurance(rows=120), root / "data/claims.csv")
    runs = {
        f"{g}-{k}": _record(root, f"{g}-{k}", gates, kept)
        for g, gates in GATES.items()
        for k, kept in KEPT.items()
    }
    return {"root": root, "runs": runs}


async def _door(client: Client, door: str, cell: str, run_id: str, allow: bool) -> Any:
    """One pass through a door; the call's result (an error result when refused)."""
    name = f"{cell}-{'allowed' if allow else 'plain'}"
    if door == "export":
        args = {"run_id": run_id, "format": "joblib"}
    elif door == "serve":
        args = {"run_id": run_id, "runtime": "joblib", "output_dir": f"serving/{name}"}
    elif door == "register":
        args = {"run_id": run_id, "name": f"reg-{name}"}
    elif door == "promote":  # force: only the verdict may refuse (no gates, no champion rule)
        args = {"name": f"promo-{cell}", "version": 1, "force": True}
    else:  # the same run reached through a registered version
        args = {"run_id": f"models:/promo-{cell}/1", "format": "joblib"}
    tool = {"serve": "ml_generate_serving", "promote": "ml_promote", "models_uri": "ml_export"}
    return await client.call_tool(
        tool.get(door, f"ml_{door}_model" if door == "register" else f"ml_{door}"),
        {**args, "allow_failed_gates": allow},
    )


@pytest.fixture(scope="module")
async def outcomes(matrix: dict[str, Any]) -> dict[tuple[str, str, bool], Any]:
    """Every (cell, door, override) result; registered versions let promote and models:/ in."""
    found: dict[tuple[str, str, bool], Any] = {}
    async with Client(build_server(matrix["root"])) as client:
        for cell, run_id in matrix["runs"].items():
            registered = await client.call_tool(
                "ml_register_model",
                {"run_id": run_id, "name": f"promo-{cell}", "allow_failed_gates": True},
            )
            assert not registered.is_error, error_text(registered)
            for door in DOORS:
                for allow in (False, True):
                    found[cell, door, allow] = await _door(client, door, cell, run_id, allow)
        matrix["listed"] = await client.call_tool("ml_list_runs", {"max_results": 20})
        matrix["tags"] = {
            cell: (await client.call_tool("ml_get_run", {"run_id": run_id})).structured_content
            for cell, run_id in matrix["runs"].items()
        }
    return found


def _refused(cell: str) -> bool:
    gates, kept = cell.split("-")
    return GATES[gates] is False or KEPT[kept] is False


async def test_every_door_lets_through_exactly_the_runs_the_verdict_allows_or_the_override(
    matrix, outcomes
):
    wrong = [
        (cell, door, allow, error_text(result)[:120])
        for (cell, door, allow), result in outcomes.items()
        if result.is_error != (_refused(cell) and not allow)
    ]
    assert wrong == []
    promoted = [
        outcomes[cell, "promote", allow].structured_content["promoted"]
        for cell in matrix["runs"]
        for allow in (False, True)
        if not outcomes[cell, "promote", allow].is_error
    ]
    assert promoted and all(promoted)


async def test_every_refusal_is_one_line_with_the_fix_first_and_the_same_reason(matrix, outcomes):
    verbs = {"export": "export", "serve": "serve", "register": "register", "promote": "promote"}
    for cell, run_id in matrix["runs"].items():
        if not _refused(cell):
            continue
        reasons = set()
        for door in DOORS:
            text = error_text(outcomes[cell, door, False])
            verb = verbs.get(door, "export")
            assert text.startswith(f"pass allow_failed_gates=true to {verb} it anyway"), text
            assert "\n" not in text and len(text) < 500, text
            reasons.add(text.partition(f": run {run_id} ")[2])
        expected = "failed its SPEC's gates: roc_auc" if "unmet" in cell else "was rejected: "
        assert len(reasons) == 1 and reasons.pop().startswith(expected), (cell, reasons)


async def test_the_override_is_recorded_on_the_run_and_reported_the_same_way(matrix, outcomes):
    for cell in matrix["runs"]:
        used = matrix["tags"][cell]["tags"].get("moai.allow_failed_gates")
        if not _refused(cell):
            assert used is None
            continue
        assert used == "true (registered, exported, served, promoted)", (cell, used)
        for door in ("export", "serve", "register", "promote", "models_uri"):
            verdict = outcomes[cell, door, True].structured_content["verdict"]
            assert verdict["allow_failed_gates"] is True, (cell, door, verdict)


async def test_ml_list_runs_shows_each_run_as_recorded(matrix, outcomes):
    listed = {r["run_id"]: r for r in matrix["listed"].structured_content["runs"]}
    for cell, run_id in matrix["runs"].items():
        gates, kept = cell.split("-")
        shown = listed[run_id]
        assert (shown["gates_passed"], shown["kept"]) == (GATES[gates], KEPT[kept]), cell
        assert (shown["rejected_reason"] is None) == (not _refused(cell)), cell


async def test_a_champion_is_never_a_model_serving_would_refuse(matrix, outcomes):
    async with Client(build_server(matrix["root"])) as client:
        for cell in matrix["runs"]:
            champion = f"models:/promo-{cell}@champion"
            served = await client.call_tool(
                "ml_generate_serving",
                {"run_id": champion, "runtime": "joblib", "output_dir": f"serving/champ-{cell}"},
            )
            # promoted without the override only when serving takes it without one too
            plain = outcomes[cell, "promote", False]
            assert served.is_error == plain.is_error, (cell, error_text(served)[:120])


async def test_promotion_without_force_still_wants_a_gate_verdict(matrix, outcomes):
    async with Client(build_server(matrix["root"])) as client:
        run_id = matrix["runs"]["nospec-kept"]
        await client.call_tool("ml_register_model", {"run_id": run_id, "name": "ungated"})
        result = await client.call_tool("ml_promote", {"name": "ungated", "version": 1})
    shown = result.structured_content
    assert not shown["promoted"] and "no gate verdict" in shown["reasons"][0]
    assert json.dumps(shown["verdict"]) == json.dumps(Verdict(None, True).as_dict())
