"""The generated service against a bare FastAPI app doing the same model predict (issue 22).

Both run the same ONNX model through the generated service's own `app.predictor.Predictor`, on
the same uvicorn (one worker, 127.0.0.1), and parse the same request model (`app.schemas.Record`)
from the same payload. The bare app is what one writes by hand: a FastAPI route taking the model
as its argument and returning the answer as a dict. What differs is only what the generated
service adds: its API-key middleware, the body-size limit, its 413/422/503 answers, the
prediction log hook and its own JSON encoding. Both servers stay up; their loads alternate back
to back, sequential (one connection) and concurrent (`--connections`), for `--rounds` rounds.
Prints req/s and the server's CPU per request of each, and the ratios (target: >= 0.90).

Run: `.venv/bin/python bench/serving_overhead.py [--seconds 5] [--rounds 3] [--connections 8]`
(not part of `make test`; needs Debian's `wrk`, as bench/serving.py does).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import _cpu_s, _free_port, drive, ensure_wrk, prepare, start, stop

BARE_PREDICT = '''
"""A bare FastAPI app doing the generated service's predict: the same request model and the
same Predictor (the same ONNX session and feature handling), FastAPI's own parsing and answer."""
import sys
sys.path.insert(0, SERVICE_DIR)
from pathlib import Path
from fastapi import FastAPI
from app.predictor import Predictor
from app.schemas import Record

predictor = Predictor(Path(SERVICE_DIR) / "app" / MODEL_FILE)
app = FastAPI()


@app.post("/predict")
async def predict(record: Record) -> dict:
    return predictor.predict([record])[0]


@app.get("/ready")
async def ready() -> dict:
    return {"ready": True}
'''

TARGET = 0.90


def bare_app(work: Path, service: Path) -> Path:
    """The bare app's folder, its model the generated service's own file."""
    model = next(p.name for p in (service / "app").iterdir() if p.suffix in (".onnx", ".joblib"))
    folder = work / "bare-predict"
    folder.mkdir()
    text = BARE_PREDICT.replace("SERVICE_DIR", repr(str(service)))
    (folder / "main.py").write_text(text.replace("MODEL_FILE", repr(model)), encoding="utf-8")
    return folder


def server_specs(ctx: dict[str, Any], bare: Path) -> dict[str, dict[str, Any]]:
    def uvicorn(target: str, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ]

    gen_port, bare_port = _free_port(), _free_port()
    return {
        "generated": {
            "cmd": uvicorn("app.main:app", gen_port),
            "cwd": ctx["service"],
            "ready": "/ready",
            "port": gen_port,
        },
        "bare predict": {
            "cmd": uvicorn("main:app", bare_port),
            "cwd": bare,
            "ready": "/ready",
            "port": bare_port,
        },
    }


def load(
    wrk: str, spec: dict[str, Any], pid: int, body: Any, secs: int, conns: int, work: Path
) -> dict[str, float]:
    url = f"http://127.0.0.1:{spec['port']}/predict"
    before = _cpu_s(pid)
    result = drive(wrk, url, body, secs, conns, work)
    result["cpu_us"] = (_cpu_s(pid) - before) / max(result["rps"] * secs, 1.0) * 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="load duration per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians)")
    parser.add_argument("--connections", type=int, default=8, help="the concurrent load's")
    args = parser.parse_args()
    wrk = ensure_wrk()
    loads = {"sequential": 1, "concurrent": args.connections}
    with tempfile.TemporaryDirectory(prefix="moai-bench-overhead-") as tmp:
        work = Path(tmp)
        print("preparing: fit + log the forest, generate the service ...", flush=True)
        ctx = prepare(work)
        specs = server_specs(ctx, bare_app(work, ctx["service"]))
        procs = {name: start(spec, spec["port"]) for name, spec in specs.items()}
        runs: dict[tuple[str, str], list[dict[str, float]]] = {}
        try:
            for name, spec in specs.items():  # warm-up
                load(wrk, spec, procs[name].pid, ctx["record"], 2, args.connections, work)
            for round_no in range(1, args.rounds + 1):
                for how, conns in loads.items():
                    for name, spec in specs.items():
                        print(f"round {round_no}: {name}, {how} ({conns} conn)", flush=True)
                        result = load(
                            wrk, spec, procs[name].pid, ctx["record"], args.seconds, conns, work
                        )
                        runs.setdefault((name, how), []).append(result)
        finally:
            for proc in procs.values():
                stop(proc)
        report(runs, loads, args)


def report(
    runs: dict[tuple[str, str], list[dict[str, float]]],
    loads: dict[str, int],
    args: argparse.Namespace,
) -> None:
    print(f"\nload average now: {os.getloadavg()[0]:.2f} (machine shared)")
    header = f"{'server':<14}{'load':<12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU us/req':>12}"
    print(f"\n{header}{'non-2xx':>9}")
    for (name, how), values in runs.items():
        mid = {k: statistics.median(r[k] for r in values) for k in values[0]}
        print(
            f"{name:<14}{how:<12}{mid['rps']:>9.0f}{mid['p50']:>9.2f}{mid['p99']:>9.2f}"
            f"{mid['cpu_us']:>12.0f}{mid['errors']:>9.0f}"
        )
    print(f"\nmedians of {args.rounds} rounds, {args.seconds} s each, loads back to back")
    for how in loads:
        gen, bare = runs[("generated", how)], runs[("bare predict", how)]
        pairs = [g["rps"] / b["rps"] for g, b in zip(gen, bare, strict=True)]
        cpu = [b["cpu_us"] / g["cpu_us"] for g, b in zip(gen, bare, strict=True)]
        ratio = statistics.median(pairs)
        verdict = "met" if ratio >= TARGET else "NOT met"
        print(
            f"{how}: generated / bare throughput {ratio:.2f} ({verdict}, target >= {TARGET}); "
            f"per round {', '.join(f'{p:.2f}' for p in pairs)}; bare / generated CPU per "
            f"request {statistics.median(cpu):.2f}"
        )


if __name__ == "__main__":
    main()
