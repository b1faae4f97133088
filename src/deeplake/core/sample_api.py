"""Top-level sample constructors: deeplake.read, link, link_tiled, tiled."""
from __future__ import annotations

import os
from typing import Dict, Optional, Tuple, Union

import numpy as np


def read(path, verify: bool = False, creds: Optional[Dict] = None, compression: Optional[str] = None,
         storage=None, timeout: Optional[float] = None):
    """A lazy Sample of the file at ``path`` (local path or http(s) URL)."""
    from deeplake.core.sample import Sample

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"deeplake.read expects a path, got {type(path).__name__}.")
    return Sample(path, verify=verify, creds=creds, compression=compression, storage=storage, timeout=timeout)


def link(path, creds_key: Optional[str] = None):
    """A link to external data for link[...] tensors."""
    from deeplake.core.linked_sample import LinkedSample

    return LinkedSample(path, creds_key)


def link_tiled(path_array: np.ndarray, creds_key: Optional[str] = None):
    """Links to equally shaped files that are the tiles of one big sample."""
    from deeplake.core.linked_tiled_sample import LinkedTiledSample

    return LinkedTiledSample(path_array, creds_key)


def tiled(sample_shape: Tuple[int, ...], tile_shape: Optional[Tuple[int, ...]] = None,
          dtype: Union[str, np.dtype] = np.dtype("uint8")):
    """An empty sample of ``sample_shape`` stored in tiles, to be filled by partial writes."""
    from deeplake.core.partial_sample import PartialSample

    return PartialSample(sample_shape, tile_shape, dtype)
