"""Datasets and what they hold: the kinds of data and the kind of a dataset reference (`kinds`),
reading CSV/Parquet safely (`tables`), the kind of each column (`columns`), the quality profile
and task inference (`profile`), target leakage (`leakage`), and the training schema that every
later step is built from (`schema`). Knows nothing of models; everything else builds on it.
"""

__all__ = ["columns", "kinds", "leakage", "profile", "schema", "series", "tables"]
