"""Names the whole product shares: the tasks, and the patterns of ids and names (one home each).

Tool arguments validate against these patterns, the domain checks against these tuples, and
the output models use the `Task` literal, so a new task or a wider id is one edit here.
"""

from __future__ import annotations

import secrets
import time
from typing import Literal

BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"
CLASSIFICATION_TASKS = (BINARY, MULTICLASS)
REGRESSION_TASKS = (REGRESSION,)
TASKS = (*CLASSIFICATION_TASKS, *REGRESSION_TASKS)
AUTO = "auto"
TASK_CHOICES = (AUTO, *TASKS)  # what a caller may ask for: a task, or 'auto' to infer it

Task = Literal["binary", "multiclass", "regression"]
TaskChoice = Literal["auto", "binary", "multiclass", "regression"]

SPEC_ID = r"^[A-Z][A-Z0-9]*-[0-9]{1,6}$"  # a SPEC id as runs are tagged and filtered (ML-001)
SPEC_FILE_ID = r"^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$"  # the id a SPEC file may declare (ml/spec)
RUN_ID = r"^[A-Za-z0-9_-]{1,64}$"  # an MLflow run id
# a run id, or models:/name@alias, /name/N
RUN_REF = r"^(models:/[^\x00-\x1f]{1,400}|[A-Za-z0-9_-]{1,64})$"
MODEL_NAME = r"^[a-z][a-z0-9_]{0,63}$"  # a registry model name (ml/modeling/registry.py)
EXPERIMENT_NAME = r"^[^\x00-\x1f]{1,200}$"  # an MLflow experiment name
METRIC_NAME = r"^[a-z0-9_]{1,40}$"  # a metric name as a tool argument
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"  # a Python identifier (keywords are refused separately)
PACKAGE_NAME = IDENTIFIER  # the Python package generated code goes into


def is_classification(task: str) -> bool:
    return task in CLASSIFICATION_TASKS


def unique_name(prefix: str, sep: str = "-") -> str:
    """`<prefix><sep><UTC yyyymmdd-HHMMSS>-<6 hex digits>`: the one rule for names that must sort
    by time and never repeat (background job ids, default study names): two made in the same
    second differ by their random suffix."""
    return f"{prefix}{sep}{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
