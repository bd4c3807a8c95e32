#!/bin/sh
# TensorFlow in a venv of its own, for the TF Serving export (runtime="tfserving") and its tests.
# Why its own: TensorFlow pins h5py and wrapt differently from the main environment, is large, and
# loading it beside torch in one process is asking for trouble. The server reaches it through
# MOAI_ML_TF_PYTHON (the Makefile's test target sets it to this venv's python).
# tensorflow-serving-api is installed without its dependencies: it asks for the full `tensorflow`
# package, while tensorflow-cpu already provides the `tensorflow` module its protos import.
set -eu
VENV="${1:-.venv-tf}"
PYTHON="${2:-python3.11}"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "tensorflow-cpu==2.21.0" "keras>=3.6,<4"
"$VENV/bin/python" -m pip install --quiet --no-deps "tensorflow-serving-api==2.21.0"
"$VENV/bin/python" -c "import tensorflow, tensorflow_serving.config.model_server_config_pb2"
