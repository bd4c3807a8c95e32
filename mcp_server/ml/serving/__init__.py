"""Generated prediction services: the FastAPI service rendered from `templates/serving/`
(`service`) and writing it for a run, model file included (`generate`); an image run's upload
service (`images`, `templates/serving_images/`); a time-series run's (`forecast`); a TorchServe
deployment of a PyTorch network run (`torchserve`; an image or text network's in
`torchserve_networks`, its `.mar` built by `torchserve_archive`) and a TF Serving SavedModel of a
Keras-MLP run (`tfserving`, built by `tf_savedmodel_script` in the TensorFlow venv); which model
families those two runtimes take (`families`); `ml_generate_serving` as a capability over
`generate`'s steps (`requests`, `serving_run`).
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
    "torchserve_archive",
    "torchserve_networks",
]
