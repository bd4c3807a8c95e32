"""The hostile corpus: traps laid in the workspace, path tricks, and junk values for any field.

`lay_traps` builds, inside a copy of examples/, every kind of path an attacker or an unlucky user
can hand a tool (symlinks out, symlinked parents, loops, FIFOs, devices, directories for files),
and a canary directory beside the workspace that nothing may change.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from pathlib import Path
from typing import Any

BIG = 200_000  # characters of a "huge string" in the bounded run; `make fuzz` uses 5 MB


def lay_traps(project: Path, canary: Path) -> None:
    """The canary (outside) and the traps (inside) that the path tricks point at."""
    canary.mkdir(parents=True, exist_ok=True)
    shutil.copy(project / "data/breast_cancer.csv", canary / "secret.csv")
    (canary / "sub").mkdir(exist_ok=True)
    (canary / "sub/note.txt").write_text("canary\n")
    traps = project / "traps"
    traps.mkdir()
    (traps / "out.csv").symlink_to(canary / "secret.csv")
    (traps / "outdir").symlink_to(canary)
    (traps / "loop").symlink_to(traps / "loop")
    (traps / "dangling.csv").symlink_to(canary / "does-not-exist.csv")
    (traps / "dir.csv").mkdir()
    (traps / "spec.md").mkdir()
    os.mkfifo(traps / "fifo.csv")
    os.mkfifo(traps / "fifo.md")
    (traps / "zero.csv").symlink_to("/dev/zero")
    # root with CAP_MKNOD: a real device node inside the workspace
    with contextlib.suppress(OSError):
        os.mknod(traps / "chardev.csv", stat.S_IFCHR | 0o666, os.makedev(1, 5))
    (traps / "utf16.csv").write_bytes((project / "data/diabetes.csv").read_text().encode("utf-16"))
    (traps / "blob.parquet").write_bytes(b"PAR1" + os.urandom(2000) + b"PAR1")


def path_trick_classes(project: Path, canary: Path) -> dict[str, list[str]]:
    """Every path trick, as a caller would type it, by the kind of trick."""
    return {
        "traversal": ["../canary/secret.csv", "data/../../canary/secret.csv"],
        "absolute": [str(canary / "secret.csv"), str(canary), "/etc/passwd", "/"],
        "home": ["~/secret.csv", "~root/.bashrc"],
        "symlinks out": [
            "traps/out.csv",
            "traps/outdir",
            "traps/outdir/secret.csv",
            "traps/outdir/new/model",
        ],
        "loops and dangling links": ["traps/loop", "traps/loop/x.csv", "traps/dangling.csv"],
        "special files": [
            "/dev/zero",
            "/proc/self/environ",
            "traps/fifo.csv",
            "traps/fifo.md",
            "traps/zero.csv",
            "traps/chardev.csv",
        ],
        "directories for files": ["traps/dir.csv", "traps/spec.md", "."],
        "foreign content": ["traps/utf16.csv", "traps/blob.parquet"],
        "long": ["traps/" + "p" * 300 + ".csv", "x/" * 1500 + "y.csv"],
        "control characters": ["data/breast_cancer.csv\x00.txt", "data/breast_cancer.csv\r\nX"],
        "urls": ["file:///etc/passwd", "http://127.0.0.1:9/x.csv"],
        "windows": ["C:\\Windows\\win.ini", "\\\\server\\share\\x.csv"],
        "options": ["--help", "-rf"],
        "blank": [" "],
    }


# The tricks that point outside the workspace: each is sent whenever its class is (a success is
# an escape), where the other classes may send one representative.
ESCAPING = ("traversal", "absolute", "home", "symlinks out", "loops and dangling links")


def path_tricks(project: Path, canary: Path) -> list[str]:
    """Every path trick, as a caller would type it."""
    return [t for tricks in path_trick_classes(project, canary).values() for t in tricks]


def junk_classes() -> dict[str, list[Any]]:
    """Wrong types, extremes and code-looking strings, by kind: what any field must survive."""
    nested: Any = 0
    for _ in range(100):  # deeper is refused by the client's own encoder; frames test 100k
        nested = [nested]
    return {
        "wrong types": [
            None,
            True,
            False,
            [],
            {},
            [1, "a", None],
            {"a": {"b": {"c": [1, 2, {"d": None}]}}},
        ],
        "extreme numbers": [0, -1, 2**63, -(2**63) - 1, 10**30, 1.5, -0.0, 1e308],
        "non-finite": [float("nan"), float("inf"), float("-inf"), "nan", "inf", "-inf", "1e999"],
        "blank": ["", " ", "\x00", "NaN"],
        "huge": ["A" * BIG, nested, list(range(5000)), {str(i): i for i in range(2000)}],
        "injection": [
            "{{ 7 * 7 }}",
            "{% for x in range(10**9) %}{% endfor %}",
            "__import__('os').system('id')",
            "'; DROP TABLE runs; --",
            "$(touch /tmp/pwned)",
            "`id`",
            "%s%s%n",
            "{0.__class__}",
            "<script>alert(1)</script>",
        ],
        "unicode and control": ["\u202eevil", "😀" * 50, "a\nb\rc\td"],
        "executing": executing(),
    }


def junk_values() -> list[Any]:
    """Every junk value of every class."""
    return [value for values in junk_classes().values() for value in values]


EXECUTED = "FUZZ_EXECUTED"  # a file a payload writes if it ever runs as code or shell


def executing() -> list[str]:
    """Payloads that write the EXECUTED marker (relative to whatever runs them) if they run as
    Python, shell, a generated file's code or a docstring they closed: counted as executions."""
    act = f"open({EXECUTED!r}, 'w').write('x')"
    return [
        f"__import__('pathlib').Path({EXECUTED!r}).touch()",
        f'x"""+str({act})+"""',
        f"x'''+str({act})+'''",
        f"x\n{act}\n#",
        f"$(touch {EXECUTED})",
        f"`touch {EXECUTED}`; touch {EXECUTED}",
    ]


def specific_calls() -> list[tuple[str, dict[str, Any]]]:
    """Findings of issue 15 that need a particular combination of arguments."""
    data = {"data_path": "data/breast_cancer.csv", "target": "target"}
    return [
        (
            "ml_train",
            {**data, "model": "lightgbm", "params": {"forcedbins_filename": "/etc/passwd"}},
        ),
        (
            "ml_train",
            {
                **data,
                "model": "lightgbm",
                "params": {"forcedsplits_filename": "../canary/secret.csv"},
            },
        ),
        ("ml_train", {**data, "model": "xgboost", "params": {"model_file": "/etc/passwd"}}),
        ("ml_train", {**data, "model": "knn", "params": {"n_neighbors": 100000}}),
        ("ml_train", {**data, "model": "random_forest", "params": {"n_estimators": -5}}),
        ("ml_train", {**data, "model": "logistic_regression", "params": {"C": "nan"}}),
        (
            "ml_train",
            {
                **data,
                "model": "logistic_regression",
                "params": {"max_iter": 10**12},
                "time_budget_s": 20,
            },
        ),
        ("ml_train", {**data, "data_path": "traps/dir.csv"}),
        (
            "ml_compare_models",
            {**data, "models": ["knn"] * 20, "cv_folds": 20, "time_budget_s": 30},
        ),
        ("ml_profile_data", {"data_path": "traps/utf16.csv"}),
    ]
