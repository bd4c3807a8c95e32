"""The TensorFlow venv's side of the TF Serving deployments: which python has TensorFlow
(`MOAI_ML_TF_PYTHON`), and `tf_savedmodel_script.py` run there on the files it is given."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from mcp_server.core.errors import MoaiMlError

__all__ = ["SCRIPT", "run_script", "tf_python"]
SCRIPT = Path(__file__).with_name("tf_savedmodel_script.py")


def tf_python() -> str:
    """The interpreter that has TensorFlow: MOAI_ML_TF_PYTHON, else this one if it has it."""
    from mcp_server.core import settings

    configured = settings.TF_PYTHON.raw()
    if configured:
        if not Path(configured).is_file():
            raise MoaiMlError(
                f"{settings.TF_PYTHON.name}={configured!r} is not a file; point it at a "
                "python with TF"
            )
        return configured
    if importlib.util.find_spec("tensorflow") is not None:
        return sys.executable
    raise MoaiMlError(
        "writing a SavedModel needs TensorFlow: run scripts/setup_tf_venv.sh (a venv of "
        "its own) and set "
        f"{settings.TF_PYTHON.name} to its python, or pip install tensorflow-cpu"
    )


def run_script(inputs: dict[str, bytes], args: list[str]) -> dict[str, bytes]:
    """`tf_savedmodel_script.py args...` in the TensorFlow venv, in a folder holding `inputs`;
    the files of the SavedModel it writes to `saved/`, relative to it."""
    from mcp_server.core import settings

    with tempfile.TemporaryDirectory(prefix="moai-tf-") as tmp:
        folder = Path(tmp)
        for name, data in inputs.items():
            (folder / name).write_bytes(data)
        env = settings.child_env(  # the SavedModel is TensorFlow's
            {settings.KERAS_BACKEND: "tensorflow"}, defaults=(settings.TF_CPP_MIN_LOG_LEVEL,)
        )
        done = subprocess.run(
            [tf_python(), str(SCRIPT), *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        saved = folder / "saved"
        if done.returncode != 0 or not (saved / "saved_model.pb").is_file():
            raise MoaiMlError(
                f"TensorFlow could not write the SavedModel ({done.stderr.strip()[-600:]}); "
                f"check the TensorFlow of {settings.TF_PYTHON.name}, or pass runtime='joblib'"
            )
        return {
            p.relative_to(saved).as_posix(): p.read_bytes()
            for p in sorted(saved.rglob("*"))
            if p.is_file()
        }
