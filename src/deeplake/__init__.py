"""Deep Lake: a database for AI (open, offline implementation of the 3.8 API).

Importing this package has no side effects: no network, no telemetry, no
change of multiprocessing settings, and no heavy optional dependency.
"""
from deeplake.api.dataset import connect, copy, dataset, deepcopy, delete, empty, exists, like, load, rename
from deeplake.api.dataset import list_datasets as list  # noqa: A001 - documented as deeplake.list; not in __all__
from deeplake.core.sample_api import link, link_tiled, read, tiled
from deeplake.transform import compose, compute
from deeplake.core.dataset import Dataset
from deeplake.core.tensor import Tensor
from deeplake.util.shape_interval import ShapeInterval
from deeplake import random  # deeplake.random.seed (spec 27)

__version__ = "3.8.22"

# Imported on first use: ingestion pulls in pandas / datasets, the vector store the query engine.
_LAZY = {
    "VectorStore": ("deeplake.vectorstore", "VectorStore"),
    "ingest_classification": ("deeplake.ingest", "ingest_classification"),
    "ingest_coco": ("deeplake.ingest", "ingest_coco"),
    "ingest_yolo": ("deeplake.ingest", "ingest_yolo"),
    "ingest_kaggle": ("deeplake.ingest", "ingest_kaggle"),
    "ingest_dataframe": ("deeplake.ingest", "ingest_dataframe"),
    "ingest_huggingface": ("deeplake.ingest", "ingest_huggingface"),
}


def __getattr__(name):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'deeplake' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value


__all__ = [
    "dataset", "empty", "load", "exists", "delete", "rename", "copy", "deepcopy", "like", "connect",
    "read", "link", "link_tiled", "tiled", "compute", "compose",
    "Dataset", "Tensor", "ShapeInterval", "__version__", *_LAZY,
]
