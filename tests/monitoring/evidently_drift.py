"""Runs inside .venv-evidently (tests/monitoring/setup.sh): Evidently's own DataDriftTable verdicts.

argv[1]: JSON list of {"name", "reference", "current"} Parquet paths. Prints one JSON object:
{name: {"default": {column: {test, statistic, drifted, kind}}, "psi": {column: statistic},
"dataset_drift": bool, "share": float}}.
"""

import json
import sys
import warnings

import pandas as pd
from evidently.legacy.metrics import DataDriftTable
from evidently.legacy.pipeline.column_mapping import ColumnMapping
from evidently.legacy.report import Report

NAMES = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "PSI": "psi",
}


def table(reference, current, **options):
    metric = DataDriftTable(**options)
    report = Report(metrics=[metric])
    report.run(
        reference_data=reference,
        current_data=current,
        column_mapping=ColumnMapping(target=None, prediction=None),
    )
    return metric.get_result()


def main():
    warnings.simplefilter("ignore")
    out = {}
    for pair in json.loads(sys.argv[1]):
        reference, current = pd.read_parquet(pair["reference"]), pd.read_parquet(pair["current"])
        default, psi = table(reference, current), table(reference, current, stattest="psi")
        out[pair["name"]] = {
            "default": {
                name: {
                    "test": NAMES[c.stattest_name],
                    "statistic": float(c.drift_score),
                    "drifted": bool(c.drift_detected),
                    "kind": c.column_type,
                }
                for name, c in default.drift_by_columns.items()
            },
            "psi": {name: float(c.drift_score) for name, c in psi.drift_by_columns.items()},
            "dataset_drift": bool(default.dataset_drift),
            "share": float(default.share_of_drifted_columns),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
