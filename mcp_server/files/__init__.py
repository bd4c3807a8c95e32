"""Files: the workspace"s path resolution and writes, their journal, rendering, template sets."""

__all__ = ["journal", "render", "template_sets", "workspace"]
