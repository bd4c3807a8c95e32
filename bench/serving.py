"""Serving throughput: the generated ONNX service against what people use today.

For the same random forest (registry defaults, breast cancer data) it starts, one after another,
each with one uvicorn worker on 127.0.0.1:
  (a) the service `ml_generate_serving` generates (onnxruntime),
  (b) a PyCaret-style app (`create_api`: FastAPI + pandas DataFrame + joblib `predict` per request),
  (c) `mlflow models serve --env-manager local` on the run store's logged model,
  (d) a bare FastAPI endpoint that parses the same request model and returns a constant (ceiling),
and drives each with the same single-record load from `wrk` (a Lua POST script) for a fixed time;
then (a) and (b) with 1000 records per request. Prints req/s, p50, p99 and the ratios.
Targets: (a) >= 20x (b) and (c), >= 70 % of (d); batch rows/s of (a) >= 2x (b).

Run: `.venv/bin/python bench/serving.py [--seconds 10] [--connections 8]` (not part of `make test`).
`--log-overhead` instead measures the generated service with its prediction log off and on.
Needs Debian's `wrk`: `apt-get install -y wrk` (installed automatically when run as root).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASELINE = '''
"""PyCaret-style API (as `pycaret.create_api` writes it): pandas DataFrame + joblib per request."""
import json
import joblib
import pandas as pd
from fastapi import FastAPI
from pydantic import Field, create_model

NAMES = json.load(open("names.json"))
FIELDS = {f"f{i}": (float, Field(alias=name)) for i, name in enumerate(NAMES)}
Input = create_model("Input", **FIELDS)
model = joblib.load("model.joblib")
app = FastAPI()


@app.post("/predict")
def predict(data: Input):
    frame = pd.DataFrame([data.model_dump(by_alias=True)])
    score = float(model.predict_proba(frame).max())
    return {"prediction": int(model.predict(frame)[0]), "score": score}


@app.post("/predict/batch")
def predict_batch(data: list[Input]):
    frame = pd.DataFrame([d.model_dump(by_alias=True) for d in data])
    labels, scores = model.predict(frame), model.predict_proba(frame).max(axis=1)
    rows = [{"prediction": int(l), "score": float(s)} for l, s in zip(labels, scores)]
    return {"predictions": rows}
'''

BARE = '''
"""The stack's ceiling: FastAPI parses the generated service's own request model, returns a
constant."""
import sys
sys.path.insert(0, SERVICE_DIR)
from fastapi import FastAPI
from app.schemas import Record

app = FastAPI()


@app.post("/predict")
async def predict(record: Record) -> dict:
    return {"prediction": 0}
'''


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        print("wrk is missing; installing it with apt-get (running as root) ...", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL
        )
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit(
        "this benchmark needs Debian's wrk: run `apt-get install -y wrk` (as root), then "
        "run it again"
    )


def prepare(work: Path) -> dict[str, Any]:
    """Fit and log the forest, generate the service, write the baseline and bare apps."""
    import joblib

    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.serving.generate import generate_serving
    from mcp_server.ml.tracking.records import data_tags, fitted_record
    from mcp_server.ml.tracking.runs import get_store
    from tests.export_support import fit

    project = work / "project"
    shutil.copytree(ROOT / "examples", project)
    fitted = fit("binary", "random_forest")
    workspace = Workspace(project)
    store = get_store(workspace)
    data = project / "data/breast_cancer.csv"
    with store.scratch() as tmp:
        run_id = store.record(
            fitted_record(
                Path(tmp),
                experiment="bench",
                run_name="rf",
                kind="train",
                model=fitted.pipeline,
                schema=fitted.schema,
                model_name="random_forest",
                params={},
                metrics={},
                input_example=fitted.test.head(3),
                data=data_tags(data, workspace.relative(data)),
            )
        )
    service = project / generate_serving(workspace, run_id, "serving/bench", "onnx").output_dir
    baseline = work / "baseline"
    baseline.mkdir()
    joblib.dump(fitted.pipeline, baseline / "model.joblib")
    (baseline / "names.json").write_text(json.dumps(fitted.schema.names))
    (baseline / "main.py").write_text(BASELINE)
    bare = work / "bare"
    bare.mkdir()
    (bare / "main.py").write_text(BARE.replace("SERVICE_DIR", repr(str(service))))
    record = {name: float(value) for name, value in fitted.test.iloc[0].items()}
    model_id = store.get_run(run_id).model_id
    uri = f"sqlite:///{project / '.moai/ml/mlflow.db'}"
    return {
        "service": service,
        "baseline": baseline,
        "bare": bare,
        "record": record,
        "model_id": model_id,
        "tracking_uri": os.environ.get("MLFLOW_TRACKING_URI", uri),
        "project": project,
    }


def servers(ctx: dict[str, Any], port: int) -> dict[str, dict[str, Any]]:
    py, record = sys.executable, ctx["record"]
    uv = [
        py,
        "-m",
        "uvicorn",
        "main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
    ]
    return {
        "generated (onnx)": {
            "cmd": [*uv[:3], "app.main:app", *uv[4:]],
            "cwd": ctx["service"],
            "path": "/predict",
            "body": record,
            "ready": "/ready",
        },
        "bare fastapi": {
            "cmd": uv,
            "cwd": ctx["bare"],
            "path": "/predict",
            "body": record,
            "ready": "/docs",
        },
        "pycaret-style": {
            "cmd": uv,
            "cwd": ctx["baseline"],
            "path": "/predict",
            "body": record,
            "ready": "/docs",
        },
        "mlflow serve": {
            "cmd": [
                py,
                "-m",
                "mlflow",
                "models",
                "serve",
                "-m",
                f"models:/{ctx['model_id']}",
                "--env-manager",
                "local",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-w",
                "1",
            ],
            "cwd": ctx["project"],
            "path": "/invocations",
            "body": {"dataframe_records": [record]},
            "ready": "/ping",
            "env": {
                "MLFLOW_TRACKING_URI": ctx["tracking_uri"],
                "PATH": f"{Path(py).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            },
        },
    }


def start(spec: dict[str, Any], port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **spec.get("env", {})}
    proc = subprocess.Popen(
        spec["cmd"],
        cwd=spec["cwd"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{spec['cmd'][:4]} exited: "
                f"{proc.stderr.read().decode()[-1500:] if proc.stderr else ''}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}{spec['ready']}", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{spec['cmd'][:4]} did not become ready")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End the server we started: its own process group (mlflow serve runs uvicorn as a child)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def drive(
    wrk: str, url: str, body: Any, seconds: int, connections: int, work: Path
) -> dict[str, float]:
    """`wrk` with a Lua POST script; requests/s, p50 and p99 in ms, non-2xx count."""
    script = work / "post.lua"
    payload = json.dumps(body)
    script.write_text(
        f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [==[{payload}]==]\n"
    )
    check = httpx.post(
        url, content=payload, headers={"content-type": "application/json"}, timeout=30
    )
    if check.status_code != 200:
        raise RuntimeError(f"{url} answered {check.status_code}: {check.text[:300]}")
    out = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {
        "rps": rps,
        "p50": _ms(out, "50%"),
        "p99": _ms(out, "99%"),
        "errors": float(errors.group(1)) if errors else 0,
    }


def _ms(out: str, pct: str) -> float:
    value, unit = re.search(rf"^\s*{pct}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(
    wrk: str,
    spec: dict[str, Any],
    port: int,
    body: Any,
    path: str,
    secs: int,
    conns: int,
    work: Path,
) -> dict[str, float]:
    proc = start(spec, port)
    try:
        drive(wrk, f"http://127.0.0.1:{port}{path}", body, 2, conns, work)  # warm-up
        return drive(wrk, f"http://127.0.0.1:{port}{path}", body, secs, conns, work)
    finally:
        stop(proc)


def report(single: dict[str, dict[str, float]], batch: dict[str, dict[str, float]]) -> None:
    print(f"\n{'server':<18}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}")
    for name, r in single.items():
        print(f"{name:<18}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['errors']:>9.0f}")
    ours = single["generated (onnx)"]["rps"]
    ratios = {
        "generated / pycaret-style (target >= 20x)": (ours / single["pycaret-style"]["rps"], 20.0),
        "generated / mlflow serve (target >= 20x)": (ours / single["mlflow serve"]["rps"], 20.0),
        "generated / bare ceiling (target >= 0.70)": (ours / single["bare fastapi"]["rps"], 0.70),
    }
    print("\nbatch, 1000 records per request")
    for name, r in batch.items():
        print(
            f"{name:<18}{r['rps'] * 1000:>10.0f} rows/s   p50 {r['p50']:.1f} ms   p99 "
            f"{r['p99']:.1f} ms"
        )
    ratios["batch rows/s generated / pycaret-style (target >= 2x)"] = (
        batch["generated (onnx)"]["rps"] / batch["pycaret-style"]["rps"],
        2.0,
    )
    print()
    for label, (value, target) in ratios.items():
        print(f"{label:<58}{value:>8.2f}  {'met' if value >= target else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="load duration per server and round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of all servers, interleaved (medians)"
    )
    parser.add_argument(
        "--connections", type=int, default=8, help="wrk connections (single-record runs)"
    )
    parser.add_argument(
        "--log-overhead",
        action="store_true",
        help="only: the generated service with and without its prediction log (target <= 10 %%)",
    )
    parser.add_argument(
        "--compare-log", type=Path, help="with --log-overhead: also measure this prediction_log.py"
    )
    args = parser.parse_args()
    args.load_before = f"{os.getloadavg()[0]:.2f}"
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="moai-bench-serving-") as tmp:
        work = Path(tmp)
        print("preparing: fit + log the forest, generate the service ...", flush=True)
        ctx = prepare(work)
        port = _free_port()
        specs = servers(ctx, port)
        if args.log_overhead:
            log_overhead(args, wrk, specs["generated (onnx)"], port, work)
            return
        records = [ctx["record"]] * 1000
        batch_bodies = {"generated (onnx)": {"records": records}, "pycaret-style": records}
        single: dict[str, list[dict[str, float]]] = {name: [] for name in specs}
        batch: dict[str, list[dict[str, float]]] = {name: [] for name in batch_bodies}
        for round_no in range(1, args.rounds + 1):
            for name, spec in specs.items():
                print(
                    f"round {round_no}: {name}, one record per request, {args.seconds} s",
                    flush=True,
                )
                single[name].append(
                    measure(
                        wrk,
                        spec,
                        port,
                        spec["body"],
                        spec["path"],
                        args.seconds,
                        args.connections,
                        work,
                    )
                )
            for name, body in batch_bodies.items():
                print(
                    f"round {round_no}: {name}, 1000 records per request, {args.seconds} s",
                    flush=True,
                )
                batch[name].append(
                    measure(wrk, specs[name], port, body, "/predict/batch", args.seconds, 2, work)
                )
        report(
            {k: _median(v) for k, v in single.items()}, {k: _median(v) for k, v in batch.items()}
        )
        print(f"\nmedians of {args.rounds} interleaved rounds; per-round req/s:")
        for name, runs in {**single, **{f"{k} batch": v for k, v in batch.items()}}.items():
            print(f"  {name:<24}" + "  ".join(f"{r['rps']:8.1f}" for r in runs))
        pairs = [
            g["rps"] / b["rps"]
            for g, b in zip(single["generated (onnx)"], single["bare fastapi"], strict=True)
        ]
        print(
            "generated / bare, measured back to back in each round: "
            + ", ".join(f"{p:.2f}" for p in pairs)
        )


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (its threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_run(
    wrk: str, spec: dict[str, Any], port: int, secs: int, conns: int, work: Path
) -> dict[str, float]:
    """Throughput, and the server's CPU time per request: steadier than req/s on a shared
    machine."""
    proc = start(spec, port)
    try:
        url = f"http://127.0.0.1:{port}{spec['path']}"
        drive(wrk, url, spec["body"], 2, conns, work)  # warm-up
        before = _cpu_s(proc.pid)
        result = drive(wrk, url, spec["body"], secs, conns, work)
        result["cpu_us"] = (_cpu_s(proc.pid) - before) / (result["rps"] * secs) * 1e6
        return result
    finally:
        stop(proc)


def log_overhead(
    args: argparse.Namespace, wrk: str, plain: dict[str, Any], port: int, work: Path
) -> None:
    """The generated service with MOAI_PREDICTION_LOG off and on, interleaved rounds, single
    records; with
    `--compare-log FILE`, also a copy of the service whose app/prediction_log.py is FILE (e.g. an
    older one
    from `git show REV:templates/serving/app/prediction_log.py.j2`), so both are measured in one
    run."""
    variants = {
        "log off": plain,
        "log on": {**plain, "env": {"MOAI_PREDICTION_LOG": str(work / "predictions")}},
    }
    if args.compare_log:
        other = work / "service-compare"
        shutil.copytree(plain["cwd"], other)
        shutil.copyfile(args.compare_log, other / "app" / "prediction_log.py")
        logs = str(work / "predictions-compare")
        variants["log on (compared)"] = {
            **plain,
            "cwd": other,
            "env": {"MOAI_PREDICTION_LOG": logs},
        }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    for round_no in range(1, args.rounds + 1):
        for name, spec in variants.items():
            print(f"round {round_no}: generated (onnx), {name}, {args.seconds} s", flush=True)
            runs[name].append(_cpu_run(wrk, spec, port, args.seconds, args.connections, work))
    print(
        f"\nload average before / after: {args.load_before} / {os.getloadavg()[0]:.2f} (2 "
        "cores shared)"
    )
    print(
        f"\n{'generated (onnx)':<20}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}"
        f"{'CPU us/req':>12}{'loss':>8}{'CPU+':>8}"
    )
    off = _median(runs["log off"])
    for name, values in runs.items():
        r = _median(values)
        print(
            f"{name:<20}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['cpu_us']:>12.0f}"
            f"{1 - r['rps'] / off['rps']:>+8.1%}{r['cpu_us'] / off['cpu_us'] - 1:>+8.1%}"
        )
    for name, values in runs.items():
        if name != "log off":
            pairs = [1 - b["rps"] / a["rps"] for a, b in zip(runs["log off"], values, strict=True)]
            print(f"per-round throughput loss, {name}: {', '.join(f'{p:+.1%}' for p in pairs)}")
    costs = {
        "log on": log_cost_us(Path(plain["cwd"]) / "app" / "prediction_log.py", plain["body"], work)
    }
    if args.compare_log:
        costs["log on (compared)"] = log_cost_us(args.compare_log, plain["body"], work)
    for name, cost in costs.items():
        share = cost / off["cpu_us"]
        print(
            f"{name}: the log's own CPU per request, in process: {cost:.2f} us "
            f"({share:.1%} of the service's "
            f"{off['cpu_us']:.0f} us per request without it)"
        )
    on = _median(runs["log on"])
    for label, value in (
        ("median throughput loss", 1 - on["rps"] / off["rps"]),
        ("median CPU per request added", on["cpu_us"] / off["cpu_us"] - 1),
    ):
        verdict = "met" if value <= 0.10 else "NOT met"
        print(f"{label + ' with the prediction log:':<52}{value:+.1%}  {verdict} (<= 10 %)")


def log_cost_us(module_file: Path, record: dict[str, Any], work: Path, n: int = 100_000) -> float:
    """The prediction log's own CPU per request (the handler's append plus the writer's encoding and
    writing, all threads of this process), in microseconds: steady where req/s on a shared machine
    is not."""
    import importlib.machinery
    import importlib.util

    name = f"prediction_log_{abs(hash(module_file))}"
    loader = importlib.machinery.SourceFileLoader(name, str(module_file))
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    folder = work / f"cost-{module.__name__}"
    body, answer = (
        json.dumps(record).encode(),
        json.dumps({"prediction": 1, "probabilities": {"0": 0.1, "1": 0.9}}),
    )
    log = module.PredictionLog(folder, max_bytes=2**40)
    log.start()
    started = time.process_time()
    for _ in range(n):
        log.append(body, answer, False)
    log.close()
    spent = time.process_time() - started
    shutil.rmtree(folder, ignore_errors=True)
    return spent / n * 1e6


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    import statistics

    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
