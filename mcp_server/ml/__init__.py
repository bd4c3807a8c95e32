"""The domain layer: data, profiling, estimators, preprocessing, training, export.

Plain functions and small classes. It never imports `mcp`; the CLI and tests call it directly.
Heavy libraries are imported inside the functions that need them so the server starts fast.
"""
