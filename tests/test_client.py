"""The server through real MCP clients: the SDK's own client over stdio and streamable HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.support import error_text, http_server, stdio_client, structured

pytestmark = pytest.mark.anyio


def _bad_files(project: Path) -> None:
    (project / "data/empty.csv").write_bytes(b"")
    (project / "data/blob.csv").write_bytes(bytes(range(256)) * 64)


async def _exercise(client: Client, project: Path) -> None:
    tools = {t.name for t in (await client.list_tools()).tools}
    assert "ml_profile_data" in tools
    good = structured(
        await client.call_tool(
            "ml_profile_data", {"data_path": "data/breast_cancer.csv", "target": "target"}
        )
    )
    assert (good["rows"], good["n_columns"], good["task"]) == (569, 32, "binary")
    assert {w["code"] for w in good["warnings"]} == {"identifier"}
    _bad_files(project)
    bad_calls = [
        ({"data_path": "data/missing.csv"}, "file not found: 'data/missing.csv'"),
        ({"data_path": "../../../etc/passwd"}, "outside the workspace"),
        ({"data_path": "data/empty.csv"}, "empty"),
        ({"data_path": "data/blob.csv"}, "binary"),
        (
            {"data_path": "data/breast_cancer.csv", "target": "diagnosis"},
            "target column 'diagnosis' not found",
        ),
        ({"data_path": "data/breast_cancer.csv", "max_columns": 0}, "max_columns"),
        ({"data_path": 42}, "data_path"),
    ]
    for arguments, message in bad_calls:
        result = await client.call_tool("ml_profile_data", arguments)
        assert result.is_error, arguments
        assert message in error_text(result), (arguments, error_text(result))
    again = structured(
        await client.call_tool(
            "ml_profile_data", {"data_path": "data/customers.csv", "target": "segment"}
        )
    )
    assert again["task"] == "multiclass"


async def test_a_stdio_client_profiles_the_example_and_survives_bad_input(project: Path):
    async with stdio_client(project) as client:
        await _exercise(client, project)


async def test_a_streamable_http_client_gets_the_same_answers(project: Path):
    with http_server(project) as url:
        async with Client(url) as client:
            await _exercise(client, project)


async def test_the_moai_ml_console_script_serves_over_stdio(project: Path):
    script = Path(sys.executable).parent / "moai-ml"
    params = StdioServerParameters(
        command=str(script), args=["mcp", "--workspace", str(project)], cwd=str(project)
    )
    async with Client(params) as client:
        result = structured(
            await client.call_tool("ml_profile_data", {"data_path": "data/diabetes.csv"})
        )
        assert result["task"] is None and result["rows"] == 442
