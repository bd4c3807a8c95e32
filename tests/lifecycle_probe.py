"""Run by a test in a fresh interpreter: one tool call through the in-process server, then the
watched modules that process imported and the progress it reported, as JSON on stdout
(`python -m tests.lifecycle_probe <project> <tool> <arguments as JSON>`)."""

import json
import sys
from pathlib import Path

import anyio

from tests.support import error_text, inprocess_client

# the conversions, their parity proofs and the plots: each must stay in the job process
WATCHED = ("sklearn", "skl2onnx", "onnxruntime", "matplotlib.pyplot", "scipy.stats")


async def main(project: Path, tool: str, arguments: dict) -> None:
    seen: list[list] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append([done / (total or 1), message])

    async with inprocess_client(project) as client:
        result = await client.call_tool(tool, arguments, progress_callback=progress)
    answer = error_text(result) if result.is_error else result.structured_content
    imported = [name for name in WATCHED if name in sys.modules]
    print(json.dumps({"answer": answer, "progress": seen, "imported": imported}))


if __name__ == "__main__":  # the job forkserver imports this module again
    anyio.run(main, Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]))
