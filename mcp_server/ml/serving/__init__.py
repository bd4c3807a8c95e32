"""Generated prediction services: the FastAPI service rendered from `templates/serving/`
(`service`) and writing it for a run, model file included (`generate`); a TorchServe deployment
of a torch-MLP run (`torchserve`) and a TF Serving SavedModel of a Keras-MLP run (`tfserving`,
built by `tf_savedmodel_script` in the TensorFlow venv); which model family each of those two
runtimes takes (`families`).
"""

__all__ = ["families", "generate", "service", "tf_savedmodel_script", "tfserving", "torchserve"]
