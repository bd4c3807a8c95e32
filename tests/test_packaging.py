"""The wheel ships the package, the templates and SKILL.md."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import ROOT


@pytest.mark.slow
def test_the_wheel_contains_templates_and_the_skill(tmp_path: Path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next(tmp_path.glob("moai_domain_ml-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mcp_server/SKILL.md" in names
    assert "mcp_server/commands/run.md" in names
    assert "mcp_server/entry/server.py" in names
    shipped = {n for n in names if n.startswith("mcp_server/templates/")}
    expected = {
        f"mcp_server/templates/{p.relative_to(ROOT / 'templates').as_posix()}"
        for p in (ROOT / "templates").rglob("*")
        if p.is_file()
    }
    assert expected and expected <= shipped
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Requires-Python: >=3.11" in text and "Provides-Extra: boost" in text
