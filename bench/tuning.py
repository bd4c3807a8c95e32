"""Tuning quality at equal budgets: `ml_tune strategy=auto` vs FLAML `AutoML` vs plain Optuna-TPE
over
HistGradientBoosting, on a panel of tables, with the same 75/25 split and seed.

Tables: scikit-learn's bundled breast_cancer (binary), digits (multiclass) and diabetes
(regression),
and three generated locally: a binary table with categoricals, gaps, a date and hostile column
names;
a multiclass table with categoricals, gaps and dates; a regression table with a count target. Scores
on
the holdout: ROC-AUC (binary), macro F1 (multiclass), R² (regression); all higher-is-better.

ml_tune runs through the MCP server over stdio (the model is read back from its run); FLAML runs in
its own
venv (`bench/.venv-flaml`, made here: flaml[automl] pins xgboost<3); Optuna in the project's venv.
Every
system gets one thread. Run: `.venv/bin/python bench/tuning.py [--budgets 30 60] [--tables a b]
[--out f]`
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
FLAML_VENV = ROOT / "bench" / ".venv-flaml"
sys.path.insert(0, str(ROOT))
METRIC = {
    "binary": ("roc_auc", "roc_auc"),
    "multiclass": ("f1_macro", "macro_f1"),
    "regression": ("r2", "r2"),
}
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MOAI_ML_THREADS": "1"}


def _hostile(frame: pd.DataFrame) -> pd.DataFrame:
    names = [
        'price "quoted"',
        "{braces}",
        "a,comma",
        "naïve ünïcode",
        "[list]",
        "tab\tname",
        "colon: x",
    ]
    return frame.rename(columns={c: names[i] for i, c in enumerate(frame.columns[: len(names)])})


def _mixed(n: int, seed: int, kind: str) -> tuple[pd.DataFrame, str]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    city = rng.choice(["north", "south", "east", "west", "centre"], n)
    plan = rng.choice(["free", "basic", "pro", None], n, p=[0.4, 0.3, 0.2, 0.1])
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    effect = {"north": 0.8, "south": -0.5, "east": 0.2, "west": -0.9, "centre": 0.0}
    base = x[:, 0] * 1.2 - x[:, 1] ** 2 * 0.6 + np.sin(x[:, 2] * 2) + np.vectorize(effect.get)(city)
    base += (
        (plan == "pro") * 0.7
        + 0.4 * np.cos(day.day_of_year.to_numpy() / 58.0)
        + x[:, 3] * x[:, 4] * 0.5
    )
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)])
    frame["city"], frame["plan"], frame["day"] = city, plan, day.strftime("%Y-%m-%d")
    for col in ("x1", "x3"):
        frame.loc[rng.random(n) < 0.15, col] = np.nan
    noise = rng.normal(scale=0.8, size=n)
    if kind == "binary":
        frame["target"] = np.where(base + noise > 0.3, "yes", "no")
        return _hostile(frame), "target"
    if kind == "multiclass":
        frame["target"] = pd.cut(
            base + noise, [-np.inf, -1.0, 0.0, 1.0, np.inf], labels=["a", "b", "c", "d"]
        ).astype(str)
        return frame, "target"
    frame["target"] = rng.poisson(np.exp(0.45 * base + 0.5))
    return _hostile(frame), "target"


def tables() -> dict[str, tuple[pd.DataFrame, str, str]]:
    from sklearn import datasets

    out = {}
    for name, loader, task in (
        ("breast_cancer", datasets.load_breast_cancer, "binary"),
        ("digits", datasets.load_digits, "multiclass"),
        ("diabetes", datasets.load_diabetes, "regression"),
    ):
        bunch = loader(as_frame=True)
        frame = bunch.frame.copy()
        out[name] = (frame, "target", task)
    for name, kind, n in (
        ("gen_binary_hostile", "binary", 3000),
        ("gen_multiclass_dates", "multiclass", 4000),
        ("gen_counts_hostile", "regression", 4000),
    ):
        frame, target = _mixed(n, {"binary": 1, "multiclass": 2, "regression": 3}[kind], kind)
        out[name] = (frame, target, kind)
    return out


def split(frame: pd.DataFrame, target: str, task: str, folder: Path) -> tuple[Path, Path]:
    from sklearn.model_selection import train_test_split

    strat = frame[target] if task != "regression" else None
    train, test = train_test_split(frame, test_size=0.25, random_state=0, stratify=strat)
    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    return folder / "train.csv", folder / "test.csv"


def holdout_score(task: str, y: Any, pred: Any, proba: Any) -> float:
    from sklearn import metrics

    if task == "binary":
        return float(metrics.roc_auc_score(y, proba[:, 1]))
    if task == "multiclass":
        return float(metrics.f1_score(y, pred, average="macro"))
    return float(metrics.r2_score(y, pred))


FLAML_RUN = r"""
import json, sys, time
import pandas as pd
from flaml import AutoML
from sklearn import metrics
train, test, target, task, metric, budget = sys.argv[1:7]
tr, te = pd.read_csv(train), pd.read_csv(test)
for frame in (tr, te):
    if "day" in frame.columns:
        frame["day"] = pd.to_datetime(frame["day"])
