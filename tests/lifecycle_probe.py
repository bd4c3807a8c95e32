"""Run by a test in a fresh interpreter: tool calls through the in-process server, one after the
other, each with the watched modules that process had imported once it returned and the progress
it reported, as a JSON list on stdout
(`python -m tests.lifecycle_probe <project> <[[tool, arguments], ...] as JSON>`).

One interpreter (and one job forkserver) serves every call: the watched modules are read after
each call, so a call that imported one is the first whose list is not empty."""

import json
import sys
from pathlib import Path
from typing import Any

import anyio

from tests.support import error_text, inprocess_client

# the conversions, their parity proofs and the plots: each must stay in the job process
WATCHED = ("sklearn", "skl2onnx", "onnxruntime", "matplotlib.pyplot", "scipy.stats")


async def main(project: Path, calls: list[tuple[str, dict[str, Any]]]) -> None:
    seen: list[dict[str, Any]] = []
    async with inprocess_client(project) as client:
        for tool, arguments in calls:
            steps: list[list[Any]] = []

            async def progress(
                done: float, total: float | None, message: str | None, steps: list = steps
            ) -> None:
                steps.append([done / (total or 1), message])

            result = await client.call_tool(tool, arguments, progress_callback=progress)
            answer = error_text(result) if result.is_error else result.structured_content
            imported = [name for name in WATCHED if name in sys.modules]
            seen.append({"answer": answer, "progress": steps, "imported": imported})
    print(json.dumps(seen))


if __name__ == "__main__":  # the job forkserver imports this module again
    anyio.run(main, Path(sys.argv[1]), json.loads(sys.argv[2]))
