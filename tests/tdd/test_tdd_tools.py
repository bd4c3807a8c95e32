"""The TDD tools through the server (the in-process client): the three examples end to end, each
cycled once for the whole test run (tests/tdd/conftest.py), and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from tests.support import error_text, inprocess_client, structured

# One worker builds the shared cycles (tests/tdd/conftest.py's `cycled`) and runs every test that
# reads them: with the tests on two workers, the second one sat waiting on the cycle's file lock.
pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("tdd_cycled")]


def _tag_lines(project: Path, spec_id: str, module: str) -> None:
    test = (project / f"tests/ml/test_{module}.py").read_text(encoding="utf-8")
    code = (project / f"src/ml_project/{module}/pipeline.py").read_text(encoding="utf-8")
    assert test.startswith(f"# @TEST:{spec_id} | SPEC: .moai/specs/SPEC-{spec_id}/spec.md\n")
    assert code.startswith(
        f"# @CODE:{spec_id} | SPEC: .moai/specs/SPEC-{spec_id}/spec.md | TEST: "
        f"tests/ml/test_{module}.py\n"
    )


@pytest.mark.slow
def test_the_cycle_for_ml_001_goes_red_green_refactor_with_progress_and_a_logged_run(cycled):
    shared = cycled("ML-001")  # ml_tdd_cycle inline, then ml_tdd_red again and ml_evaluate
    result, progress = shared.answers["cycle"], shared.answers["progress"]
    assert [p["phase"] for p in result["phases"]] == ["red", "green", "refactor"]
    assert all(p["ok"] for p in result["phases"]) and result["green"]
    red, green, refactor = result["phases"]
    assert red["tests_passed"] == 0 and red["tests_total"] == green["tests_total"] >= 12
    # REFACTOR keeps every pinned test passing and adds the selection's own tests
    assert refactor["tests_passed"] == refactor["tests_total"] > green["tests_total"]
    assert {row["model"] for row in result["cv_results"]} == {
        "logistic_regression",
        "random_forest",
        "hist_gradient_boosting",
    }
    best = max(result["cv_results"], key=lambda row: row["cv_mean"])
    assert result["chosen_model"] == best["model"]
    gates = {g["name"]: g for g in result["metrics"]}
    assert (
        gates["roc_auc"]["value"] >= 0.97
        and gates["f1"]["value"] >= 0.90
        and gates["f1"]["direction"] == "max"
    )
    # first the estimate's notice (an inline call asked for: background=false), then the phases
    assert "estimated about" in (progress[0][2] or "") and progress[0][1] is None
    steps = progress[1:]
    # the phases' own job steps in between (tests/tdd/test_tdd_lifecycle.py: always growing)
    assert steps[0][0] < 1 and steps[-1][0] == 3 and all(p[1] == 3 for p in steps)
    assert "red" in (steps[0][2] or "") and "done" in (steps[-1][2] or "")
    again = shared.answers["red_again"]
    assert again["red_confirmed"] and again["files_written"] == [] and again["files_skipped"] == []
    evaluated = shared.answers["evaluated"]
    assert evaluated["rows"] == 114 and evaluated["warnings"] == []  # the cycle's own holdout
    project = shared.project
    _tag_lines(project, "ML-001", "ml_001")
    assert (project / "models/ml_001/model.joblib").is_file()
    run = get_store(Workspace(project)).load_run(result["run_id"])
    assert run.tags["moai.spec_id"] == "ML-001" and run.model_name == result["chosen_model"]
    assert (
        run.tags["moai.kind"] == "tdd_refactor"
        and run.tags["moai.gates_passed"] == run.tags["moai.kept"] == "true"
    )
    assert run.tags["moai.holdout_seed"] == "42" and run.tags["moai.holdout_size"] == "0.2"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spec_id", "gates"),
    [
        ("ML-002", {"r2": "max", "mae": "min"}),
        ("ML-003", {"f1_macro": "max", "accuracy": "max"}),
    ],
)
def test_ml_002_and_ml_003_pass_each_step_through_the_single_phase_tools(cycled, spec_id, gates):
    shared = cycled(spec_id)  # ml_tdd_red, ml_tdd_green and ml_tdd_refactor, each inline
    red, green = shared.answers["red"], shared.answers["green"]
    assert red["red_confirmed"], red["problems"]
    assert all("does not exist yet" in (t["reason"] or red["common_reason"]) for t in red["tests"])
    seen = [
        f"{done:.0f}/{total:.0f} {message}"
        for done, total, message in shared.answers["green_progress"]
    ]
    assert any("green:" in s for s in seen) and "MLflow run" in seen[-1], seen  # job, then run
    assert green["green"], [t for t in green["tests"] if t["status"] != "passed"]
    assert {g["name"]: g["direction"] for g in green["metrics"]} == gates and green["run_id"]
    refactor = shared.answers["refactor"]
    assert refactor["green"] and len(refactor["cv_results"]) == 3
    assert refactor["chosen_model"] == refactor["cv_results"][0]["model"]
    assert all(row["cv_std"] >= 0 and row["fits"] > 0 for row in refactor["cv_results"])
    assert refactor["run_id"] and refactor["run_id"] != green["run_id"]
    module = spec_id.lower().replace("-", "_")
    assert f"src/ml_project/{module}/selection.py" in refactor["files_written"]
    _tag_lines(shared.project, spec_id, module)


async def test_bad_input_gets_a_clear_error_and_the_server_survives(project):
    (project / "data/empty.csv").write_bytes(b"")
    (project / "data/blob.csv").write_bytes(bytes(range(256)) * 64)
    ml = {
        "spec_id": "ML-050",
        "dataset": "data/breast_cancer.csv",
        "target": "target",
        "metric": "roc_auc",
        "threshold": 0.9,
    }
    bad: list[tuple[str, dict[str, Any], str]] = [
        ("ml_tdd_red", {"spec_path": "ML-404"}, "file not found"),
        ("ml_tdd_red", {"spec_path": "../../etc/passwd"}, "outside the workspace"),
        ("ml_tdd_red", {"fields": {**ml, "dataset": "data/empty.csv"}}, "empty"),
        ("ml_tdd_red", {"fields": {**ml, "dataset": "data/blob.csv"}}, "binary"),
        (
            "ml_tdd_red",
            {"fields": {**ml, "target": "diagnosis"}},
            "target 'diagnosis' is not a column",
        ),
        ("ml_tdd_red", {"fields": {**ml, "metric": "auroc"}}, "to one of: accuracy"),
        ("ml_tdd_red", {"fields": {**ml, "threshold": "high"}}, "threshold"),
        (
            "ml_tdd_red",
            {"fields": {"spec_id": "ML-051"}},
            "missing required field(s): dataset, target, metric",
        ),
        ("ml_tdd_red", {"spec_path": "ML-001", "package": "no-dash"}, "package"),
        ("ml_tdd_green", {"spec_path": "ML-001"}, "tests come first"),
        ("ml_tdd_green", {"spec_path": "ML-001", "model": "deep_net"}, "model"),
        ("ml_tdd_refactor", {"spec_path": "ML-002"}, "tests come first"),
        ("ml_tdd_cycle", {"spec_path": 42}, "spec_path"),
    ]
    async with inprocess_client(project) as client:
        for tool, arguments, message in bad:
            result = await client.call_tool(tool, arguments)
            assert result.is_error, (tool, arguments)
            assert message in error_text(result), (tool, arguments, error_text(result))
        assert not (project / "src").exists() and not (project / "tests").exists()
        alive = structured(
            await client.call_tool("ml_profile_data", {"data_path": "data/diabetes.csv"})
        )
        assert alive["rows"] == 442


async def test_the_tdd_cycle_prompt_walks_a_client_through_the_steps(project):
    async with inprocess_client(project) as client:
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert "tdd_cycle" in prompts
        got = await client.get_prompt("tdd_cycle", {"spec_id": "ML-002"})
        text = " ".join(getattr(m.content, "text", "") for m in got.messages)
        for step in (
            "ml_profile_data",
            "ml_tdd_red",
            "ml_tdd_green",
            "ml_tdd_refactor",
            "SPEC-ML-002",
            "threshold",
        ):
            assert step in text
