"""TorchServe deployment of an image or text network run (`image_cnn`, `text_transformer`).

The `.mar` holds the network as TorchScript (`torch.jit.script`: the Transformer's padding mask
and any sequence length are kept, which tracing loses), the input recipe the fitted model applies
(`input.json`: an image's size, colour mode and channels, augmentation being training's only, the
normalisation inside the network; a text's maximum length and `[CLS]` id) and, for text, the
fitted tokenizer (`tokenizer.json`, `tokenizers`' own JSON). The handler templates
(`templates/torchserve/handler_image.py.j2`, `handler_text.py.j2`) decode an upload or a text,
run the network and answer the label and every class's probability, the softmax in float64 as the
fitted model computes it.
"""

from __future__ import annotations

import importlib.metadata
import io
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError

if TYPE_CHECKING:
    from mcp_server.ml.serving.service import ModelInfo

__all__ = ["network_kind", "render_network", "scripted_bytes"]
IMAGE, TEXT = "image", "text"
# What the archive holds beside model.pt and handler.py, per kind of network
EXTRA_FILES = {IMAGE: ("input.json",), TEXT: ("input.json", "tokenizer.json")}
VERSIONS = {IMAGE: ("torch", "pillow", "numpy"), TEXT: ("torch", "tokenizers", "numpy")}
# An upload with more pixels is refused before it is decoded (a 64 MP photo is far above it).
MAX_PIXELS = 40_000_000


def network_kind(estimator: Any) -> str | None:
    """`image` or `text` for a network that reads images or raw strings, else None (a table)."""
    if hasattr(estimator, "image_module"):
        return IMAGE
    if hasattr(estimator, "text_module"):
        return TEXT
    return None


def scripted_bytes(module: Any) -> bytes:
    """The network scripted to TorchScript, as the bytes of a `.pt` file (BaseHandler loads it)."""
    import copy
    import warnings

    import torch

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TorchScript's deprecation notice
        try:
            scripted = torch.jit.script(copy.deepcopy(module).eval())  # type: ignore[no-untyped-call]
        except Exception as exc:  # TorchScript raises many kinds of error
            first = (str(exc).splitlines() or [""])[0][:200]
            raise MoaiMlError(
                f"the network does not script to TorchScript ({type(exc).__name__}: {first}); "
                "pass runtime='joblib' instead"
            ) from exc
        torch.jit.save(scripted, buffer)  # type: ignore[no-untyped-call]
    return buffer.getvalue()


def _labels(info: ModelInfo, estimator: Any) -> list[Any]:
    """The label of each of the network's outputs, in the user's labels."""
    classes = list(info.schema.classes)
    return [classes[int(code)] for code in estimator.classes_]


def input_spec(info: ModelInfo, estimator: Any, kind: str) -> dict[str, Any]:
    """What `input.json` holds: the labels and the fitted input recipe."""
    spec: dict[str, Any] = {"kind": kind, "labels": _labels(info, estimator)}
    if kind == IMAGE:
        mode = str(estimator.color_)
        channels = 1 if mode == "L" else 3
        spec |= {"image_size": int(estimator.image_size_), "color": mode, "channels": channels}
        spec["max_pixels"] = MAX_PIXELS
    else:
        from tokenizers import Tokenizer

        from mcp_server.ml.modeling.text_transformer import CLS

        cls = Tokenizer.from_str(estimator.tokenizer_json_).token_to_id(CLS)
        spec |= {"max_length": int(estimator.max_length), "cls_id": int(cls or 0)}
    return spec


def render_network(info: ModelInfo, archive_name: str, kind: str) -> dict[str, bytes | str]:
    """Every file of the deployment of an image or text network, the `.mar` included."""
    from mcp_server.files.template_sets import template_set
    from mcp_server.ml.serving.torchserve_archive import build_archive

    estimator = info.pipeline.steps[-1][1]
    module = estimator.image_module() if kind == IMAGE else estimator.text_module()
    context = {
        "model_name": info.model_name,
        "run_id": info.run_id,
        "archive_name": archive_name,
        "kind": kind,
        "extra_files": ",".join(EXTRA_FILES[kind]),
        "versions": {name: importlib.metadata.version(name) for name in VERSIONS[kind]},
        "input_spec": input_spec(info, estimator, kind),
    }
    templates = template_set("torchserve")
    files: dict[str, bytes | str] = dict(templates.render(kind, context))
    files[templates.path("network", context)] = scripted_bytes(module)
    if kind == TEXT:
        files[templates.path("tokenizer", context)] = str(estimator.tokenizer_json_)
    files[templates.path("archive", {"model_name": archive_name})] = build_archive(
        files, archive_name, EXTRA_FILES[kind]
    )
    return files
