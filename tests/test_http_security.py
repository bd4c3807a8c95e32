"""The MCP server over HTTP: DNS-rebinding protection on every bind, a bearer token beyond
loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import LATEST_PROTOCOL_VERSION

from tests.support import free_port, running, structured

pytestmark = pytest.mark.anyio
TOKEN = "s3cret-token-for-the-tests-0123456789"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": LATEST_PROTOCOL_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
    },
}
JSON = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def _cmd(workspace: Path, host: str, port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "mcp_server",
        "--workspace",
        str(workspace),
        "--transport",
        "streamable-http",
        "--host",
        host,
        "--port",
        str(port),
        *extra,
    ]


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_a_foreign_origin_gets_403_and_a_foreign_host_gets_421_on_any_bind(
    project: Path, host: str
):
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    secret = project.parent / "token.txt"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    with running(_cmd(project, host, port, "--token-file", str(secret)), project, url):
        evil_origin = httpx.post(
            url, json=INIT, headers={**JSON, **auth, "Origin": "http://evil.example"}
        )
        evil_host = httpx.post(url, json=INIT, headers={**JSON, **auth, "Host": "evil.example"})
        good = httpx.post(
            url, json=INIT, headers={**JSON, **auth, "Origin": f"http://127.0.0.1:{port}"}
        )
    assert evil_origin.status_code == 403, evil_origin.text
    assert evil_host.status_code == 421, evil_host.text
    assert good.status_code == 200, good.text


def test_binding_beyond_loopback_without_a_token_refuses_to_start(project: Path):
    env = {k: v for k, v in os.environ.items() if k != "MOAI_ML_TOKEN"}
    cmd = _cmd(project, "0.0.0.0", free_port())
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 2
    assert "MOAI_ML_TOKEN" in done.stderr and "Traceback" not in done.stderr


def test_a_short_token_is_refused(project: Path):
    secret = project.parent / "short-token.txt"
    secret.write_text("short", encoding="utf-8")
    cmd = _cmd(project, "127.0.0.1", free_port(), "--token-file", str(secret))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "shorter than" in done.stderr


def test_a_token_on_the_command_line_is_refused_because_ps_shows_it(project: Path):
    cmd = _cmd(project, "127.0.0.1", free_port(), "--token", TOKEN)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "--token-file" in done.stderr and TOKEN not in done.stderr
    missing = _cmd(project, "127.0.0.1", free_port(), "--token-file", str(project / "nope"))
    done = subprocess.run(missing, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "token file" in done.stderr and "Traceback" not in done.stderr


async def test_beyond_loopback_only_the_right_bearer_token_gets_in(project: Path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    env_before = os.environ.get("MOAI_ML_TOKEN")
    os.environ["MOAI_ML_TOKEN"] = TOKEN  # the token through the environment, as documented
    try:
        with running(_cmd(project, "0.0.0.0", port), project, url):
            assert httpx.post(url, json=INIT, headers=JSON).status_code == 401
            wrong = {**JSON, "Authorization": "Bearer " + TOKEN[:-1] + "x"}
            assert httpx.post(url, json=INIT, headers=wrong).status_code == 401
            async with httpx2.AsyncClient(
                headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
            ) as http:
                async with Client(streamable_http_client(url, http_client=http)) as client:
                    result = await client.call_tool(
                        "ml_profile_data", {"data_path": "data/diabetes.csv"}
                    )
                    assert structured(result)["rows"] == 442
    finally:
        if env_before is None:
            os.environ.pop("MOAI_ML_TOKEN", None)
        else:
            os.environ["MOAI_ML_TOKEN"] = env_before
