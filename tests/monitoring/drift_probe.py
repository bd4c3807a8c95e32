"""Run by the test in a fresh interpreter: one ml_detect_drift call through the in-process server,
then what that process imported and the progress it reported, as JSON on stdout."""

import json
import sys
from pathlib import Path

import anyio

from tests.support import inprocess_client, structured

WATCHED = ("scipy.stats", "matplotlib.pyplot")  # the column tests and the plot


async def main(project: Path) -> None:
    seen: list[list] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append([done / (total or 1), message])

    async with inprocess_client(project) as client:
        result = await client.call_tool(
            "ml_detect_drift",
            {"reference": "reference.csv", "current": "current.csv"},
            progress_callback=progress,
        )
    answer = structured(result)
    imported = [name for name in WATCHED if name in sys.modules]
    print(json.dumps({"answer": answer, "progress": seen, "imported": imported}))


if __name__ == "__main__":  # the job forkserver imports this module again
    anyio.run(main, Path(sys.argv[1]))
