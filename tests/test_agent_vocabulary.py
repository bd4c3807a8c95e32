"""One argument vocabulary and compact answers, as an agent meets them over stdio."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import error_text, inprocess_client, structured

pytestmark = pytest.mark.anyio


def _keywords(schema: Any, *, names: bool = False) -> set[str]:
    """Every JSON Schema keyword used in `schema` (property names are not keywords)."""
    if isinstance(schema, list):
        return set().union(*(_keywords(item) for item in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = set() if names else set(schema)
    for key, value in schema.items():
        found |= _keywords(
            value, names=not names and key in ("properties", "$defs", "patternProperties")
        )
    return found


async def test_arguments_are_checked_against_one_vocabulary_with_one_line_errors(project: Path):
    async with inprocess_client(project) as client:
        typo = await client.call_tool(
            "ml_compare_models",
            {"data_path": "data/diabetes.csv", "target": "progression", "n_folds": 3},
        )
        assert typo.is_error, "a misspelled argument is not silently ignored"
        assert (
            "unknown argument 'n_folds' (did you mean 'cv_folds'?); valid: data_path, target"
            in error_text(typo)
        )
        quick = await client.call_tool("ml_get_run", {"run_id": "abc", "background": True})
        assert quick.is_error and "unknown argument 'background'" in error_text(quick)
        bad = await client.call_tool(
            "ml_compare_models",
            {"data_path": "data/diabetes.csv", "target": "progression", "cv_folds": 99},
        )
        assert (
            error_text(bad)
            == "ml_compare_models: argument 'cv_folds' got 99; accepted: an integer >= 2 and <= 20"
        )
        wrong_type = await client.call_tool("ml_profile_data", {"data_path": 42})
        assert "argument 'data_path' got 42" in error_text(wrong_type) and "\n" not in error_text(
            wrong_type
        )
        missing = await client.call_tool("ml_profile_data", {})
        assert "missing argument 'data_path'" in error_text(missing)
        enum = await client.call_tool("ml_list_runs", {"kind": "TRAIN"})
        assert "valid" not in error_text(enum)
        bad_enum = await client.call_tool("ml_list_runs", {"kind": "fit"})
        assert "argument 'kind' got 'fit'; accepted: train, compare, candidate, tdd" in error_text(
            bad_enum
        )


async def test_a_spec_is_named_the_same_way_everywhere_and_case_does_not_matter(project: Path):
    async with inprocess_client(project) as client:
        for spec in (
            "ML-001",
            "SPEC-ML-001",
            ".moai/specs/SPEC-ML-001",
            ".moai/specs/SPEC-ML-001/spec.md",
            "ml-001",
        ):
            runs = await client.call_tool("ml_list_runs", {"spec_id": spec})
            assert not runs.is_error, (spec, error_text(runs))
        args = {"data_path": "data/customers.csv", "target": "segment", "task": "MultiClass"}
        profile = structured(await client.call_tool("ml_profile_data", args))
        assert profile["task"] == "multiclass"


async def test_a_missing_file_names_the_closest_paths_in_the_workspace(project: Path):
    async with inprocess_client(project) as client:
        result = await client.call_tool(
            "ml_profile_data", {"data_path": "breast-cancer.csv", "target": "target"}
        )
        assert result.is_error
        assert "file not found: 'breast-cancer.csv'" in error_text(result)
        assert "closest in the workspace: data/breast_cancer.csv" in error_text(result)


async def test_results_say_what_happened_in_a_short_text_and_listings_are_lean(project: Path):
    async with inprocess_client(project) as client:
        result = await client.call_tool(
            "ml_profile_data", {"data_path": "data/breast_cancer.csv", "target": "target"}
        )
        text = result.content[0].text
        data = structured(result)
        assert not text.lstrip().startswith("{") and len(text) < 700, text
        assert "rows=569" in text and "task=binary" in text
        assert data["suggested_drop"] == ["patient_id"] and "drop: [patient_id]" in data["ml_block"]
        assert "ml_tdd_cycle" in data["next_step"] and "Next: Drop patient_id" in text
        assert len(text) < len(json.dumps(data)) / 2, (
            "the text does not repeat the structured content"
        )
        tools = (await client.list_tools()).tools
        listing = json.dumps(
            [
                {"name": t.name, "description": t.description, "inputSchema": t.input_schema}
                for t in tools
            ]
        )
        assert (
            '"title"' not in listing
            and '{"type": "null"}' not in listing
            and '"pattern"' not in listing
            and '"patternProperties"' not in listing  # their key patterns are patterns too
            and '"maxProperties"' not in listing
            and '"propertyNames": {}' not in listing
        )
        assert len(listing) / 4 <= 7000, "all input definitions stay within 7k tokens"
        outputs = json.dumps([t.output_schema for t in tools])  # sent too, and read by some hosts
        assert not {"description", "title"} & _keywords([t.output_schema for t in tools])
        assert len(outputs) / 4 <= 4000, "output schemas are names and types, 4k tokens in all"
        assert not {"required", "$defs", "enum"} & _keywords([t.output_schema for t in tools])
        assert all(len(t.description or "") <= 260 for t in tools), (
            "a tool's description is its first sentences"
        )
