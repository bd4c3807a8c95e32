"""The domain layer, one subpackage per capability (see ARCHITECTURE.md for the layers).

Plain functions and small classes. It never imports `mcp`; the tools, the CLI and the tests call
it directly. Heavy libraries are imported inside the functions that need them so the server
starts fast; no `__init__` here imports a submodule. `preprocess` is not a capability: it is the
stable import path of the functions stored models reference by name (never move it).
"""

__all__ = ["data", "export", "fitting", "modeling", "preprocess", "serving", "tdd", "tracking"]
