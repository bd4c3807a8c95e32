"""The CPU seconds a command costs, counting every process it starts, and prints them.

`/usr/bin/time` around `pytest` misses the job processes: they are forked by the server's
multiprocessing forkserver, which outlives the test process (it exits when its pipe closes), so
it and its children are re-parented to init and reaped there, never by the timed process. Run as
a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`), this script is the one orphans are re-parented
to: it reaps them, and its RUSAGE_CHILDREN (and `/usr/bin/time` around it) counts them all.

    .venv/bin/python bench/cpu_of.py .venv/bin/python -m pytest -q -p no:randomly -n 0 TEST
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: cpu_of.py COMMAND [ARG ...]", file=sys.stderr)
        return 2
    if ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("prctl(PR_SET_CHILD_SUBREAPER) failed: Linux only", file=sys.stderr)
        return 2
    code = subprocess.call(argv)
    while True:  # the orphans re-parented here, until none is left
        try:
            os.wait()
        except ChildProcessError:
            break
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = used.ru_utime + used.ru_stime
    print(
        f"cpu_of: user {used.ru_utime:.1f} s, sys {used.ru_stime:.1f} s, total {total:.1f} s",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
