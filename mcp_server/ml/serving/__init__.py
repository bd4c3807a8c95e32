"""Generated prediction services: the FastAPI service rendered from `templates/serving/`
(`service`) and writing it for a run, model file included (`generate`). TorchServe and
TF Serving join here.
"""

__all__ = ["generate", "service"]
