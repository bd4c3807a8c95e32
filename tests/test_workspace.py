"""Workspace safety: containment, symlinks, atomic writes, no silent overwrite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcp_server.core.errors import WorkspaceError
from mcp_server.files.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("outside")
    return Workspace(root)


def test_a_relative_path_inside_the_root_resolves(ws: Workspace):
    assert ws.resolve("data/x.csv") == ws.root / "data" / "x.csv"


@pytest.mark.parametrize("path", ["../secret.txt", "data/../../secret.txt", "/etc/passwd", "~/x"])
def test_paths_that_leave_the_root_are_refused(ws: Workspace, path: str):
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        ws.resolve(path)


def test_an_absolute_path_inside_the_root_is_accepted(ws: Workspace):
    assert ws.resolve(str(ws.root / "a.csv")) == ws.root / "a.csv"


def test_a_symlink_that_leaves_the_root_is_refused(ws: Workspace):
    (ws.root / "link").symlink_to(ws.root.parent / "secret.txt")
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        ws.resolve("link")


def test_a_symlinked_directory_that_leaves_the_root_is_refused_for_writes(ws: Workspace):
    (ws.root / "out").symlink_to(ws.root.parent)
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        ws.write_file("out/evil.py", "x = 1\n")
    assert not (ws.root.parent / "evil.py").exists()


def test_a_symlink_that_stays_inside_is_followed(ws: Workspace):
    (ws.root / "real.csv").write_text("a\n1\n")
    (ws.root / "alias.csv").symlink_to(ws.root / "real.csv")
    assert ws.resolve("alias.csv", must_exist=True) == ws.root / "real.csv"


@pytest.mark.parametrize("path", ["", "a\x00b"])
def test_empty_and_nul_paths_are_refused(ws: Workspace, path: str):
    with pytest.raises(WorkspaceError):
        ws.resolve(path)


def test_a_missing_file_is_reported_by_name(ws: Workspace):
    with pytest.raises(WorkspaceError, match=r"file not found: .nope\.csv."):
        ws.resolve("nope.csv", must_exist=True)


def test_writes_create_parents_and_leave_no_temp_files(ws: Workspace):
    report = ws.write_files({"a/b/c.py": "x = 1\n", "d.txt": b"bytes"})
    assert sorted(report.written) == ["a/b/c.py", "d.txt"]
    assert (ws.root / "a/b/c.py").read_text() == "x = 1\n"
    leftovers = [p for p in ws.root.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_folder_thousands_of_levels_deep_is_refused_in_one_line_before_any_write(
    ws: Workspace,
):
    deep = "x/" * 1500 + "card/model_card.md"  # each part short, the whole under 4,000 bytes
    with pytest.raises(WorkspaceError, match="too long for the file system; give output_dir"):
        ws.write_files({deep: "# card\n"})
    assert not (ws.root / "x").exists()


def test_a_file_the_tool_wrote_is_updated_on_rerun(ws: Workspace):
    ws.write_file("gen.py", "x = 1\n")
    report = ws.write_file("gen.py", "x = 2\n")
    assert report.written == ["gen.py"]
    assert (ws.root / "gen.py").read_text() == "x = 2\n"


def test_rewriting_identical_content_is_reported_unchanged(ws: Workspace):
    ws.write_file("gen.py", "x = 1\n")
    report = ws.write_file("gen.py", "x = 1\n")
    assert report.unchanged == ["gen.py"] and report.written == []


def test_a_file_a_person_wrote_is_never_overwritten_silently(ws: Workspace):
    (ws.root / "mine.py").write_text("mine\n")
    report = ws.write_file("mine.py", "generated\n")
    assert report.skipped == ["mine.py"]
    assert (ws.root / "mine.py").read_text() == "mine\n"


def test_a_generated_file_a_person_edited_is_left_alone(ws: Workspace):
    ws.write_file("gen.py", "x = 1\n")
    (ws.root / "gen.py").write_text("x = 1  # tuned by hand\n")
    report = ws.write_file("gen.py", "x = 3\n")
    assert report.skipped == ["gen.py"]
    assert "tuned by hand" in (ws.root / "gen.py").read_text()


def test_overwrite_true_replaces_a_person_edited_file(ws: Workspace):
    (ws.root / "mine.py").write_text("mine\n")
    report = ws.write_file("mine.py", "generated\n", overwrite=True)
    assert report.written == ["mine.py"]
    assert (ws.root / "mine.py").read_text() == "generated\n"


def test_an_interrupted_write_keeps_the_old_content(ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    ws.write_file("gen.py", "old\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        ws.write_file("gen.py", "new\n")
    assert (ws.root / "gen.py").read_text() == "old\n"
    assert [p.name for p in ws.root.iterdir() if p.name.endswith(".tmp")] == []


def test_a_root_that_is_not_a_directory_is_refused(tmp_path: Path):
    with pytest.raises(WorkspaceError, match="not a directory"):
        Workspace(tmp_path / "missing")
