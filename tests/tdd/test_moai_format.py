"""MoAI's current SPEC format, acceptance.md scenarios as RED tests, TRUST checks and next steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.spec.acceptance import parse
from mcp_server.ml.spec.moai_format import frontmatter_warnings
from mcp_server.ml.spec.reader import load_spec
from mcp_server.ml.spec.starter_block import ml_block
from mcp_server.ml.tdd import next_steps, phases
from tests.support import EXAMPLES


def test_a_spec_in_moais_current_format_loads_with_its_gears_requirements_and_scenarios():
    spec = load_spec(Workspace(EXAMPLES), "SPEC-ML-004")
    assert (spec.spec_id, spec.module, spec.metric, spec.threshold) == (
        "ML-004",
        "ml_004",
        "roc_auc",
        0.97,
    )
    kinds = [kind for kind, _ in spec.requirements]
    assert kinds == ["Ubiquitous", "Event-driven", "State-driven", "Optional", "Event-driven"]
    automated = [(s.kind, s.check, s.value) for s in spec.acceptance if s.kind]
    assert automated == [
        ("metric", "recall", 0.9),
        ("metric", "roc_auc", 0.97),
        ("behaviour", "missing_values", None),
        ("behaviour", "latency", 50.0),
    ]
    assert spec.warnings == [
        "acceptance scenario 'a clinician sees why (not blocking)' names no metric with a "
        "number and no known "
        "behaviour: not turned into a test"
    ], "all 12 frontmatter fields are there; only the scenario no test can check is reported"


def test_the_first_wave_format_still_loads_and_each_format_names_its_own_missing_fields():
    first = load_spec(Workspace(EXAMPLES), "ML-001")
    assert first.spec_id == "ML-001" and first.warnings == [] and first.acceptance == []
    current = frontmatter_warnings(
        {"id": "SPEC-ML-009", "title": "x", "status": "in-progress", "lifecycle": "agile"}
    )
    assert "frontmatter field 'phase' is missing (current MoAI format)" in current
    assert (
        "frontmatter lifecycle 'agile' is not one of spec-anchored, spec-lite, exploratory"
        in current
    )
    assert frontmatter_warnings({"id": "ML-009", "status": "active"})[0].endswith(
        "(first-wave MoAI format)"
    )


def test_scenarios_are_read_in_the_shapes_people_write_them():
    text = """### Scenario 1: errors stay small\nGiven the holdout\nWhen it is predicted\nThen RMSE is at most 55
## Scenario 2: Reproducible
* Given the seed 42
* When the model is trained twice
* Then both give the same predictions
### Scenario 3: no then-clause\nGiven nothing\n"""
    scenarios = parse(text)
    assert [(s.label, s.kind, s.check, s.value, s.direction) for s in scenarios] == [
        ("errors stay small", "metric", "rmse", 55.0, "min"),
        ("Reproducible", "behaviour", "reproducible", None, None),
    ]


def test_the_profile_block_is_a_valid_ml_section(tmp_path: Path):
    block = ml_block("data/breast_cancer.csv", "target", "binary", ["patient_id"], 569)
    spec_dir = tmp_path / ".moai/specs/SPEC-ML-010"
    spec_dir.mkdir(parents=True)
    front = (
        "---\nid: ML-010\nversion: 0.0.1\nstatus: draft\ncreated: x\nupdated: x\nauthor: "
        "a\npriority: low\n---\n"
    )
    (spec_dir / "spec.md").write_text(f"{front}# @SPEC:ML-010: t\n\n{block}")
    spec = load_spec(Workspace(tmp_path), "ML-010")
    assert (spec.metric, spec.threshold, spec.drop, spec.task) == (
        "roc_auc",
        0.8,
        ["patient_id"],
        "binary",
    )


@pytest.mark.slow
def test_acceptance_scenarios_become_red_tests_and_green_reports_the_trust_gate(project: Path):
    ws = Workspace(project)
    prep = phases.load(ws, "SPEC-ML-004", None, "ml_project")
    red = phases.red(ws, prep)
    accepted = [t for t in red.tests if t.name.startswith("test_each_acceptance_scenario_holds")]
    assert red.ok and len(accepted) == 4, (
        "each automated scenario is a test that fails without the pipeline"
    )
    own = ws.root / prep.paths["acceptance_test"]
    assert prep.paths["acceptance_test"] in red.files_written and own.is_file()
    assert "test_each_acceptance_scenario_holds" not in (ws.root / prep.paths["test"]).read_text(
        encoding="utf-8"
    ), "the scenarios have a test file of their own, beside the pinned model tests"
    green = phases.green(ws, prep)
    assert {t.name for t in accepted} <= {t.name for t in green.tests}, "GREEN runs them too"
    trust = {c["name"]: c for c in green.trust}
    assert set(trust) == {"coverage", "file_lines", "function_lines", "tag_chain"}
    assert trust["tag_chain"]["passed"] and trust["function_lines"]["passed"]
    assert trust["file_lines"] == {
        "name": "file_lines",
        "passed": True,
        "detail": "every generated file <= 300 lines",
    }
    assert trust["coverage"]["detail"].split(" %")[0].replace(".", "").isdigit(), (
        "coverage was measured"
    )
    if green.ok:
        assert "ml_tdd_refactor(spec_path='ML-004')" in green.next_step
    unmet = phases.PhaseResult(
        **{
            **green.__dict__,
            "ok": False,
            "phase": "refactor",
            "cv_results": [{"model": "ridge_like", "cv_mean": 0.9, "cv_std": 0.01}],
        }
    )
    step = next_steps.after_green_phase(prep, "refactor", unmet)
    assert "Best CV roc_auc: 0.9000 (ridge_like) vs threshold >= 0.97" in step
    assert "ml_tdd_refactor" not in step and "SPEC's owner must decide" in step, (
        "a 0.07 gap is not for tuning"
    )
    done = phases.PhaseResult(
        **{**green.__dict__, "ok": True, "phase": "refactor", "run_id": "abc123"}
    )
    served = next_steps.after_green_phase(prep, "refactor", done)
    assert "ml_generate_serving(run_id='abc123', output_dir='serving/ml_004')" in served


@pytest.mark.slow
def test_every_kind_of_acceptance_scenario_goes_red_then_green_with_long_hostile_names(
    project: Path,
):
    from tests.test_generated_code_style import ACCEPTANCE_SPECS, _hostile_moai_spec

    spec_id = _hostile_moai_spec(
        project, *ACCEPTANCE_SPECS[-1]
    )  # ML-004's table: long target, path, title
    ws = Workspace(project)
    prep = phases.load(ws, spec_id, None, "ml_project")
    red = phases.red(ws, prep)
    accepted = [
        t.name for t in red.tests if t.name.startswith("test_each_acceptance_scenario_holds")
    ]
    assert red.ok and len(accepted) == 8, (red.problems, accepted)
    green = phases.green(ws, prep)
    assert green.tests and all(t.status == "passed" for t in green.tests), [
        (t.name, t.reason) for t in green.tests if t.status != "passed"
    ]
    assert {t.name for t in green.tests} >= set(accepted), (
        "every scenario ran: metrics both ways, all 6 behaviours"
    )