X, y, Xt, yt = tr.drop(columns=[target]), tr[target], te.drop(columns=[target]), te[target]
started = time.time()
out = {}
try:
    automl = AutoML()
    automl.fit(X, y, task="regression" if task == "regression" else "classification", metric=metric,
               time_budget=float(budget), seed=0, n_jobs=1, verbose=0)
    pred = automl.predict(Xt)
    if task == "binary":
        proba = automl.predict_proba(Xt)
        score = metrics.roc_auc_score(yt == automl.classes_[1], proba[:, 1])
    elif task == "multiclass":
        score = metrics.f1_score(yt.astype(str), pd.Series(pred).astype(str), average="macro")
    else:
        score = metrics.r2_score(yt, pred)
    out = {"score": float(score), "model": automl.best_estimator}
except Exception as exc:
    out = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"}
out["wall_s"] = time.time() - started
print("RESULT " + json.dumps(out))
"""

OPTUNA_RUN = r"""
import json, sys, time, warnings
import numpy as np, optuna, pandas as pd
from sklearn import metrics
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.WARNING)
train, test, target, task, budget = sys.argv[1:6]
tr, te = pd.read_csv(train), pd.read_csv(test)
started = time.time()
def encode(frame, cats):
    X = frame.drop(columns=[target]).copy()
    for col in X.columns:
        if col == "day":
            X[col] = (pd.to_datetime(X[col]) - pd.Timestamp("2000-01-01")).dt.days
        elif not pd.api.types.is_numeric_dtype(X[col]):
            known = cats.setdefault(col, sorted(X[col].dropna().unique()))
            X[col] = pd.Categorical(X[col], categories=known)
    return X
cats = {}
X, Xt = encode(tr, cats), encode(te, cats)
y, yt = tr[target], te[target]
reg = task == "regression"
scoring = {"binary": "roc_auc", "multiclass": "f1_macro", "regression": "r2"}[task]
splitter = KFold if reg else StratifiedKFold
cv = splitter(5, shuffle=True, random_state=0)
def make(p):
    cls = HistGradientBoostingRegressor if reg else HistGradientBoostingClassifier
    return cls(categorical_features="from_dtype", random_state=0, **p)
def objective(trial):
    p = {"learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
         "max_iter": trial.suggest_int("max_iter", 50, 500, log=True),
         "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 8, 128, log=True),
         "min_samples_leaf": trial.suggest_int("min_samples_leaf", 2, 100, log=True),
         "l2_regularization": trial.suggest_float("l2_regularization", 1e-6, 10.0, log=True)}
    return cross_val_score(make(p), X, y, cv=cv, scoring=scoring).mean()
study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))
study.optimize(objective, timeout=float(budget))
model = make(study.best_params).fit(X, y)
if task == "binary":
    score = metrics.roc_auc_score(yt == model.classes_[1], model.predict_proba(Xt)[:, 1])
elif task == "multiclass":
    score = metrics.f1_score(yt, model.predict(Xt), average="macro")
else:
    score = metrics.r2_score(yt, model.predict(Xt))
