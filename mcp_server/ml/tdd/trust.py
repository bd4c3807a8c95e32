"""MoAI's TRUST quality gate, applied to the code a TDD phase generated.

The checks MoAI's gate makes on new code: the tests cover the generated package (>= 85 % of its
lines, measured by coverage.py while the phase's tests ran), every generated file stays under
300 lines and every function under 50, and the TAG chain is complete (@SPEC in the SPEC, @TEST
in every generated test file naming the SPEC, @CODE in the pipeline naming the SPEC and the tests).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd.generated_tests import tests_of

MIN_COVERAGE = 85.0
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 50


COPY_HEADER = "# Copied from moai-domain-ml"


def _check(name: str, passed: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "passed": passed, "detail": detail}


def coverage_percent(data_file: Path, source: Path) -> float | None:
    """Line coverage of `source` in a coverage.py data file (None when there is none)."""
    if not data_file.exists():
        return None
    import io

    from coverage import Coverage

    cov = Coverage(data_file=str(data_file), source=[str(source)])
    cov.load()
    # moai's own modules copied beside the pipeline (a family's classes) are tested by moai; the
    # figure is the generated code's
    own = [str(p) for p in sorted(source.glob("*.py")) if not _is_copy(p)]
    try:
        return round(float(cov.report(morfs=own, file=io.StringIO(), show_missing=False)), 1)
    except Exception:  # coverage's NoDataError and friends: no measured file means no figure
        return None


def _is_copy(path: Path) -> bool:
    """A module copied from moai-domain-ml (`templates/tdd/green/local_module.py.j2`'s header)."""
    with path.open(encoding="utf-8") as handle:
        return handle.readline().startswith(COPY_HEADER)


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{node.name} ({(node.end_lineno or node.lineno) - node.lineno + 1})"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def _tags(workspace: Workspace, prep: Any) -> list[str]:
    spec_id, paths = prep.spec.spec_id, prep.paths
    wanted = [
        (prep.spec.spec_rel, f"@SPEC:{spec_id}"),
        *((test, f"@TEST:{spec_id}") for test in tests_of(prep)),
        (paths["pipeline"], f"@CODE:{spec_id}"),
        (paths["pipeline"], paths["test"]),
    ]
    missing = []
    for rel, tag in wanted:
        path = workspace.root / rel if rel else None
        if path is None or not path.is_file() or tag not in path.read_text(encoding="utf-8"):
            missing.append(f"{tag} in {rel or 'the SPEC (none given)'}")
    return missing


def trust_checks(workspace: Workspace, prep: Any, state_file: Path) -> list[dict[str, Any]]:
    """The four checks, each with `passed` and a one-line `detail`."""
    paths = prep.paths
    names = ("test", "acceptance_test", "pipeline", "selection", "selection_test")
    generated = [p for k in names if k in paths and (p := workspace.root / paths[k]).is_file()]
    source = workspace.root / Path(paths["pipeline"]).parent
    percent = coverage_percent(Path(f"{state_file}.coverage"), source)
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in generated}
    too_long = [f"{name} ({n})" for name, n in sizes.items() if n > MAX_FILE_LINES]
    long_functions = [f"{p.name}: {f}" for p in generated for f in _long_functions(p)]
    missing_tags = _tags(workspace, prep)
    return [
        _check(
            "coverage",
            percent is not None and percent >= MIN_COVERAGE,
            f"{percent} % of {Path(paths['pipeline']).parent} (needs >= {MIN_COVERAGE:g} %)"
            if percent is not None
            else "not measured (coverage.py missing or no data)",
        ),
        _check(
            "file_lines",
            not too_long,
            f"over {MAX_FILE_LINES} lines: {', '.join(too_long)}"
            if too_long
            else f"every generated file <= {MAX_FILE_LINES} lines",
        ),
        _check(
            "function_lines",
            not long_functions,
            f"over {MAX_FUNCTION_LINES} lines: {', '.join(long_functions[:5])}"
            if long_functions
            else f"every function <= {MAX_FUNCTION_LINES} lines",
        ),
        _check(
            "tag_chain",
            not missing_tags,
            f"missing: {'; '.join(missing_tags)}"
            if missing_tags
            else "@SPEC -> @TEST -> @CODE complete",
        ),
    ]
