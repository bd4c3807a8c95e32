"""A workspace is data: no process of the product imports a module from it.

Why: `python -m ...` and `python -c ...` put their working folder first on `sys.path`, and the
server, the background job runner and the job forkserver (started by multiprocessing with `-c`;
Python 3.11 ignores the `sys_path` it is handed) all run with the workspace as working folder.
A repository's `anyio.py`, `matplotlib.py` or `multiprocessing.py` would then run inside the
product, with its signing key in reach. Python's safe-path mode (`-P`, `PYTHONSAFEPATH`) leaves
the working folder off `sys.path`; the product sets it for itself and for every Python process
it starts. The one exception is the generated project's own code (its tests, which pytest runs
on purpose, and its modules): they run in `scrubbed_environment`, without the product's secrets.
"""

# Why nothing but os and sys here (no `from __future__`, settings imported late): this module
# runs while the working folder may still be on sys.path, and both are loaded before any import.
import os
import sys

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing is not loaded yet (see above)
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from mcp_server.core.settings import Setting


def keep_workspace_off_sys_path() -> None:
    """Call first in every entry point: the working folder leaves this process's `sys.path`, and
    every Python process started from here on runs in safe-path mode (it inherits the variable)."""
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder was deleted: nothing of it can be imported
        cwd = None
    if sys.path and (sys.path[0] in ("", ".") or os.path.abspath(sys.path[0]) == cwd):
        del sys.path[0]
    from mcp_server.core import settings

    settings.SAFE_PATH.set(settings.SAFE_PATH.default)


def scrubbed_environment(
    values: "Mapping[Setting, str] | None" = None,
    *,
    defaults: "Iterable[Setting]" = (),
    drop: "Iterable[Setting]" = (),
) -> dict[str, str]:
    """`settings.child_env` for the workspace's own code: also without any secret setting (a
    repository's conftest.py runs with the generated tests) and in Python's usual path mode
    (the generated project imports its own folder)."""
    from mcp_server.core import settings

    # the product's secrets, and safe-path mode (the generated project imports its own folder)
    hidden = (settings.SIGNING_KEY, settings.TOKEN, settings.SAFE_PATH)
    return settings.child_env(values, defaults=defaults, drop=(*drop, *hidden))


__all__ = ["keep_workspace_off_sys_path", "scrubbed_environment"]
