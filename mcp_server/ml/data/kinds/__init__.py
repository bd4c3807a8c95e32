"""Kinds of data: what a dataset reference is and everything that depends on it (reading,
profiling, splitting, the model families that accept it, its export and serving routes, its
generated-test templates). `base` states the protocol, `table` is the first kind (a CSV or
Parquet file), `images` a folder of class folders of images, `registry` finds the kind of a
reference (`kind_for`) and holds the kinds.
"""

__all__ = ["base", "images", "registry", "table", "timeseries"]
