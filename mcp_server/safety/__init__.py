"""Guards against hostile input, a workspace kept off sys.path, signed model files, the supply
chain of generated artefacts."""

__all__ = ["guards", "isolation", "signing", "supply_chain"]
