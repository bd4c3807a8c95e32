"""`moai-ml`: the command line for people (and for Claude Code to start the server)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mcp_server import __version__
from mcp_server.core import settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moai-ml", description="SPEC-driven, test-first ML.")
    parser.add_argument("--version", action="version", version=f"moai-ml {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("mcp", help="serve the MCP server (stdio by default)")
    serve.add_argument("--workspace", default=".", help="project root the tools are confined to")
    serve.add_argument("--transport", choices=["stdio", "streamable-http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--token-file", default=None, help="file holding the HTTP bearer token ($MOAI_ML_TOKEN)"
    )
    # Why no --token: a command line is visible to every user of the machine (ps, /proc).
    serve.add_argument("--token", default=None, help=argparse.SUPPRESS)
    serve.add_argument(
        "--allow-host", action="append", default=[], help="extra Host name the HTTP server accepts"
    )
    inst = sub.add_parser("install", help="install the skill and the server entry into a project")
    inst.add_argument(
        "--project", default=".", help="the project root (default: current directory)"
    )
    inst.add_argument(
        "--python", help="pin this interpreter in .mcp.json (default: found when the server starts)"
    )
    inst.add_argument(
        "--command-file", action="store_true", help="also write .claude/commands/moai-ml-run.md"
    )
    prof = sub.add_parser("profile", help="profile a CSV/Parquet table")
    prof.add_argument("data_path")
    prof.add_argument("--target")
    prof.add_argument("--workspace", default=".")
    worker = sub.add_parser(
        "tune-worker", help="join an ml_tune study and run its trials until its deadline"
    )
    worker.add_argument("--study", required=True, help="study name (ml_tune's study_name)")
    worker.add_argument(
        "--storage", required=True, help="study storage URL, e.g. postgresql://user@host/db"
    )
    worker.add_argument(
        "--n-trials", type=int, default=None, help="run this many trials, even past the deadline"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    from mcp_server.safety.isolation import keep_workspace_off_sys_path

    keep_workspace_off_sys_path()  # this process and every one it starts: no import from the cwd
    args = _parser().parse_args(argv)
    from mcp_server.core.errors import MoaiMlError

    try:
        if args.command == "mcp":
            return _serve(args)
        if args.command == "install":
            return _install(Path(args.project), args.python, args.command_file)
        if args.command == "profile":
            return _profile(args)
        if args.command == "tune-worker":
            return _tune_worker(args)
    except MoaiMlError as exc:
        print(f"moai-ml: {exc}", file=sys.stderr)
        return 2
    return 1


def _tune_worker(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from mcp_server.ml.tuning.worker import run_worker

    report = run_worker(args.study, args.storage, args.n_trials)
    print(json.dumps(dataclasses.asdict(report)))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from mcp_server.entry.server import build_server

    # MLflow logs schema migrations at INFO on the first use of a store; an agent's stderr
    # log is no place for that. An explicit MLFLOW_LOGGING_LEVEL still wins.
    settings.MLFLOW_LOGGING_LEVEL.set_default()

    if args.transport != "stdio":
        from mcp_server.entry.transport import check_exposure

        token = _token(args)
        check_exposure(args.host, token)  # before anything slow: refuse at once
    server = build_server(args.workspace)
    if args.transport == "stdio":
        import anyio

        from mcp_server.entry.transport import run_stdio

        anyio.run(run_stdio, server)
    else:
        from mcp_server.entry.transport import run_http

        run_http(server, args.host, args.port, token, args.allow_host)
    return 0


def _token(args: argparse.Namespace) -> str | None:
    """The HTTP bearer token: from `--token-file`, else MOAI_ML_TOKEN; never from the command
    line."""
    from mcp_server.core.errors import MoaiMlError

    if args.token is not None:
        raise MoaiMlError(
            "--token shows the secret to every user of this machine (ps); put it in a file "
            f"given with --token-file, or in {settings.TOKEN.name}"
        )
    if args.token_file is None:
        return settings.TOKEN.exact() or None
    try:
        return Path(args.token_file).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError) as exc:
        raise MoaiMlError(
            f"cannot read the token file {args.token_file!r} ({exc}); "
            "point --token-file at a readable UTF-8 file"
        ) from None


def _install(project: Path, python: str | None, command_file: bool) -> int:
    from mcp_server.entry.install import install

    report = install(project, python, command_file=command_file)
    for rel in report.changed:
        print(f"wrote     {rel}")
    for rel in report.unchanged:
        print(f"unchanged {rel}")
    return 0


def _profile(args: argparse.Namespace) -> int:
    from mcp_server.files.workspace import Workspace
    from mcp_server.tools.profile import profile_file

    result = profile_file(Workspace(args.workspace), args.data_path, args.target, "auto", 25, 30)
    print(json.dumps(result.model_dump(), indent=2))
    return 0
