"""What a job leaves on the Dask cluster when it is stopped, and what the next call checks.

A distributed booster fit is one task per worker (LightGBM's `_train_part`, XGBoost's
`dispatched_train`) that meet over the network; a task cannot be interrupted once it runs. A job
killed as one part had started and its peer had not left the started part waiting for a peer
that never came: its worker was held until the network timed out (LightGBM's default: two
hours), and the next call's fit waited behind it. So a stopped job (`processes.stopping.on_stop`)
keeps its fits in flight wanted (`fire_and_forget`: each part runs, the parts meet, the fit ends
in its normal time and its result is dropped) and closes its client, which releases the rest of
its work. A fit still stranded (a job killed outright, out of memory) is said in one line by the
next call on that scheduler (`refuse_stranded`), naming the fix, instead of waiting behind it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from mcp_server.core import settings
from mcp_server.core.errors import MoaiMlError

# the per-worker task of a distributed fit, by its key's prefix (lightgbm.dask, xgboost.dask)
COLLECTIVE = ("_train_part-", "dispatched_train-")


def is_collective(key: Any) -> bool:
    return isinstance(key, str) and key.startswith(COLLECTIVE)


def release(client: Any) -> None:
    """The stop hook of a job's client: collective fits in flight run to their end, everything
    else the client holds is released when it closes."""
    import distributed

    dask_api: Any = distributed  # Dask ships no type hints for these
    fits = [dask_api.Future(key, client) for key in list(client.futures) if is_collective(key)]
    if fits:
        dask_api.fire_and_forget(fits)
    with contextlib.suppress(Exception):
        client.close(timeout=2)


def _stranded_on(dask_worker: Any) -> list[str]:
    """Runs on each worker: the collective fits it still executes that nobody wants."""
    return [
        str(task.key)
        for task in dask_worker.state.tasks.values()
        if task.state == "cancelled" and is_collective(task.key)
    ]


def refuse_stranded(client: Any, engine: str) -> None:
    """Refuse in one line when a worker still runs a fit of a stopped job: a new fit would wait
    behind it, up to its network timeout."""
    try:
        found: dict[str, list[str]] = client.run(_stranded_on, wait=True)
    except Exception:  # a worker that cannot tell is checked by the fit itself
        return
    held = sorted(address for address, keys in found.items() if keys)
    if not held:
        return
    minutes = settings.cluster_timeout_s() // 60
    raise MoaiMlError(
        f"Dask worker(s) {', '.join(held)} at {engine} still run a booster fit of a stopped job "
        "and would hold this call's fit; restart them (the `dask worker` processes, or "
        f"Client('{engine}').restart()), or wait: a fit with this product's network timeout "
        f"({settings.CLUSTER_TIMEOUT_S.name}, {minutes} min) ends by then"
    )


__all__ = ["COLLECTIVE", "is_collective", "refuse_stranded", "release"]
