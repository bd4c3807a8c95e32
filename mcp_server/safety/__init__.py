"""Guards against hostile input, signed model files, the supply chain of generated artefacts."""

__all__ = ["guards", "signing", "supply_chain"]
