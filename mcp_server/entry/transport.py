"""Serving the MCP server: stdio that answers malformed frames, HTTP that stays locked down.

stdio: the SDK drops a frame it cannot parse without a word, so a client that sent one waits
forever. Here every such frame gets a JSON-RPC error (`id: null`, code -32700 or -32600), and a
message that cannot be encoded back (a lone surrogate in an id) is answered with an error
instead of killing the writer.

HTTP: DNS-rebinding protection (Host and Origin allow-lists) stays on whatever the bind
address; a bind beyond loopback also requires a bearer token (`MOAI_ML_TOKEN` or `--token-file`),
checked in constant time (`mcp_server.http_auth`).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.shared.message import SessionMessage

log = logging.getLogger("moai_ml")
PARSE_ERROR = -32700
INVALID_REQUEST = -32600


def _error(code: int, message: str, request_id: Any = None) -> SessionMessage:
    from mcp_types import ErrorData, JSONRPCError

    return SessionMessage(
        JSONRPCError(jsonrpc="2.0", id=request_id, error=ErrorData(code=code, message=message))
    )


def _refusal(exc: Exception) -> SessionMessage:
    """The answer to a frame that did not parse: a fixed, short message (never the frame back)."""
    text = str(exc)
    if (
        "json" in text.lower()
        or "EOF" in text
        or "recursion" in text.lower()
        or "number" in text.lower()
    ):
        return _error(
            PARSE_ERROR, "Parse error: the frame is not valid JSON (or nests/numbers too deep/long)"
        )
    return _error(
        INVALID_REQUEST, "Invalid request: the frame is JSON but not a valid JSON-RPC 2.0 message"
    )


def _encodable(item: SessionMessage) -> SessionMessage:
    """The message itself if it can go on the wire as UTF-8 JSON, else an error in its place."""
    try:
        item.message.model_dump_json(by_alias=True, exclude_unset=True).encode("utf-8")
    except (ValueError, UnicodeError):
        request_id = getattr(item.message, "id", None)
        safe_id = request_id if isinstance(request_id, int) else None
        return _error(
            INVALID_REQUEST,
            "Invalid request: the message holds text that is not valid Unicode",
            safe_id,
        )
    return item


def _misread_request(item: SessionMessage) -> SessionMessage | None:
    """An error for a request the SDK read as a notification, else None.

    Why: a request whose `id` is an object, an array or a boolean fails as a request and then
    validates as a notification (the id dropped), which nobody answers; the client waits
    forever. Every notification's method is `notifications/...`, so any other is such a request.
    """
    from mcp_types import JSONRPCNotification

    message = item.message
    if isinstance(message, JSONRPCNotification) and not message.method.startswith("notifications/"):
        return _error(
            INVALID_REQUEST, "Invalid request: the id must be a string or an integer (or absent)"
        )
    return None


async def run_stdio(server: MCPServer) -> None:
    """`server` over stdio, answering every malformed frame and surviving unencodable ones."""
    from mcp.server.stdio import stdio_server

    lowlevel = server._lowlevel_server
    async with stdio_server() as (wire_in, wire_out):
        to_server, server_in = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        server_out, from_server = anyio.create_memory_object_stream[SessionMessage](0)
        lock = anyio.Lock()

        async def send(item: SessionMessage) -> None:
            async with lock:
                await wire_out.send(_encodable(item))

        async def pump_in() -> None:
            async with to_server:
                async for item in wire_in:
                    if isinstance(item, Exception):
                        await send(_refusal(item))
                    elif (misread := _misread_request(item)) is not None:
                        await send(misread)
                    elif _encodable(item) is not item:
                        await send(_encodable(item))
                    else:
                        await to_server.send(item)

        async def pump_out() -> None:
            async with from_server:
                async for item in from_server:
                    await send(item)

        # Closing wire_out ends the SDK's stdout writer: without it the process outlived its
        # client (stdin closed, the MCP stdio shutdown) with its forkserver.
        async with wire_out, anyio.create_task_group() as tg:
            tg.start_soon(pump_in)
            tg.start_soon(pump_out)
            await lowlevel.run(server_in, server_out, lowlevel.create_initialization_options())
            tg.cancel_scope.cancel()


# -- streamable HTTP ---------------------------------------------------------------------------

MIN_TOKEN_CHARS = 16


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None) -> None:
    """A bind beyond loopback exposes every tool to the network: it needs a real bearer token."""
    from mcp_server.core.errors import MoaiMlError

    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise MoaiMlError(
            f"the bearer token is shorter than {MIN_TOKEN_CHARS} characters; put a long random one "
            "in the file given with --token-file or in MOAI_ML_TOKEN"
        )
    if token is None and not is_loopback(host):
        raise MoaiMlError(
            f"binding {host!r} exposes the tools beyond this machine; set MOAI_ML_TOKEN "
            "(or pass --token-file) to a "
            "long random secret that clients send as 'Authorization: Bearer <token>', or "
            "bind 127.0.0.1"
        )


def allowed_hosts(host: str, extra: list[str]) -> list[str]:
    """Host header values a request may carry: loopback, the bound address, this machine's name."""
    import socket

    names = {"127.0.0.1", "localhost", "[::1]", *extra}
    if host not in ("0.0.0.0", "::", ""):  # noqa: S104 - compared, not bound
        names.add(f"[{host}]" if ":" in host else host)
    else:
        names.add(socket.gethostname())
    return sorted({form for name in names for form in (name, f"{name}:*")})


def security_settings(host: str, extra: list[str]) -> Any:
    """DNS-rebinding protection for any bind: foreign Host -> 421, foreign Origin -> 403."""
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = allowed_hosts(host, extra)
    origins = [f"{scheme}://{name}" for name in hosts for scheme in ("http", "https")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


class BearerGuard:
    """ASGI middleware: every HTTP request must carry `Authorization: Bearer <token>`."""

    def __init__(self, app: Any, token: str) -> None:
        self.app, self.expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        import hmac

        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            # Why compare_digest: a plain == leaks how many leading bytes matched through timing.
            if not hmac.compare_digest(given, self.expected):
                from starlette.responses import PlainTextResponse

                reply = PlainTextResponse(
                    "missing or wrong bearer token",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await reply(scope, receive, send)
                return
        await self.app(scope, receive, send)


def run_http(
    server: MCPServer, host: str, port: int, token: str | None, extra_hosts: list[str]
) -> None:
    """Streamable HTTP with rebinding protection always on and, when given, a bearer token."""
    import uvicorn

    check_exposure(host, token)
    app: Any = server.streamable_http_app(
        transport_security=security_settings(host, extra_hosts), host=host
    )
    if token is not None:
        app = BearerGuard(app, token)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    anyio.run(uvicorn.Server(config).serve)
