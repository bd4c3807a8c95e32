"""The shared facts every layer reads: errors, names and patterns, `.moai` paths, settings."""

__all__ = ["errors", "layout", "names", "package", "settings"]
