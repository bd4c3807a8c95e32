"""Every template set declares its files in a manifest: every template is listed, every listed
template exists (in its own folder, or in the set it names with `set`), and placeholders never
let a path climb out of its folder."""

from __future__ import annotations

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.render import templates_dir
from mcp_server.files.template_sets import template_set

SETS = sorted(p.parent.name for p in templates_dir().glob("*/manifest.yaml"))


def test_every_template_folder_has_a_manifest():
    folders = sorted(p.name for p in templates_dir().iterdir() if p.is_dir())
    assert folders == SETS and SETS


@pytest.mark.parametrize("name", SETS)
def test_the_manifest_lists_exactly_the_templates_of_its_folder(name: str):
    layout = template_set(name)
    own = [spec for spec in layout.outputs.values() if "template" in spec]
    listed = {spec["template"] for spec in own if spec.get("set", name) == name}
    on_disk = {
        p.relative_to(templates_dir() / name).as_posix()
        for p in (templates_dir() / name).rglob("*.j2")
    }
    assert listed == on_disk
    shared = [spec for spec in own if spec.get("set", name) != name]  # another set's template
    assert all((templates_dir() / s["set"] / s["template"]).is_file() for s in shared)
    assert all(output in layout.outputs for members in layout.groups.values() for output in members)


@pytest.mark.parametrize("value", ["..", "a/b", "", "x y"])
def test_a_placeholder_value_that_is_not_one_safe_path_segment_is_refused(value: str):
    with pytest.raises(MoaiMlError, match="not a safe path segment"):
        template_set("tdd").path("pipeline", {"package": "ml_project", "module": value})


def test_paths_are_filled_from_the_context():
    paths = template_set("tdd").paths({"package": "ml_project", "module": "ml_001"})
    assert (
        paths["pipeline"] == "src/ml_project/ml_001/pipeline.py"
        and paths["test"] == "tests/ml/test_ml_001.py"
    )


def test_an_output_with_when_is_rendered_only_when_its_context_value_is_not_empty():
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tdd import context, phases
    from tests.support import EXAMPLES

    def red_files(spec_id: str) -> set[str]:
        prep = phases.load(Workspace(EXAMPLES), spec_id, None, "ml_project")
        return set(template_set("tdd").render("red", context.test_context(prep)))

    assert red_files("SPEC-ML-004") == {
        "tests/ml/test_ml_004.py",
        "tests/ml/test_ml_004_acceptance.py",
        "tests/ml/conftest.py",
    }, "ML-004's acceptance.md has automatable scenarios: their own test file"
    assert red_files("ML-001") == {"tests/ml/test_ml_001.py", "tests/ml/conftest.py"}, (
        "ML-001 has no acceptance.md: no acceptance file"
    )
