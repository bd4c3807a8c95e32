"""A tool error is one line of bounded length whose fix, at its end, is never cut."""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError

from mcp_server.entry.server import ERROR_CHARS, one_line


def test_a_long_refusal_keeps_its_fix_whole_and_shortens_the_reason():
    gates = "; ".join(f"metric_{i} 0.{i:04d} (needs >= 0.9)" for i in range(40))
    fix = "pass allow_failed_gates=true to export it anyway, or run ml_tune(spec_path='ML-022')"
    error = ToolError(f"Error executing tool ml_export: run abc failed its gates ({gates}); {fix}")
    text = one_line(error)
    assert len(text) <= ERROR_CHARS
    assert text.endswith(fix)
    assert text.startswith("run abc failed its gates (metric_0 0.0000")
    assert "\n" not in text


def test_a_short_refusal_is_left_as_it_is_on_one_line():
    text = "Error executing tool ml_train: target 'y' is not a column;\n  pass target='x'"
    error = ToolError(text)
    assert one_line(error) == "target 'y' is not a column; pass target='x'"
