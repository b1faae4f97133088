"""Deep Lake: a database for AI (open, offline implementation of the 3.8 API).

Importing this package has no side effects: no network, no telemetry, no
change of multiprocessing settings, and no heavy optional dependency.
"""
from deeplake.api.dataset import copy, dataset, deepcopy, delete, empty, exists, like, load, rename
from deeplake.core.sample_api import link, link_tiled, read, tiled
from deeplake.transform import compose, compute
from deeplake.core.dataset import Dataset
from deeplake.core.tensor import Tensor
from deeplake.util.shape_interval import ShapeInterval
from deeplake import random  # deeplake.random.seed (spec 27)

__version__ = "3.8.22"

__all__ = [
    "dataset", "empty", "load", "exists", "delete", "rename", "copy", "deepcopy", "like",
    "read", "link", "link_tiled", "tiled", "compute", "compose",
    "Dataset", "Tensor", "ShapeInterval", "__version__",
]
