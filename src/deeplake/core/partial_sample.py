"""PartialSample: an empty tiled sample whose regions are written later (spec 18.3)."""
from __future__ import annotations

from typing import Optional, Tuple, Union

import numpy as np


class PartialSample:
    """A sample of ``sample_shape`` stored as zero tiles of ``tile_shape`` until written."""

    def __init__(
        self,
        sample_shape: Tuple[int, ...],
        tile_shape: Optional[Tuple[int, ...]] = None,
        dtype: Optional[Union[np.dtype, str]] = np.dtype("uint8"),
    ):
        self.sample_shape = tuple(int(x) for x in sample_shape)
        if any(x < 0 for x in self.sample_shape):
            raise ValueError(f"Invalid sample_shape {sample_shape}.")
        if tile_shape is not None:
            tile_shape = tuple(int(x) for x in tile_shape)
            if len(tile_shape) != len(self.sample_shape) or any(t <= 0 for t in tile_shape):
                raise ValueError(
                    f"tile_shape {tile_shape} must have one positive size per dimension of {self.sample_shape}."
                )
        self.tile_shape = tile_shape
        self.dtype = np.dtype(dtype if dtype is not None else "uint8")

    @property
    def shape(self) -> Tuple[int, ...]:
        return self.sample_shape

    def __repr__(self) -> str:
        return f"PartialSample(sample_shape={self.sample_shape}, tile_shape={self.tile_shape}, dtype={self.dtype.name})"
