"""`ml_export` as a capability (`requests`, `export_run`: prepare, job, record). A fitted
pipeline as a file: joblib, pickle, skops or ONNX with a parity check (`formats`), loading a
model without running untrusted code (`safe_load`), and the ONNX conversion (`onnx_convert`,
`onnx_inputs`, `onnx_infrequent`, `onnx_patches`) proven by `onnx_parity`, its label output in
the user's labels (`onnx_labels`); the neural families' network through torch.onnx, joined to
the preprocessing (`onnx_torch`).
"""

__all__ = [
    "export_run",
    "formats",
    "onnx_convert",
    "onnx_infrequent",
    "onnx_inputs",
    "onnx_labels",
    "onnx_parity",
    "onnx_patches",
    "onnx_torch",
    "requests",
    "safe_load",
]
