"""Fresh tables the product has never seen, written as CSV: what a new user brings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def insurance(rows: int = 800, seed: int = 3) -> pd.DataFrame:
    """Health-insurance style: a 0/1 flag, a True/False column, a category, numbers, a binary
    target."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, rows)
    smoker = rng.integers(0, 2, rows)  # 0/1 flag as the CSV holds it
    married = rng.random(rows) < 0.5  # written as True/False
    region = rng.choice(["north", "south", "east", "west"], rows)
    bmi = np.round(rng.normal(27, 4, rows), 1)
    score = 0.04 * (age - 50) + 1.2 * smoker + 0.1 * (bmi - 27) + rng.normal(0, 1, rows)
    claim = np.where(score > 0.3, "yes", "no")
    return pd.DataFrame(
        {
            "age": age,
            "smoker": smoker,
            "married": married,
            "region": region,
            "bmi": bmi,
            "claim": claim,
        }
    )


def visits(rows: int, seed: int = 5) -> pd.DataFrame:
    """A count target (visits, 59 distinct values) driven by two numbers."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    values = np.clip(np.round(29 + 12 * x + rng.normal(0, 3, rows)), 0, 58).astype(int)
    values[:59] = np.arange(59)  # every count from 0 to 58 occurs
    return pd.DataFrame({"x": x, "noise": rng.normal(size=rows), "visits": values})


def write(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def spec(
    project: Path, spec_id: str, dataset: str, target: str, metric: str, threshold: float
) -> None:
    """A minimal SPEC with one gate."""
    folder = project / ".moai" / "specs" / f"SPEC-{spec_id}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.md").write_text(
        f"---\nid: {spec_id}\nversion: 0.0.1\nstatus: draft\n---\n\n# @SPEC:{spec_id}: "
        "fidelity check\n\n"
        "## Requirements\n\n- Ubiquitous: the system shall predict the target.\n\n## "
        "ML\n\n```yaml\n"
        f"dataset: {dataset}\ntarget: {target}\nmetric: {metric}\nthreshold: "
        f"{threshold}\nseed: 42\n```\n",
        encoding="utf-8",
    )


def grades(rows: int = 900, seed: int = 7) -> pd.DataFrame:
    """Integer-labelled multiclass (grades 3, 7, 11) with a 0/1 flag and a category."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    flag = rng.integers(0, 2, rows)
    shop = rng.choice(["a", "b", "c"], rows)
    score = x + 0.8 * flag + rng.normal(0, 0.5, rows)
    grade = np.select([score < -0.3, score < 0.9], [3, 7], 11)
    return pd.DataFrame({"x": x, "flag": flag, "shop": shop, "grade": grade})


def segments(rows: int = 900, seed: int = 11) -> pd.DataFrame:
    """String-labelled multiclass with a True/False column, a 0/1 flag and a category."""
    rng = np.random.default_rng(seed)
    spend = rng.gamma(2.0, 50.0, rows).round(2)
    member = rng.random(rows) < 0.4
    promo = rng.integers(0, 2, rows)
    city = rng.choice(["paris", "oslo", "rome"], rows)
    score = spend / 50 + 1.5 * member + 0.5 * promo + rng.normal(0, 0.4, rows)
    segment = np.select([score < 1.8, score < 3.2], ["bronze", "silver"], "gold")
    return pd.DataFrame(
        {"spend": spend, "member": member, "promo": promo, "city": city, "segment": segment}
    )


WORDS = [
    "late",
    "payment",
    "fee",
    "branch",
    "helpful",
    "app",
    "crash",
    "loan",
    "rate",
    "great",
    "slow",
    "card",
]


def accounts(rows: int = 800, seed: int = 13) -> pd.DataFrame:
    """An account-opening date, a free-text note, a 0/1 flag and a balance; binary churn target."""
    rng = np.random.default_rng(seed)
    opened = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 2400, rows), unit="D")
    notes = [" ".join(rng.choice(WORDS, 7)) + f" ref {i}" for i in range(rows)]
    online = rng.integers(0, 2, rows)
    balance = rng.gamma(2.0, 800.0, rows).round(2)
    score = (opened.year - 2021) * 0.6 - 0.8 * online + rng.normal(0, 0.8, rows)
    churn = np.where(score > 0, "left", "stayed")
    return pd.DataFrame(
        {
            "opened": opened.strftime("%Y-%m-%d"),
            "note": notes,
            "online": online,
            "balance": balance,
            "churn": churn,
        }
    )


def branches(rows: int = 700, seed: int = 17, unseen: bool = False) -> pd.DataFrame:
    """A full table as a user brings it: an id, an opening date, a free-text note, a True/False
    column, a region, a balance with gaps; binary churn target. `unseen`: new rows where every
    sixth region is one training never saw, every fifth balance and membership is missing and
    every ninth date is text that is not a date."""
    rng = np.random.default_rng(seed)
    opened = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1800, rows), unit="D")
    region = rng.choice(["north", "south", "east", "west"], rows).astype(object)
    member = (rng.random(rows) < 0.5).astype(object)
    balance = rng.gamma(2.0, 700.0, rows).round(2)
    score = (opened.year - 2021) * 0.5 + (region == "north") - 0.7 * member.astype(bool)
    frame = pd.DataFrame(
        {
            "account_id": np.arange(100_000 + seed * rows, 100_000 + (seed + 1) * rows),
            "opened": opened.strftime("%Y-%m-%d").astype(object),
            "note": [" ".join(rng.choice(WORDS, 6)) + f" ref {i}" for i in range(rows)],
            "member": member,
            "region": region,
            "balance": np.where(rng.random(rows) < 0.05, np.nan, balance),
            "churn": np.where(score + rng.normal(0, 0.8, rows) > 0, "left", "stayed"),
        }
    )
    if unseen:
        frame.loc[frame.index % 6 == 0, "region"] = "north-west"
        frame.loc[frame.index % 5 == 0, ["balance", "member"]] = np.nan
        frame.loc[frame.index % 9 == 0, "opened"] = "not a date"
    return frame
