"""The generated test files a SPEC's phases write and run: the model tests, pinned by RED, and
the acceptance scenarios' file beside them when the SPEC has automatable scenarios. GREEN and
REFACTOR (and the estimate that decides where they run) refuse to start without them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mcp_server.core.errors import SpecError
from mcp_server.files.workspace import Workspace

DEFAULT_PACKAGE = "ml_project"  # the package under src/ that holds a generated pipeline


def tests_of(prep: Any) -> list[str]:
    """RED's test files for the SPEC, the model tests first (workspace-relative paths)."""
    from mcp_server.ml.tdd.acceptance_tests import has_tests

    paths = prep.paths
    own = "acceptance_test" in paths and has_tests(prep.spec)  # a set without it: not generated
    return [paths["test"], *([paths["acceptance_test"]] if own else [])]


def pinned_test(package: str, module: str, templates: str = "tdd") -> str:
    """The model tests' path for a SPEC's module, before its data is read (the estimate's)."""
    from mcp_server.files.template_sets import template_set

    return template_set(templates).path("test", {"package": package, "module": module})


def require_tests_at(workspace: Workspace, tests: Iterable[str], spec_id: str) -> None:
    """Tests come first: refuse GREEN and REFACTOR while any of RED's test files is missing."""
    for test in tests:
        if not (workspace.root / test).is_file():
            raise SpecError(
                f"{test} does not exist: tests come first. Run ml_tdd_red for {spec_id}, "
                "then this step"
            )


def require_tests(workspace: Workspace, prep: Any) -> None:
    require_tests_at(workspace, tests_of(prep), prep.spec.spec_id)
