"""Guards against hostile input that are not about paths (paths: `workspace.py`).

Each guard refuses before the expensive or dangerous step happens, with a one-line message:
YAML aliases before expansion, special files before opening, estimator parameters that name
files before the estimator reads them. SECURITY.md lists what each one protects against.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from mcp_server.core.errors import MoaiMlError, SpecError, WorkspaceError

# Estimator parameters that make a library open a file on the server (LightGBM, XGBoost, CatBoost),
# LightGBM's aliases of each included (`tests/test_guards.py` holds the list to LightGBM's own
# alias table, so a new alias cannot slip through).
_LIGHTGBM_FILE_PARAMS = {
    "config": ("config_file",),
    "convert_model": ("convert_model_file",),
    "data": ("train", "train_data", "data_filename", "train_data_file"),
    "forcedbins_filename": ("forced_bins_filename",),
    "forcedsplits_filename": (
        "fs",
        "forced_splits",
        "forced_splits_file",
        "forced_splits_filename",
    ),
    "initscore_filename": ("init_score_filename", "init_score_file", "input_init_score"),
    "input_model": ("model_in", "model_input"),
    "machine_list_filename": ("mlist", "machine_list", "machine_list_file"),
    "machines": ("nodes", "workers"),
    "output_model": ("model_out", "model_output"),
    "output_result": (
        "name_pred",
        "pred_name",
        "predict_name",
        "predict_result",
        "prediction_name",
        "prediction_result",
    ),
    "parser_config_file": (),
    "valid": (
        "test",
        "test_data",
        "valid_data",
        "test_data_file",
        "valid_data_file",
        "valid_filenames",
    ),
    "valid_data_initscores": ("valid_data_init_scores", "valid_init_score_file"),
}
FILE_PARAMS = frozenset(
    {
        *_LIGHTGBM_FILE_PARAMS,
        *(alias for aliases in _LIGHTGBM_FILE_PARAMS.values() for alias in aliases),
        "train_dir",  # CatBoost
        "snapshot_file",
        "input_borders_file",
        "output_borders_file",
        "model_file",  # XGBoost
        "fname",
    }
)
_FILE_WORDS = ("file", "path", "dir", "filename", "fname")


def show(value: Any, limit: int = 80) -> str:
    """A value for an error message: its repr cut short; containers only by type and size.

    Why: a value from a SPEC or a tool argument can be arbitrarily large; an error message must
    stay one short line (and never walk a structure that might be huge).
    """
    if isinstance(value, str | bytes | int | float | bool) or value is None:
        text = (
            repr(value)
            if not isinstance(value, int) or abs(value) < 10**40
            else "<a very long number>"
        )
    else:
        size = len(value) if hasattr(value, "__len__") else "?"
        text = f"<{type(value).__name__} of {size} items>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_yaml(text: str, where: str) -> Any:
    """`yaml.safe_load`, refusing anchors and aliases before anything is built.

    Why: an alias expands to a shared copy of its anchor, so a few hundred bytes of nested
    aliases ("billion laughs") become gigabytes once anything walks or prints the value. The
    parser's event stream shows every anchor and alias without expanding one.
    """
    import yaml

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise SpecError(
                f"{where} uses YAML anchors or aliases (& or *); write each value out in full "
                "in the SPEC's '## ML' block and frontmatter"
            )
    return yaml.safe_load(text)


def check_regular_file(path: Path, shown: str) -> os.stat_result:
    """Refuse FIFOs, devices, sockets and directories before anything opens the path.

    Why: opening a FIFO blocks until a writer appears, and `/dev/zero`-like devices never end;
    either hangs the call and keeps a thread busy after the client gave up.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise WorkspaceError(
            f"file not found: {show(shown)}; give data_path an existing table"
        ) from None
    except OSError as exc:
        raise WorkspaceError(
            f"cannot read {show(shown)}: {exc.strerror or type(exc).__name__}; make it readable "
            "or give data_path another table"
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise WorkspaceError(
            f"{show(shown)} is a directory; give data_path a file (or a glob such as data/*.csv)"
        )
    if not stat.S_ISREG(info.st_mode):
        raise WorkspaceError(
            f"{show(shown)} is not a regular file (a FIFO, socket or device); give data_path a "
            "regular file"
        )
    return info


def refuse_file_params(params: dict[str, Any]) -> None:
    """Refuse estimator parameters that would make the library read or write a server file.

    Known file-reading keys are refused whatever their value; any other key whose name says it
    holds a file or path is refused when given a string (numbers and flags stay allowed).
    """
    for key, value in params.items():
        name = str(key).lower()
        if name in FILE_PARAMS or (
            isinstance(value, str) and any(word in name for word in _FILE_WORDS)
        ):
            raise MoaiMlError(
                f"parameter {show(key)} names a file on the server, which estimators may "
                "not read or write; "
                "remove it (data only comes in through data_path)"
            )
