"""LinkedTiledSample: an array of links whose files are the tiles of one big sample (spec 18.4)."""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from deeplake.core.sample import path_kind


class LinkedTiledSample:
    """Links to equally shaped tiles that together form one sample."""

    def __init__(self, path_array: np.ndarray, creds_key: Optional[str] = None):
        arr = np.asarray(path_array, dtype=object)
        if arr.size == 0:
            raise ValueError("link_tiled needs at least one path.")
        for p in arr.flat:
            if not isinstance(p, str):
                raise ValueError("Path array contains non-string paths.")
        if len({path_kind(p) for p in arr.flat}) > 1:
            raise ValueError("Path array contains paths in different locations.")
        self.path_array = arr
        self.creds_key = creds_key
        self.tile_shape: Optional[Tuple[int, ...]] = None  # set when the tensor verifies it

    @property
    def path(self) -> str:
        return next(iter(self.path_array.flat))

    @property
    def dtype(self) -> str:
        return np.array("").dtype.name

    def layout(self, tile_shape: Tuple[int, ...]) -> np.ndarray:
        """The path array with trailing unit dims so it has one axis per tile axis."""
        if self.path_array.ndim > len(tile_shape):
            raise ValueError("Path array can not contain more dimensions than the individual tiles")
        return self.path_array.reshape(self.path_array.shape + (1,) * (len(tile_shape) - self.path_array.ndim))

    def sample_shape(self, tile_shape: Tuple[int, ...]) -> Tuple[int, ...]:
        return tuple(a * t for a, t in zip(self.layout(tile_shape).shape, tile_shape))

    def __repr__(self) -> str:
        return f"LinkedTiledSample(shape={self.path_array.shape}, creds_key={self.creds_key!r})"
