"""Cutting oversized samples into tiles and pasting them back (FORMAT.md §3.5)."""
from __future__ import annotations

import itertools
import math
from typing import Iterator, List, Sequence

import numpy as np


def choose_tile_shape(shape: Sequence[int], itemsize: int, threshold: int, compressed: bool, stored_nbytes: int) -> tuple:
    """Halve the largest splittable axis until a tile is under ``threshold``.

    For compressed samples the tile size is estimated from the compression
    ratio of the whole sample, and the channel axis is never split.
    """
    tile = [int(s) for s in shape]
    raw = itemsize * math.prod(tile) or 1
    ratio = (stored_nbytes / raw) if compressed else 1.0
    splittable = list(range(len(tile) - 1)) if compressed and len(tile) >= 3 else list(range(len(tile)))

    def size(t):
        return itemsize * math.prod(t) * ratio

    while size(tile) > threshold:
        axis = max(splittable, key=lambda a: tile[a])
        if tile[axis] <= 1:
            break
        tile[axis] = math.ceil(tile[axis] / 2)
    return tuple(tile)


def tile_grid(shape: Sequence[int], tile_shape: Sequence[int]) -> tuple:
    return tuple(math.ceil(s / t) if t else 1 for s, t in zip(shape, tile_shape))


def split_into_tiles(sample: np.ndarray, tile_shape: Sequence[int]) -> Iterator[np.ndarray]:
    """Tiles in C order of the tile grid; edge tiles may be smaller."""
    grid = tile_grid(sample.shape, tile_shape)
    for pos in itertools.product(*(range(g) for g in grid)):
        sl = tuple(slice(p * t, (p + 1) * t) for p, t in zip(pos, tile_shape))
        yield sample[sl]


def join_tiles(tiles: List[np.ndarray], sample_shape, tile_shape, dtype) -> np.ndarray:
    out = np.empty(tuple(sample_shape), dtype=dtype if dtype is not None else tiles[0].dtype)
    grid = tile_grid(sample_shape, tile_shape)
    for tile, pos in zip(tiles, itertools.product(*(range(g) for g in grid))):
        sl = tuple(slice(p * t, p * t + d) for p, t, d in zip(pos, tile_shape, tile.shape))
        out[sl] = tile.reshape(out[sl].shape)
    return out
