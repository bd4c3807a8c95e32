"""Work outside the server"s thread: killable child jobs, background jobs, subprocess groups."""

__all__ = ["background", "child", "runner", "subprocesses"]
