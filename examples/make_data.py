"""Regenerate the example tables reproducibly: `python examples/make_data.py`.

ML-001 breast cancer and ML-002 diabetes come from scikit-learn's bundled data (no download);
ML-003 is a seeded synthetic customer table with categorical columns and missing values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes

HERE = Path(__file__).parent / "data"


def breast_cancer() -> pd.DataFrame:
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.copy()
    rng = np.random.default_rng(7)
    frame.insert(0, "patient_id", rng.permutation(np.arange(100_000, 100_000 + len(frame))))
    return frame


def diabetes() -> pd.DataFrame:
    bunch = load_diabetes(as_frame=True, scaled=False)
    frame = bunch.frame.copy()
    frame["sex"] = frame["sex"].map({1.0: "female", 2.0: "male"})
    return frame.rename(columns={"target": "progression"})


def customers(n: int = 1500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.3, 0.3, 0.2, 0.2])
    plan = rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2])
    age = rng.normal(42, 12, n).clip(18, 90).round()
    income = rng.lognormal(10.6, 0.4, n).round(-2)
    visits = rng.poisson(6, n)
    has_kids = rng.choice(["yes", "no"], n)
    score = (
        0.04 * (age - 42)
        + 1.2 * (plan == "pro")
        + 0.6 * (plan == "plus")
        + 0.9 * np.log(income / 40_000)
        + 0.15 * (visits - 6)
        + 0.5 * (region == "west")
        + rng.normal(0, 0.2, n)
    )
    segment = np.select([score < -0.3, score < 0.8], ["budget", "standard"], "premium")
    frame = pd.DataFrame(
        {
            "age": age,
            "annual income ($)": income,
            "region": region,
            "plan": plan,
            "visits/month": visits,
            "has_kids": has_kids,
            "segment": segment,
        }
    )
    for column, share in (("age", 0.05), ("annual income ($)", 0.08), ("region", 0.06), ("plan", 0.03)):
        frame.loc[rng.random(n) < share, column] = np.nan
    return frame


def main() -> None:
    HERE.mkdir(exist_ok=True)
    breast_cancer().to_csv(HERE / "breast_cancer.csv", index=False)
    diabetes().to_csv(HERE / "diabetes.csv", index=False)
    customers().to_csv(HERE / "customers.csv", index=False)


if __name__ == "__main__":
    main()
