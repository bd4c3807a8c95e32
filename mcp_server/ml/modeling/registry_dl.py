"""The registry's deep-learning entries: neural networks for tables, images and free text.

Part of the estimator registry (`registry.py` joins them): like it, the only place these
families are named. Each entry is built by its kind's helper in `estimator_spec`.
"""

from __future__ import annotations

from mcp_server.ml.modeling.estimator_spec import image_spec, neural_spec, text_spec

# A text family classifies; a text SPEC that predicts a number is pointed to this TF-IDF family.
TEXT_REGRESSOR = "ridge"

# Neural networks for tables (the `dl` extra): seconds per fit, so compared only when named.
DEEP_LEARNING = [
    neural_spec("torch_mlp", "neural", "TorchMLP", "skorch", "torchserve", "PyTorch"),
    neural_spec("keras_mlp", "keras_mlp", "KerasMLP", "keras", "tfserving", "Keras"),
    # Images (`kinds/images.py`): files pass through; transfer learning needs params["checkpoint"];
    # the Keras CNN (image_cnn's twin) is compared only when named.
    # TorchServe serves the PyTorch networks that script whole: the MLP, the CNN, the Transformer.
    image_spec("image_cnn", "image_cnn:ImageCNNClassifier", "torch", 13, ("torchserve",)),
    image_spec("keras_cnn", "keras_cnn:KerasCNNClassifier", "keras", 13, ("tfserving",)),
    image_spec("image_pretrained", "image_transfer:PretrainedImageClassifier", "transformers", 14),
    # Free text: a table's text column as raw strings (not TF-IDF), each family its own tokenizer.
    text_spec(
        "text_transformer",
        "text_transformer:TextTransformerClassifier",
        "tokenizers",
        15,
        ("torchserve",),
        regress_with=TEXT_REGRESSOR,
    ),
    text_spec(
        "text_pretrained",
        "text_pretrained:PretrainedTextClassifier",
        "transformers",
        16,
        regress_with=TEXT_REGRESSOR,
    ),
]

__all__ = ["DEEP_LEARNING"]