wall_s = time.time() - started
result = {"score": float(score), "trials": len(study.trials), "wall_s": wall_s}
print("RESULT " + json.dumps(result))
"""


def run_script(python: str, code: str, args: list[str], timeout: float) -> dict[str, Any]:
    try:
        proc = subprocess.run(
            [python, "-c", code, *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=ENV,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    return dict(json.loads(lines[-1][7:]))


def ensure_flaml() -> str:
    python = FLAML_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(FLAML_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "flaml[automl]>=2.3", "pandas"],
            check=True,
        )
    return str(python)


async def run_ours(
    client: Any, project: Path, rel: str, test: Path, target: str, task: str, budget: int
) -> dict[str, Any]:
    import joblib

    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    started = time.time()
    raw = await client.call_tool(
        "ml_tune",
        {
            "data_path": rel,
            "target": target,
            "metric": METRIC[task][0],
            "time_budget_s": budget,
            "seed": 0,
            "task": task,
            "background": False,
        },
    )
    wall = time.time() - started
    if raw.is_error:
        return {
            "error": " ".join(getattr(c, "text", "") for c in raw.content)[:200],
            "wall_s": wall,
        }
    result = raw.structured_content
    folder = project / result["artifacts"] / "moai"
    model = joblib.load(folder / "model.joblib")
    schema = Schema.from_dict(json.loads((folder / "schema.json").read_text()))
    frame = pd.read_csv(test)
    X, y = coerce_frame(frame, schema), encode_target(frame[target], schema)
    proba = model.predict_proba(X) if task != "regression" else None
    score = holdout_score(task, y, model.predict(X), proba)
    return {
        "score": score,
        "wall_s": wall,
        "model": result["best_model"],
        "cv": result["best_cv"],
        "trials": result["trials_done"],
        "refit_s": result["refit_s"],
    }


def report(rows: list[dict[str, Any]]) -> None:
    systems = ("ours", "flaml", "optuna")
    for budget in sorted({r["budget"] for r in rows}):
        print(
            f"\n== budget {budget} s (holdout: ROC-AUC binary, macro F1 multiclass, R² "
            "regression) =="
        )
        print(
            f"{'table':24} {'ml_tune auto':>22} {'FLAML':>22} {'Optuna-TPE HGB':>22}  gap "
            "to best other"
        )
        means: dict[str, list[float]] = {s: [] for s in systems}
        gaps = []
        for table in dict.fromkeys(r["table"] for r in rows if r["budget"] == budget):
            got = {r["system"]: r for r in rows if r["budget"] == budget and r["table"] == table}
            cells = []
            for s in systems:
                r = got.get(s, {})
                if "score" in r:
                    means[s].append(r["score"])
                    cells.append(f"{r['score']:.4f} ({r['wall_s']:.0f} s)")
                else:
                    cells.append(("crash: " + r.get("error", "not run"))[:22])
            others = [got[s]["score"] for s in ("flaml", "optuna") if "score" in got.get(s, {})]
            gap = (
                got["ours"]["score"] - max(others)
                if others and "score" in got.get("ours", {})
                else float("nan")
            )
            gaps.append(gap)
            print(f"{table:24} {cells[0]:>22} {cells[1]:>22} {cells[2]:>22}  {gap:+.4f}")
        line = "  ".join(f"{s}: {np.mean(v):.4f} over {len(v)}" for s, v in means.items() if v)
        print(f"means: {line}")
        print(f"worst gap to the better of FLAML/Optuna: {np.nanmin(gaps):+.4f}")
        print("(FLAML's mean leaves out the tables it crashed on; compare per table)")


async def main_async(args: argparse.Namespace) -> None:
    from tests.support import stdio_client

    out = Path(args.out)
    rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    done = {(r["table"], r["budget"], r["system"]) for r in rows}
    flaml = ensure_flaml() if "flaml" in args.systems else ""
    panel = tables()
    project = Path(tempfile.mkdtemp(prefix="bench-tuning-"))
    paths = {
        name: split(frame, target, task, project / name)
        for name, (frame, target, task) in panel.items()
    }
    async with stdio_client(project) as client:
        # A long-lived server is warm: its job forkserver has imported the libraries already.
        await client.call_tool(
            "ml_tune",
            {
                "data_path": "breast_cancer/train.csv",
                "target": "target",
                "n_trials": 1,
                "models": ["logistic_regression"],
                "time_budget_s": 300,
            },
        )
        for budget in args.budgets:
            for name in args.tables or list(panel):
                _, target, task = panel[name]
                train, test = paths[name]
                for system in args.systems:
                    if (name, budget, system) in done:
                        continue
                    if system == "ours":
                        res = await run_ours(
                            client, project, f"{name}/train.csv", test, target, task, budget
                        )
                    elif system == "flaml":
                        res = run_script(
                            flaml,
                            FLAML_RUN,
                            [str(train), str(test), target, task, METRIC[task][1], str(budget)],
                            budget * 4 + 120,
                        )
                    else:
                        res = run_script(
                            sys.executable,
                            OPTUNA_RUN,
                            [str(train), str(test), target, task, str(budget)],
                            budget * 4 + 120,
                        )
                    row = {"table": name, "budget": budget, "system": system, **res}
                    rows.append(row)
                    with out.open("a") as handle:
                        handle.write(json.dumps(row) + "\n")
                    print(json.dumps(row), flush=True)
    report(rows)


def main() -> None:
    import anyio

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", type=int, nargs="+", default=[30, 60])
    parser.add_argument("--tables", nargs="*", default=None)
    parser.add_argument("--systems", nargs="+", default=["ours", "flaml", "optuna"])
    parser.add_argument(
        "--out",
        default=str(Path(tempfile.gettempdir()) / "moai-bench-tuning.jsonl"),
        help="results, one JSON per line; rows already there are not run again",
    )
    parser.add_argument("--report", action="store_true", help="only print the table of --out")
    args = parser.parse_args()
    if args.report:
        report([json.loads(line) for line in Path(args.out).read_text().splitlines()])
        return
    anyio.run(main_async, args)


if __name__ == "__main__":
    main()
