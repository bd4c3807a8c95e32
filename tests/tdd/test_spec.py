"""Reading SPECs: frontmatter, EARS body, the `## ML` block, tool-argument overrides, data
checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_server.core.errors import SpecError, WorkspaceError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.modeling.metrics_spec import METRICS, get_metric, passes, valid
from mcp_server.ml.spec.document import split_spec
from mcp_server.ml.spec.reader import load_spec
from mcp_server.ml.tdd.spec_data import prepare_spec

SPEC = """---
id: ML-009
version: 0.0.1
status: draft
created: 2026-11-27
updated: 2026-11-27
author: "@me"
priority: high
---

# @SPEC:ML-009: A test SPEC

## Requirements

- Ubiquitous: the system shall predict `target`.
- WHEN a record arrives, the system shall return a label.
- IF a prediction takes more than 50 ms, THEN it fails.

## ML

```yaml
{block}
```
"""
BLOCK = (
    "dataset: data/breast_cancer.csv\ntarget: target\nmetric: roc_auc\nthreshold: 0.9\ndrop: "
    "[patient_id]"
)


def write_spec(root: Path, block: str = BLOCK, spec_id: str = "ML-009") -> str:
    folder = root / f".moai/specs/SPEC-{spec_id}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.md").write_text(
        SPEC.format(block=block).replace("ML-009", spec_id), encoding="utf-8"
    )
    return spec_id


def test_the_example_spec_is_read_with_its_frontmatter_body_and_ml_block(workspace):
    spec = load_spec(workspace, "ML-001")
    assert (spec.spec_id, spec.title) == ("ML-001", "Breast cancer malignancy classifier")
    assert (spec.dataset, spec.target, spec.metric, spec.threshold) == (
        "data/breast_cancer.csv",
        "target",
        "roc_auc",
        0.97,
    )
    assert spec.secondary == {"f1": 0.9} and spec.drop == ["patient_id"]
    assert spec.spec_rel == ".moai/specs/SPEC-ML-001/spec.md"
    kinds = [kind for kind, _ in spec.requirements]
    assert kinds == ["Ubiquitous", "Event-driven", "State-driven", "Constraints"]
    assert spec.module == "ml_001" and spec.warnings == []


def test_a_spec_is_found_by_id_by_directory_or_by_file(workspace):
    for ref in (
        "ML-002",
        "SPEC-ML-002",
        ".moai/specs/SPEC-ML-002",
        ".moai/specs/SPEC-ML-002/spec.md",
    ):
        assert load_spec(workspace, ref).spec_id == "ML-002"


def test_ears_keywords_type_the_requirements(project):
    spec = load_spec(Workspace(project), write_spec(project))
    assert [k for k, _ in spec.requirements] == ["Ubiquitous", "Event-driven", "Constraints"]


def test_missing_required_fields_are_all_named(project):
    ws = Workspace(project)
    sid = write_spec(project, "dataset: data/breast_cancer.csv")
    with pytest.raises(SpecError, match=r"missing required field\(s\): target, metric, threshold"):
        load_spec(ws, sid)


def test_every_field_can_come_from_tool_arguments_without_a_spec_file(workspace):
    fields = {
        "spec_id": "ML-077",
        "dataset": "data/diabetes.csv",
        "target": "progression",
        "metric": "mae",
        "threshold": 60,
        "cv_folds": 3,
    }
    spec = load_spec(workspace, None, fields)
    assert (spec.spec_id, spec.metric, spec.threshold, spec.cv_folds, spec.spec_rel) == (
        "ML-077",
        "mae",
        60.0,
        3,
        None,
    )
    with pytest.raises(SpecError, match="id, dataset, target, metric, threshold"):
        load_spec(workspace, None, {})


def test_tool_arguments_override_the_spec_file(workspace):
    spec = load_spec(workspace, "ML-001", {"threshold": 0.5, "candidates": ["random_forest"]})
    assert spec.threshold == 0.5 and spec.candidates == ["random_forest"]


def test_unknown_metric_task_and_model_names_list_the_valid_ones(project):
    ws = Workspace(project)
    with pytest.raises(
        SpecError, match=r"set the SPEC's metric \(or metric=\) to one of: accuracy, .*roc_auc"
    ):
        load_spec(ws, write_spec(project, BLOCK.replace("roc_auc", "auroc")))
    with pytest.raises(SpecError, match="valid: auto, binary, multiclass, regression"):
        load_spec(ws, write_spec(project, BLOCK + "\ntask: clustering"))
    with pytest.raises(SpecError, match="valid models: logistic_regression"):
        load_spec(ws, write_spec(project, BLOCK + "\ncandidates: [random_forrest]"))
    with pytest.raises(SpecError, match=r"unknown field.*treshold"):
        load_spec(ws, write_spec(project, BLOCK + "\ntreshold: 3"))


def test_wrong_types_and_ranges_are_refused_with_the_field_name(project):
    ws = Workspace(project)
    for extra, message in (
        ("cv_folds: 1", "cv_folds"),
        ("test_size: 0.9", "test_size"),
        ("seed: abc", "seed"),
        ("secondary: [f1]", "secondary"),
        ("drop: {a: 1}", "drop"),
    ):
        with pytest.raises(SpecError, match=message):
            load_spec(ws, write_spec(project, BLOCK + "\n" + extra))
    with pytest.raises(SpecError, match="roc_auc lies between 0 and 1"):
        load_spec(ws, write_spec(project, BLOCK.replace("0.9", "97")))


def test_tune_budget_s_is_optional_read_from_the_ml_block_and_range_checked(project):
    ws = Workspace(project)
    assert (
        load_spec(ws, write_spec(project)).tune_budget_s is None
    )  # no field: REFACTOR never tunes
    assert load_spec(ws, write_spec(project, BLOCK + "\ntune_budget_s: 120")).tune_budget_s == 120.0
    for bad in ("tune_budget_s: 1", "tune_budget_s: soon"):
        with pytest.raises(SpecError, match="tune_budget_s"):
            load_spec(ws, write_spec(project, BLOCK + "\n" + bad))


def test_a_metric_that_does_not_fit_the_task_is_refused_once_the_data_says_the_task(workspace):
    spec = load_spec(workspace, "ML-002", {"metric": "roc_auc", "threshold": 0.9, "task": "auto"})
    with pytest.raises(
        SpecError, match=r"does not apply to a regression task; .* valid for regression: r2, mae"
    ):
        prepare_spec(workspace, spec, "ml_project")


def test_dataset_and_target_are_checked_against_the_data_before_anything_is_written(project):
    ws = Workspace(project)
    with pytest.raises(
        SpecError,
        match=r"target 'nope' is not a column .* set the SPEC's target to one of: 'patient_id'",
    ):
        prepare_spec(ws, load_spec(ws, "ML-001", {"target": "nope"}), "ml_project")
    with pytest.raises(WorkspaceError, match="file not found"):
        prepare_spec(ws, load_spec(ws, "ML-001", {"dataset": "data/missing.csv"}), "ml_project")
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        prepare_spec(ws, load_spec(ws, "ML-001", {"dataset": "../../etc/passwd"}), "ml_project")
    with pytest.raises(SpecError, match="drop lists column"):
        prepare_spec(ws, load_spec(ws, "ML-001", {"drop": ["ghost"]}), "ml_project")
    with pytest.raises(SpecError, match="not a valid Python identifier"):
        prepare_spec(ws, load_spec(ws, "ML-001"), "not-a-package")
    assert not (project / "tests").exists() and not (project / "src").exists()


def test_broken_frontmatter_and_yaml_blocks_are_explained(project):
    with pytest.raises(SpecError, match="never ends"):
        split_spec("---\nid: x\n")
    folder = project / ".moai/specs/SPEC-ML-010"
    folder.mkdir(parents=True)
    (folder / "spec.md").write_text(
        "---\nid: ML-010\n---\n## ML\n```yaml\ndataset: [a\n```\n", encoding="utf-8"
    )
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(Workspace(project), "ML-010")


def test_metric_directions_are_scores_up_and_errors_down():
    assert get_metric("roc_auc").direction == "max" and passes(get_metric("roc_auc"), 0.97, 0.97)
    assert (
        get_metric("mae").direction == "min"
        and passes(get_metric("mae"), 49.0, 50)
        and not passes(get_metric("mae"), 51.0, 50)
    )
    for name in METRICS:
        metric = get_metric(name)
        for task in metric.tasks:
            if metric.forecast:  # MASE needs the model's history: no generated-test expression
                with pytest.raises(SpecError, match="TDD cycle does not generate forecast tests"):
                    metric.expr(task)
                continue
            assert metric.expr(task).startswith("metrics.") and metric.scorer(task)
    assert "rmse" in valid("regression") and "rmse" not in valid("binary")


def test_a_spec_path_with_a_line_break_is_refused_before_it_reaches_a_tag_comment(project):
    folder = project / ".moai/specs/SPEC-ML-011\nimport os"
    folder.mkdir(parents=True)
    (folder / "spec.md").write_text(SPEC.format(block=BLOCK), encoding="utf-8")
    # Refused by the SPEC reader or, earlier, by the workspace's path rules: either way, never read.
    with pytest.raises((SpecError, WorkspaceError), match="control characters"):
        load_spec(Workspace(project), ".moai/specs/SPEC-ML-011\nimport os/spec.md")
