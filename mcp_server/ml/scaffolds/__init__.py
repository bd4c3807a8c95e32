"""Scaffolds for the tools teams already run: a DVC pipeline over the generated model pipeline
(`dvc`) and a Feast feature repository for a table (`feast`). Each renders its template set
(`templates/<set>/manifest.yaml`), checks everything before writing (`output`: YAML parsed,
paths contained) and writes through `Workspace.write_files`, so a file a person edited is kept.
"""

__all__ = ["dvc", "feast", "output"]
