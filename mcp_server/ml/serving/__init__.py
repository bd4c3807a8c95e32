"""Generated prediction services: the FastAPI service rendered from `templates/serving/`
(`service`) and writing it for a run, model file included (`generate`); an image run's upload
service (`images`, `templates/serving_images/`); a time-series run's (`forecast`); a TorchServe
deployment of a torch-MLP run (`torchserve`) and a TF Serving SavedModel of a Keras-MLP run
(`tfserving`, built by `tf_savedmodel_script` in the TensorFlow venv); which model family each of
those two runtimes takes (`families`); `ml_generate_serving` as a capability over `generate`'s
steps (`requests`, `serving_run`).
"""

__all__ = [
    "families",
    "forecast",
    "generate",
    "images",
    "requests",
    "service",
    "serving_run",
    "tf_savedmodel_script",
    "tfserving",
    "torchserve",
]
